/**
 * Management: sessions (dynamic objects vanish on close), transactions (all-or-nothing), validation statuses,
 * the run-time FWPS_FILTER0 view, enumeration and change subscriptions.
 */
import { describe, expect, it } from 'vitest';
import { FWPM_CONDITION_IP_PROTOCOL, FWPM_CONDITION_IP_REMOTE_PORT } from '../../src/engine/condition-keys.js';
import {
  FWPM_CHANGE_ADD,
  FWPM_CHANGE_DELETE,
  FWPM_FILTER_FLAG_CLEAR_ACTION_RIGHT,
  FWPM_FILTER_FLAG_DISABLED,
  FWPM_FILTER_FLAG_HAS_PROVIDER_CONTEXT,
  FWPM_FILTER_FLAG_PERMIT_IF_CALLOUT_UNREGISTERED,
  FWPM_FILTER_FLAG_PERSISTENT,
  FWPM_GENERAL_CONTEXT,
  FWPM_SUBSCRIPTION_FLAG_NOTIFY_ON_DELETE,
  FWPM_TXN_READ_ONLY,
  FWPS_CALLOUT_NOTIFY_DELETE_FILTER,
  FWPS_FILTER_FLAG_CLEAR_ACTION_RIGHT,
  FWPS_FILTER_FLAG_PERMIT_IF_CALLOUT_UNREGISTERED,
  FWP_ACTION_BLOCK,
  FWP_ACTION_CALLOUT_INSPECTION,
  FWP_ACTION_CALLOUT_TERMINATING,
  FWP_ACTION_CONTINUE,
  FWP_ACTION_PERMIT,
  FWP_FILTER_ENUM_FLAG_INCLUDE_DISABLED,
  FWP_FILTER_ENUM_FLAG_SORTED,
  FWP_FILTER_ENUM_FULLY_CONTAINED,
  FWP_FILTER_ENUM_OVERLAPPING,
  FWP_MATCH_EQUAL,
  FWP_UINT16,
  FWP_UINT64,
  FWP_UINT8,
} from '../../src/engine/constants.js';
import { statusOf } from '../../src/engine/errors.js';
import { newGuid } from '../../src/engine/guid.js';
import {
  FWPM_LAYER_ALE_AUTH_CONNECT_V4,
  FWPM_LAYER_OUTBOUND_TRANSPORT_V4,
  FWPM_SUBLAYER_UNIVERSAL,
  FWPS_LAYER_ALE_AUTH_CONNECT_V4,
  FWPS_LAYER_OUTBOUND_TRANSPORT_V4,
} from '../../src/engine/layers.js';
import { NTSTATUS } from '../../src/engine/ntstatus.js';
import type { FWPM_FILTER0 } from '../../src/engine/structs.js';
import { Harness, protocol, remotePort } from './engine-harness.js';

const S = NTSTATUS;

describe('sessions', () => {
  it('a dynamic session\'s filters, callouts and sublayers vanish when it closes (callouts hear DELETE_FILTER)', () => {
    const h = new Harness({ dynamic: true });
    const sub = h.sublayer(0x100);
    const c = h.callout();
    const id = h.filter({ sublayer: sub, action: FWP_ACTION_CALLOUT_TERMINATING, calloutKey: c.key });
    h.filter({ action: FWP_ACTION_BLOCK });
    expect(h.engine.layerFilterCount(FWPS_LAYER_ALE_AUTH_CONNECT_V4)).toBe(2);
    h.engine.closeSession(h.session);
    expect(h.engine.layerFilterCount(FWPS_LAYER_ALE_AUTH_CONNECT_V4)).toBe(0);
    expect(h.notifications.at(-1)).toEqual({ calloutId: c.calloutId, type: FWPS_CALLOUT_NOTIFY_DELETE_FILTER, filterKey: null, filterId: id });
    const other = h.engine.openSession();
    expect(statusOf(() => h.m.getSublayer(other, sub))).toBe(S.STATUS_FWP_SUBLAYER_NOT_FOUND);
    expect(statusOf(() => h.m.getCalloutByKey(other, c.key))).toBe(S.STATUS_FWP_CALLOUT_NOT_FOUND);
    expect(h.classify().matched).toBe(false);
  });

  it('a non-dynamic session\'s objects survive its close', () => {
    const h = new Harness({ dynamic: false });
    const id = h.filter({ action: FWP_ACTION_BLOCK });
    h.engine.closeSession(h.session);
    const other = h.engine.openSession();
    expect(h.m.getFilterById(other, id).filterId).toBe(id);
    expect(h.classify().filterId).toBe(id);
  });

  it('a closed engine handle is refused with STATUS_INVALID_HANDLE', () => {
    const h = new Harness();
    h.engine.closeSession(h.session);
    expect(statusOf(() => h.filter({ action: FWP_ACTION_BLOCK }))).toBe(S.STATUS_INVALID_HANDLE);
    expect(statusOf(() => h.engine.closeSession(h.session))).toBe(S.STATUS_INVALID_HANDLE);
  });

  it('closing a session with an open transaction aborts it', () => {
    const h = new Harness({ dynamic: false });
    h.m.beginTransaction(h.session, 0);
    const id = h.filter({ action: FWP_ACTION_BLOCK });
    h.engine.closeSession(h.session);
    const other = h.engine.openSession();
    expect(statusOf(() => h.m.getFilterById(other, id))).toBe(S.STATUS_FWP_FILTER_NOT_FOUND);
  });
});

describe('transactions', () => {
  it('changes made in a transaction reach classification only at commit, all at once', () => {
    const h = new Harness();
    h.m.beginTransaction(h.session, 0);
    const sub = h.sublayer(0x9000); // the same transaction may use what it added
    const block = h.filter({ sublayer: sub, action: FWP_ACTION_BLOCK, conditions: [remotePort(443)] });
    const permit = h.filter({ action: FWP_ACTION_PERMIT, conditions: [remotePort(80)] });
    expect(h.classify(FWPS_LAYER_ALE_AUTH_CONNECT_V4, { IP_REMOTE_PORT: 443 }).matched).toBe(false);
    expect(h.classify(FWPS_LAYER_ALE_AUTH_CONNECT_V4, { IP_REMOTE_PORT: 80 }).matched).toBe(false);
    h.m.commitTransaction(h.session);
    expect(h.classify(FWPS_LAYER_ALE_AUTH_CONNECT_V4, { IP_REMOTE_PORT: 443 }).filterId).toBe(block);
    expect(h.classify(FWPS_LAYER_ALE_AUTH_CONNECT_V4, { IP_REMOTE_PORT: 80 }).filterId).toBe(permit);
  });

  it('an aborted transaction leaves nothing behind (filters, sublayers, deletes undone)', () => {
    const h = new Harness();
    const keep = h.filter({ action: FWP_ACTION_BLOCK, conditions: [remotePort(22)] });
    h.m.beginTransaction(h.session, 0);
    const sub = h.sublayer(0x9000);
    const added = h.filter({ sublayer: sub, action: FWP_ACTION_BLOCK });
    h.m.deleteFilterById(h.session, keep);
    h.m.abortTransaction(h.session);
    expect(statusOf(() => h.m.getFilterById(h.session, added))).toBe(S.STATUS_FWP_FILTER_NOT_FOUND);
    expect(statusOf(() => h.m.getSublayer(h.session, sub))).toBe(S.STATUS_FWP_SUBLAYER_NOT_FOUND);
    expect(h.m.getFilterById(h.session, keep).filterId).toBe(keep);
    expect(h.classify(FWPS_LAYER_ALE_AUTH_CONNECT_V4, { IP_REMOTE_PORT: 22 }).filterId).toBe(keep);
    expect(h.classify(FWPS_LAYER_ALE_AUTH_CONNECT_V4, { IP_REMOTE_PORT: 23 }).matched).toBe(false);
  });

  it('a failing call inside a transaction leaves the transaction\'s earlier changes intact', () => {
    const h = new Harness();
    h.m.beginTransaction(h.session, 0);
    const a = h.filter({ action: FWP_ACTION_BLOCK, conditions: [remotePort(1)] });
    expect(statusOf(() => h.filter({ action: FWP_ACTION_CONTINUE }))).toBe(S.STATUS_FWP_INVALID_ACTION_TYPE);
    h.m.commitTransaction(h.session);
    expect(h.classify(FWPS_LAYER_ALE_AUTH_CONNECT_V4, { IP_REMOTE_PORT: 1 }).filterId).toBe(a);
    expect(h.engine.layerFilterCount(FWPS_LAYER_ALE_AUTH_CONNECT_V4)).toBe(1);
  });

  it('transaction state errors: TXN_IN_PROGRESS, NO_TXN_IN_PROGRESS, INCOMPATIBLE_TXN, and another session gets TIMEOUT', () => {
    const h = new Harness();
    expect(statusOf(() => h.m.commitTransaction(h.session))).toBe(S.STATUS_FWP_NO_TXN_IN_PROGRESS);
    expect(statusOf(() => h.m.abortTransaction(h.session))).toBe(S.STATUS_FWP_NO_TXN_IN_PROGRESS);
    h.m.beginTransaction(h.session, 0);
    expect(statusOf(() => h.m.beginTransaction(h.session, 0))).toBe(S.STATUS_FWP_TXN_IN_PROGRESS);
    const other = h.engine.openSession();
    expect(statusOf(() => h.m.addSublayer(other, { displayData: { name: 'x' }, weight: 1 }))).toBe(S.STATUS_FWP_TIMEOUT);
    expect(statusOf(() => h.m.beginTransaction(other, 0))).toBe(S.STATUS_FWP_TIMEOUT);
    h.m.commitTransaction(h.session);
    h.m.beginTransaction(other, FWPM_TXN_READ_ONLY);
    expect(statusOf(() => h.m.addSublayer(other, { displayData: { name: 'x' }, weight: 1 }))).toBe(S.STATUS_FWP_INCOMPATIBLE_TXN);
    h.m.abortTransaction(other);
  });
});

describe('validation', () => {
  const base = (): FWPM_FILTER0 => ({ displayData: { name: 'f' }, layerKey: FWPM_LAYER_ALE_AUTH_CONNECT_V4, action: { type: FWP_ACTION_BLOCK } });

  it('FwpmFilterAdd0 statuses for bad layers, sublayers, callouts, actions, flags, names and keys', () => {
    const h = new Harness();
    const add = (f: Partial<FWPM_FILTER0>) => statusOf(() => h.m.addFilter(h.session, { ...base(), ...f }));
    expect(add({ layerKey: newGuid() })).toBe(S.STATUS_FWP_LAYER_NOT_FOUND);
    expect(add({ subLayerKey: newGuid() })).toBe(S.STATUS_FWP_SUBLAYER_NOT_FOUND);
    expect(add({ action: { type: FWP_ACTION_CALLOUT_TERMINATING, calloutKey: newGuid() } })).toBe(S.STATUS_FWP_CALLOUT_NOT_FOUND);
    expect(add({ action: { type: FWP_ACTION_CONTINUE } })).toBe(S.STATUS_FWP_INVALID_ACTION_TYPE);
    expect(add({ flags: FWPM_FILTER_FLAG_DISABLED })).toBe(S.STATUS_FWP_INVALID_FLAGS);
    expect(add({ flags: 0x80000000 })).toBe(S.STATUS_FWP_INVALID_FLAGS);
    expect(add({ displayData: { name: null } })).toBe(S.STATUS_FWP_NULL_DISPLAY_NAME);
    expect(add({ filterKey: 'nonsense' })).toBe(S.STATUS_INVALID_PARAMETER);
    const key = newGuid();
    expect(add({ filterKey: key })).toBe(S.STATUS_SUCCESS);
    expect(add({ filterKey: key })).toBe(S.STATUS_FWP_ALREADY_EXISTS);
    expect(add({ providerKey: newGuid() })).toBe(S.STATUS_FWP_PROVIDER_NOT_FOUND);
    expect(add({ flags: FWPM_FILTER_FLAG_HAS_PROVIDER_CONTEXT, providerContextKey: newGuid() })).toBe(S.STATUS_FWP_PROVIDER_CONTEXT_NOT_FOUND);
  });

  it('[emu] a callout filter must sit at its callout\'s applicable layer → STATUS_FWP_INCOMPATIBLE_LAYER', () => {
    const h = new Harness();
    const c = h.callout({ layerId: FWPS_LAYER_OUTBOUND_TRANSPORT_V4 });
    expect(statusOf(() => h.filter({ action: FWP_ACTION_CALLOUT_TERMINATING, calloutKey: c.key }))).toBe(S.STATUS_FWP_INCOMPATIBLE_LAYER);
    expect(statusOf(() => h.filter({ layerId: FWPS_LAYER_OUTBOUND_TRANSPORT_V4, action: FWP_ACTION_CALLOUT_TERMINATING, calloutKey: c.key }))).toBe(S.STATUS_SUCCESS);
  });

  it('objects in use cannot be deleted; built-in sublayers cannot be deleted; missing objects are reported', () => {
    const h = new Harness();
    const sub = h.sublayer(5);
    const c = h.callout();
    const id = h.filter({ sublayer: sub, action: FWP_ACTION_CALLOUT_TERMINATING, calloutKey: c.key });
    expect(statusOf(() => h.m.deleteSublayer(h.session, sub))).toBe(S.STATUS_FWP_IN_USE);
    expect(statusOf(() => h.m.deleteCalloutByKey(h.session, c.key))).toBe(S.STATUS_FWP_IN_USE);
    expect(statusOf(() => h.m.deleteSublayer(h.session, FWPM_SUBLAYER_UNIVERSAL))).toBe(S.STATUS_FWP_BUILTIN_OBJECT);
    h.m.deleteFilterById(h.session, id);
    expect(statusOf(() => h.m.deleteFilterById(h.session, id))).toBe(S.STATUS_FWP_FILTER_NOT_FOUND);
    h.m.deleteSublayer(h.session, sub);
    h.m.deleteCalloutById(h.session, c.calloutId);
    expect(statusOf(() => h.m.deleteCalloutById(h.session, c.calloutId))).toBe(S.STATUS_FWP_CALLOUT_NOT_FOUND);
    expect(statusOf(() => h.m.addSublayer(h.session, { displayData: { name: 's' }, weight: 0x10000 }))).toBe(S.STATUS_FWP_INVALID_WEIGHT);
  });

  it('[emu] lifetimes: no persistent object in a dynamic session; no reference from a longer-lived object to a dynamic one', () => {
    const dyn = new Harness({ dynamic: true });
    expect(statusOf(() => dyn.filter({ action: FWP_ACTION_BLOCK, flags: FWPM_FILTER_FLAG_PERSISTENT }))).toBe(S.STATUS_FWP_DYNAMIC_SESSION_IN_PROGRESS);
    const sub = dyn.sublayer(3);
    const other = dyn.engine.openSession({ flags: 0 });
    const status = statusOf(() =>
      dyn.m.addFilter(other, { displayData: { name: 'f' }, layerKey: FWPM_LAYER_ALE_AUTH_CONNECT_V4, subLayerKey: sub, action: { type: FWP_ACTION_BLOCK } }),
    );
    expect(status).toBe(S.STATUS_FWP_LIFETIME_MISMATCH);
  });
});

describe('the run-time filter (FWPS_FILTER0)', () => {
  it('carries id, effective weight, sublayer weight, run-time flags, conditions by field index, action and context', () => {
    const h = new Harness();
    const c = h.callout();
    const sub = h.sublayer(0x1234);
    const id = h.filter({
      sublayer: sub,
      action: FWP_ACTION_CALLOUT_TERMINATING,
      calloutKey: c.key,
      weight: 99n,
      flags: FWPM_FILTER_FLAG_CLEAR_ACTION_RIGHT | FWPM_FILTER_FLAG_PERMIT_IF_CALLOUT_UNREGISTERED,
      conditions: [remotePort(443), protocol(6)],
      rawContext: 0x5555n,
    });
    const f = h.m.filterRecord(id)!.fwps;
    expect(f.filterId).toBe(id);
    expect(f.weight).toEqual({ type: FWP_UINT64, uint64: 99n });
    expect(f.subLayerWeight).toBe(0x1234);
    expect(f.flags).toBe(FWPS_FILTER_FLAG_CLEAR_ACTION_RIGHT | FWPS_FILTER_FLAG_PERMIT_IF_CALLOUT_UNREGISTERED);
    expect(f.numFilterConditions).toBe(2);
    expect(f.filterCondition).toEqual([
      { fieldId: 7, reserved: 0, matchType: FWP_MATCH_EQUAL, conditionValue: { type: FWP_UINT16, uint16: 443 } },
      { fieldId: 5, reserved: 0, matchType: FWP_MATCH_EQUAL, conditionValue: { type: FWP_UINT8, uint8: 6 } },
    ]);
    expect(f.action).toEqual({ type: FWP_ACTION_CALLOUT_TERMINATING, calloutId: c.calloutId });
    expect(f.context).toBe(0x5555n);
    expect(f.providerContext).toBeNull();
  });

  it('a filter without a sublayer key goes to FWPM_SUBLAYER_UNIVERSAL (weight 0x8000)', () => {
    const h = new Harness();
    const id = h.filter({ action: FWP_ACTION_BLOCK });
    expect(h.m.getFilterById(h.session, id).subLayerKey).toBe(FWPM_SUBLAYER_UNIVERSAL);
    expect(h.m.filterRecord(id)!.fwps.subLayerWeight).toBe(0x8000);
    expect(h.m.getSublayer(h.session, FWPM_SUBLAYER_UNIVERSAL).weight).toBe(0x8000);
  });

  it('[emu] with a provider context the run-time filter carries it, and context is the provider context id', () => {
    const h = new Harness();
    const pcId = h.m.addProviderContext(h.session, {
      displayData: { name: 'pc' },
      type: FWPM_GENERAL_CONTEXT,
      dataBuffer: { size: 3, data: new Uint8Array([1, 2, 3]) },
    });
    const pcKey = h.m.providerContextKeyById(pcId);
    const c = h.callout();
    const fid = h.m.addFilter(h.session, {
      displayData: { name: 'f' },
      layerKey: FWPM_LAYER_ALE_AUTH_CONNECT_V4,
      flags: FWPM_FILTER_FLAG_HAS_PROVIDER_CONTEXT,
      providerContextKey: pcKey,
      action: { type: FWP_ACTION_CALLOUT_INSPECTION, calloutKey: c.key },
    });
    const f = h.m.filterRecord(fid)!.fwps;
    expect(f.context).toBe(pcId);
    expect(f.providerContext).toMatchObject({ providerContextKey: pcKey, providerContextId: pcId, type: FWPM_GENERAL_CONTEXT });
    expect(Array.from(f.providerContext!.dataBuffer!.data)).toEqual([1, 2, 3]);
    expect(statusOf(() => h.m.deleteProviderContext(h.session, pcKey))).toBe(S.STATUS_FWP_IN_USE);
  });

  it('FwpmFilterGetById0 returns the filter as added plus filterId and effectiveWeight', () => {
    const h = new Harness();
    const key = newGuid();
    const id = h.filter({ key, action: FWP_ACTION_PERMIT, weight: 3, conditions: [remotePort(8080)], rawContext: 9n, name: 'web' });
    const f = h.m.getFilterById(h.session, id);
    expect(f).toMatchObject({
      filterKey: key,
      displayData: { name: 'web' },
      layerKey: FWPM_LAYER_ALE_AUTH_CONNECT_V4,
      subLayerKey: FWPM_SUBLAYER_UNIVERSAL,
      weight: { type: FWP_UINT8, uint8: 3 },
      numFilterConditions: 1,
      action: { type: FWP_ACTION_PERMIT },
      rawContext: 9n,
      filterId: id,
    });
    expect(f.filterCondition).toEqual([{ fieldKey: FWPM_CONDITION_IP_REMOTE_PORT, matchType: FWP_MATCH_EQUAL, conditionValue: { type: FWP_UINT16, uint16: 8080 } }]);
    expect(h.m.getFilterByKey(h.session, key).filterId).toBe(id);
  });
});

describe('enumeration', () => {
  function populate() {
    const h = new Harness();
    const c = h.callout({ layerId: FWPS_LAYER_OUTBOUND_TRANSPORT_V4 });
    const low = h.filter({ action: FWP_ACTION_BLOCK, weight: 1n, conditions: [remotePort(80)] });
    const high = h.filter({ action: FWP_ACTION_PERMIT, weight: 9n, conditions: [remotePort(443), protocol(6)] });
    const mid = h.filter({ action: FWP_ACTION_BLOCK, weight: 5n, conditions: [protocol(17)] });
    const other = h.filter({ layerId: FWPS_LAYER_OUTBOUND_TRANSPORT_V4, action: FWP_ACTION_CALLOUT_INSPECTION, calloutKey: c.key });
    return { h, c, low, high, mid, other };
  }
  const ids = (fs: FWPM_FILTER0[]) => fs.map((f) => f.filterId);

  it('a template selects by layer; FWP_FILTER_ENUM_FLAG_SORTED gives classification order; entries come in chunks', () => {
    const { h, low, high, mid } = populate();
    const e = h.m.createFilterEnum(h.session, { layerKey: FWPM_LAYER_ALE_AUTH_CONNECT_V4 });
    expect(ids(h.m.enumerate(h.session, e, 'filter', 2))).toEqual([low, high]);
    expect(ids(h.m.enumerate(h.session, e, 'filter', 2))).toEqual([mid]);
    expect(h.m.enumerate(h.session, e, 'filter', 2)).toEqual([]);
    h.m.destroyEnum(h.session, e, 'filter');
    expect(statusOf(() => h.m.enumerate(h.session, e, 'filter', 1))).toBe(S.STATUS_INVALID_HANDLE);
    const sorted = h.m.createFilterEnum(h.session, { layerKey: FWPM_LAYER_ALE_AUTH_CONNECT_V4, flags: FWP_FILTER_ENUM_FLAG_SORTED });
    expect(ids(h.m.enumerate(h.session, sorted, 'filter', 10))).toEqual([high, mid, low]);
  });

  it('actionMask and calloutKey narrow the selection', () => {
    const { h, c, low, mid, other } = populate();
    const blocks = h.m.createFilterEnum(h.session, { layerKey: FWPM_LAYER_ALE_AUTH_CONNECT_V4, actionMask: 0x1 });
    expect(ids(h.m.enumerate(h.session, blocks, 'filter', 10))).toEqual([low, mid]);
    const byCallout = h.m.createFilterEnum(h.session, { layerKey: FWPM_LAYER_OUTBOUND_TRANSPORT_V4, calloutKey: c.key });
    expect(ids(h.m.enumerate(h.session, byCallout, 'filter', 10))).toEqual([other]);
  });

  it('[emu] template conditions: OVERLAPPING keeps filters that could match the sample values, FULLY_CONTAINED only those constrained by them', () => {
    const { h, high, mid } = populate();
    const tcp = [{ fieldKey: FWPM_CONDITION_IP_PROTOCOL, matchType: FWP_MATCH_EQUAL, conditionValue: { type: FWP_UINT8, uint8: 6 } }];
    const overlapping = h.m.createFilterEnum(h.session, { layerKey: FWPM_LAYER_ALE_AUTH_CONNECT_V4, enumType: FWP_FILTER_ENUM_OVERLAPPING, filterCondition: tcp });
    // low (port 80 only) could match a TCP packet; mid (UDP) could not.
    expect(ids(h.m.enumerate(h.session, overlapping, 'filter', 10))).toHaveLength(2);
    expect(ids(h.m.enumerate(h.session, overlapping, 'filter', 10))).toEqual([]);
    const contained = h.m.createFilterEnum(h.session, {
      layerKey: FWPM_LAYER_ALE_AUTH_CONNECT_V4,
      enumType: FWP_FILTER_ENUM_FULLY_CONTAINED,
      filterCondition: [...tcp, { fieldKey: FWPM_CONDITION_IP_REMOTE_PORT, matchType: FWP_MATCH_EQUAL, conditionValue: { type: FWP_UINT16, uint16: 443 } }],
    });
    expect(ids(h.m.enumerate(h.session, contained, 'filter', 10))).toEqual([high]);
    void mid;
  });

  it('[emu] disabled filters are not classified and are enumerated only with FWP_FILTER_ENUM_FLAG_INCLUDE_DISABLED', () => {
    const { h, low, high, mid } = populate();
    h.m.setFilterDisabled(mid, true);
    expect(h.classify(FWPS_LAYER_ALE_AUTH_CONNECT_V4, { IP_PROTOCOL: 17 }).matched).toBe(false);
    const e = h.m.createFilterEnum(h.session, { layerKey: FWPM_LAYER_ALE_AUTH_CONNECT_V4 });
    expect(ids(h.m.enumerate(h.session, e, 'filter', 10))).toEqual([low, high]);
    const all = h.m.createFilterEnum(h.session, { layerKey: FWPM_LAYER_ALE_AUTH_CONNECT_V4, flags: FWP_FILTER_ENUM_FLAG_INCLUDE_DISABLED });
    const got = h.m.enumerate<FWPM_FILTER0>(h.session, all, 'filter', 10);
    expect(ids(got)).toEqual([low, high, mid]);
    expect((got[2]!.flags ?? 0) & FWPM_FILTER_FLAG_DISABLED).toBe(FWPM_FILTER_FLAG_DISABLED);
    h.m.setFilterDisabled(mid, false);
    expect(h.classify(FWPS_LAYER_ALE_AUTH_CONNECT_V4, { IP_PROTOCOL: 17 }).filterId).toBe(mid);
  });

  it('sublayers and callouts enumerate too', () => {
    const h = new Harness();
    const s1 = h.sublayer(1);
    const s2 = h.sublayer(0x9000);
    const e = h.m.createSublayerEnum(h.session, null);
    expect(h.m.enumerate<{ subLayerKey: string }>(h.session, e, 'sublayer', 10).map((s) => s.subLayerKey)).toEqual([s2, FWPM_SUBLAYER_UNIVERSAL, s1]);
    const c = h.callout();
    const ce = h.m.createCalloutEnum(h.session, { layerKey: FWPM_LAYER_ALE_AUTH_CONNECT_V4 });
    const got = h.m.enumerate<{ calloutKey: string; flags: number }>(h.session, ce, 'callout', 10);
    expect(got.map((x) => x.calloutKey)).toEqual([c.key]);
    expect(got[0]!.flags & 0x00040000).toBe(0x00040000); // FWPM_CALLOUT_FLAG_REGISTERED
  });
});

describe('change subscriptions', () => {
  it('subscribers hear filter adds and deletes after commit, selected by template and flags, until they unsubscribe', () => {
    const h = new Harness();
    const all: Array<[number, bigint]> = [];
    const deletesAtTransport: Array<[number, bigint]> = [];
    const ctx = { who: 'all' };
    let seenCtx: unknown = null;
    const hAll = h.m.subscribeFilterChanges(h.session, { flags: 0 }, (context, change) => {
      seenCtx = context;
      all.push([change.changeType, change.filterId]);
    }, ctx);
    h.m.subscribeFilterChanges(
      h.session,
      { flags: FWPM_SUBSCRIPTION_FLAG_NOTIFY_ON_DELETE, enumTemplate: { layerKey: FWPM_LAYER_OUTBOUND_TRANSPORT_V4 } },
      (_c, change) => deletesAtTransport.push([change.changeType, change.filterId]),
      null,
    );
    h.m.beginTransaction(h.session, 0);
    const a = h.filter({ action: FWP_ACTION_BLOCK });
    const t = h.filter({ layerId: FWPS_LAYER_OUTBOUND_TRANSPORT_V4, action: FWP_ACTION_BLOCK });
    expect(all).toEqual([]);
    h.m.commitTransaction(h.session);
    expect(all).toEqual([[FWPM_CHANGE_ADD, a], [FWPM_CHANGE_ADD, t]]);
    expect(seenCtx).toBe(ctx);
    h.m.deleteFilterById(h.session, t);
    h.m.deleteFilterById(h.session, a);
    expect(all.slice(2)).toEqual([[FWPM_CHANGE_DELETE, t], [FWPM_CHANGE_DELETE, a]]);
    expect(deletesAtTransport).toEqual([[FWPM_CHANGE_DELETE, t]]);
    // Aborted work is never announced.
    h.m.beginTransaction(h.session, 0);
    h.filter({ action: FWP_ACTION_BLOCK });
    h.m.abortTransaction(h.session);
    expect(all).toHaveLength(4);
    h.m.unsubscribeFilterChanges(h.session, hAll);
    h.filter({ action: FWP_ACTION_BLOCK });
    expect(all).toHaveLength(4);
    expect(statusOf(() => h.m.unsubscribeFilterChanges(h.session, hAll))).toBe(S.STATUS_INVALID_HANDLE);
  });
});
