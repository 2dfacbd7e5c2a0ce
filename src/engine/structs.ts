/**
 * The WFP structures the engine exchanges with callers, shaped as in fwpmtypes.h / fwpstypes.h / fwpsk.h so that a
 * callout or a policy ported from C fills them field by field. GUIDs are strings, UINT64 members bigints, byte
 * buffers Uint8Array; counts that C needs next to an array (numFilterConditions…) are accepted and ignored in
 * favour of the array's length.
 */
import type { FWPM_FILTER_CONDITION0, FWPS_FILTER_CONDITION0 } from './conditions.js';
import { FWP_ACTION_CONTINUE, FWP_EMPTY } from './constants.js';
import type { GUID } from './guid.js';
import type { FWPS_INCOMING_METADATA_VALUES0, FWPS_INCOMING_VALUES0 } from './incoming.js';
import type { FWP_BYTE_BLOB, FWP_VALUE0 } from './values.js';

// ---------------------------------------------------------------------------------------------------------------
// Management (FWPM_*)
// ---------------------------------------------------------------------------------------------------------------

export interface FWPM_DISPLAY_DATA0 {
  name: string | null;
  description?: string | null;
}

/** FWPM_ACTION0: `calloutKey` for the callout action types, `filterType` otherwise (unused by the emulator). */
export interface FWPM_ACTION0 {
  type: number;
  calloutKey?: GUID | null;
  filterType?: GUID | null;
}

export interface FWPM_FILTER0 {
  filterKey?: GUID | null;
  displayData: FWPM_DISPLAY_DATA0;
  flags?: number;
  providerKey?: GUID | null;
  providerData?: FWP_BYTE_BLOB | null;
  layerKey: GUID;
  /** GUID_NULL / absent: the layer's default sublayer (FWPM_SUBLAYER_UNIVERSAL). */
  subLayerKey?: GUID | null;
  /** FWP_EMPTY, FWP_UINT8 (weight range) or FWP_UINT64 (R42). */
  weight?: FWP_VALUE0 | null;
  numFilterConditions?: number;
  filterCondition?: FWPM_FILTER_CONDITION0[] | null;
  action: FWPM_ACTION0;
  /** Union member 1: copied to FWPS_FILTER0.context (unless the filter has a provider context). */
  rawContext?: bigint;
  /** Union member 2: used with FWPM_FILTER_FLAG_HAS_PROVIDER_CONTEXT. */
  providerContextKey?: GUID | null;
  reserved?: GUID | null;
  /** Output: the run-time id (also returned by FwpmFilterAdd0). */
  filterId?: bigint;
  /** Output: FWP_UINT64 effective weight. */
  effectiveWeight?: FWP_VALUE0;
}

export interface FWPM_SUBLAYER0 {
  subLayerKey?: GUID | null;
  displayData: FWPM_DISPLAY_DATA0;
  flags?: number;
  providerKey?: GUID | null;
  providerData?: FWP_BYTE_BLOB | null;
  weight: number;
}

export interface FWPM_CALLOUT0 {
  calloutKey?: GUID | null;
  displayData: FWPM_DISPLAY_DATA0;
  flags?: number;
  providerKey?: GUID | null;
  providerData?: FWP_BYTE_BLOB | null;
  applicableLayer: GUID;
  /** Output. */
  calloutId?: number;
}

export interface FWPM_PROVIDER0 {
  providerKey: GUID;
  displayData: FWPM_DISPLAY_DATA0;
  flags?: number;
  providerData?: FWP_BYTE_BLOB | null;
  serviceName?: string | null;
}

/** FWPM_PROVIDER_CONTEXT0, reduced to the general-purpose context (FWPM_GENERAL_CONTEXT, a byte blob). */
export interface FWPM_PROVIDER_CONTEXT0 {
  providerContextKey?: GUID | null;
  displayData: FWPM_DISPLAY_DATA0;
  flags?: number;
  providerKey?: GUID | null;
  providerData?: FWP_BYTE_BLOB | null;
  type: number;
  dataBuffer?: FWP_BYTE_BLOB | null;
  /** Output. */
  providerContextId?: bigint;
}

export interface FWPM_SESSION0 {
  sessionKey?: GUID | null;
  displayData?: FWPM_DISPLAY_DATA0 | null;
  flags?: number;
  txnWaitTimeoutInMSec?: number;
  processId?: number;
  sid?: Uint8Array | null;
  username?: string | null;
  kernelMode?: boolean;
}

export interface FWPM_FILTER_ENUM_TEMPLATE0 {
  providerKey?: GUID | null;
  layerKey: GUID;
  enumType?: number;
  flags?: number;
  providerContextTemplate?: unknown;
  numFilterConditions?: number;
  filterCondition?: FWPM_FILTER_CONDITION0[] | null;
  /** Only filters whose action type shares a bit with the mask; 0xFFFFFFFF = all. */
  actionMask?: number;
  calloutKey?: GUID | null;
}

export interface FWPM_FILTER_SUBSCRIPTION0 {
  enumTemplate?: FWPM_FILTER_ENUM_TEMPLATE0 | null;
  flags?: number;
  sessionKey?: GUID | null;
}

export interface FWPM_FILTER_CHANGE0 {
  changeType: number;
  filterKey: GUID;
  filterId: bigint;
}

export type FWPM_FILTER_CHANGE_CALLBACK0 = (context: unknown, change: FWPM_FILTER_CHANGE0) => void;

export interface FWPM_SUBLAYER_ENUM_TEMPLATE0 {
  providerKey?: GUID | null;
}

export interface FWPM_CALLOUT_ENUM_TEMPLATE0 {
  providerKey?: GUID | null;
  layerKey?: GUID | null;
}

export interface FWPM_FIELD0 {
  fieldKey: GUID;
  type: number;
  dataType: number;
}

export interface FWPM_LAYER0 {
  layerKey: GUID;
  displayData: FWPM_DISPLAY_DATA0;
  flags: number;
  numFields: number;
  field: FWPM_FIELD0[];
  defaultSubLayerKey: GUID;
  layerId: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Run time (FWPS_*)
// ---------------------------------------------------------------------------------------------------------------

export interface FWPS_ACTION0 {
  type: number;
  calloutId: number;
}

/** The run-time provider context a callout finds in FWPS_FILTER0.providerContext. */
export interface FWPS_PROVIDER_CONTEXT {
  providerContextKey: GUID;
  providerContextId: bigint;
  type: number;
  dataBuffer: FWP_BYTE_BLOB | null;
}

/**
 * FWPS_FILTER0, the run-time filter a callout receives in classifyFn and notifyFn. One object per filter for its
 * whole life: a notifyFn(ADD_FILTER) that sets `context` is seen by every later classifyFn (spec §1.3).
 */
export class FWPS_FILTER0 {
  filterId = 0n;
  weight: FWP_VALUE0 = { type: FWP_EMPTY };
  subLayerWeight = 0;
  /** FWPS_FILTER_FLAG_* */
  flags = 0;
  numFilterConditions = 0;
  filterCondition: FWPS_FILTER_CONDITION0[] = [];
  action: FWPS_ACTION0 = { type: 0, calloutId: 0 };
  context = 0n;
  providerContext: FWPS_PROVIDER_CONTEXT | null = null;
}

/** FWPS_CLASSIFY_OUT0. */
export class FWPS_CLASSIFY_OUT0 {
  actionType = FWP_ACTION_CONTINUE;
  outContext = 0n;
  filterId = 0n;
  rights = 0;
  flags = 0;
  reserved = 0;
}

/** classifyFn0 (FWPS_CALLOUT0). */
export type FWPS_CALLOUT_CLASSIFY_FN0 = (
  inFixedValues: FWPS_INCOMING_VALUES0,
  inMetaValues: FWPS_INCOMING_METADATA_VALUES0,
  layerData: unknown,
  filter: FWPS_FILTER0,
  flowContext: bigint,
  classifyOut: FWPS_CLASSIFY_OUT0,
) => void;

/** classifyFn1/2/3 (FWPS_CALLOUT1+): classifyContext is what FwpsAcquireClassifyHandle0 takes. */
export type FWPS_CALLOUT_CLASSIFY_FN1 = (
  inFixedValues: FWPS_INCOMING_VALUES0,
  inMetaValues: FWPS_INCOMING_METADATA_VALUES0,
  layerData: unknown,
  classifyContext: unknown,
  filter: FWPS_FILTER0,
  flowContext: bigint,
  classifyOut: FWPS_CLASSIFY_OUT0,
) => void;

export type FWPS_CALLOUT_NOTIFY_FN0 = (notifyType: number, filterKey: GUID | null, filter: FWPS_FILTER0) => number;

export type FWPS_CALLOUT_FLOW_DELETE_NOTIFY_FN0 = (layerId: number, calloutId: number, flowContext: bigint) => void;

export interface FWPS_CALLOUT0 {
  calloutKey: GUID;
  flags?: number;
  classifyFn: FWPS_CALLOUT_CLASSIFY_FN0;
  notifyFn: FWPS_CALLOUT_NOTIFY_FN0;
  flowDeleteFn?: FWPS_CALLOUT_FLOW_DELETE_NOTIFY_FN0 | null;
}

/** FWPS_CALLOUT1/2/3: same members, classifyFn takes classifyContext. */
export interface FWPS_CALLOUT1 {
  calloutKey: GUID;
  flags?: number;
  classifyFn: FWPS_CALLOUT_CLASSIFY_FN1;
  notifyFn: FWPS_CALLOUT_NOTIFY_FN0;
  flowDeleteFn?: FWPS_CALLOUT_FLOW_DELETE_NOTIFY_FN0 | null;
}
