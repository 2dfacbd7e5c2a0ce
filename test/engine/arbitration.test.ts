/**
 * Filter arbitration (spec §2.1): R32–R39, R43, R44 and the emulator's own choices around them.
 */
import { describe, expect, it } from 'vitest';
import {
  FWPM_FILTER_FLAG_CLEAR_ACTION_RIGHT,
  FWPM_FILTER_FLAG_PERMIT_IF_CALLOUT_UNREGISTERED,
  FWPS_CLASSIFY_OUT_FLAG_ABSORB,
  FWPS_RIGHT_ACTION_WRITE,
  FWP_ACTION_BLOCK,
  FWP_ACTION_CALLOUT_INSPECTION,
  FWP_ACTION_CALLOUT_TERMINATING,
  FWP_ACTION_CALLOUT_UNKNOWN,
  FWP_ACTION_CONTINUE,
  FWP_ACTION_NONE,
  FWP_ACTION_PERMIT,
} from '../../src/engine/constants.js';
import {
  ENGINE_EVENT_ABSORB,
  ENGINE_EVENT_CALLOUT_FAULT,
  ENGINE_EVENT_CLASSIFY_DROP,
  ENGINE_EVENT_CONFORMANCE,
  ENGINE_EVENT_VETO,
  type EngineEventCode,
} from '../../src/engine/events.js';
import {
  FWPS_LAYER_ALE_AUTH_CONNECT_V4,
  FWPS_LAYER_ALE_AUTH_CONNECT_V4_DISCARD,
  FWPS_LAYER_INGRESS_VSWITCH_ETHERNET,
  FWPS_LAYER_OUTBOUND_TRANSPORT_V4,
} from '../../src/engine/layers.js';
import { NTSTATUS } from '../../src/engine/ntstatus.js';
import { Harness, remotePort } from './engine-harness.js';

const W = FWPS_RIGHT_ACTION_WRITE;

function recordEvents(h: Harness) {
  const events: Array<{ event: EngineEventCode; layerId: number; filterId: bigint; calloutId: number; detail: unknown }> = [];
  h.engine.onEvent((event, layerId, filterId, calloutId, detail) => events.push({ event, layerId, filterId, calloutId, detail }));
  return events;
}

describe('sublayer and filter order', () => {
  it('R32: sublayers are evaluated in descending weight', () => {
    const h = new Harness();
    const low = h.sublayer(0x0010);
    const high = h.sublayer(0x9000);
    const mid = h.sublayer(0x0100);
    const c = h.callout({ behaviour: { action: FWP_ACTION_CONTINUE } });
    const fLow = h.filter({ sublayer: low, action: FWP_ACTION_CALLOUT_INSPECTION, calloutKey: c.key });
    const fHigh = h.filter({ sublayer: high, action: FWP_ACTION_CALLOUT_INSPECTION, calloutKey: c.key });
    const fMid = h.filter({ sublayer: mid, action: FWP_ACTION_CALLOUT_INSPECTION, calloutKey: c.key });
    const r = h.classify();
    expect(h.calls.map((x) => x.filterId)).toEqual([fHigh, fMid, fLow]);
    expect(r.calloutsRun().map((x) => x.filterId)).toEqual([fHigh, fMid, fLow]);
  });

  it('R32: within a sublayer matching filters are evaluated in descending weight', () => {
    const h = new Harness();
    const c = h.callout({ behaviour: { action: FWP_ACTION_CONTINUE } });
    const f5 = h.filter({ action: FWP_ACTION_CALLOUT_INSPECTION, calloutKey: c.key, weight: 5n });
    const f50 = h.filter({ action: FWP_ACTION_CALLOUT_INSPECTION, calloutKey: c.key, weight: 50n });
    const f20 = h.filter({ action: FWP_ACTION_CALLOUT_INSPECTION, calloutKey: c.key, weight: 20n });
    h.filter({ action: FWP_ACTION_CALLOUT_INSPECTION, calloutKey: c.key, weight: 40n, conditions: [remotePort(1)] }); // does not match
    h.classify(FWPS_LAYER_ALE_AUTH_CONNECT_V4, { IP_REMOTE_PORT: 80 });
    expect(h.calls.map((x) => x.filterId)).toEqual([f50, f20, f5]);
  });

  it('R32 [emu]: equal filter weights and equal sublayer weights fall back to insertion order', () => {
    const h = new Harness();
    const s1 = h.sublayer(0x100);
    const s2 = h.sublayer(0x100);
    const c = h.callout({ behaviour: { action: FWP_ACTION_CONTINUE } });
    const a = h.filter({ sublayer: s2, action: FWP_ACTION_CALLOUT_INSPECTION, calloutKey: c.key, weight: 7n });
    const b = h.filter({ sublayer: s2, action: FWP_ACTION_CALLOUT_INSPECTION, calloutKey: c.key, weight: 7n });
    const d = h.filter({ sublayer: s1, action: FWP_ACTION_CALLOUT_INSPECTION, calloutKey: c.key, weight: 7n });
    h.classify();
    // s1 was added first, so it comes first although its filter was added last.
    expect(h.calls.map((x) => x.filterId)).toEqual([d, a, b]);
  });
});

describe('one sublayer', () => {
  it('R33: the first PERMIT or BLOCK ends the sublayer', () => {
    const h = new Harness();
    const c = h.callout({ behaviour: { action: FWP_ACTION_CONTINUE } });
    const block = h.filter({ action: FWP_ACTION_BLOCK, weight: 20n });
    h.filter({ action: FWP_ACTION_PERMIT, weight: 10n });
    h.filter({ action: FWP_ACTION_CALLOUT_INSPECTION, calloutKey: c.key, weight: 5n });
    const r = h.classify();
    expect(r.actionType).toBe(FWP_ACTION_BLOCK);
    expect(r.filterId).toBe(block);
    expect(h.calls).toHaveLength(0);
  });

  it('R33: CONTINUE passes to the next filter', () => {
    const h = new Harness();
    const x = h.callout({ behaviour: { action: FWP_ACTION_CONTINUE } });
    const fx = h.filter({ action: FWP_ACTION_CALLOUT_UNKNOWN, calloutKey: x.key, weight: 30n });
    const permit = h.filter({ action: FWP_ACTION_PERMIT, weight: 20n });
    const r = h.classify();
    expect(h.calls.map((c) => c.filterId)).toEqual([fx]);
    expect(r.actionType).toBe(FWP_ACTION_PERMIT);
    expect(r.filterId).toBe(permit);
  });

  it('R33: a callout PERMIT ends the sublayer before a lower-weight static BLOCK', () => {
    const h = new Harness();
    const x = h.callout({ behaviour: { action: FWP_ACTION_PERMIT } });
    const fx = h.filter({ action: FWP_ACTION_CALLOUT_TERMINATING, calloutKey: x.key, weight: 30n });
    h.filter({ action: FWP_ACTION_BLOCK, weight: 20n });
    const r = h.classify();
    expect(r.actionType).toBe(FWP_ACTION_PERMIT);
    expect(r.filterId).toBe(fx);
    expect(r.hard).toBe(false);
  });
});

describe('hard and soft decisions', () => {
  it('R34: a static BLOCK is hard — lower callouts get rights 0 and see BLOCK', () => {
    const h = new Harness();
    const a = h.sublayer(0x9000);
    const c = h.sublayer(0x0000);
    const x = h.callout({ behaviour: { action: FWP_ACTION_CONTINUE } });
    const block = h.filter({ sublayer: a, action: FWP_ACTION_BLOCK });
    h.filter({ sublayer: c, action: FWP_ACTION_CALLOUT_INSPECTION, calloutKey: x.key });
    const r = h.classify();
    expect(h.calls).toHaveLength(1);
    expect(h.calls[0]).toMatchObject({ rights: 0, entryAction: FWP_ACTION_BLOCK });
    expect(r).toMatchObject({ actionType: FWP_ACTION_BLOCK, filterId: block, hard: true });
  });

  it('R34: a static PERMIT is soft — lower callouts get FWPS_RIGHT_ACTION_WRITE and see PERMIT', () => {
    const h = new Harness();
    const a = h.sublayer(0x9000);
    const c = h.sublayer(0x0000);
    const x = h.callout({ behaviour: { action: FWP_ACTION_CONTINUE } });
    const permit = h.filter({ sublayer: a, action: FWP_ACTION_PERMIT });
    h.filter({ sublayer: c, action: FWP_ACTION_CALLOUT_INSPECTION, calloutKey: x.key });
    const r = h.classify();
    expect(h.calls[0]).toMatchObject({ rights: W, entryAction: FWP_ACTION_PERMIT });
    expect(r).toMatchObject({ actionType: FWP_ACTION_PERMIT, filterId: permit, hard: false });
  });

  it('R34: a static PERMIT with FWPM_FILTER_FLAG_CLEAR_ACTION_RIGHT is hard', () => {
    const h = new Harness();
    const a = h.sublayer(0x9000);
    const c = h.sublayer(0x0000);
    const x = h.callout({ behaviour: { action: FWP_ACTION_CONTINUE } });
    const permit = h.filter({ sublayer: a, action: FWP_ACTION_PERMIT, flags: FWPM_FILTER_FLAG_CLEAR_ACTION_RIGHT });
    h.filter({ sublayer: c, action: FWP_ACTION_CALLOUT_INSPECTION, calloutKey: x.key });
    const r = h.classify();
    expect(h.calls[0]).toMatchObject({ rights: 0, entryAction: FWP_ACTION_PERMIT });
    expect(r).toMatchObject({ actionType: FWP_ACTION_PERMIT, filterId: permit, hard: true });
  });

  it('R35: a soft PERMIT is replaced by a lower sublayer\'s BLOCK', () => {
    const h = new Harness();
    const a = h.sublayer(0x9000);
    const c = h.sublayer(0x0000);
    h.filter({ sublayer: a, action: FWP_ACTION_PERMIT });
    const block = h.filter({ sublayer: c, action: FWP_ACTION_BLOCK });
    expect(h.classify()).toMatchObject({ actionType: FWP_ACTION_BLOCK, filterId: block, hard: true });
  });

  it('R35: a hard BLOCK is not replaced by a lower sublayer\'s PERMIT', () => {
    const h = new Harness();
    const a = h.sublayer(0x9000);
    const c = h.sublayer(0x0000);
    const block = h.filter({ sublayer: a, action: FWP_ACTION_BLOCK });
    h.filter({ sublayer: c, action: FWP_ACTION_PERMIT });
    expect(h.classify()).toMatchObject({ actionType: FWP_ACTION_BLOCK, filterId: block });
  });

  it('R35: a hard PERMIT is not replaced by a lower sublayer\'s static BLOCK', () => {
    const h = new Harness();
    const a = h.sublayer(0x9000);
    const c = h.sublayer(0x0000);
    const permit = h.filter({ sublayer: a, action: FWP_ACTION_PERMIT, flags: FWPM_FILTER_FLAG_CLEAR_ACTION_RIGHT });
    h.filter({ sublayer: c, action: FWP_ACTION_BLOCK });
    expect(h.classify()).toMatchObject({ actionType: FWP_ACTION_PERMIT, filterId: permit, veto: false });
  });

  it('R35: a callout PERMIT that keeps WRITE is soft and a lower sublayer can still block', () => {
    const h = new Harness();
    const a = h.sublayer(0x9000);
    const c = h.sublayer(0x0000);
    const x = h.callout({ behaviour: { action: FWP_ACTION_PERMIT, clearWrite: false } });
    h.filter({ sublayer: a, action: FWP_ACTION_CALLOUT_TERMINATING, calloutKey: x.key });
    const block = h.filter({ sublayer: c, action: FWP_ACTION_BLOCK });
    expect(h.classify()).toMatchObject({ actionType: FWP_ACTION_BLOCK, filterId: block });
  });

  it('R35: a callout PERMIT that clears WRITE is hard', () => {
    const h = new Harness();
    const a = h.sublayer(0x9000);
    const c = h.sublayer(0x0000);
    const x = h.callout({ behaviour: { action: FWP_ACTION_PERMIT, clearWrite: true } });
    const fx = h.filter({ sublayer: a, action: FWP_ACTION_CALLOUT_TERMINATING, calloutKey: x.key });
    h.filter({ sublayer: c, action: FWP_ACTION_BLOCK });
    expect(h.classify()).toMatchObject({ actionType: FWP_ACTION_PERMIT, filterId: fx, hard: true });
  });
});

describe('vetoes and read-only callouts', () => {
  it('R36: a read-only callout returning BLOCK over a hard PERMIT vetoes it, with an audit event and a notification', () => {
    const h = new Harness();
    const events = recordEvents(h);
    const a = h.sublayer(0x9000);
    const c = h.sublayer(0x0000);
    h.filter({ sublayer: a, action: FWP_ACTION_PERMIT, flags: FWPM_FILTER_FLAG_CLEAR_ACTION_RIGHT });
    const x = h.callout({ behaviour: { action: FWP_ACTION_BLOCK } });
    const fx = h.filter({ sublayer: c, action: FWP_ACTION_CALLOUT_TERMINATING, calloutKey: x.key });
    const r = h.classify();
    expect(h.calls[0]).toMatchObject({ rights: 0, entryAction: FWP_ACTION_PERMIT });
    expect(r).toMatchObject({ actionType: FWP_ACTION_BLOCK, veto: true, filterId: fx, hard: true, absorb: false, indicateDiscard: true });
    expect(events.map((e) => [e.event, e.filterId, e.calloutId])).toEqual([
      [ENGINE_EVENT_VETO, fx, x.calloutId],
      [ENGINE_EVENT_CLASSIFY_DROP, fx, 0],
    ]);
  });

  it('R37: lower-sublayer callouts still run after a hard decision, with rights 0, and a non-veto answer is ignored', () => {
    const h = new Harness();
    const a = h.sublayer(0x9000);
    const c = h.sublayer(0x1000);
    const d = h.sublayer(0x0000);
    const block = h.filter({ sublayer: a, action: FWP_ACTION_BLOCK });
    const x = h.callout({ behaviour: { action: FWP_ACTION_PERMIT, clearWrite: true } });
    const y = h.callout({ behaviour: { action: FWP_ACTION_PERMIT } });
    const fx = h.filter({ sublayer: c, action: FWP_ACTION_CALLOUT_TERMINATING, calloutKey: x.key });
    const fy = h.filter({ sublayer: d, action: FWP_ACTION_CALLOUT_UNKNOWN, calloutKey: y.key });
    const r = h.classify();
    expect(h.calls.map((k) => [k.filterId, k.rights, k.entryAction])).toEqual([
      [fx, 0, FWP_ACTION_BLOCK],
      [fy, 0, FWP_ACTION_BLOCK],
    ]);
    expect(r).toMatchObject({ actionType: FWP_ACTION_BLOCK, filterId: block, veto: false });
  });

  it('R37: after a hard PERMIT a read-only terminating answer still ends its sublayer; CONTINUE moves on', () => {
    const h = new Harness();
    const a = h.sublayer(0x9000);
    const c = h.sublayer(0x0000);
    const permit = h.filter({ sublayer: a, action: FWP_ACTION_PERMIT, flags: FWPM_FILTER_FLAG_CLEAR_ACTION_RIGHT });
    const cont = h.callout({ behaviour: { action: FWP_ACTION_CONTINUE } });
    const perm = h.callout({ behaviour: { action: FWP_ACTION_PERMIT } });
    const never = h.callout({ behaviour: { action: FWP_ACTION_BLOCK } });
    const f1 = h.filter({ sublayer: c, action: FWP_ACTION_CALLOUT_UNKNOWN, calloutKey: cont.key, weight: 30n });
    const f2 = h.filter({ sublayer: c, action: FWP_ACTION_CALLOUT_TERMINATING, calloutKey: perm.key, weight: 20n });
    h.filter({ sublayer: c, action: FWP_ACTION_CALLOUT_TERMINATING, calloutKey: never.key, weight: 10n });
    const r = h.classify();
    expect(h.calls.map((k) => [k.filterId, k.rights])).toEqual([
      [f1, 0],
      [f2, 0],
    ]);
    expect(r).toMatchObject({ actionType: FWP_ACTION_PERMIT, filterId: permit, veto: false });
  });

  it('R37: only the veto of a read-only callout counts, and later read-only callouts see the vetoed BLOCK', () => {
    const h = new Harness();
    const a = h.sublayer(0x9000);
    const c = h.sublayer(0x1000);
    const d = h.sublayer(0x0000);
    h.filter({ sublayer: a, action: FWP_ACTION_PERMIT, flags: FWPM_FILTER_FLAG_CLEAR_ACTION_RIGHT });
    const v = h.callout({ behaviour: { action: FWP_ACTION_BLOCK } });
    const p = h.callout({ behaviour: { action: FWP_ACTION_PERMIT } });
    const fv = h.filter({ sublayer: c, action: FWP_ACTION_CALLOUT_TERMINATING, calloutKey: v.key });
    const fp = h.filter({ sublayer: d, action: FWP_ACTION_CALLOUT_TERMINATING, calloutKey: p.key });
    const r = h.classify();
    expect(h.calls.map((k) => [k.filterId, k.rights, k.entryAction])).toEqual([
      [fv, 0, FWP_ACTION_PERMIT],
      [fp, 0, FWP_ACTION_BLOCK],
    ]);
    expect(r).toMatchObject({ actionType: FWP_ACTION_BLOCK, filterId: fv, veto: true });
  });
});

describe('the veto test of spec §2.1 reads the raw answer', () => {
  it('R36 (spec §2.1 pseudo-code): under a hard PERMIT the veto test reads the callout\'s raw answer, so a CALLOUT_INSPECTION callout returning BLOCK vetoes', () => {
    const h = new Harness();
    const a = h.sublayer(0x9000);
    const c = h.sublayer(0x0000);
    h.filter({ sublayer: a, action: FWP_ACTION_PERMIT, flags: FWPM_FILTER_FLAG_CLEAR_ACTION_RIGHT });
    const x = h.callout({ behaviour: { action: FWP_ACTION_BLOCK } });
    const next = h.callout({ behaviour: { action: FWP_ACTION_CONTINUE } });
    const fx = h.filter({ sublayer: c, action: FWP_ACTION_CALLOUT_INSPECTION, calloutKey: x.key, weight: 2n });
    const fn = h.filter({ sublayer: c, action: FWP_ACTION_CALLOUT_INSPECTION, calloutKey: next.key, weight: 1n });
    const r = h.classify();
    expect(r).toMatchObject({ actionType: FWP_ACTION_BLOCK, veto: true, filterId: fx });
    // The inspection answer still reads as CONTINUE for the walk: the next filter of the sublayer runs.
    expect(h.calls.map((k) => [k.filterId, k.rights, k.entryAction])).toEqual([
      [fx, 0, FWP_ACTION_PERMIT],
      [fn, 0, FWP_ACTION_BLOCK],
    ]);
  });
});

describe('callout answers through the filter action type', () => {
  it('R38: a CALLOUT_TERMINATING callout returning CONTINUE is treated as BLOCK', () => {
    const h = new Harness();
    const x = h.callout({ behaviour: { action: FWP_ACTION_CONTINUE } });
    const fx = h.filter({ action: FWP_ACTION_CALLOUT_TERMINATING, calloutKey: x.key, weight: 20n });
    h.filter({ action: FWP_ACTION_PERMIT, weight: 10n });
    const r = h.classify();
    expect(r).toMatchObject({ actionType: FWP_ACTION_BLOCK, filterId: fx });
    // It kept WRITE: the block is soft, so a lower sublayer could still permit.
    expect(r.hard).toBe(false);
  });

  it('R38: a CALLOUT_TERMINATING callout returning a non-action value (FWP_ACTION_NONE) is treated as BLOCK', () => {
    const h = new Harness();
    const x = h.callout({ behaviour: { action: FWP_ACTION_NONE, clearWrite: true } });
    const fx = h.filter({ action: FWP_ACTION_CALLOUT_TERMINATING, calloutKey: x.key });
    expect(h.classify()).toMatchObject({ actionType: FWP_ACTION_BLOCK, filterId: fx, hard: true });
  });

  it('R39: whatever a CALLOUT_INSPECTION callout returns is treated as CONTINUE', () => {
    for (const returned of [FWP_ACTION_BLOCK, FWP_ACTION_PERMIT, FWP_ACTION_NONE]) {
      const h = new Harness();
      const x = h.callout({ behaviour: { action: returned, clearWrite: true, absorb: returned === FWP_ACTION_BLOCK } });
      h.filter({ action: FWP_ACTION_CALLOUT_INSPECTION, calloutKey: x.key, weight: 20n });
      const permit = h.filter({ action: FWP_ACTION_PERMIT, weight: 10n });
      expect(h.classify()).toMatchObject({ actionType: FWP_ACTION_PERMIT, filterId: permit, absorb: false });
      expect(h.calls).toHaveLength(1);
    }
  });

  it('R38 [emu]: a CALLOUT_UNKNOWN callout returning a non-action value is treated as BLOCK', () => {
    const h = new Harness();
    const x = h.callout({ behaviour: { action: 0x7777 } });
    const fx = h.filter({ action: FWP_ACTION_CALLOUT_UNKNOWN, calloutKey: x.key, weight: 20n });
    h.filter({ action: FWP_ACTION_PERMIT, weight: 10n });
    expect(h.classify()).toMatchObject({ actionType: FWP_ACTION_BLOCK, filterId: fx });
  });
});

describe('unregistered callouts', () => {
  it('R43: a CALLOUT_TERMINATING filter whose callout is not registered acts as BLOCK', () => {
    const h = new Harness();
    const x = h.callout({ register: false });
    const fx = h.filter({ action: FWP_ACTION_CALLOUT_TERMINATING, calloutKey: x.key, weight: 20n });
    h.filter({ action: FWP_ACTION_PERMIT, weight: 10n });
    expect(h.classify()).toMatchObject({ actionType: FWP_ACTION_BLOCK, filterId: fx, hard: true, calloutCount: 0 });
  });

  it('R43: a CALLOUT_UNKNOWN filter whose callout is not registered acts as BLOCK', () => {
    const h = new Harness();
    const x = h.callout({ register: false });
    const fx = h.filter({ action: FWP_ACTION_CALLOUT_UNKNOWN, calloutKey: x.key });
    expect(h.classify()).toMatchObject({ actionType: FWP_ACTION_BLOCK, filterId: fx });
  });

  it('R43: a CALLOUT_INSPECTION filter whose callout is not registered is skipped', () => {
    const h = new Harness();
    const x = h.callout({ register: false });
    h.filter({ action: FWP_ACTION_CALLOUT_INSPECTION, calloutKey: x.key, weight: 20n });
    const permit = h.filter({ action: FWP_ACTION_PERMIT, weight: 10n });
    expect(h.classify()).toMatchObject({ actionType: FWP_ACTION_PERMIT, filterId: permit });
  });

  it('R43: with FWPM_FILTER_FLAG_PERMIT_IF_CALLOUT_UNREGISTERED the filter acts as PERMIT', () => {
    const h = new Harness();
    const x = h.callout({ register: false });
    const fx = h.filter({ action: FWP_ACTION_CALLOUT_TERMINATING, calloutKey: x.key, flags: FWPM_FILTER_FLAG_PERMIT_IF_CALLOUT_UNREGISTERED, weight: 20n });
    h.filter({ action: FWP_ACTION_BLOCK, weight: 10n });
    expect(h.classify()).toMatchObject({ actionType: FWP_ACTION_PERMIT, filterId: fx, hard: false });
  });

  it('R43: after FwpsCalloutUnregisterById0 the filter acts as BLOCK and the callout is no longer called', () => {
    const h = new Harness();
    const x = h.callout({ behaviour: { action: FWP_ACTION_PERMIT } });
    const fx = h.filter({ action: FWP_ACTION_CALLOUT_TERMINATING, calloutKey: x.key });
    expect(h.classify()).toMatchObject({ actionType: FWP_ACTION_PERMIT, filterId: fx });
    expect(h.engine.unregisterCalloutById(x.calloutId)).toBe(NTSTATUS.STATUS_SUCCESS);
    expect(h.classify()).toMatchObject({ actionType: FWP_ACTION_BLOCK, filterId: fx });
    expect(h.calls).toHaveLength(1);
  });
});

describe('absorb and discard', () => {
  it('R44: a plain BLOCK is to be indicated at the layer\'s _DISCARD layer, with an audit event', () => {
    const h = new Harness();
    const events = recordEvents(h);
    const block = h.filter({ action: FWP_ACTION_BLOCK });
    const r = h.classify();
    expect(r).toMatchObject({ actionType: FWP_ACTION_BLOCK, absorb: false, indicateDiscard: true, discardLayerId: FWPS_LAYER_ALE_AUTH_CONNECT_V4_DISCARD });
    expect(events.map((e) => [e.event, e.layerId, e.filterId, e.detail])).toEqual([
      [ENGINE_EVENT_CLASSIFY_DROP, FWPS_LAYER_ALE_AUTH_CONNECT_V4, block, FWPS_LAYER_ALE_AUTH_CONNECT_V4_DISCARD],
    ]);
  });

  it('R44: an absorbed BLOCK gets no discard-layer indication and no audit', () => {
    const h = new Harness();
    const events = recordEvents(h);
    const x = h.callout({ layerId: FWPS_LAYER_OUTBOUND_TRANSPORT_V4, behaviour: { action: FWP_ACTION_BLOCK, absorb: true } });
    const fx = h.filter({ layerId: FWPS_LAYER_OUTBOUND_TRANSPORT_V4, action: FWP_ACTION_CALLOUT_TERMINATING, calloutKey: x.key });
    const r = h.classify(FWPS_LAYER_OUTBOUND_TRANSPORT_V4);
    expect(r).toMatchObject({ actionType: FWP_ACTION_BLOCK, absorb: true, indicateDiscard: false, discardLayerId: -1, filterId: fx });
    expect(events.map((e) => e.event)).toEqual([ENGINE_EVENT_ABSORB]);
  });

  it('R44: ABSORB is ignored with PERMIT and at a discard layer', () => {
    const h = new Harness();
    const x = h.callout({ behaviour: { action: FWP_ACTION_PERMIT, absorb: true } });
    h.filter({ action: FWP_ACTION_CALLOUT_TERMINATING, calloutKey: x.key });
    expect(h.classify()).toMatchObject({ actionType: FWP_ACTION_PERMIT, absorb: false });

    const d = h.callout({ layerId: FWPS_LAYER_ALE_AUTH_CONNECT_V4_DISCARD, behaviour: { action: FWP_ACTION_BLOCK, absorb: true } });
    h.filter({ layerId: FWPS_LAYER_ALE_AUTH_CONNECT_V4_DISCARD, action: FWP_ACTION_CALLOUT_TERMINATING, calloutKey: d.key });
    const r = h.classify(FWPS_LAYER_ALE_AUTH_CONNECT_V4_DISCARD);
    expect(r).toMatchObject({ actionType: FWP_ACTION_BLOCK, absorb: false, indicateDiscard: false, discardLayerId: -1 });
  });

  it('R44: a BLOCK at a layer with no _DISCARD twin (vSwitch) is audited but has nowhere to be indicated', () => {
    const h = new Harness();
    const events = recordEvents(h);
    h.filter({ layerId: FWPS_LAYER_INGRESS_VSWITCH_ETHERNET, action: FWP_ACTION_BLOCK });
    const r = h.classify(FWPS_LAYER_INGRESS_VSWITCH_ETHERNET);
    expect(r).toMatchObject({ actionType: FWP_ACTION_BLOCK, indicateDiscard: false, discardLayerId: -1 });
    expect(events.map((e) => e.event)).toEqual([ENGINE_EVENT_CLASSIFY_DROP]);
  });
});

describe('[emu] choices the documentation leaves open', () => {
  it('[emu] no matching filter: PERMIT, no deciding filter', () => {
    const h = new Harness();
    h.filter({ action: FWP_ACTION_BLOCK, conditions: [remotePort(22)] });
    expect(h.classify(FWPS_LAYER_ALE_AUTH_CONNECT_V4, { IP_REMOTE_PORT: 80 })).toMatchObject({
      actionType: FWP_ACTION_PERMIT,
      matched: false,
      filterId: 0n,
      indicateDiscard: false,
    });
  });

  it('[emu] classifyOut on entry: CONTINUE before any decision, then the current action; WRITE while soft', () => {
    const h = new Harness();
    const a = h.sublayer(0x9000);
    const c = h.sublayer(0x0000);
    const x = h.callout({ behaviour: { action: FWP_ACTION_CONTINUE } });
    h.filter({ sublayer: a, action: FWP_ACTION_CALLOUT_INSPECTION, calloutKey: x.key, weight: 9n });
    h.filter({ sublayer: a, action: FWP_ACTION_PERMIT, weight: 5n });
    h.filter({ sublayer: c, action: FWP_ACTION_CALLOUT_INSPECTION, calloutKey: x.key });
    h.classify();
    expect(h.calls.map((k) => [k.entryAction, k.rights])).toEqual([
      [FWP_ACTION_CONTINUE, W],
      [FWP_ACTION_PERMIT, W],
    ]);
  });

  it('[emu] a throwing CALLOUT_TERMINATING classifyFn is contained, counted, reported and read as a hard BLOCK', () => {
    const h = new Harness();
    const events = recordEvents(h);
    const boom = new Error('boom');
    const x = h.callout({ behaviour: () => { throw boom; } });
    const fx = h.filter({ action: FWP_ACTION_CALLOUT_TERMINATING, calloutKey: x.key, weight: 9n });
    h.filter({ action: FWP_ACTION_PERMIT, weight: 1n });
    const r = h.classify();
    expect(r).toMatchObject({ actionType: FWP_ACTION_BLOCK, filterId: fx, hard: true, calloutFaults: 1 });
    expect(h.engine.stats.calloutFaults).toBe(1);
    expect(events[0]).toMatchObject({ event: ENGINE_EVENT_CALLOUT_FAULT, filterId: fx, calloutId: x.calloutId, detail: boom });
  });

  it('[emu] a throwing CALLOUT_INSPECTION classifyFn is read as CONTINUE', () => {
    const h = new Harness();
    const x = h.callout({ behaviour: () => { throw new Error('inspect'); } });
    h.filter({ action: FWP_ACTION_CALLOUT_INSPECTION, calloutKey: x.key, weight: 9n });
    const permit = h.filter({ action: FWP_ACTION_PERMIT, weight: 1n });
    expect(h.classify()).toMatchObject({ actionType: FWP_ACTION_PERMIT, filterId: permit, calloutFaults: 1 });
  });

  it('[emu] a callout that absorbs but keeps WRITE is reported as a conformance problem', () => {
    const h = new Harness();
    const events = recordEvents(h);
    const x = h.callout({ behaviour: { action: FWP_ACTION_BLOCK, absorb: true, clearWrite: false } });
    h.filter({ action: FWP_ACTION_CALLOUT_TERMINATING, calloutKey: x.key });
    h.classify();
    // Reported, and the (soft, but final here) absorbed BLOCK stands.
    expect(events.map((e) => e.event)).toEqual([ENGINE_EVENT_CONFORMANCE, ENGINE_EVENT_ABSORB]);
  });

  it('[emu] the classifyOut a callout receives carries the filter id and empty flags', () => {
    const h = new Harness();
    let seen: { filterId: bigint; flags: number } | null = null;
    const x = h.callout({
      behaviour: (_c, out) => {
        seen = { filterId: out.filterId, flags: out.flags };
        out.flags |= FWPS_CLASSIFY_OUT_FLAG_ABSORB;
        out.actionType = FWP_ACTION_CONTINUE;
      },
    });
    const fx = h.filter({ action: FWP_ACTION_CALLOUT_UNKNOWN, calloutKey: x.key });
    h.classify();
    expect(seen).toEqual({ filterId: fx, flags: 0 });
  });
});
