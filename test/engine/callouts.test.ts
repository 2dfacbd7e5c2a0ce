/**
 * Run-time callouts: registration codes (R48, R49), notifications (R45–R47), CONDITIONAL_ON_FLOW (R54), ids shared
 * with FwpmCalloutAdd0, and classifyFn1's classifyContext.
 */
import { describe, expect, it } from 'vitest';
import {
  FWPS_CALLOUT_NOTIFY_ADD_FILTER,
  FWPS_CALLOUT_NOTIFY_ADD_FILTER_POST_COMMIT,
  FWPS_CALLOUT_NOTIFY_DELETE_FILTER,
  FWP_ACTION_BLOCK,
  FWP_ACTION_CALLOUT_INSPECTION,
  FWP_ACTION_CALLOUT_TERMINATING,
  FWP_ACTION_CONTINUE,
  FWP_ACTION_PERMIT,
  FWP_CALLOUT_FLAG_CONDITIONAL_ON_FLOW,
  FWP_CALLOUT_FLAG_ENABLE_COMMIT_ADD_NOTIFY,
} from '../../src/engine/constants.js';
import { statusOf } from '../../src/engine/errors.js';
import { ENGINE_EVENT_NOTIFY_FAULT } from '../../src/engine/events.js';
import { newGuid } from '../../src/engine/guid.js';
import { FWPM_LAYER_ALE_AUTH_CONNECT_V4, FWPS_LAYER_ALE_AUTH_CONNECT_V4, FWPS_LAYER_DATAGRAM_DATA_V4 } from '../../src/engine/layers.js';
import { NTSTATUS } from '../../src/engine/ntstatus.js';
import { ClassifyResult } from '../../src/engine/classify.js';
import { Harness } from './engine-harness.js';

const noop = () => {};
const ok = () => 0;

describe('registration', () => {
  it('R48: FwpsCalloutRegister0 with an already registered key returns STATUS_FWP_ALREADY_EXISTS', () => {
    const h = new Harness();
    const key = newGuid();
    expect(h.engine.registerCallout(null, { calloutKey: key, classifyFn: noop, notifyFn: ok }).status).toBe(NTSTATUS.STATUS_SUCCESS);
    const again = h.engine.registerCallout(null, { calloutKey: key, classifyFn: noop, notifyFn: ok });
    expect(again.status).toBe(NTSTATUS.STATUS_FWP_ALREADY_EXISTS);
    expect(again.status).toBe(0xc0220009);
  });

  it('R48: a key may be registered again after it was unregistered, and keeps its calloutId', () => {
    const h = new Harness();
    const key = newGuid();
    const first = h.engine.registerCallout(null, { calloutKey: key, classifyFn: noop, notifyFn: ok });
    expect(h.engine.unregisterCalloutByKey(key)).toBe(NTSTATUS.STATUS_SUCCESS);
    const second = h.engine.registerCallout(null, { calloutKey: key, classifyFn: noop, notifyFn: ok });
    expect(second).toEqual({ status: NTSTATUS.STATUS_SUCCESS, calloutId: first.calloutId });
  });

  it('FwpmCalloutAdd0 and FwpsCalloutRegister0 report the same calloutId, in either order', () => {
    const h = new Harness();
    const k1 = newGuid();
    const regFirst = h.engine.registerCallout(null, { calloutKey: k1, classifyFn: noop, notifyFn: ok });
    const addAfter = h.m.addCallout(h.session, { calloutKey: k1, displayData: { name: 'c' }, applicableLayer: FWPM_LAYER_ALE_AUTH_CONNECT_V4 });
    expect(addAfter).toBe(regFirst.calloutId);
    const k2 = newGuid();
    const addFirst = h.m.addCallout(h.session, { calloutKey: k2, displayData: { name: 'c' }, applicableLayer: FWPM_LAYER_ALE_AUTH_CONNECT_V4 });
    expect(h.engine.registerCallout(null, { calloutKey: k2, classifyFn: noop, notifyFn: ok }).calloutId).toBe(addFirst);
    expect(addFirst).not.toBe(addAfter);
  });

  it('[emu] registration without classifyFn or notifyFn, or with a bad key, returns STATUS_INVALID_PARAMETER', () => {
    const h = new Harness();
    const bad = [
      { calloutKey: newGuid(), notifyFn: ok },
      { calloutKey: newGuid(), classifyFn: noop },
      { calloutKey: 'not-a-guid', classifyFn: noop, notifyFn: ok },
    ];
    for (const c of bad) expect(h.engine.registerCallout(null, c as never).status).toBe(NTSTATUS.STATUS_INVALID_PARAMETER);
  });

  it('R49: FwpsCalloutUnregisterById0 of an unknown id returns STATUS_FWP_CALLOUT_NOT_FOUND', () => {
    const h = new Harness();
    expect(h.engine.unregisterCalloutById(4242)).toBe(NTSTATUS.STATUS_FWP_CALLOUT_NOT_FOUND);
    expect(h.engine.unregisterCalloutById(4242)).toBe(0xc0220001);
    expect(h.engine.unregisterCalloutByKey(newGuid())).toBe(NTSTATUS.STATUS_FWP_CALLOUT_NOT_FOUND);
  });

  it('R49: unregistering returns STATUS_DEVICE_BUSY while a flow holds one of its contexts, and succeeds once removed', () => {
    const h = new Harness();
    const c = h.callout({ layerId: FWPS_LAYER_DATAGRAM_DATA_V4 });
    expect(h.engine.flowAssociateContext(7n, FWPS_LAYER_DATAGRAM_DATA_V4, c.calloutId, 0x1234n)).toBe(NTSTATUS.STATUS_SUCCESS);
    expect(h.engine.unregisterCalloutById(c.calloutId)).toBe(NTSTATUS.STATUS_DEVICE_BUSY);
    expect(h.engine.unregisterCalloutById(c.calloutId)).toBe(0x80000011);
    // Still registered: it is still classified.
    expect(h.engine.callouts.isRegistered(c.calloutId)).toBe(true);
    expect(h.engine.flowRemoveContext(7n, FWPS_LAYER_DATAGRAM_DATA_V4, c.calloutId)).toBe(NTSTATUS.STATUS_SUCCESS);
    expect(h.engine.unregisterCalloutById(c.calloutId)).toBe(NTSTATUS.STATUS_SUCCESS);
  });

  it('R49 [emu]: unregistering a callout from inside its own classifyFn returns STATUS_FWP_IN_USE', () => {
    const h = new Harness();
    let status = -1;
    const c = h.callout({
      behaviour: (call) => {
        status = h.engine.unregisterCalloutById(call.calloutId);
      },
    });
    h.filter({ action: FWP_ACTION_CALLOUT_INSPECTION, calloutKey: c.key });
    h.classify();
    expect(status).toBe(NTSTATUS.STATUS_FWP_IN_USE);
    expect(h.engine.unregisterCalloutById(c.calloutId)).toBe(NTSTATUS.STATUS_SUCCESS);
  });

  it('classifyFn1 (FwpsCalloutRegister1) receives the classifyContext given to classify', () => {
    const h = new Harness();
    const key = newGuid();
    h.m.addCallout(h.session, { calloutKey: key, displayData: { name: 'c1' }, applicableLayer: FWPM_LAYER_ALE_AUTH_CONNECT_V4 });
    const seen: unknown[] = [];
    h.engine.registerCallout(
      null,
      {
        calloutKey: key,
        classifyFn: (_values, _meta, _layerData, classifyContext, _filter, _flowContext, out) => {
          seen.push(classifyContext);
          out.actionType = FWP_ACTION_PERMIT;
        },
        notifyFn: ok,
      },
      true,
    );
    h.filter({ action: FWP_ACTION_CALLOUT_TERMINATING, calloutKey: key });
    const ctx = { handle: 'classify-context' };
    const r = h.engine.classify(h.values(), h.meta(), null, new ClassifyResult(), ctx);
    expect(seen).toEqual([ctx]);
    expect(r.actionType).toBe(FWP_ACTION_PERMIT);
  });
});

describe('notifications', () => {
  it('R45: notifyFn(ADD_FILTER) runs when a referencing filter is added, with its key and run-time filter', () => {
    const h = new Harness();
    const c = h.callout();
    const key = newGuid();
    const id = h.filter({ action: FWP_ACTION_CALLOUT_TERMINATING, calloutKey: c.key, key });
    expect(h.notifications).toEqual([{ calloutId: c.calloutId, type: FWPS_CALLOUT_NOTIFY_ADD_FILTER, filterKey: key, filterId: id }]);
  });

  it('R45: notifyFn(ADD_FILTER) runs before the filter takes effect, and a failure status prevents the add', () => {
    const h = new Harness();
    const key = newGuid();
    let classifiedDuringNotify: bigint | null = null;
    const c = h.callout({
      behaviour: { action: FWP_ACTION_BLOCK },
      notify: (type) => {
        if (type !== FWPS_CALLOUT_NOTIFY_ADD_FILTER) return 0;
        classifiedDuringNotify = h.classify().filterId;
        return NTSTATUS.STATUS_UNSUCCESSFUL;
      },
    });
    const status = statusOf(() => h.filter({ action: FWP_ACTION_CALLOUT_TERMINATING, calloutKey: c.key, key }));
    expect(status).toBe(NTSTATUS.STATUS_FWP_CALLOUT_NOTIFICATION_FAILED);
    expect(classifiedDuringNotify).toBe(0n);
    expect(statusOf(() => h.m.getFilterByKey(h.session, key))).toBe(NTSTATUS.STATUS_FWP_FILTER_NOT_FOUND);
    expect(h.classify()).toMatchObject({ actionType: FWP_ACTION_PERMIT, matched: false });
    expect(h.calls).toHaveLength(0);
  });

  it('R45: a context set by notifyFn(ADD_FILTER) reaches classifyFn through FWPS_FILTER0.context', () => {
    const h = new Harness();
    const c = h.callout({
      notify: (type, _key, filter) => {
        if (type === FWPS_CALLOUT_NOTIFY_ADD_FILTER) filter.context = 0xabcn;
        return 0;
      },
    });
    h.filter({ action: FWP_ACTION_CALLOUT_INSPECTION, calloutKey: c.key, rawContext: 5n });
    h.classify();
    expect(h.calls[0]!.context).toBe(0xabcn);
  });

  it('R46: notifyFn(DELETE_FILTER) runs with filterKey NULL, and the delete happens whatever it returns', () => {
    const h = new Harness();
    const c = h.callout({ notify: () => NTSTATUS.STATUS_UNSUCCESSFUL });
    // ADD fails with this notify, so add the filter before the callout registers.
    h.engine.unregisterCalloutById(c.calloutId);
    const id = h.filter({ action: FWP_ACTION_CALLOUT_TERMINATING, calloutKey: c.key });
    h.register(c.key, { notify: () => NTSTATUS.STATUS_UNSUCCESSFUL });
    h.notifications.length = 0;
    h.m.deleteFilterById(h.session, id);
    expect(h.notifications).toEqual([{ calloutId: c.calloutId, type: FWPS_CALLOUT_NOTIFY_DELETE_FILTER, filterKey: null, filterId: id }]);
    expect(statusOf(() => h.m.getFilterById(h.session, id))).toBe(NTSTATUS.STATUS_FWP_FILTER_NOT_FOUND);
    expect(h.classify().matched).toBe(false);
  });

  it('R46: DELETE_FILTER reaches the callout for every deleted referencing filter, including ones added before it registered', () => {
    const h = new Harness();
    const c = h.callout({ register: false });
    const before = h.filter({ action: FWP_ACTION_CALLOUT_TERMINATING, calloutKey: c.key });
    h.register(c.key);
    const after = h.filter({ action: FWP_ACTION_CALLOUT_TERMINATING, calloutKey: c.key });
    h.m.deleteFilterById(h.session, before);
    h.m.deleteFilterById(h.session, after);
    expect(h.notifications.map((n) => [n.type, n.filterId, n.filterKey])).toEqual([
      [FWPS_CALLOUT_NOTIFY_ADD_FILTER, after, expect.any(String)],
      [FWPS_CALLOUT_NOTIFY_DELETE_FILTER, before, null],
      [FWPS_CALLOUT_NOTIFY_DELETE_FILTER, after, null],
    ]);
  });

  it('R47: filters existing when a callout registers produce no ADD_FILTER notification', () => {
    const h = new Harness();
    const c = h.callout({ register: false });
    h.filter({ action: FWP_ACTION_CALLOUT_INSPECTION, calloutKey: c.key, weight: 2n });
    h.filter({ action: FWP_ACTION_CALLOUT_TERMINATING, calloutKey: c.key, weight: 1n });
    expect(h.register(c.key)).toBe(NTSTATUS.STATUS_SUCCESS);
    expect(h.notifications).toEqual([]);
    // But the callout is classified for them from now on.
    h.classify();
    expect(h.calls).toHaveLength(2);
  });

  it('ADD_FILTER_POST_COMMIT reaches callouts registered with FWP_CALLOUT_FLAG_ENABLE_COMMIT_ADD_NOTIFY once the transaction commits', () => {
    const h = new Harness();
    const c = h.callout({ flags: FWP_CALLOUT_FLAG_ENABLE_COMMIT_ADD_NOTIFY });
    h.m.beginTransaction(h.session, 0);
    const id = h.filter({ action: FWP_ACTION_CALLOUT_TERMINATING, calloutKey: c.key });
    expect(h.notifications.map((n) => n.type)).toEqual([FWPS_CALLOUT_NOTIFY_ADD_FILTER]);
    h.m.commitTransaction(h.session);
    expect(h.notifications.map((n) => [n.type, n.filterId])).toEqual([
      [FWPS_CALLOUT_NOTIFY_ADD_FILTER, id],
      [FWPS_CALLOUT_NOTIFY_ADD_FILTER_POST_COMMIT, id],
    ]);
  });

  it('[emu] a filter whose ADD was announced and whose transaction aborts gets DELETE_FILTER', () => {
    const h = new Harness();
    const c = h.callout();
    h.m.beginTransaction(h.session, 0);
    const id = h.filter({ action: FWP_ACTION_CALLOUT_TERMINATING, calloutKey: c.key });
    h.m.abortTransaction(h.session);
    expect(h.notifications.map((n) => [n.type, n.filterId])).toEqual([
      [FWPS_CALLOUT_NOTIFY_ADD_FILTER, id],
      [FWPS_CALLOUT_NOTIFY_DELETE_FILTER, id],
    ]);
  });

  it('[emu] a notifyFn that throws is reported and counts as a failure (the add is refused)', () => {
    const h = new Harness();
    const faults: unknown[] = [];
    h.engine.onEvent((e, _l, _f, _c, detail) => e === ENGINE_EVENT_NOTIFY_FAULT && faults.push(detail));
    const err = new Error('notify');
    const c = h.callout({ notify: () => { throw err; } });
    expect(statusOf(() => h.filter({ action: FWP_ACTION_CALLOUT_TERMINATING, calloutKey: c.key }))).toBe(NTSTATUS.STATUS_FWP_CALLOUT_NOTIFICATION_FAILED);
    expect(faults).toEqual([err]);
  });
});

describe('R54: FWP_CALLOUT_FLAG_CONDITIONAL_ON_FLOW', () => {
  it('R54: a CONDITIONAL_ON_FLOW callout is classified only for flows carrying one of its contexts at that layer', () => {
    const h = new Harness();
    const L = FWPS_LAYER_DATAGRAM_DATA_V4;
    const c = h.callout({ layerId: L, flags: FWP_CALLOUT_FLAG_CONDITIONAL_ON_FLOW, behaviour: { action: FWP_ACTION_CONTINUE } });
    const other = h.callout({ layerId: L });
    h.filter({ layerId: L, action: FWP_ACTION_CALLOUT_INSPECTION, calloutKey: c.key });
    expect(h.engine.flowAssociateContext(100n, L, c.calloutId, 0x99n)).toBe(NTSTATUS.STATUS_SUCCESS);
    // A context of another callout, and a context of this callout at another layer, do not count.
    expect(h.engine.flowAssociateContext(200n, L, other.calloutId, 0x77n)).toBe(NTSTATUS.STATUS_SUCCESS);
    expect(h.engine.flowAssociateContext(300n, FWPS_LAYER_ALE_AUTH_CONNECT_V4, c.calloutId, 0x55n)).toBe(NTSTATUS.STATUS_SUCCESS);

    h.classify(L, {}, h.meta()); // no flow handle at all
    h.classify(L, {}, h.meta({ flowHandle: 200n }));
    h.classify(L, {}, h.meta({ flowHandle: 300n }));
    expect(h.calls).toHaveLength(0);
    h.classify(L, {}, h.meta({ flowHandle: 100n }));
    expect(h.calls).toEqual([expect.objectContaining({ calloutId: c.calloutId, flowContext: 0x99n })]);
  });

  it('R54: without the flag the callout is classified for every matching packet, with flowContext 0 when there is none', () => {
    const h = new Harness();
    const L = FWPS_LAYER_DATAGRAM_DATA_V4;
    const c = h.callout({ layerId: L });
    h.filter({ layerId: L, action: FWP_ACTION_CALLOUT_INSPECTION, calloutKey: c.key });
    h.classify(L, {}, h.meta());
    h.classify(L, {}, h.meta({ flowHandle: 5n }));
    expect(h.calls.map((x) => x.flowContext)).toEqual([0n, 0n]);
  });
});
