/**
 * R42: effective filter weights, and how automatic weights order filters by specificity.
 */
import { describe, expect, it } from 'vitest';
import { ipv4, ipv4Mask } from '../../src/engine/addresses.js';
import { FWPM_CONDITION_IP_REMOTE_ADDRESS } from '../../src/engine/condition-keys.js';
import { FWP_ACTION_BLOCK, FWP_ACTION_PERMIT, FWP_MATCH_EQUAL, FWP_UINT32, FWP_UINT64, FWP_UINT8 } from '../../src/engine/constants.js';
import { statusOf } from '../../src/engine/errors.js';
import { FWPS_LAYER_ALE_AUTH_CONNECT_V4 } from '../../src/engine/layers.js';
import { NTSTATUS } from '../../src/engine/ntstatus.js';
import { fwpV4AddrMask } from '../../src/engine/values.js';
import { Harness, protocol, remoteAddr, remotePort } from './engine-harness.js';

const RANGE = 1n << 60n;

function effective(h: Harness, id: bigint): bigint {
  const f = h.m.getFilterById(h.session, id);
  expect(f.effectiveWeight?.type).toBe(FWP_UINT64);
  // The run-time filter carries the same value.
  expect(h.m.filterRecord(id)!.fwps.weight).toEqual({ type: FWP_UINT64, uint64: f.effectiveWeight!.uint64 });
  return f.effectiveWeight!.uint64!;
}

describe('R42: effective weight', () => {
  it('R42: FWP_UINT8 k gives an effective weight in [k·2^60, (k+1)·2^60)', () => {
    const h = new Harness();
    for (const k of [0, 1, 7, 15]) {
      const w = effective(h, h.filter({ action: FWP_ACTION_BLOCK, weight: k, conditions: [remotePort(1)] }));
      expect(w >= BigInt(k) * RANGE && w < BigInt(k + 1) * RANGE).toBe(true);
    }
  });

  it('R42: FWP_EMPTY gives an effective weight in [0, 2^60)', () => {
    const h = new Harness();
    const none = effective(h, h.filter({ action: FWP_ACTION_BLOCK }));
    const many = effective(h, h.filter({ action: FWP_ACTION_BLOCK, conditions: [remoteAddr(ipv4('10.0.0.1')), remotePort(443), protocol(6)] }));
    for (const w of [none, many]) expect(w >= 0n && w < RANGE).toBe(true);
  });

  it('R42: FWP_UINT64 w is exactly w', () => {
    const h = new Harness();
    for (const w of [0n, 1n, 0x123456789abcdefn, (1n << 64n) - 1n]) {
      expect(effective(h, h.filter({ action: FWP_ACTION_BLOCK, weight: w }))).toBe(w);
    }
  });

  it('R42: a weight range above 15, or a weight of another type → STATUS_FWP_INVALID_WEIGHT', () => {
    const h = new Harness();
    expect(statusOf(() => h.filter({ action: FWP_ACTION_BLOCK, weight: 16 }))).toBe(NTSTATUS.STATUS_FWP_INVALID_WEIGHT);
    expect(statusOf(() => h.filter({ action: FWP_ACTION_BLOCK, weight: { type: FWP_UINT32, uint32: 5 } }))).toBe(NTSTATUS.STATUS_FWP_INVALID_WEIGHT);
    expect(statusOf(() => h.filter({ action: FWP_ACTION_BLOCK, weight: { type: FWP_UINT8 } }))).toBe(NTSTATUS.STATUS_FWP_INVALID_WEIGHT);
  });

  it('R42 [emu]: automatic weights grow with specificity: more fields, then narrower conditions', () => {
    const h = new Harness();
    const exactAndPort = effective(h, h.filter({ action: FWP_ACTION_BLOCK, conditions: [remoteAddr(ipv4('10.0.0.1')), remotePort(443)] }));
    const prefixAndPort = effective(h, h.filter({
      action: FWP_ACTION_BLOCK,
      conditions: [{ fieldKey: FWPM_CONDITION_IP_REMOTE_ADDRESS, matchType: FWP_MATCH_EQUAL, conditionValue: fwpV4AddrMask(ipv4('10.0.0.0'), ipv4Mask(8)) }, remotePort(443)],
    }));
    const exactOnly = effective(h, h.filter({ action: FWP_ACTION_BLOCK, conditions: [remoteAddr(ipv4('10.0.0.1'))] }));
    const portOnly = effective(h, h.filter({ action: FWP_ACTION_BLOCK, conditions: [remotePort(443)] }));
    const none = effective(h, h.filter({ action: FWP_ACTION_BLOCK }));
    expect(exactAndPort > prefixAndPort).toBe(true);
    expect(prefixAndPort > exactOnly).toBe(true);
    expect(exactOnly > portOnly).toBe(true);
    expect(portOnly > none).toBe(true);
  });

  it('R42: the more specific automatically weighted filter is evaluated first, whatever the insertion order', () => {
    for (const specificFirst of [true, false]) {
      const h = new Harness();
      const broad = () =>
        h.filter({
          action: FWP_ACTION_PERMIT,
          conditions: [{ fieldKey: FWPM_CONDITION_IP_REMOTE_ADDRESS, matchType: FWP_MATCH_EQUAL, conditionValue: fwpV4AddrMask(ipv4('10.0.0.0'), ipv4Mask(8)) }],
        });
      const specific = () => h.filter({ action: FWP_ACTION_BLOCK, conditions: [remoteAddr(ipv4('10.0.0.1'))] });
      const ids = specificFirst ? [specific(), broad()] : [broad(), specific()].reverse();
      const r = h.classify(FWPS_LAYER_ALE_AUTH_CONNECT_V4, { IP_REMOTE_ADDRESS: ipv4('10.0.0.1') });
      expect(r).toMatchObject({ actionType: FWP_ACTION_BLOCK, filterId: ids[0] });
    }
  });

  it('R42: a weight range dominates automatic weighting', () => {
    const h = new Harness();
    const specific = h.filter({ action: FWP_ACTION_BLOCK, weight: 0, conditions: [remoteAddr(ipv4('10.0.0.1')), remotePort(443), protocol(6)] });
    const catchAll = h.filter({ action: FWP_ACTION_PERMIT, weight: 1 });
    expect(effective(h, catchAll) > effective(h, specific)).toBe(true);
    expect(h.classify(FWPS_LAYER_ALE_AUTH_CONNECT_V4, { IP_REMOTE_ADDRESS: ipv4('10.0.0.1'), IP_REMOTE_PORT: 443, IP_PROTOCOL: 6 })).toMatchObject({
      actionType: FWP_ACTION_PERMIT,
      filterId: catchAll,
    });
  });
});
