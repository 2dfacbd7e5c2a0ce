/**
 * The parts of the seed rules (R1–R20) that belong to classification. Pending itself (FwpsPendOperation0 /
 * FwpsCompleteOperation0) and injection are other modules; here: what arbitration does with their outcomes.
 */
import { describe, expect, it } from 'vitest';
import { FWPM_CONDITION_FLAGS } from '../../src/engine/condition-keys.js';
import {
  FWP_ACTION_BLOCK,
  FWP_ACTION_CALLOUT_TERMINATING,
  FWP_ACTION_PERMIT,
  FWP_CONDITION_FLAG_IS_REAUTHORIZE,
  FWP_CONDITION_REAUTHORIZE_REASON_CLASSIFY_COMPLETION,
  FWP_MATCH_FLAGS_ALL_SET,
  FWP_UINT32,
} from '../../src/engine/constants.js';
import { ENGINE_EVENT_ABSORB, ENGINE_EVENT_CLASSIFY_DROP } from '../../src/engine/events.js';
import { FWPS_FIELDS_ALE_AUTH_CONNECT_V4, FWPS_LAYER_ALE_AUTH_CONNECT_V4, FWPS_LAYER_OUTBOUND_TRANSPORT_V4 } from '../../src/engine/layers.js';
import { Harness, answer } from './engine-harness.js';

describe('seed rules (classification part)', () => {
  it('R5: a pending classifyFn returns BLOCK with ABSORB and the indication is dropped silently (no discard indication, no audit)', () => {
    const h = new Harness();
    const events: number[] = [];
    h.engine.onEvent((e) => events.push(e));
    const c = h.sublayer(0);
    const pender = h.callout({ behaviour: { action: FWP_ACTION_BLOCK, absorb: true, clearWrite: true } });
    const f = h.filter({ sublayer: c, action: FWP_ACTION_CALLOUT_TERMINATING, calloutKey: pender.key });
    const r = h.classify();
    expect(r).toMatchObject({ actionType: FWP_ACTION_BLOCK, absorb: true, hard: true, indicateDiscard: false, discardLayerId: -1, filterId: f });
    expect(events).toEqual([ENGINE_EVENT_ABSORB]);
    expect(events).not.toContain(ENGINE_EVENT_CLASSIFY_DROP);
  });

  it('R7 (classification part): a reauthorization is a full classify at the same layer, and filters can see IS_REAUTHORIZE in FLAGS', () => {
    const h = new Harness();
    const reauthOnly = h.filter({
      action: FWP_ACTION_BLOCK,
      conditions: [{ fieldKey: FWPM_CONDITION_FLAGS, matchType: FWP_MATCH_FLAGS_ALL_SET, conditionValue: { type: FWP_UINT32, uint32: FWP_CONDITION_FLAG_IS_REAUTHORIZE } }],
    });
    expect(h.classify(FWPS_LAYER_ALE_AUTH_CONNECT_V4, { FLAGS: 0 }).matched).toBe(false);
    const r = h.classify(FWPS_LAYER_ALE_AUTH_CONNECT_V4, {
      FLAGS: FWP_CONDITION_FLAG_IS_REAUTHORIZE,
      REAUTHORIZE_REASON: FWP_CONDITION_REAUTHORIZE_REASON_CLASSIFY_COMPLETION,
    });
    expect(r).toMatchObject({ actionType: FWP_ACTION_BLOCK, filterId: reauthOnly });
  });

  it('R11 (classification part): a reauthorization classify is decided synchronously — the arbitrated decision is in the result when classify returns', () => {
    const h = new Harness();
    let sawReauth = false;
    const values = h.values(FWPS_LAYER_ALE_AUTH_CONNECT_V4, { FLAGS: FWP_CONDITION_FLAG_IS_REAUTHORIZE });
    const x = h.callout({
      behaviour: (_call, out) => {
        sawReauth = (values.at(FWPS_FIELDS_ALE_AUTH_CONNECT_V4.FLAGS).uint32 & FWP_CONDITION_FLAG_IS_REAUTHORIZE) !== 0;
        answer(out, { action: FWP_ACTION_PERMIT, clearWrite: true });
      },
    });
    const f = h.filter({ action: FWP_ACTION_CALLOUT_TERMINATING, calloutKey: x.key });
    const r = h.engine.classify(values, h.meta());
    expect(sawReauth).toBe(true);
    expect(r).toMatchObject({ actionType: FWP_ACTION_PERMIT, filterId: f, hard: true, absorb: false });
  });

  it('R17 (classification part): the engine does not suppress re-indications — an injected packet reaches its injector\'s callout again', () => {
    const h = new Harness();
    const x = h.callout({ layerId: FWPS_LAYER_OUTBOUND_TRANSPORT_V4, behaviour: { action: FWP_ACTION_PERMIT } });
    h.filter({ layerId: FWPS_LAYER_OUTBOUND_TRANSPORT_V4, action: FWP_ACTION_CALLOUT_TERMINATING, calloutKey: x.key });
    const original = { injected: false };
    const reinjected = { injected: true };
    h.classify(FWPS_LAYER_OUTBOUND_TRANSPORT_V4, {}, h.meta(), original);
    h.classify(FWPS_LAYER_OUTBOUND_TRANSPORT_V4, {}, h.meta(), reinjected);
    expect(h.calls.map((c) => c.calloutId)).toEqual([x.calloutId, x.calloutId]);
  });
});
