/**
 * Re-entrancy: callouts that change policy, unregister callouts or classify again from inside classifyFn must not
 * corrupt the classify in progress (snapshot per classify, one frame per nesting level).
 */
import { describe, expect, it } from 'vitest';
import { ClassifyResult } from '../../src/engine/classify.js';
import {
  FWPS_CALLOUT_NOTIFY_ADD_FILTER,
  FWPS_CALLOUT_NOTIFY_DELETE_FILTER,
  FWPS_RIGHT_ACTION_WRITE,
  FWP_ACTION_BLOCK,
  FWP_ACTION_CALLOUT_INSPECTION,
  FWP_ACTION_CALLOUT_TERMINATING,
  FWP_ACTION_CONTINUE,
  FWP_ACTION_PERMIT,
} from '../../src/engine/constants.js';
import { FWPS_LAYER_ALE_AUTH_CONNECT_V4, FWPS_LAYER_OUTBOUND_TRANSPORT_V4 } from '../../src/engine/layers.js';
import { NTSTATUS } from '../../src/engine/ntstatus.js';
import { Harness, remotePort } from './engine-harness.js';

describe('policy changes from inside classifyFn', () => {
  it('a filter added by a callout during a classify applies from the next classify on', () => {
    const h = new Harness();
    let added = 0n;
    const c = h.callout({
      behaviour: (_call, out) => {
        if (added === 0n) added = h.filter({ action: FWP_ACTION_BLOCK, weight: 1n });
        out.actionType = FWP_ACTION_CONTINUE;
      },
    });
    h.filter({ action: FWP_ACTION_CALLOUT_INSPECTION, calloutKey: c.key, weight: 10n });
    expect(h.classify()).toMatchObject({ actionType: FWP_ACTION_PERMIT, matched: false });
    expect(h.classify()).toMatchObject({ actionType: FWP_ACTION_BLOCK, filterId: added });
  });

  it('a filter deleted by a callout during a classify is skipped for the rest of it (and its callout hears DELETE_FILTER)', () => {
    const h = new Harness();
    const a = h.sublayer(0x9000);
    const c = h.sublayer(0x0000);
    const victim = h.callout({ behaviour: { action: FWP_ACTION_BLOCK } });
    const victimFilter = h.filter({ sublayer: c, action: FWP_ACTION_CALLOUT_TERMINATING, calloutKey: victim.key });
    const sameSublayerVictim = h.filter({ sublayer: a, action: FWP_ACTION_BLOCK, weight: 1n });
    const deleter = h.callout({
      behaviour: (_call, out) => {
        h.m.deleteFilterById(h.session, victimFilter);
        h.m.deleteFilterById(h.session, sameSublayerVictim);
        out.actionType = FWP_ACTION_CONTINUE;
      },
    });
    h.filter({ sublayer: a, action: FWP_ACTION_CALLOUT_INSPECTION, calloutKey: deleter.key, weight: 10n });
    const r = h.classify();
    expect(r).toMatchObject({ actionType: FWP_ACTION_PERMIT, matched: false });
    expect(h.calls.map((x) => x.calloutId)).toEqual([deleter.calloutId]);
    expect(h.notifications.filter((n) => n.type === FWPS_CALLOUT_NOTIFY_DELETE_FILTER).map((n) => n.filterId)).toEqual([victimFilter]);
  });

  it('a callout that deletes its own filter finishes its answer and the classify goes on', () => {
    const h = new Harness();
    let own = 0n;
    const c = h.callout({
      behaviour: (_call, out) => {
        h.m.deleteFilterById(h.session, own);
        out.actionType = FWP_ACTION_PERMIT;
      },
    });
    own = h.filter({ action: FWP_ACTION_CALLOUT_TERMINATING, calloutKey: c.key });
    expect(h.classify()).toMatchObject({ actionType: FWP_ACTION_PERMIT, filterId: own });
    expect(h.classify()).toMatchObject({ matched: false });
  });

  it('a callout that unregisters another callout mid-classify: that callout\'s later filter acts per R43', () => {
    const h = new Harness();
    const later = h.callout({ behaviour: { action: FWP_ACTION_PERMIT } });
    const laterFilter = h.filter({ action: FWP_ACTION_CALLOUT_TERMINATING, calloutKey: later.key, weight: 1n });
    const first = h.callout({
      behaviour: (_call, out) => {
        expect(h.engine.unregisterCalloutById(later.calloutId)).toBe(NTSTATUS.STATUS_SUCCESS);
        out.actionType = FWP_ACTION_CONTINUE;
      },
    });
    h.filter({ action: FWP_ACTION_CALLOUT_INSPECTION, calloutKey: first.key, weight: 10n });
    expect(h.classify()).toMatchObject({ actionType: FWP_ACTION_BLOCK, filterId: laterFilter });
    expect(h.calls.map((x) => x.calloutId)).toEqual([first.calloutId]);
  });

  it('a notifyFn(ADD_FILTER) may itself add filters', () => {
    const h = new Harness();
    let inner = 0n;
    const c = h.callout({
      notify: (type) => {
        if (type === FWPS_CALLOUT_NOTIFY_ADD_FILTER && inner === 0n) inner = h.filter({ action: FWP_ACTION_BLOCK, conditions: [remotePort(9)] });
        return 0;
      },
    });
    const outer = h.filter({ action: FWP_ACTION_CALLOUT_INSPECTION, calloutKey: c.key });
    expect(inner).not.toBe(0n);
    expect(h.m.getFilterById(h.session, outer).filterId).toBe(outer);
    expect(h.classify(FWPS_LAYER_ALE_AUTH_CONNECT_V4, { IP_REMOTE_PORT: 9 }).filterId).toBe(inner);
  });
});

describe('nested classifies', () => {
  it('a callout may classify again (another layer, or the same one) without disturbing the outer classify', () => {
    const h = new Harness();
    const inner = h.filter({ layerId: FWPS_LAYER_OUTBOUND_TRANSPORT_V4, action: FWP_ACTION_BLOCK });
    const innerResults: ClassifyResult[] = [];
    const sameLayer = h.callout({ behaviour: { action: FWP_ACTION_CONTINUE } });
    const sameLayerFilter = h.filter({ action: FWP_ACTION_CALLOUT_INSPECTION, calloutKey: sameLayer.key, weight: 1n, conditions: [remotePort(7)] });
    const nester = h.callout({
      behaviour: (call, out) => {
        if (call.layerId === FWPS_LAYER_ALE_AUTH_CONNECT_V4 && innerResults.length === 0) {
          innerResults.push(h.engine.classify(h.values(FWPS_LAYER_OUTBOUND_TRANSPORT_V4), h.meta(), null, new ClassifyResult()));
          innerResults.push(h.engine.classify(h.values(FWPS_LAYER_ALE_AUTH_CONNECT_V4, { IP_REMOTE_PORT: 7 }), h.meta(), null, new ClassifyResult()));
        }
        out.actionType = FWP_ACTION_PERMIT;
      },
    });
    const outer = h.filter({ action: FWP_ACTION_CALLOUT_TERMINATING, calloutKey: nester.key, weight: 100n });
    const r = h.classify(FWPS_LAYER_ALE_AUTH_CONNECT_V4, { IP_REMOTE_PORT: 7 });
    expect(innerResults[0]).toMatchObject({ actionType: FWP_ACTION_BLOCK, filterId: inner, layerId: FWPS_LAYER_OUTBOUND_TRANSPORT_V4 });
    // The nested same-layer classify walked the same filters: the nester (its answer is PERMIT, soft) was first.
    expect(innerResults[1]!.calloutsRun().map((x) => x.filterId)).toEqual([outer]);
    expect(innerResults[1]).toMatchObject({ actionType: FWP_ACTION_PERMIT, filterId: outer });
    expect(r).toMatchObject({ actionType: FWP_ACTION_PERMIT, filterId: outer, layerId: FWPS_LAYER_ALE_AUTH_CONNECT_V4 });
    expect(r.calloutsRun()).toEqual([{ calloutId: nester.calloutId, filterId: outer, rights: FWPS_RIGHT_ACTION_WRITE }]);
    void sameLayerFilter;
  });

  it('an event listener that throws does not change a classification', () => {
    const h = new Harness();
    h.engine.onEvent(() => {
      throw new Error('metrics broke');
    });
    const id = h.filter({ action: FWP_ACTION_BLOCK });
    expect(h.classify()).toMatchObject({ actionType: FWP_ACTION_BLOCK, filterId: id, indicateDiscard: true });
  });
});
