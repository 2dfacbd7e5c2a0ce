import { describe, expect, it } from 'vitest';
import { NTSTATUS } from '../../src/engine/ntstatus.js';
import { FWPS_PACKET_NOT_INJECTED } from '../../src/engine/constants.js';
import { NblMisuse, type NblMisuseKind } from '../../src/engine/nbl-misuse.js';
import type { NetBufferList } from '../../src/engine/nbl.js';
import { NblPool } from '../../src/engine/nbl-pool.js';
import { makeLab, transportSend, type Lab } from './nbl-fixtures.js';

const FRAME = [1, 2, 3, 4, 5, 6];

/** Each scenario commits exactly one misuse; `check` asserts what the API answered and that state was left alone. */
interface Scenario {
  name: string;
  kind: NblMisuseKind;
  run(lab: Lab): void;
}

const scenarios: Scenario[] = [
  {
    name: 'double free of a clone',
    kind: NblMisuse.DoubleFree,
    run({ api, indicate, clone, pool }) {
      const c = clone(indicate(FRAME));
      api.FwpsFreeCloneNetBufferList0(c, 0);
      api.FwpsFreeCloneNetBufferList0(c, 0);
      expect(pool.stats().clonesOutstanding).toBe(0);
    },
  },
  {
    name: 'double free of an allocated NBL',
    kind: NblMisuse.DoubleFree,
    run({ api, allocate, pool }) {
      const a = allocate(new Uint8Array(4));
      api.FwpsFreeNetBufferList0(a);
      api.FwpsFreeNetBufferList0(a);
      expect(pool.stats().allocatedOutstanding).toBe(0);
    },
  },
  {
    name: 'referencing an NBL after free',
    kind: NblMisuse.UseAfterFree,
    run({ api, indicate, clone, pool }) {
      const c = clone(indicate(FRAME));
      api.FwpsFreeCloneNetBufferList0(c, 0);
      api.FwpsReferenceNetBufferList0(c, false);
      expect(c.refCount).toBe(0);
      expect(pool.stats().references).toBe(0);
    },
  },
  {
    name: 'cloning an NBL after free',
    kind: NblMisuse.UseAfterFree,
    run({ api, indicate, pool }) {
      const nbl = indicate(FRAME);
      pool.releaseStack(nbl);
      const out = { value: null as NetBufferList | null };
      expect(api.FwpsAllocateCloneNetBufferList0(nbl, null, null, 0, out)).toBe(NTSTATUS.STATUS_INVALID_PARAMETER);
      expect(out.value).toBeNull();
    },
  },
  {
    name: 'reading NET_BUFFER_LIST_FIRST_NB of a freed NBL',
    kind: NblMisuse.UseAfterFree,
    run({ api, indicate, pool }) {
      const nbl = indicate(FRAME);
      pool.releaseStack(nbl);
      expect(api.NET_BUFFER_LIST_FIRST_NB(nbl)).toBeNull();
    },
  },
  {
    name: 'NdisGetDataBuffer on a freed NET_BUFFER',
    kind: NblMisuse.UseAfterFree,
    run({ api, indicate, pool }) {
      const nbl = indicate(FRAME);
      const nb = nbl.firstNb!;
      pool.releaseStack(nbl);
      expect(api.NdisGetDataBuffer(nb, 2, null, 1, 0)).toBeNull();
    },
  },
  {
    name: 'querying the injection state of a freed NBL',
    kind: NblMisuse.UseAfterFree,
    run({ api, indicate, pool, handle }) {
      const nbl = indicate(FRAME);
      pool.releaseStack(nbl);
      expect(api.FwpsQueryPacketInjectionState0(handle(), nbl, null)).toBe(FWPS_PACKET_NOT_INJECTED);
    },
  },
  {
    name: 'injecting a freed NBL',
    kind: NblMisuse.UseAfterFree,
    run({ injection, indicate, clone, api, handle }) {
      const c = clone(indicate(FRAME));
      api.FwpsFreeCloneNetBufferList0(c, 0);
      const status = injection.beginInjection(handle(), c, () => {}, null, transportSend());
      expect(status).toBe(NTSTATUS.STATUS_INVALID_PARAMETER);
      expect(injection.stats().outstanding).toBe(0);
    },
  },
  {
    name: 'FwpsFreeCloneNetBufferList0 on a stack NBL',
    kind: NblMisuse.FreeStackNbl,
    run({ api, indicate }) {
      const nbl = indicate(FRAME);
      api.FwpsFreeCloneNetBufferList0(nbl, 0);
      expect(nbl.live).toBe(true);
    },
  },
  {
    name: 'FwpsFreeNetBufferList0 on a stack NBL',
    kind: NblMisuse.FreeStackNbl,
    run({ api, indicate }) {
      const nbl = indicate(FRAME);
      api.FwpsFreeNetBufferList0(nbl);
      expect(nbl.live).toBe(true);
    },
  },
  {
    name: 'FwpsFreeNetBufferList0 on a clone',
    kind: NblMisuse.WrongFreeFunction,
    run({ api, indicate, clone }) {
      const c = clone(indicate(FRAME));
      api.FwpsFreeNetBufferList0(c);
      expect(c.live).toBe(true);
    },
  },
  {
    name: 'FwpsFreeCloneNetBufferList0 on an allocated NBL',
    kind: NblMisuse.WrongFreeFunction,
    run({ api, allocate }) {
      const a = allocate(new Uint8Array(4));
      api.FwpsFreeCloneNetBufferList0(a, 0);
      expect(a.live).toBe(true);
    },
  },
  {
    name: 'the stack releasing a clone',
    kind: NblMisuse.WrongFreeFunction,
    run({ pool, indicate, clone }) {
      const c = clone(indicate(FRAME));
      pool.releaseStack(c);
      expect(c.live).toBe(true);
    },
  },
  {
    name: 'freeing a clone whose own clones are outstanding',
    kind: NblMisuse.FreeWithChildren,
    run({ api, indicate, clone }) {
      const parent = indicate(FRAME);
      const c = clone(parent);
      const grandchild = clone(c);
      api.FwpsFreeCloneNetBufferList0(c, 0);
      expect([c.live, c.childRefCount, parent.childRefCount]).toEqual([true, 1, 1]);
      expect(grandchild.parent).toBe(c);
    },
  },
  {
    name: 'freeing an allocated parent with ChildRefCount > 0',
    kind: NblMisuse.FreeWithChildren,
    run({ api, allocate, clone }) {
      const a = allocate(new Uint8Array(8));
      clone(a);
      api.FwpsFreeNetBufferList0(a);
      expect(a.live).toBe(true);
    },
  },
  {
    name: 'freeing a referenced clone',
    kind: NblMisuse.FreeReferenced,
    run({ api, indicate, clone }) {
      const c = clone(indicate(FRAME));
      api.FwpsReferenceNetBufferList0(c, false);
      api.FwpsFreeCloneNetBufferList0(c, 0);
      expect(c.live).toBe(true);
    },
  },
  {
    name: 'freeing an injected clone before its completionFn ran',
    kind: NblMisuse.FreeInFlight,
    run({ api, injection, indicate, clone, handle }) {
      const c = clone(indicate(FRAME));
      expect(injection.beginInjection(handle(), c, () => {}, null, transportSend())).toBe(NTSTATUS.STATUS_SUCCESS);
      api.FwpsFreeCloneNetBufferList0(c, 0);
      expect(c.live).toBe(true);
    },
  },
  {
    name: 'dereferencing below zero',
    kind: NblMisuse.DereferenceUnderflow,
    run({ api, indicate, pool }) {
      const nbl = indicate(FRAME);
      api.FwpsDereferenceNetBufferList0(nbl, false);
      expect(nbl.refCount).toBe(0);
      expect(pool.stats().references).toBe(0);
    },
  },
  {
    name: 'the stack releasing a referenced NBL a second time',
    kind: NblMisuse.StackReleaseTwice,
    run({ api, indicate, pool }) {
      const nbl = indicate(FRAME);
      api.FwpsReferenceNetBufferList0(nbl, false);
      pool.releaseStack(nbl);
      pool.releaseStack(nbl);
      expect(nbl.live).toBe(true);
      expect(pool.stats().stackHeldAfterRelease).toBe(1);
    },
  },
  {
    name: 'the stack releasing an NBL already recycled',
    kind: NblMisuse.StackReleaseTwice,
    run({ indicate, pool }) {
      const nbl = indicate(FRAME);
      pool.releaseStack(nbl);
      pool.releaseStack(nbl);
      expect(pool.stats().stackLive).toBe(0);
    },
  },
  {
    name: 'injecting an NBL that is already in flight',
    kind: NblMisuse.InjectInFlight,
    run({ injection, indicate, clone, handle }) {
      const c = clone(indicate(FRAME));
      const h = handle();
      expect(injection.beginInjection(h, c, () => {}, null, transportSend())).toBe(NTSTATUS.STATUS_SUCCESS);
      expect(injection.beginInjection(h, c, () => {}, null, transportSend())).toBe(NTSTATUS.STATUS_INVALID_PARAMETER);
      expect(injection.stats().outstanding).toBe(1);
      expect(c.injection.handles.toArray()).toEqual([h.id]);
    },
  },
  {
    name: 'an engine window outside its storage',
    kind: NblMisuse.InvalidLayout,
    run({ pool }) {
      expect(pool.indicate(new Uint8Array(10), 8, 4)).toBeNull();
    },
  },
];

describe('ownership misuse is detected, reported once, refused, and never thrown', () => {
  it.each(scenarios)('$kind: $name', (scenario) => {
    const lab = makeLab();
    expect(() => scenario.run(lab)).not.toThrow();
    expect(lab.violations.map((v) => v.kind)).toEqual([scenario.kind]);
    expect(lab.pool.violations.count(scenario.kind)).toBe(1);
    expect(lab.violations[0]!.message.length).toBeGreaterThan(0);
  });

  it('every misuse kind has a scenario', () => {
    const covered = new Set(scenarios.map((s) => s.kind));
    covered.add(NblMisuse.Leak); // covered by the leak-accounting test in nbl-pool.test.ts
    expect([...covered].sort()).toEqual(Object.values(NblMisuse).sort());
  });

  it('a throwing violation hook does not make misuse throw', () => {
    const pool = new NblPool({ onViolation: () => { throw new Error('hook bug'); } });
    const nbl = pool.indicate(new Uint8Array(4), 0, 4)!;
    expect(() => pool.dereference(nbl)).not.toThrow();
    expect(pool.violations.total).toBe(1);
  });
});
