/**
 * The one source of time for the engine, the switch and the host stacks (bridge-mapping §4): the wall clock on the
 * bridge, a virtual clock in replay, so that replay is deterministic. Timers are coarse (milliseconds) on purpose:
 * nothing in WFP's model needs finer, and a virtual clock can then fire them in a stable order.
 */
export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since an arbitrary epoch; monotonic. */
  nowMs(): number;
  /** Nanoseconds since the Unix epoch, for captures and logs. */
  wallNs(): bigint;
  setTimer(delayMs: number, fn: () => void): Timer;
}

export class WallClock implements Clock {
  private readonly origin = performance.now();
  private readonly originWallNs = BigInt(Date.now()) * 1_000_000n;

  nowMs(): number {
    return performance.now() - this.origin;
  }

  wallNs(): bigint {
    return this.originWallNs + BigInt(Math.round((performance.now() - this.origin) * 1e6));
  }

  setTimer(delayMs: number, fn: () => void): Timer {
    const t = setTimeout(fn, Math.max(0, delayMs));
    t.unref?.();
    return { cancel: () => clearTimeout(t) };
  }
}

interface PendingTimer {
  due: number;
  seq: number;
  fn: (() => void) | null;
}

function earlier(a: PendingTimer, b: PendingTimer): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}

/**
 * Time moves only when told to (`advanceTo`), firing due timers in (due, creation) order, so two runs over the same
 * input fire the same timers in the same order. Timers sit in a binary heap; cancelled ones are dropped lazily when
 * they reach the top, so cancel is O(1) and advancing past n timers is O(n log n).
 */
export class VirtualClock implements Clock {
  private now: number;
  private seq = 0;
  private readonly heap: PendingTimer[] = [];

  constructor(
    startMs = 0,
    private readonly epochNs = 0n,
  ) {
    this.now = startMs;
  }

  nowMs(): number {
    return this.now;
  }

  wallNs(): bigint {
    return this.epochNs + BigInt(Math.round(this.now * 1e6));
  }

  setTimer(delayMs: number, fn: () => void): Timer {
    const t: PendingTimer = { due: this.now + Math.max(0, delayMs), seq: this.seq++, fn };
    this.push(t);
    return {
      cancel: () => {
        t.fn = null;
      },
    };
  }

  /** Advance to `ms`, firing every timer due by then, including timers that fired timers schedule. */
  advanceTo(ms: number): void {
    for (;;) {
      const next = this.peekLive();
      if (next === null || next.due > ms) break;
      this.pop();
      if (next.due > this.now) this.now = next.due;
      const fn = next.fn;
      next.fn = null;
      fn?.();
    }
    if (ms > this.now) this.now = ms;
  }

  /** Time of the next live timer, or null: replay uses it to run out the clock at the end of a capture. */
  nextDueMs(): number | null {
    return this.peekLive()?.due ?? null;
  }

  /** Live (not cancelled, not fired) timers. */
  get pendingTimers(): number {
    let n = 0;
    for (const t of this.heap) if (t.fn) n++;
    return n;
  }

  private peekLive(): PendingTimer | null {
    while (this.heap.length > 0 && this.heap[0]!.fn === null) this.pop();
    return this.heap[0] ?? null;
  }

  private push(t: PendingTimer): void {
    const h = this.heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!earlier(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && earlier(h[l]!, h[m]!)) m = l;
      if (r < h.length && earlier(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}
