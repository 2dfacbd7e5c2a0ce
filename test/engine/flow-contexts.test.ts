/**
 * Flow contexts: R50 (associate), R51 (flowContext in classifyFn), R52 (remove, including STATUS_PENDING during a
 * classify of the flow), R53 (flow termination).
 */
import { describe, expect, it } from 'vitest';
import { FWP_ACTION_CALLOUT_INSPECTION, FWP_ACTION_CONTINUE, FWP_CALLOUT_FLAG_CONDITIONAL_ON_FLOW } from '../../src/engine/constants.js';
import { ENGINE_EVENT_FLOW_DELETE_FAULT } from '../../src/engine/events.js';
import { newGuid } from '../../src/engine/guid.js';
import { FWPM_LAYER_DATAGRAM_DATA_V4, FWPS_LAYER_ALE_FLOW_ESTABLISHED_V4, FWPS_LAYER_DATAGRAM_DATA_V4 } from '../../src/engine/layers.js';
import { NTSTATUS, ntSuccess } from '../../src/engine/ntstatus.js';
import { Harness } from './engine-harness.js';

const L = FWPS_LAYER_DATAGRAM_DATA_V4;

function withDeletes() {
  const h = new Harness();
  const deletes: Array<[number, number, bigint]> = [];
  const c = h.callout({ layerId: L, flowDelete: (layerId, calloutId, ctx) => deletes.push([layerId, calloutId, ctx]) });
  return { h, c, deletes };
}

describe('R50: FwpsFlowAssociateContext0', () => {
  it('R50: a zero context returns STATUS_INVALID_PARAMETER', () => {
    const { h, c } = withDeletes();
    expect(h.engine.flowAssociateContext(1n, L, c.calloutId, 0n)).toBe(NTSTATUS.STATUS_INVALID_PARAMETER);
  });

  it('R50: a callout without flowDeleteFn (or not registered) returns STATUS_INVALID_PARAMETER', () => {
    const h = new Harness();
    const noDelete = h.callout({ layerId: L, flowDelete: null });
    expect(h.engine.flowAssociateContext(1n, L, noDelete.calloutId, 5n)).toBe(NTSTATUS.STATUS_INVALID_PARAMETER);
    expect(h.engine.flowAssociateContext(1n, L, 9999, 5n)).toBe(NTSTATUS.STATUS_INVALID_PARAMETER);
  });

  it('R50: a second context on the same flow/layer/callout returns STATUS_OBJECT_NAME_EXISTS, an NT_SUCCESS value, and keeps the first', () => {
    const { h, c } = withDeletes();
    h.filter({ layerId: L, action: FWP_ACTION_CALLOUT_INSPECTION, calloutKey: c.key });
    expect(h.engine.flowAssociateContext(1n, L, c.calloutId, 0x10n)).toBe(NTSTATUS.STATUS_SUCCESS);
    const again = h.engine.flowAssociateContext(1n, L, c.calloutId, 0x20n);
    expect(again).toBe(NTSTATUS.STATUS_OBJECT_NAME_EXISTS);
    expect(again).toBe(0x40000000);
    expect(ntSuccess(again)).toBe(true);
    h.classify(L, {}, h.meta({ flowHandle: 1n }));
    expect(h.calls[0]!.flowContext).toBe(0x10n);
    // Another layer, or another flow, is a different slot.
    expect(h.engine.flowAssociateContext(1n, FWPS_LAYER_ALE_FLOW_ESTABLISHED_V4, c.calloutId, 0x30n)).toBe(NTSTATUS.STATUS_SUCCESS);
    expect(h.engine.flowAssociateContext(2n, L, c.calloutId, 0x40n)).toBe(NTSTATUS.STATUS_SUCCESS);
  });
});

describe('R51: flowContext', () => {
  it('R51: an associated context reaches that callout\'s classifyFn for the flow at that layer; otherwise flowContext is 0', () => {
    const { h, c } = withDeletes();
    const other = h.callout({ layerId: L });
    h.filter({ layerId: L, action: FWP_ACTION_CALLOUT_INSPECTION, calloutKey: c.key, weight: 2n });
    h.filter({ layerId: L, action: FWP_ACTION_CALLOUT_INSPECTION, calloutKey: other.key, weight: 1n });
    h.engine.flowAssociateContext(42n, L, c.calloutId, 0xfeedn);
    h.engine.flowAssociateContext(42n, FWPS_LAYER_ALE_FLOW_ESTABLISHED_V4, other.calloutId, 0xbeefn);
    h.classify(L, {}, h.meta({ flowHandle: 42n }));
    h.classify(L, {}, h.meta({ flowHandle: 43n }));
    expect(h.calls.map((x) => [x.calloutId, x.flowContext])).toEqual([
      [c.calloutId, 0xfeedn],
      [other.calloutId, 0n], // its context is at FLOW_ESTABLISHED, not here
      [c.calloutId, 0n],
      [other.calloutId, 0n],
    ]);
  });

  it('R51: the DD_proxy pattern — associate at FLOW_ESTABLISHED for the DATAGRAM_DATA layer and callout', () => {
    const h = new Harness();
    const ddKey = newGuid();
    const ddId = h.m.addCallout(h.session, { calloutKey: ddKey, displayData: { name: 'dd' }, applicableLayer: FWPM_LAYER_DATAGRAM_DATA_V4 });
    h.register(ddKey, { flags: FWP_CALLOUT_FLAG_CONDITIONAL_ON_FLOW });
    const flow = 77n;
    const fe = h.callout({
      layerId: FWPS_LAYER_ALE_FLOW_ESTABLISHED_V4,
      behaviour: (call, out) => {
        void call;
        h.engine.flowAssociateContext(flow, L, ddId, 0xd0n);
        out.actionType = FWP_ACTION_CONTINUE;
      },
    });
    h.filter({ layerId: FWPS_LAYER_ALE_FLOW_ESTABLISHED_V4, action: FWP_ACTION_CALLOUT_INSPECTION, calloutKey: fe.key });
    h.filter({ layerId: L, action: FWP_ACTION_CALLOUT_INSPECTION, calloutKey: ddKey });
    h.classify(FWPS_LAYER_ALE_FLOW_ESTABLISHED_V4, {}, h.meta({ flowHandle: 77n }));
    h.classify(L, {}, h.meta({ flowHandle: 77n }));
    h.classify(L, {}, h.meta({ flowHandle: 78n }));
    expect(h.calls.map((x) => [x.layerId, x.flowContext])).toEqual([
      [FWPS_LAYER_ALE_FLOW_ESTABLISHED_V4, 0n],
      [L, 0xd0n],
    ]);
  });
});

describe('R52: FwpsFlowRemoveContext0', () => {
  it('R52: STATUS_SUCCESS, with flowDeleteFn run synchronously before the call returns', () => {
    const { h, c, deletes } = withDeletes();
    h.engine.flowAssociateContext(5n, L, c.calloutId, 0x55n);
    let deletesWhenReturned = -1;
    const status = h.engine.flowRemoveContext(5n, L, c.calloutId);
    deletesWhenReturned = deletes.length;
    expect(status).toBe(NTSTATUS.STATUS_SUCCESS);
    expect(deletesWhenReturned).toBe(1);
    expect(deletes).toEqual([[L, c.calloutId, 0x55n]]);
  });

  it('R52: no context → STATUS_UNSUCCESSFUL (0xC0000001)', () => {
    const { h, c, deletes } = withDeletes();
    expect(h.engine.flowRemoveContext(5n, L, c.calloutId)).toBe(0xc0000001);
    h.engine.flowAssociateContext(5n, L, c.calloutId, 0x55n);
    h.engine.flowRemoveContext(5n, L, c.calloutId);
    expect(h.engine.flowRemoveContext(5n, L, c.calloutId)).toBe(NTSTATUS.STATUS_UNSUCCESSFUL);
    expect(deletes).toHaveLength(1);
  });

  it('R52: during a classify of the flow → STATUS_PENDING (0x103); the context stays for that classify and flowDeleteFn runs when it ends', () => {
    const { h, c, deletes } = withDeletes();
    const statuses: number[] = [];
    const remover = h.callout({
      layerId: L,
      behaviour: (call, out) => {
        void call;
        statuses.push(h.engine.flowRemoveContext(9n, L, c.calloutId));
        statuses.push(deletes.length);
        out.actionType = FWP_ACTION_CONTINUE;
      },
    });
    h.filter({ layerId: L, action: FWP_ACTION_CALLOUT_INSPECTION, calloutKey: remover.key, weight: 3n });
    h.filter({ layerId: L, action: FWP_ACTION_CALLOUT_INSPECTION, calloutKey: c.key, weight: 1n });
    h.engine.flowAssociateContext(9n, L, c.calloutId, 0x99n);
    h.classify(L, {}, h.meta({ flowHandle: 9n }));
    expect(statuses).toEqual([NTSTATUS.STATUS_PENDING, 0]);
    expect(NTSTATUS.STATUS_PENDING).toBe(0x103);
    // The later callout of the same classify still saw the context …
    expect(h.calls[1]).toMatchObject({ calloutId: c.calloutId, flowContext: 0x99n });
    // … and flowDeleteFn ran once, when the classify ended.
    expect(deletes).toEqual([[L, c.calloutId, 0x99n]]);
    h.classify(L, {}, h.meta({ flowHandle: 9n }));
    expect(h.calls[3]).toMatchObject({ calloutId: c.calloutId, flowContext: 0n });
    expect(deletes).toHaveLength(1);
  });

  it('R52: removal during a classify of another flow is immediate', () => {
    const { h, c, deletes } = withDeletes();
    let status = -1;
    const remover = h.callout({ layerId: L, behaviour: () => { status = h.engine.flowRemoveContext(1n, L, c.calloutId); } });
    h.filter({ layerId: L, action: FWP_ACTION_CALLOUT_INSPECTION, calloutKey: remover.key });
    h.engine.flowAssociateContext(1n, L, c.calloutId, 0x11n);
    h.classify(L, {}, h.meta({ flowHandle: 2n }));
    expect(status).toBe(NTSTATUS.STATUS_SUCCESS);
    expect(deletes).toEqual([[L, c.calloutId, 0x11n]]);
  });
});

describe('R53: flow termination', () => {
  it('R53: on flow termination flowDeleteFn runs once per associated context, without a classify, and the contexts are dropped', () => {
    const h = new Harness();
    const deletes: Array<[string, number, number, bigint]> = [];
    const a = h.callout({ layerId: L, flowDelete: (l, id, ctx) => deletes.push(['a', l, id, ctx]) });
    const b = h.callout({ layerId: L, flowDelete: (l, id, ctx) => deletes.push(['b', l, id, ctx]) });
    h.engine.flowAssociateContext(300n, L, a.calloutId, 1n);
    h.engine.flowAssociateContext(300n, FWPS_LAYER_ALE_FLOW_ESTABLISHED_V4, a.calloutId, 2n);
    h.engine.flowAssociateContext(300n, L, b.calloutId, 3n);
    h.engine.flowAssociateContext(301n, L, a.calloutId, 4n);
    expect(h.engine.flowTerminated(300n)).toBe(3);
    expect(deletes).toEqual([
      ['a', L, a.calloutId, 1n],
      ['a', FWPS_LAYER_ALE_FLOW_ESTABLISHED_V4, a.calloutId, 2n],
      ['b', L, b.calloutId, 3n],
    ]);
    expect(h.calls).toHaveLength(0);
    expect(h.engine.flowTerminated(300n)).toBe(0);
    expect(deletes).toHaveLength(3);
    expect(h.engine.flows.contextsOf(301n)).toEqual([{ layerId: L, calloutId: a.calloutId, context: 4n }]);
    // With its contexts gone, b can unregister (R49).
    expect(h.engine.unregisterCalloutById(b.calloutId)).toBe(NTSTATUS.STATUS_SUCCESS);
  });

  it('R53 [emu]: a flow terminated from inside one of its classifies is cleaned up when that classify ends', () => {
    const { h, c, deletes } = withDeletes();
    let during = -1;
    const killer = h.callout({
      layerId: L,
      behaviour: () => {
        h.engine.flowTerminated(8n);
        during = deletes.length;
      },
    });
    h.filter({ layerId: L, action: FWP_ACTION_CALLOUT_INSPECTION, calloutKey: killer.key });
    h.engine.flowAssociateContext(8n, L, c.calloutId, 0x88n);
    h.classify(L, {}, h.meta({ flowHandle: 8n }));
    expect(during).toBe(0);
    expect(deletes).toEqual([[L, c.calloutId, 0x88n]]);
  });

  it('[emu] a flowDeleteFn that throws is contained and reported', () => {
    const h = new Harness();
    const events: number[] = [];
    h.engine.onEvent((e) => events.push(e));
    const c = h.callout({ layerId: L, flowDelete: () => { throw new Error('delete'); } });
    h.engine.flowAssociateContext(1n, L, c.calloutId, 1n);
    expect(h.engine.flowTerminated(1n)).toBe(1);
    expect(events).toEqual([ENGINE_EVENT_FLOW_DELETE_FAULT]);
  });
});
