/**
 * The Fwpm* (management) half of the facade, as a callout driver calls it in kernel mode: every function returns an
 * NTSTATUS (STATUS_FWP_* rather than the user-mode FWP_E_* HRESULTs) and writes results through `Ref`s.
 *
 *   const engineHandle = ref(0);
 *   status = FwpmEngineOpen0(null, RPC_C_AUTHN_WINNT, null, session, engineHandle);
 *   status = FwpmTransactionBegin0(engineHandle.value, 0);
 *   status = FwpmSubLayerAdd0(engineHandle.value, subLayer, null);
 *   status = FwpmFilterAdd0(engineHandle.value, filter, null, filterIdRef);
 *   status = FwpmTransactionCommit0(engineHandle.value);
 *
 * Security descriptors (`sd`) are accepted and ignored. Memory returned by Get/Enum calls is ordinary garbage-
 * collected data; FwpmFreeMemory0 only clears the reference.
 */
import { RPC_C_AUTHN_DEFAULT, RPC_C_AUTHN_WINNT } from '../engine/constants.js';
import type { FilterEngine } from '../engine/engine.js';
import { FwpError, statusOf } from '../engine/errors.js';
import type { GUID } from '../engine/guid.js';
import { FWPM_SUBLAYER_UNIVERSAL, layerById, layerByKey, type LayerInfo } from '../engine/layers.js';
import { NTSTATUS as STATUS } from '../engine/ntstatus.js';
import type {
  FWPM_CALLOUT0,
  FWPM_CALLOUT_ENUM_TEMPLATE0,
  FWPM_FILTER0,
  FWPM_FILTER_CHANGE_CALLBACK0,
  FWPM_FILTER_ENUM_TEMPLATE0,
  FWPM_FILTER_SUBSCRIPTION0,
  FWPM_LAYER0,
  FWPM_PROVIDER0,
  FWPM_PROVIDER_CONTEXT0,
  FWPM_SESSION0,
  FWPM_SUBLAYER0,
  FWPM_SUBLAYER_ENUM_TEMPLATE0,
} from '../engine/structs.js';
import type { HANDLE, NTSTATUS, Ref } from './types.js';

export * from '../engine/condition-keys.js';
export {
  FWPM_LAYER_ALE_AUTH_CONNECT_V4,
  FWPM_LAYER_ALE_AUTH_CONNECT_V4_DISCARD,
  FWPM_LAYER_ALE_AUTH_CONNECT_V6,
  FWPM_LAYER_ALE_AUTH_CONNECT_V6_DISCARD,
  FWPM_LAYER_ALE_AUTH_LISTEN_V4,
  FWPM_LAYER_ALE_AUTH_LISTEN_V4_DISCARD,
  FWPM_LAYER_ALE_AUTH_LISTEN_V6,
  FWPM_LAYER_ALE_AUTH_LISTEN_V6_DISCARD,
  FWPM_LAYER_ALE_AUTH_RECV_ACCEPT_V4,
  FWPM_LAYER_ALE_AUTH_RECV_ACCEPT_V4_DISCARD,
  FWPM_LAYER_ALE_AUTH_RECV_ACCEPT_V6,
  FWPM_LAYER_ALE_AUTH_RECV_ACCEPT_V6_DISCARD,
  FWPM_LAYER_ALE_FLOW_ESTABLISHED_V4,
  FWPM_LAYER_ALE_FLOW_ESTABLISHED_V4_DISCARD,
  FWPM_LAYER_ALE_FLOW_ESTABLISHED_V6,
  FWPM_LAYER_ALE_FLOW_ESTABLISHED_V6_DISCARD,
  FWPM_LAYER_ALE_RESOURCE_ASSIGNMENT_V4,
  FWPM_LAYER_ALE_RESOURCE_ASSIGNMENT_V4_DISCARD,
  FWPM_LAYER_ALE_RESOURCE_ASSIGNMENT_V6,
  FWPM_LAYER_ALE_RESOURCE_ASSIGNMENT_V6_DISCARD,
  FWPM_LAYER_DATAGRAM_DATA_V4,
  FWPM_LAYER_DATAGRAM_DATA_V4_DISCARD,
  FWPM_LAYER_DATAGRAM_DATA_V6,
  FWPM_LAYER_DATAGRAM_DATA_V6_DISCARD,
  FWPM_LAYER_EGRESS_VSWITCH_ETHERNET,
  FWPM_LAYER_INBOUND_ICMP_ERROR_V4,
  FWPM_LAYER_INBOUND_ICMP_ERROR_V4_DISCARD,
  FWPM_LAYER_INBOUND_ICMP_ERROR_V6,
  FWPM_LAYER_INBOUND_ICMP_ERROR_V6_DISCARD,
  FWPM_LAYER_INBOUND_IPPACKET_V4,
  FWPM_LAYER_INBOUND_IPPACKET_V4_DISCARD,
  FWPM_LAYER_INBOUND_IPPACKET_V6,
  FWPM_LAYER_INBOUND_IPPACKET_V6_DISCARD,
  FWPM_LAYER_INBOUND_MAC_FRAME_ETHERNET,
  FWPM_LAYER_INBOUND_TRANSPORT_V4,
  FWPM_LAYER_INBOUND_TRANSPORT_V4_DISCARD,
  FWPM_LAYER_INBOUND_TRANSPORT_V6,
  FWPM_LAYER_INBOUND_TRANSPORT_V6_DISCARD,
  FWPM_LAYER_INGRESS_VSWITCH_ETHERNET,
  FWPM_LAYER_IPFORWARD_V4,
  FWPM_LAYER_IPFORWARD_V4_DISCARD,
  FWPM_LAYER_IPFORWARD_V6,
  FWPM_LAYER_IPFORWARD_V6_DISCARD,
  FWPM_LAYER_OUTBOUND_ICMP_ERROR_V4,
  FWPM_LAYER_OUTBOUND_ICMP_ERROR_V4_DISCARD,
  FWPM_LAYER_OUTBOUND_ICMP_ERROR_V6,
  FWPM_LAYER_OUTBOUND_ICMP_ERROR_V6_DISCARD,
  FWPM_LAYER_OUTBOUND_IPPACKET_V4,
  FWPM_LAYER_OUTBOUND_IPPACKET_V4_DISCARD,
  FWPM_LAYER_OUTBOUND_IPPACKET_V6,
  FWPM_LAYER_OUTBOUND_IPPACKET_V6_DISCARD,
  FWPM_LAYER_OUTBOUND_MAC_FRAME_ETHERNET,
  FWPM_LAYER_OUTBOUND_TRANSPORT_V4,
  FWPM_LAYER_OUTBOUND_TRANSPORT_V4_DISCARD,
  FWPM_LAYER_OUTBOUND_TRANSPORT_V6,
  FWPM_LAYER_OUTBOUND_TRANSPORT_V6_DISCARD,
  FWPM_LAYER_STREAM_V4,
  FWPM_LAYER_STREAM_V4_DISCARD,
  FWPM_LAYER_STREAM_V6,
  FWPM_LAYER_STREAM_V6_DISCARD,
  FWPM_SUBLAYER_UNIVERSAL,
} from '../engine/layers.js';

/** FWPM_FIELD_TYPE. */
export const FWPM_FIELD_RAW_DATA = 0;
export const FWPM_FIELD_IP_ADDRESS = 1;
export const FWPM_FIELD_FLAGS = 2;
/** FWPM_LAYER0.flags. */
export const FWPM_LAYER_FLAG_KERNEL = 0x1;
export const FWPM_LAYER_FLAG_BUILTIN = 0x2;

function notFound(what: string): never {
  throw new FwpError(STATUS.STATUS_FWP_LAYER_NOT_FOUND, what);
}

function layerOut(l: LayerInfo): FWPM_LAYER0 {
  const field = l.fields
    .filter((f) => f.conditionKey !== null)
    .map((f) => ({
      fieldKey: f.conditionKey!,
      type: f.isAddress ? FWPM_FIELD_IP_ADDRESS : f.name === 'FLAGS' || f.name === 'L2_FLAGS' ? FWPM_FIELD_FLAGS : FWPM_FIELD_RAW_DATA,
      dataType: f.dataType,
    }));
  return {
    layerKey: l.layerKey,
    displayData: { name: `FWPM_LAYER_${l.name}`, description: null },
    flags: FWPM_LAYER_FLAG_KERNEL | FWPM_LAYER_FLAG_BUILTIN,
    numFields: field.length,
    field,
    defaultSubLayerKey: FWPM_SUBLAYER_UNIVERSAL,
    layerId: l.layerId,
  };
}

/** The Fwpm* functions bound to one engine. */
export function createFwpmApi(engine: FilterEngine) {
  const m = engine.management;
  const S = (h: HANDLE) => m.session(h);
  const out = <T>(r: Ref<T> | null | undefined, produce: () => T): NTSTATUS => {
    if (!r) return STATUS.STATUS_FWP_NULL_POINTER;
    return statusOf(() => {
      r.value = produce();
    });
  };
  const enumerate = <T>(
    h: HANDLE,
    enumHandle: HANDLE,
    kind: 'filter' | 'sublayer' | 'callout',
    numEntriesRequested: number,
    entries: Ref<T[] | null> | null,
    numEntriesReturned: Ref<number> | null,
  ): NTSTATUS => {
    if (!entries || !numEntriesReturned) return STATUS.STATUS_FWP_NULL_POINTER;
    return statusOf(() => {
      const got = m.enumerate<T>(S(h), enumHandle, kind, numEntriesRequested);
      entries.value = got;
      numEntriesReturned.value = got.length;
    });
  };

  return {
    // ---- engine, sessions, transactions ----
    FwpmEngineOpen0(
      serverName: string | null,
      authnService: number,
      authIdentity: unknown,
      session: FWPM_SESSION0 | null,
      engineHandle: Ref<HANDLE> | null,
    ): NTSTATUS {
      if (!engineHandle) return STATUS.STATUS_FWP_NULL_POINTER;
      // [emu] Only the local engine exists; a remote serverName cannot be reached.
      if (serverName !== null && serverName !== undefined) return STATUS.STATUS_INVALID_PARAMETER;
      if (authnService !== RPC_C_AUTHN_WINNT && authnService !== RPC_C_AUTHN_DEFAULT) return STATUS.STATUS_INVALID_PARAMETER;
      void authIdentity;
      return out(engineHandle, () => m.openSession(session).handle);
    },
    FwpmEngineClose0(engineHandle: HANDLE): NTSTATUS {
      return statusOf(() => m.closeSession(S(engineHandle)));
    },
    FwpmTransactionBegin0(engineHandle: HANDLE, flags: number): NTSTATUS {
      return statusOf(() => m.beginTransaction(S(engineHandle), flags));
    },
    FwpmTransactionCommit0(engineHandle: HANDLE): NTSTATUS {
      return statusOf(() => m.commitTransaction(S(engineHandle)));
    },
    FwpmTransactionAbort0(engineHandle: HANDLE): NTSTATUS {
      return statusOf(() => m.abortTransaction(S(engineHandle)));
    },

    // ---- providers and provider contexts ----
    FwpmProviderAdd0(engineHandle: HANDLE, provider: FWPM_PROVIDER0, sd: unknown): NTSTATUS {
      void sd;
      return statusOf(() => m.addProvider(S(engineHandle), provider));
    },
    FwpmProviderDeleteByKey0(engineHandle: HANDLE, key: GUID): NTSTATUS {
      return statusOf(() => m.deleteProvider(S(engineHandle), key));
    },
    FwpmProviderGetByKey0(engineHandle: HANDLE, key: GUID, provider: Ref<FWPM_PROVIDER0 | null> | null): NTSTATUS {
      return out(provider, () => m.getProvider(S(engineHandle), key));
    },
    FwpmProviderContextAdd0(engineHandle: HANDLE, providerContext: FWPM_PROVIDER_CONTEXT0, sd: unknown, id: Ref<bigint> | null): NTSTATUS {
      void sd;
      return statusOf(() => {
        const v = m.addProviderContext(S(engineHandle), providerContext);
        if (id) id.value = v;
      });
    },
    FwpmProviderContextDeleteByKey0(engineHandle: HANDLE, key: GUID): NTSTATUS {
      return statusOf(() => m.deleteProviderContext(S(engineHandle), key));
    },
    FwpmProviderContextDeleteById0(engineHandle: HANDLE, id: bigint): NTSTATUS {
      return statusOf(() => m.deleteProviderContext(S(engineHandle), m.providerContextKeyById(id)));
    },
    FwpmProviderContextGetByKey0(engineHandle: HANDLE, key: GUID, providerContext: Ref<FWPM_PROVIDER_CONTEXT0 | null> | null): NTSTATUS {
      return out(providerContext, () => m.getProviderContext(S(engineHandle), key));
    },

    // ---- sublayers ----
    FwpmSubLayerAdd0(engineHandle: HANDLE, subLayer: FWPM_SUBLAYER0, sd: unknown): NTSTATUS {
      void sd;
      return statusOf(() => m.addSublayer(S(engineHandle), subLayer));
    },
    FwpmSubLayerDeleteByKey0(engineHandle: HANDLE, key: GUID): NTSTATUS {
      return statusOf(() => m.deleteSublayer(S(engineHandle), key));
    },
    FwpmSubLayerGetByKey0(engineHandle: HANDLE, key: GUID, subLayer: Ref<FWPM_SUBLAYER0 | null> | null): NTSTATUS {
      return out(subLayer, () => m.getSublayer(S(engineHandle), key));
    },
    FwpmSubLayerCreateEnumHandle0(engineHandle: HANDLE, enumTemplate: FWPM_SUBLAYER_ENUM_TEMPLATE0 | null, enumHandle: Ref<HANDLE> | null): NTSTATUS {
      return out(enumHandle, () => m.createSublayerEnum(S(engineHandle), enumTemplate));
    },
    FwpmSubLayerEnum0(
      engineHandle: HANDLE,
      enumHandle: HANDLE,
      numEntriesRequested: number,
      entries: Ref<FWPM_SUBLAYER0[] | null> | null,
      numEntriesReturned: Ref<number> | null,
    ): NTSTATUS {
      return enumerate(engineHandle, enumHandle, 'sublayer', numEntriesRequested, entries, numEntriesReturned);
    },
    FwpmSubLayerDestroyEnumHandle0(engineHandle: HANDLE, enumHandle: HANDLE): NTSTATUS {
      return statusOf(() => m.destroyEnum(S(engineHandle), enumHandle, 'sublayer'));
    },

    // ---- callouts ----
    FwpmCalloutAdd0(engineHandle: HANDLE, callout: FWPM_CALLOUT0, sd: unknown, id: Ref<number> | null): NTSTATUS {
      void sd;
      return statusOf(() => {
        const v = m.addCallout(S(engineHandle), callout);
        if (id) id.value = v;
      });
    },
    FwpmCalloutDeleteById0(engineHandle: HANDLE, id: number): NTSTATUS {
      return statusOf(() => m.deleteCalloutById(S(engineHandle), id));
    },
    FwpmCalloutDeleteByKey0(engineHandle: HANDLE, key: GUID): NTSTATUS {
      return statusOf(() => m.deleteCalloutByKey(S(engineHandle), key));
    },
    FwpmCalloutGetById0(engineHandle: HANDLE, id: number, callout: Ref<FWPM_CALLOUT0 | null> | null): NTSTATUS {
      return out(callout, () => m.getCalloutById(S(engineHandle), id));
    },
    FwpmCalloutGetByKey0(engineHandle: HANDLE, key: GUID, callout: Ref<FWPM_CALLOUT0 | null> | null): NTSTATUS {
      return out(callout, () => m.getCalloutByKey(S(engineHandle), key));
    },
    FwpmCalloutCreateEnumHandle0(engineHandle: HANDLE, enumTemplate: FWPM_CALLOUT_ENUM_TEMPLATE0 | null, enumHandle: Ref<HANDLE> | null): NTSTATUS {
      return out(enumHandle, () => m.createCalloutEnum(S(engineHandle), enumTemplate));
    },
    FwpmCalloutEnum0(
      engineHandle: HANDLE,
      enumHandle: HANDLE,
      numEntriesRequested: number,
      entries: Ref<FWPM_CALLOUT0[] | null> | null,
      numEntriesReturned: Ref<number> | null,
    ): NTSTATUS {
      return enumerate(engineHandle, enumHandle, 'callout', numEntriesRequested, entries, numEntriesReturned);
    },
    FwpmCalloutDestroyEnumHandle0(engineHandle: HANDLE, enumHandle: HANDLE): NTSTATUS {
      return statusOf(() => m.destroyEnum(S(engineHandle), enumHandle, 'callout'));
    },

    // ---- filters ----
    FwpmFilterAdd0(engineHandle: HANDLE, filter: FWPM_FILTER0, sd: unknown, id: Ref<bigint> | null): NTSTATUS {
      void sd;
      return statusOf(() => {
        const v = m.addFilter(S(engineHandle), filter);
        if (id) id.value = v;
      });
    },
    FwpmFilterDeleteById0(engineHandle: HANDLE, id: bigint): NTSTATUS {
      return statusOf(() => m.deleteFilterById(S(engineHandle), id));
    },
    FwpmFilterDeleteByKey0(engineHandle: HANDLE, key: GUID): NTSTATUS {
      return statusOf(() => m.deleteFilterByKey(S(engineHandle), key));
    },
    FwpmFilterGetById0(engineHandle: HANDLE, id: bigint, filter: Ref<FWPM_FILTER0 | null> | null): NTSTATUS {
      return out(filter, () => m.getFilterById(S(engineHandle), id));
    },
    FwpmFilterGetByKey0(engineHandle: HANDLE, key: GUID, filter: Ref<FWPM_FILTER0 | null> | null): NTSTATUS {
      return out(filter, () => m.getFilterByKey(S(engineHandle), key));
    },
    FwpmFilterCreateEnumHandle0(engineHandle: HANDLE, enumTemplate: FWPM_FILTER_ENUM_TEMPLATE0 | null, enumHandle: Ref<HANDLE> | null): NTSTATUS {
      return out(enumHandle, () => m.createFilterEnum(S(engineHandle), enumTemplate));
    },
    FwpmFilterEnum0(
      engineHandle: HANDLE,
      enumHandle: HANDLE,
      numEntriesRequested: number,
      entries: Ref<FWPM_FILTER0[] | null> | null,
      numEntriesReturned: Ref<number> | null,
    ): NTSTATUS {
      return enumerate(engineHandle, enumHandle, 'filter', numEntriesRequested, entries, numEntriesReturned);
    },
    FwpmFilterDestroyEnumHandle0(engineHandle: HANDLE, enumHandle: HANDLE): NTSTATUS {
      return statusOf(() => m.destroyEnum(S(engineHandle), enumHandle, 'filter'));
    },
    FwpmFilterSubscribeChanges0(
      engineHandle: HANDLE,
      subscription: FWPM_FILTER_SUBSCRIPTION0,
      callback: FWPM_FILTER_CHANGE_CALLBACK0,
      context: unknown,
      changeHandle: Ref<HANDLE> | null,
    ): NTSTATUS {
      return out(changeHandle, () => m.subscribeFilterChanges(S(engineHandle), subscription, callback, context));
    },
    FwpmFilterUnsubscribeChanges0(engineHandle: HANDLE, changeHandle: HANDLE): NTSTATUS {
      return statusOf(() => m.unsubscribeFilterChanges(S(engineHandle), changeHandle));
    },

    // ---- layers and memory ----
    FwpmLayerGetById0(engineHandle: HANDLE, id: number, layer: Ref<FWPM_LAYER0 | null> | null): NTSTATUS {
      return out(layer, () => {
        S(engineHandle);
        return layerOut(layerById(id) ?? notFound(`layer id ${id}`));
      });
    },
    FwpmLayerGetByKey0(engineHandle: HANDLE, key: GUID, layer: Ref<FWPM_LAYER0 | null> | null): NTSTATUS {
      return out(layer, () => {
        S(engineHandle);
        return layerOut(layerByKey(key) ?? notFound(`layer ${key}`));
      });
    },
    /** Memory from Get/Enum is garbage-collected; this only clears the caller's reference. */
    FwpmFreeMemory0(p: Ref<unknown> | null): void {
      if (p) p.value = null;
    },
  };
}

export type FwpmApi = ReturnType<typeof createFwpmApi>;
