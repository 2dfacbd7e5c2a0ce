/**
 * The Fwps* (run-time) half of the facade: callout registration, flow contexts and the metadata macros, bound to
 * one engine. Functions return NTSTATUS and write results through `Ref`s, so a callout driver ported from C keeps
 * its shape:
 *
 *   status = FwpsCalloutRegister0(deviceObject, sCallout, calloutIdRef);
 *   status = FwpsFlowAssociateContext0(inMetaValues.flowHandle, FWPS_LAYER_DATAGRAM_DATA_V4, calloutId, ctx);
 *
 * (Pend/complete, injection and NBL functions belong to other modules of the facade.)
 */
import type { FilterEngine } from '../engine/engine.js';
import { FWPS_IS_L2_METADATA_FIELD_PRESENT, FWPS_IS_METADATA_FIELD_PRESENT } from '../engine/incoming.js';
import type { GUID } from '../engine/guid.js';
import type { FWPS_CALLOUT0, FWPS_CALLOUT1 } from '../engine/structs.js';
import { createFwpmApi } from './fwpm.js';
import type { NTSTATUS, Ref } from './types.js';

export * from '../engine/layers.js';
export { createIncomingMetadata, createIncomingValues, retargetIncomingValues } from '../engine/incoming.js';

/** The Fwps* functions bound to one engine. */
export function createFwpsApi(engine: FilterEngine) {
  const register = (deviceObject: unknown, callout: FWPS_CALLOUT0 | FWPS_CALLOUT1, calloutId: Ref<number> | null, withContext: boolean): NTSTATUS => {
    const r = engine.registerCallout(deviceObject, callout, withContext);
    if (r.status === 0 && calloutId) calloutId.value = r.calloutId;
    return r.status;
  };
  return {
    /** FwpsCalloutRegister0 (classifyFn0: no classifyContext). `calloutId` may be null, as in C. */
    FwpsCalloutRegister0(deviceObject: unknown, callout: FWPS_CALLOUT0, calloutId: Ref<number> | null): NTSTATUS {
      return register(deviceObject, callout, calloutId, false);
    },
    /** FwpsCalloutRegister1: classifyFn1 takes classifyContext. */
    FwpsCalloutRegister1(deviceObject: unknown, callout: FWPS_CALLOUT1, calloutId: Ref<number> | null): NTSTATUS {
      return register(deviceObject, callout, calloutId, true);
    },
    FwpsCalloutRegister2(deviceObject: unknown, callout: FWPS_CALLOUT1, calloutId: Ref<number> | null): NTSTATUS {
      return register(deviceObject, callout, calloutId, true);
    },
    FwpsCalloutRegister3(deviceObject: unknown, callout: FWPS_CALLOUT1, calloutId: Ref<number> | null): NTSTATUS {
      return register(deviceObject, callout, calloutId, true);
    },
    FwpsCalloutUnregisterById0(calloutId: number): NTSTATUS {
      return engine.unregisterCalloutById(calloutId);
    },
    FwpsCalloutUnregisterByKey0(calloutKey: GUID): NTSTATUS {
      return engine.unregisterCalloutByKey(calloutKey);
    },
    FwpsFlowAssociateContext0(flowId: bigint, layerId: number, calloutId: number, flowContext: bigint): NTSTATUS {
      return engine.flowAssociateContext(flowId, layerId, calloutId, flowContext);
    },
    FwpsFlowRemoveContext0(flowId: bigint, layerId: number, calloutId: number): NTSTATUS {
      return engine.flowRemoveContext(flowId, layerId, calloutId);
    },
    FWPS_IS_METADATA_FIELD_PRESENT,
    FWPS_IS_L2_METADATA_FIELD_PRESENT,
  };
}

export type FwpsApi = ReturnType<typeof createFwpsApi>;

/** Both halves, bound to one engine: `const { FwpmFilterAdd0, FwpsCalloutRegister0 } = createFwpApi(engine)`. */
export function createFwpApi(engine: FilterEngine) {
  return { ...createFwpmApi(engine), ...createFwpsApi(engine) };
}

export type FwpApi = ReturnType<typeof createFwpApi>;
