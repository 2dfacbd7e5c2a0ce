/**
 * The Fwpm/Fwps facade, used the way a C callout driver uses the API: the inspect sample's setup
 * (network/trans/inspect/sys/TL_drv.c, spec §6.1) ported line by line, and the facade's calling conventions.
 */
import { describe, expect, it } from 'vitest';
import { ipv4 } from '../../src/engine/addresses.js';
import {
  FWPM_SESSION_FLAG_DYNAMIC,
  FWPS_CALLOUT_NOTIFY_DELETE_FILTER,
  FWPS_CLASSIFY_OUT_FLAG_ABSORB,
  FWPS_RIGHT_ACTION_WRITE,
  FWP_ACTION_BLOCK,
  FWP_ACTION_CALLOUT_TERMINATING,
  FWP_ACTION_PERMIT,
  FWP_EMPTY,
  FWP_MATCH_EQUAL,
  FWP_UINT32,
  RPC_C_AUTHN_WINNT,
} from '../../src/engine/constants.js';
import { createFilterEngine } from '../../src/engine/engine.js';
import { newGuid } from '../../src/engine/guid.js';
import { NTSTATUS } from '../../src/engine/ntstatus.js';
import {
  FWPM_CONDITION_IP_REMOTE_ADDRESS,
  FWPM_LAYER_ALE_AUTH_CONNECT_V4,
  FWPM_LAYER_ALE_AUTH_RECV_ACCEPT_V4,
  FWPM_LAYER_INBOUND_TRANSPORT_V4,
  FWPM_LAYER_OUTBOUND_TRANSPORT_V4,
} from '../../src/fwp/fwpm.js';
import {
  createFwpApi,
  createIncomingMetadata,
  createIncomingValues,
  FWPS_FIELDS_ALE_AUTH_CONNECT_V4,
  FWPS_LAYER_ALE_AUTH_CONNECT_V4,
} from '../../src/fwp/fwps.js';
import {
  ref,
  type FWPM_CALLOUT0,
  type FWPM_FILTER0,
  type FWPM_FILTER_CONDITION0,
  type FWPM_LAYER0,
  type FWPM_SESSION0,
  type FWPM_SUBLAYER0,
  type FWPS_CALLOUT0,
  type FWPS_CLASSIFY_OUT0,
  type FWPS_FILTER0,
  type FWPS_INCOMING_METADATA_VALUES0,
  type FWPS_INCOMING_VALUES0,
  type GUID,
} from '../../src/fwp/types.js';

const { STATUS_SUCCESS } = NTSTATUS;

/** The inspect sample's TLInspectLoadCallouts, in facade calls. Returns what a test needs to look at. */
function inspectSetup() {
  const engine = createFilterEngine();
  const api = createFwpApi(engine);
  const { FwpmEngineOpen0, FwpmTransactionBegin0, FwpmSubLayerAdd0, FwpmCalloutAdd0, FwpmFilterAdd0, FwpmTransactionCommit0, FwpsCalloutRegister0 } = api;
  const classified: Array<{ layerId: number; rights: number }> = [];
  const notified: number[] = [];
  const remoteAddressToInspect = ipv4('10.9.8.7'); // host order, as TL_drv.c keeps it

  // The classify function "takes ownership": BLOCK, clear WRITE, ABSORB (spec §6.2).
  const classifyFn = (inFixedValues: FWPS_INCOMING_VALUES0, _inMeta: FWPS_INCOMING_METADATA_VALUES0, _layerData: unknown, _filter: FWPS_FILTER0, _flowContext: bigint, classifyOut: FWPS_CLASSIFY_OUT0): void => {
    classified.push({ layerId: inFixedValues.layerId, rights: classifyOut.rights });
    if ((classifyOut.rights & FWPS_RIGHT_ACTION_WRITE) === 0) return;
    classifyOut.actionType = FWP_ACTION_BLOCK;
    classifyOut.rights &= ~FWPS_RIGHT_ACTION_WRITE;
    classifyOut.flags |= FWPS_CLASSIFY_OUT_FLAG_ABSORB;
  };
  const notifyFn = (notifyType: number): number => {
    notified.push(notifyType);
    return STATUS_SUCCESS;
  };

  let status: number;
  const session: FWPM_SESSION0 = { flags: FWPM_SESSION_FLAG_DYNAMIC };
  const gEngineHandle = ref(0);
  status = FwpmEngineOpen0(null, RPC_C_AUTHN_WINNT, null, session, gEngineHandle);
  expect(status).toBe(STATUS_SUCCESS);
  status = FwpmTransactionBegin0(gEngineHandle.value, 0);
  expect(status).toBe(STATUS_SUCCESS);

  const TL_INSPECT_SUBLAYER = newGuid();
  const subLayer: FWPM_SUBLAYER0 = {
    subLayerKey: TL_INSPECT_SUBLAYER,
    displayData: { name: 'Transport Inspect Sub-Layer', description: 'Sub-Layer for use by Transport Inspect callouts' },
    flags: 0,
    weight: 0, // must be less than the weight of FWPM_SUBLAYER_UNIVERSAL to be compatible with IPsec
  };
  status = FwpmSubLayerAdd0(gEngineHandle.value, subLayer, null);
  expect(status).toBe(STATUS_SUCCESS);

  const calloutIds: number[] = [];
  const layers: GUID[] = [FWPM_LAYER_ALE_AUTH_CONNECT_V4, FWPM_LAYER_ALE_AUTH_RECV_ACCEPT_V4, FWPM_LAYER_OUTBOUND_TRANSPORT_V4, FWPM_LAYER_INBOUND_TRANSPORT_V4];
  for (const layerKey of layers) {
    const calloutKey = newGuid();
    const sCallout: FWPS_CALLOUT0 = { calloutKey, classifyFn, notifyFn, flowDeleteFn: null };
    const calloutIdRef = ref(0);
    status = FwpsCalloutRegister0(null /* deviceObject */, sCallout, calloutIdRef);
    expect(status).toBe(STATUS_SUCCESS);
    calloutIds.push(calloutIdRef.value);

    const mCallout: FWPM_CALLOUT0 = { calloutKey, displayData: { name: 'Transport Inspect Callout' }, applicableLayer: layerKey };
    status = FwpmCalloutAdd0(gEngineHandle.value, mCallout, null, null);
    expect(status).toBe(STATUS_SUCCESS);

    const filterConditions: FWPM_FILTER_CONDITION0[] = [
      { fieldKey: FWPM_CONDITION_IP_REMOTE_ADDRESS, matchType: FWP_MATCH_EQUAL, conditionValue: { type: FWP_UINT32, uint32: remoteAddressToInspect } },
    ];
    const filter: FWPM_FILTER0 = {
      layerKey,
      displayData: { name: 'Transport Inspect Filter (Outbound)', description: 'Inspect inbound/outbound connections' },
      action: { type: FWP_ACTION_CALLOUT_TERMINATING, calloutKey },
      filterCondition: filterConditions,
      numFilterConditions: filterConditions.length,
      subLayerKey: TL_INSPECT_SUBLAYER,
      weight: { type: FWP_EMPTY }, // auto-weight
    };
    status = FwpmFilterAdd0(gEngineHandle.value, filter, null, null);
    expect(status).toBe(STATUS_SUCCESS);
  }
  status = FwpmTransactionCommit0(gEngineHandle.value);
  expect(status).toBe(STATUS_SUCCESS);
  return { engine, api, gEngineHandle, calloutIds, classified, notified, remoteAddressToInspect };
}

describe('the facade, as the inspect sample uses it', () => {
  it('sets up the sample\'s sublayer, callouts and filters, classifies, and tears down', () => {
    const { engine, api, gEngineHandle, calloutIds, classified, notified, remoteAddressToInspect } = inspectSetup();
    expect(engine.layerFilterCount(FWPS_LAYER_ALE_AUTH_CONNECT_V4)).toBe(1);

    const inFixedValues = createIncomingValues(FWPS_LAYER_ALE_AUTH_CONNECT_V4);
    const inMetaValues = createIncomingMetadata();
    inFixedValues.incomingValue[FWPS_FIELDS_ALE_AUTH_CONNECT_V4.IP_REMOTE_ADDRESS]!.value.uint32 = remoteAddressToInspect;
    const r = engine.classify(inFixedValues, inMetaValues);
    expect(r).toMatchObject({ actionType: FWP_ACTION_BLOCK, absorb: true, hard: true, indicateDiscard: false });
    expect(classified).toEqual([{ layerId: FWPS_LAYER_ALE_AUTH_CONNECT_V4, rights: FWPS_RIGHT_ACTION_WRITE }]);
    inFixedValues.incomingValue[FWPS_FIELDS_ALE_AUTH_CONNECT_V4.IP_REMOTE_ADDRESS]!.value.uint32 = ipv4('10.9.8.8');
    expect(engine.classify(inFixedValues, inMetaValues)).toMatchObject({ actionType: FWP_ACTION_PERMIT, matched: false });

    // Enumerate what the session added.
    const enumHandle = ref(0);
    expect(api.FwpmFilterCreateEnumHandle0(gEngineHandle.value, { layerKey: FWPM_LAYER_ALE_AUTH_CONNECT_V4 }, enumHandle)).toBe(STATUS_SUCCESS);
    const entries = ref<FWPM_FILTER0[] | null>(null);
    const numReturned = ref(0);
    expect(api.FwpmFilterEnum0(gEngineHandle.value, enumHandle.value, 100, entries, numReturned)).toBe(STATUS_SUCCESS);
    expect(numReturned.value).toBe(1);
    expect(entries.value![0]!.action).toEqual({ type: FWP_ACTION_CALLOUT_TERMINATING, calloutKey: expect.any(String) });
    api.FwpmFreeMemory0(entries as never);
    expect(entries.value).toBeNull();
    expect(api.FwpmFilterDestroyEnumHandle0(gEngineHandle.value, enumHandle.value)).toBe(STATUS_SUCCESS);

    // Unload: closing the dynamic session removes everything; then the callouts unregister.
    expect(api.FwpmEngineClose0(gEngineHandle.value)).toBe(STATUS_SUCCESS);
    expect(engine.layerFilterCount(FWPS_LAYER_ALE_AUTH_CONNECT_V4)).toBe(0);
    expect(notified.filter((t) => t === FWPS_CALLOUT_NOTIFY_DELETE_FILTER)).toHaveLength(4);
    for (const id of calloutIds) expect(api.FwpsCalloutUnregisterById0(id)).toBe(STATUS_SUCCESS);
    expect(api.FwpsCalloutUnregisterById0(calloutIds[0]!)).toBe(NTSTATUS.STATUS_FWP_CALLOUT_NOT_FOUND);
  });

  it('returns statuses rather than throwing: closed handles, null out-parameters, remote engines, duplicates', () => {
    const { api, gEngineHandle } = inspectSetup();
    const id = ref(0n);
    expect(api.FwpmFilterAdd0(999, { displayData: { name: 'x' }, layerKey: FWPM_LAYER_ALE_AUTH_CONNECT_V4, action: { type: FWP_ACTION_BLOCK } }, null, id)).toBe(NTSTATUS.STATUS_INVALID_HANDLE);
    expect(api.FwpmFilterGetById0(gEngineHandle.value, 1n, null)).toBe(NTSTATUS.STATUS_FWP_NULL_POINTER);
    expect(api.FwpmEngineOpen0('remote-host', RPC_C_AUTHN_WINNT, null, null, ref(0))).toBe(NTSTATUS.STATUS_INVALID_PARAMETER);
    expect(api.FwpmEngineOpen0(null, 12345, null, null, ref(0))).toBe(NTSTATUS.STATUS_INVALID_PARAMETER);
    expect(api.FwpmFilterAdd0(gEngineHandle.value, { displayData: { name: 'x' }, layerKey: newGuid(), action: { type: FWP_ACTION_BLOCK } }, null, id)).toBe(NTSTATUS.STATUS_FWP_LAYER_NOT_FOUND);
    const key = newGuid();
    const cb = { calloutKey: key, classifyFn: () => {}, notifyFn: () => 0 };
    expect(api.FwpsCalloutRegister0(null, cb, null)).toBe(STATUS_SUCCESS);
    expect(api.FwpsCalloutRegister0(null, cb, null)).toBe(NTSTATUS.STATUS_FWP_ALREADY_EXISTS);
    expect(api.FwpmFilterAdd0(gEngineHandle.value, { displayData: { name: 'x' }, layerKey: FWPM_LAYER_ALE_AUTH_CONNECT_V4, action: { type: FWP_ACTION_BLOCK } }, null, id)).toBe(STATUS_SUCCESS);
    expect(id.value).toBeGreaterThan(0n);
    const got = ref<FWPM_FILTER0 | null>(null);
    expect(api.FwpmFilterGetById0(gEngineHandle.value, id.value, got)).toBe(STATUS_SUCCESS);
    expect(got.value!.filterId).toBe(id.value);
    expect(api.FwpmFilterDeleteById0(gEngineHandle.value, id.value)).toBe(STATUS_SUCCESS);
    expect(api.FwpmFilterDeleteById0(gEngineHandle.value, id.value)).toBe(NTSTATUS.STATUS_FWP_FILTER_NOT_FOUND);
  });

  it('FwpmLayerGetByKey0 / GetById0 describe a layer with its fields and default sublayer', () => {
    const { api, gEngineHandle } = inspectSetup();
    const layer = ref<FWPM_LAYER0 | null>(null);
    expect(api.FwpmLayerGetByKey0(gEngineHandle.value, FWPM_LAYER_ALE_AUTH_CONNECT_V4, layer)).toBe(STATUS_SUCCESS);
    expect(layer.value).toMatchObject({ layerKey: FWPM_LAYER_ALE_AUTH_CONNECT_V4, layerId: FWPS_LAYER_ALE_AUTH_CONNECT_V4 });
    expect(layer.value!.field.some((f) => f.fieldKey === FWPM_CONDITION_IP_REMOTE_ADDRESS && f.dataType === FWP_UINT32)).toBe(true);
    expect(api.FwpmLayerGetById0(gEngineHandle.value, 61, layer)).toBe(NTSTATUS.STATUS_FWP_LAYER_NOT_FOUND);
  });

  it('facades bound to different engines are independent', () => {
    const a = inspectSetup();
    const b = inspectSetup();
    expect(a.api.FwpmEngineClose0(a.gEngineHandle.value)).toBe(STATUS_SUCCESS);
    expect(a.engine.layerFilterCount(FWPS_LAYER_ALE_AUTH_CONNECT_V4)).toBe(0);
    expect(b.engine.layerFilterCount(FWPS_LAYER_ALE_AUTH_CONNECT_V4)).toBe(1);
  });
});
