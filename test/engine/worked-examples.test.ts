/**
 * The seven worked examples of spec §2.2. Sublayers: A weight 0x9000, B weight 0x8000 (FWPM_SUBLAYER_UNIVERSAL),
 * C weight 0x0000 (inspect's sublayer).
 */
import { describe, expect, it } from 'vitest';
import {
  FWPM_FILTER_FLAG_CLEAR_ACTION_RIGHT,
  FWPS_RIGHT_ACTION_WRITE,
  FWP_ACTION_BLOCK,
  FWP_ACTION_CALLOUT_INSPECTION,
  FWP_ACTION_CALLOUT_TERMINATING,
  FWP_ACTION_CALLOUT_UNKNOWN,
  FWP_ACTION_CONTINUE,
  FWP_ACTION_PERMIT,
  FWP_CONDITION_FLAG_IS_REAUTHORIZE,
} from '../../src/engine/constants.js';
import {
  ENGINE_EVENT_ABSORB,
  ENGINE_EVENT_CLASSIFY_DROP,
  ENGINE_EVENT_CONFORMANCE,
  ENGINE_EVENT_VETO,
} from '../../src/engine/events.js';
import { FWPS_FIELDS_ALE_AUTH_CONNECT_V4, FWPS_LAYER_ALE_AUTH_CONNECT_V4, FWPS_LAYER_ALE_AUTH_CONNECT_V4_DISCARD, FWPM_SUBLAYER_UNIVERSAL } from '../../src/engine/layers.js';
import { Harness, answer } from './engine-harness.js';

function setup() {
  const h = new Harness();
  const events: number[] = [];
  h.engine.onEvent((e) => events.push(e));
  return { h, events, A: h.sublayer(0x9000), B: FWPM_SUBLAYER_UNIVERSAL, C: h.sublayer(0x0000) };
}

describe('spec §2.2 worked examples', () => {
  it('Example 1 (R34, R37): hard block above soft permit → BLOCK to the discard layer; C\'s callout runs read-only and sees BLOCK', () => {
    const { h, events, A, C } = setup();
    const block = h.filter({ sublayer: A, action: FWP_ACTION_BLOCK });
    const x = h.callout({ behaviour: { action: FWP_ACTION_PERMIT } });
    const fx = h.filter({ sublayer: C, action: FWP_ACTION_CALLOUT_TERMINATING, calloutKey: x.key, weight: 20n });
    h.filter({ sublayer: C, action: FWP_ACTION_PERMIT, weight: 10n });
    const r = h.classify();
    expect(h.calls).toEqual([expect.objectContaining({ filterId: fx, rights: 0, entryAction: FWP_ACTION_BLOCK })]);
    expect(r).toMatchObject({
      actionType: FWP_ACTION_BLOCK,
      filterId: block,
      absorb: false,
      indicateDiscard: true,
      discardLayerId: FWPS_LAYER_ALE_AUTH_CONNECT_V4_DISCARD,
    });
    expect(events).toEqual([ENGINE_EVENT_CLASSIFY_DROP]);
  });

  it('Example 2 (R35): soft permit then block → BLOCK', () => {
    const { h, A, C } = setup();
    h.filter({ sublayer: A, action: FWP_ACTION_PERMIT });
    const block = h.filter({ sublayer: C, action: FWP_ACTION_BLOCK });
    expect(h.classify()).toMatchObject({ actionType: FWP_ACTION_BLOCK, filterId: block, veto: false });
  });

  it('Example 3 (R35): hard permit then static block → PERMIT', () => {
    const { h, A, C } = setup();
    const permit = h.filter({ sublayer: A, action: FWP_ACTION_PERMIT, flags: FWPM_FILTER_FLAG_CLEAR_ACTION_RIGHT });
    h.filter({ sublayer: C, action: FWP_ACTION_BLOCK });
    expect(h.classify()).toMatchObject({ actionType: FWP_ACTION_PERMIT, filterId: permit, veto: false });
  });

  it('Example 3 (R36): hard permit then a read-only callout BLOCK → veto, BLOCK, audit + notification', () => {
    const { h, events, A, C } = setup();
    h.filter({ sublayer: A, action: FWP_ACTION_PERMIT, flags: FWPM_FILTER_FLAG_CLEAR_ACTION_RIGHT });
    const x = h.callout({ behaviour: { action: FWP_ACTION_BLOCK } });
    const fx = h.filter({ sublayer: C, action: FWP_ACTION_CALLOUT_TERMINATING, calloutKey: x.key });
    const r = h.classify();
    expect(h.calls[0]).toMatchObject({ rights: 0, entryAction: FWP_ACTION_PERMIT });
    expect(r).toMatchObject({ actionType: FWP_ACTION_BLOCK, veto: true, filterId: fx, indicateDiscard: true });
    expect(events).toEqual([ENGINE_EVENT_VETO, ENGINE_EVENT_CLASSIFY_DROP]);
  });

  it('Example 4 (R33): CONTINUE from callout X, then the static PERMIT → soft PERMIT', () => {
    const { h, C } = setup();
    const x = h.callout({ behaviour: { action: FWP_ACTION_CONTINUE } });
    h.filter({ sublayer: C, action: FWP_ACTION_CALLOUT_UNKNOWN, calloutKey: x.key, weight: 20n });
    const permit = h.filter({ sublayer: C, action: FWP_ACTION_PERMIT, weight: 10n });
    const r = h.classify();
    expect(h.calls[0]).toMatchObject({ rights: FWPS_RIGHT_ACTION_WRITE, entryAction: FWP_ACTION_CONTINUE });
    expect(r).toMatchObject({ actionType: FWP_ACTION_PERMIT, filterId: permit, hard: false });
  });

  it('Example 4 (R33): X returns BLOCK and clears WRITE → BLOCK, the static PERMIT is never reached', () => {
    const { h, C } = setup();
    const x = h.callout({ behaviour: { action: FWP_ACTION_BLOCK, clearWrite: true } });
    const fx = h.filter({ sublayer: C, action: FWP_ACTION_CALLOUT_UNKNOWN, calloutKey: x.key, weight: 20n });
    h.filter({ sublayer: C, action: FWP_ACTION_PERMIT, weight: 10n });
    expect(h.classify()).toMatchObject({ actionType: FWP_ACTION_BLOCK, filterId: fx, hard: true });
  });

  it('Example 5 (R38): X is CALLOUT_TERMINATING and returns CONTINUE → BLOCK', () => {
    const { h, C } = setup();
    const x = h.callout({ behaviour: { action: FWP_ACTION_CONTINUE } });
    const fx = h.filter({ sublayer: C, action: FWP_ACTION_CALLOUT_TERMINATING, calloutKey: x.key, weight: 20n });
    h.filter({ sublayer: C, action: FWP_ACTION_PERMIT, weight: 10n });
    expect(h.classify()).toMatchObject({ actionType: FWP_ACTION_BLOCK, filterId: fx });
  });

  it('Example 5 (R39): X is CALLOUT_INSPECTION and returns BLOCK → CONTINUE', () => {
    const { h, C } = setup();
    const x = h.callout({ behaviour: { action: FWP_ACTION_BLOCK } });
    h.filter({ sublayer: C, action: FWP_ACTION_CALLOUT_INSPECTION, calloutKey: x.key, weight: 20n });
    const permit = h.filter({ sublayer: C, action: FWP_ACTION_PERMIT, weight: 10n });
    expect(h.classify()).toMatchObject({ actionType: FWP_ACTION_PERMIT, filterId: permit });
  });

  it('Example 6 (R35, R44): BLOCK+ABSORB leaving WRITE set is soft; C\'s PERMIT wins → PERMIT (the duplicate-delivery bug)', () => {
    const { h, events, A, C } = setup();
    const x = h.callout({ behaviour: { action: FWP_ACTION_BLOCK, absorb: true, clearWrite: false } });
    h.filter({ sublayer: A, action: FWP_ACTION_CALLOUT_TERMINATING, calloutKey: x.key });
    const permit = h.filter({ sublayer: C, action: FWP_ACTION_PERMIT });
    const r = h.classify();
    expect(r).toMatchObject({ actionType: FWP_ACTION_PERMIT, filterId: permit, absorb: false, indicateDiscard: false });
    expect(events).toEqual([ENGINE_EVENT_CONFORMANCE]);
  });

  it('Example 7 (R5, R44): a pending callout returns BLOCK+ABSORB with WRITE cleared → silent hard block; the reauthorization is a full classify again', () => {
    const { h, events, C } = setup();
    let current = h.values(FWPS_LAYER_ALE_AUTH_CONNECT_V4);
    // The inspect-style callout: initial classify → take ownership; reauthorization → the recorded decision.
    const x = h.callout({
      behaviour: (call, out) => {
        const flags = current.at(FWPS_FIELDS_ALE_AUTH_CONNECT_V4.FLAGS).uint32;
        if ((flags & FWP_CONDITION_FLAG_IS_REAUTHORIZE) !== 0) answer(out, { action: FWP_ACTION_PERMIT });
        else answer(out, { action: FWP_ACTION_BLOCK, absorb: true });
        void call;
      },
    });
    const fx = h.filter({ sublayer: C, action: FWP_ACTION_CALLOUT_TERMINATING, calloutKey: x.key });
    h.filter({ action: FWP_ACTION_PERMIT, sublayer: FWPM_SUBLAYER_UNIVERSAL });

    current = h.values(FWPS_LAYER_ALE_AUTH_CONNECT_V4, { FLAGS: 0 });
    const initial = h.engine.classify(current, h.meta());
    expect(initial).toMatchObject({ actionType: FWP_ACTION_BLOCK, absorb: true, hard: true, indicateDiscard: false, filterId: fx });
    expect(events).toEqual([ENGINE_EVENT_ABSORB]);

    current = h.values(FWPS_LAYER_ALE_AUTH_CONNECT_V4, { FLAGS: FWP_CONDITION_FLAG_IS_REAUTHORIZE });
    const reauth = h.engine.classify(current, h.meta());
    expect(reauth).toMatchObject({ actionType: FWP_ACTION_PERMIT, filterId: fx, absorb: false });
  });
});
