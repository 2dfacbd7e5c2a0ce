/**
 * The queue injected NBLs wait in — for delivery, then for their completionFn — and the scheduler abstraction that
 * decides when it is drained. Injection never completes inside the inject call (R12, bridge-mapping §4): the bridge
 * drains after each batch, replay drains on its virtual clock, anything else drains in a microtask.
 */
import type { NetBufferList } from './nbl.js';

export interface DrainScheduler {
  /**
   * Arrange for `drain` to run later — never synchronously inside this call. Called at most once between two
   * drains; a host that drains on its own schedule may ignore it.
   */
  requestDrain(drain: () => void): void;
}

/** The host calls drainCompletions() itself (the bridge after each frame batch, replay on its virtual clock). */
export const manualDrainScheduler: DrainScheduler = {
  requestDrain(): void {},
};

/** Drain once the current synchronous work (the classify, the batch) has returned. */
export const microtaskDrainScheduler: DrainScheduler = {
  requestDrain(drain: () => void): void {
    queueMicrotask(drain);
  },
};

/** Fixed-capacity FIFO of NBLs: allocated once, so queueing an injection allocates nothing. */
export class NblRing {
  private readonly slots: (NetBufferList | null)[];
  private head = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.slots = new Array<NetBufferList | null>(capacity).fill(null);
  }

  get size(): number {
    return this.count;
  }

  /** False when full (the caller's admission control is meant to make that impossible). */
  push(nbl: NetBufferList): boolean {
    if (this.count === this.capacity) return false;
    this.slots[(this.head + this.count) % this.capacity] = nbl;
    this.count++;
    return true;
  }

  shift(): NetBufferList | null {
    if (this.count === 0) return null;
    const nbl = this.slots[this.head]!;
    this.slots[this.head] = null;
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    return nbl;
  }
}
