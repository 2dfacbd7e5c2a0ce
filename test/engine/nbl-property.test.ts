import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { NTSTATUS } from '../../src/engine/ntstatus.js';
import { InFlightPhase, type NetBufferList } from '../../src/engine/nbl.js';
import { NblMisuse, type NblMisuseKind } from '../../src/engine/nbl-misuse.js';
import type { InjectCompleteFn } from '../../src/engine/injection.js';
import { makeLab, transportSend, type Lab } from './nbl-fixtures.js';

/** An NBL as the model knows it: the object plus the serial it had, so a recycled object is not mistaken for it. */
interface Tracked {
  nbl: NetBufferList;
  serial: number;
}
const track = (nbl: NetBufferList): Tracked => ({ nbl, serial: nbl.serial });
const alive = (t: Tracked) => t.nbl.live && t.nbl.serial === t.serial;

type Op =
  | { t: 'indicate' }
  | { t: 'release'; i: number }
  | { t: 'clone'; i: number }
  | { t: 'allocate' }
  | { t: 'reference'; i: number }
  | { t: 'dereference'; i: number }
  | { t: 'free'; i: number }
  | { t: 'inject'; i: number; pathHold: 'none' | 'reference' | 'clone' }
  | { t: 'drain' }
  | { t: 'misuse'; which: number; i: number };

const index = fc.nat({ max: 1000 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.constant({ t: 'indicate' as const }), weight: 3 },
  { arbitrary: fc.record({ t: fc.constant('release' as const), i: index }), weight: 2 },
  { arbitrary: fc.record({ t: fc.constant('clone' as const), i: index }), weight: 3 },
  { arbitrary: fc.constant({ t: 'allocate' as const }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant('reference' as const), i: index }), weight: 2 },
  { arbitrary: fc.record({ t: fc.constant('dereference' as const), i: index }), weight: 2 },
  { arbitrary: fc.record({ t: fc.constant('free' as const), i: index }), weight: 2 },
  {
    arbitrary: fc.record({
      t: fc.constant('inject' as const),
      i: index,
      pathHold: fc.constantFrom('none' as const, 'reference' as const, 'clone' as const),
    }),
    weight: 4,
  },
  { arbitrary: fc.constant({ t: 'drain' as const }), weight: 2 },
  { arbitrary: fc.record({ t: fc.constant('misuse' as const), which: fc.nat({ max: 5 }), i: index }), weight: 1 },
);

const pick = <T>(items: readonly T[], i: number): T | undefined =>
  items.length === 0 ? undefined : items[i % items.length];
const removeAt = <T>(items: T[], item: T) => items.splice(items.indexOf(item), 1);

/** Interprets ops against the engine while keeping its own account of who owns what. */
class Model {
  readonly lab: Lab = makeLab({ capacity: 8, pool: { quarantine: 4 } });
  readonly handle = this.lab.handle();
  /** Stack NBLs the stack has not released yet. */
  readonly inIndication: Tracked[] = [];
  /** Clones and allocated NBLs the callout owns and has not handed to an inject function. */
  readonly owned: Tracked[] = [];
  /** One entry per reference the callouts hold. */
  readonly refs: Tracked[] = [];
  readonly inFlight = new Map<number, Tracked>();
  /**
   * Holds on each in-flight NBL when it was injected (the injector's own). Holds are counted, not attributed, so the
   * rule is: its completion runs only once the holds on it are back down to these counts.
   */
  readonly baseHolds = new Map<number, { refs: number; clones: number }>();
  /** Completions that ran while holds beyond the base were outstanding, by the model's own books (must stay 0). */
  prematureCompletions = 0;
  /** Per NBL serial: successful injections and completionFn calls (an NBL may be reinjected after completing). */
  readonly injections = new Map<number, number>();
  readonly completions = new Map<number, number>();
  readonly created: Tracked[] = [];
  readonly freed: Tracked[] = [];
  expectedViolations: NblMisuseKind[] = [];

  private readonly completionFn: InjectCompleteFn = (_ctx, nbl) => {
    const t = this.inFlight.get(nbl.serial)!;
    this.inFlight.delete(nbl.serial);
    const base = this.baseHolds.get(nbl.serial)!;
    this.baseHolds.delete(nbl.serial);
    const now = this.holdsOn(t);
    if (now.refs > base.refs || now.clones > base.clones) this.prematureCompletions++;
    this.completions.set(nbl.serial, (this.completions.get(nbl.serial) ?? 0) + 1);
    if (nbl.origin !== 'stack') this.owned.push(t);
  };

  apply(op: Op): void {
    const { api, pool, injection } = this.lab;
    switch (op.t) {
      case 'indicate': {
        const slot = Uint8Array.from({ length: 32 }, (_, k) => k);
        const nbl = pool.indicate(slot, 8, 24)!;
        this.inIndication.push(track(nbl));
        this.created.push(track(nbl));
        return;
      }
      case 'release': {
        const t = pick(this.inIndication, op.i);
        if (!t) return;
        removeAt(this.inIndication, t);
        pool.releaseStack(t.nbl);
        return;
      }
      case 'clone': {
        const t = pick(this.usable(), op.i);
        if (!t) return;
        this.adoptClone(t.nbl);
        return;
      }
      case 'allocate': {
        const out = { value: null as NetBufferList | null };
        expect(api.FwpsAllocateNetBufferAndNetBufferList0(null, 0, 0, new Uint8Array(16), 2, 10, out)).toBe(0);
        this.owned.push(track(out.value!));
        this.created.push(track(out.value!));
        return;
      }
      case 'reference': {
        const t = pick(this.usable(), op.i);
        if (!t) return;
        api.FwpsReferenceNetBufferList0(t.nbl, false);
        this.refs.push(t);
        return;
      }
      case 'dereference': {
        const t = pick(this.refs, op.i);
        if (!t) return;
        removeAt(this.refs, t);
        api.FwpsDereferenceNetBufferList0(t.nbl, false);
        return;
      }
      case 'free': {
        const t = pick(this.freeable(), op.i);
        if (!t) return;
        this.free(t);
        return;
      }
      case 'inject': {
        const t = pick(this.usable().filter((x) => x.nbl.inFlight.phase === InFlightPhase.Idle), op.i);
        if (!t) return;
        const deliver = (nbl: NetBufferList) => {
          if (op.pathHold === 'reference') {
            api.FwpsReferenceNetBufferList0(nbl, false);
            this.refs.push(track(nbl));
          } else if (op.pathHold === 'clone') {
            this.adoptClone(nbl);
          }
          return NTSTATUS.STATUS_SUCCESS;
        };
        const base = this.holdsOn(t);
        const room = injection.stats().outstanding < injection.stats().capacity;
        const status = injection.beginInjection(this.handle, t.nbl, this.completionFn, null, transportSend({ deliver }));
        expect(status).toBe(room ? NTSTATUS.STATUS_SUCCESS : NTSTATUS.STATUS_INSUFFICIENT_RESOURCES);
        if (status !== NTSTATUS.STATUS_SUCCESS) return;
        if (t.nbl.origin !== 'stack') removeAt(this.owned, t);
        this.inFlight.set(t.serial, t);
        this.baseHolds.set(t.serial, base);
        this.injections.set(t.serial, (this.injections.get(t.serial) ?? 0) + 1);
        return;
      }
      case 'drain':
        injection.drainCompletions();
        return;
      case 'misuse':
        this.misuse(op.which, op.i);
        return;
    }
  }

  /** Each misuse is refused and reported exactly once; the model's account does not change. */
  private misuse(which: number, i: number): void {
    const { api, injection } = this.lab;
    const expectOne = (kind: NblMisuseKind, run: () => void) => {
      run();
      this.expectedViolations.push(kind);
    };
    switch (which) {
      case 0: {
        const t = pick(this.freed.filter((x) => !x.nbl.live), i); // not yet reused by the pool
        if (t) expectOne(NblMisuse.DoubleFree, () => this.freeFn(t.nbl));
        return;
      }
      case 1: {
        const t = pick(this.usable().filter((x) => x.nbl.refCount === 0), i);
        if (t) expectOne(NblMisuse.DereferenceUnderflow, () => api.FwpsDereferenceNetBufferList0(t.nbl, false));
        return;
      }
      case 2: {
        const t = pick(this.inIndication, i);
        if (t) expectOne(NblMisuse.FreeStackNbl, () => api.FwpsFreeNetBufferList0(t.nbl));
        return;
      }
      case 3: {
        const t = pick(this.owned.filter((x) => x.nbl.childRefCount > 0), i);
        if (t) expectOne(NblMisuse.FreeWithChildren, () => this.freeFn(t.nbl));
        return;
      }
      case 4: {
        const t = pick([...this.inFlight.values()], i);
        if (t) {
          expectOne(NblMisuse.InjectInFlight, () =>
            expect(injection.beginInjection(this.handle, t.nbl, this.completionFn, null, transportSend())).toBe(
              NTSTATUS.STATUS_INVALID_PARAMETER,
            ),
          );
        }
        return;
      }
      default: {
        const t = pick(this.owned.filter((x) => x.nbl.childRefCount === 0 && x.nbl.refCount > 0), i);
        if (t) expectOne(NblMisuse.FreeReferenced, () => this.freeFn(t.nbl));
      }
    }
  }

  /** The model's books must match the pool's and the injection manager's after every step. */
  checkConsistent(): void {
    const stats = this.lab.pool.stats();
    const live = this.created.filter(alive);
    expect(stats.clonesOutstanding).toBe(live.filter((t) => t.nbl.origin === 'clone').length);
    expect(stats.allocatedOutstanding).toBe(live.filter((t) => t.nbl.origin === 'allocated').length);
    expect(stats.stackLive).toBe(live.filter((t) => t.nbl.origin === 'stack').length);
    expect(stats.references).toBe(this.refs.length);
    expect(this.lab.injection.stats().outstanding).toBe(this.inFlight.size);
    expect(this.lab.violations.map((v) => v.kind)).toEqual(this.expectedViolations);
    for (const [serial, n] of this.completions) expect(n).toBeLessThanOrEqual(this.injections.get(serial)!);
    expect(this.prematureCompletions).toBe(0);
  }

  /** Everyone gives back what they hold, in an order the rules allow. */
  balance(): void {
    const { api, pool, injection } = this.lab;
    for (let round = 0; round < 200; round++) {
      injection.drainCompletions();
      for (const t of this.refs.splice(0)) api.FwpsDereferenceNetBufferList0(t.nbl, false);
      for (const t of this.inIndication.splice(0)) pool.releaseStack(t.nbl);
      for (const t of this.freeable()) this.free(t);
      if (this.owned.length === 0 && this.inFlight.size === 0 && injection.stats().queued === 0) return;
    }
  }

  /** References the model's callouts hold on `t`, and its clones still alive. */
  private holdsOn(t: Tracked): { refs: number; clones: number } {
    const same = (x: Tracked) => x.nbl === t.nbl && x.serial === t.serial;
    return {
      refs: this.refs.filter(same).length,
      clones: this.created.filter((c) => alive(c) && c.nbl.parent === t.nbl).length,
    };
  }

  private usable(): Tracked[] {
    return [...this.inIndication, ...this.owned].filter(alive);
  }

  private freeable(): Tracked[] {
    return this.owned.filter((t) => t.nbl.childRefCount === 0 && t.nbl.refCount === 0);
  }

  private adoptClone(nbl: NetBufferList): void {
    const out = { value: null as NetBufferList | null };
    expect(this.lab.api.FwpsAllocateCloneNetBufferList0(nbl, null, null, 0, out)).toBe(NTSTATUS.STATUS_SUCCESS);
    this.owned.push(track(out.value!));
    this.created.push(track(out.value!));
  }

  private free(t: Tracked): void {
    removeAt(this.owned, t);
    this.freeFn(t.nbl);
    this.freed.push(t);
  }

  private freeFn(nbl: NetBufferList): void {
    if (nbl.origin === 'clone') this.lab.api.FwpsFreeCloneNetBufferList0(nbl, 0);
    else this.lab.api.FwpsFreeNetBufferList0(nbl);
  }
}

describe('property: random clone/reference/dereference/free/inject/drain sequences', () => {
  it('never throw, keep the books consistent, complete each injection once, and end with zero leaks when balanced', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 10, maxLength: 120, size: 'large' }), (ops) => {
        const model = new Model();
        for (const op of ops) {
          expect(() => model.apply(op)).not.toThrow();
          model.checkConsistent();
        }
        model.balance();
        model.checkConsistent();
        const { pool, injection } = model.lab;
        expect(pool.leaks()).toEqual({ clones: 0, allocated: 0, references: 0, stackHeldAfterRelease: 0 });
        expect(pool.stats().stackLive).toBe(0);
        expect(injection.stats()).toMatchObject({ outstanding: 0, queued: 0, internalErrors: 0 });
        // Exactly one completionFn per successful injection.
        expect(model.completions).toEqual(model.injections);
        expect(injection.stats().completed).toBe(injection.stats().admitted);
      }),
      { numRuns: 300 },
    );
  });

  it('arbitrary API calls on any NBL ever seen, freed or not, never throw and never drive a count negative', () => {
    const call = fc.record({ fn: fc.nat({ max: 9 }), i: index });
    fc.assert(
      fc.property(fc.array(call, { minLength: 10, maxLength: 160, size: 'large' }), (calls) => {
        const lab = makeLab({ capacity: 4, pool: { quarantine: 2 } });
        const h = lab.handle();
        const seen: NetBufferList[] = [];
        const remember = (nbl: NetBufferList | null) => nbl && seen.push(nbl);
        for (const { fn, i } of calls) {
          const nbl = pick(seen, i);
          const out = { value: null as NetBufferList | null };
          expect(() => {
            switch (fn) {
              case 0: return remember(lab.pool.indicate(new Uint8Array(20), 4, 16));
              case 1: return nbl && lab.pool.releaseStack(nbl);
              case 2: return nbl && (lab.api.FwpsAllocateCloneNetBufferList0(nbl, null, null, 0, out), remember(out.value));
              case 3: return nbl && lab.api.FwpsReferenceNetBufferList0(nbl, i % 2 === 0);
              case 4: return nbl && lab.api.FwpsDereferenceNetBufferList0(nbl, false);
              case 5: return nbl && lab.api.FwpsFreeCloneNetBufferList0(nbl, 0);
              case 6: return nbl && lab.api.FwpsFreeNetBufferList0(nbl);
              case 7: return nbl && lab.injection.beginInjection(h, nbl, () => {}, null, transportSend());
              case 8: return lab.injection.drainCompletions();
              default: return nbl && lab.api.NdisGetDataBuffer(nbl.firstNb!, 4, null, 1, 0);
            }
          }).not.toThrow();
          const counts = { ...lab.pool.stats(), ...lab.injection.stats() };
          const negative = Object.entries(counts).filter(([, value]) => value < 0);
          if (negative.length > 0 || counts.internalErrors !== 0) expect({ negative, counts }).toBeUndefined();
        }
      }),
      { numRuns: 300 },
    );
  });
});
