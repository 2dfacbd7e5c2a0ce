/**
 * Types of the Fwps/Fwpm facade: the WFP structures with their C names, out-parameter references and handles.
 *
 * C passes results through pointers; the facade takes `{ value }` references so a call reads line by line like
 * the original (`status = FwpsCalloutRegister0(deviceObject, sCallout, calloutIdRef)`; then `calloutIdRef.value`).
 */
export type { GUID } from '../engine/guid.js';
export type {
  FWP_BYTE_BLOB,
  FWP_CONDITION_VALUE0,
  FWP_RANGE0,
  FWP_V4_ADDR_AND_MASK,
  FWP_V6_ADDR_AND_MASK,
  FWP_VALUE0,
} from '../engine/values.js';
export { FwpValue } from '../engine/values.js';
export type { FWPM_FILTER_CONDITION0, FWPS_FILTER_CONDITION0 } from '../engine/conditions.js';
export type {
  FWPM_ACTION0,
  FWPM_CALLOUT0,
  FWPM_CALLOUT_ENUM_TEMPLATE0,
  FWPM_DISPLAY_DATA0,
  FWPM_FIELD0,
  FWPM_FILTER0,
  FWPM_FILTER_CHANGE0,
  FWPM_FILTER_CHANGE_CALLBACK0,
  FWPM_FILTER_ENUM_TEMPLATE0,
  FWPM_FILTER_SUBSCRIPTION0,
  FWPM_LAYER0,
  FWPM_PROVIDER0,
  FWPM_PROVIDER_CONTEXT0,
  FWPM_SESSION0,
  FWPM_SUBLAYER0,
  FWPM_SUBLAYER_ENUM_TEMPLATE0,
  FWPS_ACTION0,
  FWPS_CALLOUT0,
  FWPS_CALLOUT1,
  FWPS_CALLOUT_CLASSIFY_FN0,
  FWPS_CALLOUT_CLASSIFY_FN1,
  FWPS_CALLOUT_FLOW_DELETE_NOTIFY_FN0,
  FWPS_CALLOUT_NOTIFY_FN0,
  FWPS_PROVIDER_CONTEXT,
} from '../engine/structs.js';
export { FWPS_CLASSIFY_OUT0, FWPS_FILTER0 } from '../engine/structs.js';
export type {
  FWPS_DISCARD_METADATA0,
  FWPS_INBOUND_FRAGMENT_METADATA0,
  FWPS_INCOMING_VALUE0,
  IP_ADDRESS_PREFIX,
} from '../engine/incoming.js';
export { FWPS_INCOMING_METADATA_VALUES0, FWPS_INCOMING_VALUES0 } from '../engine/incoming.js';

/** An out parameter: the callee stores its result in `value` (C's `T *`). */
export interface Ref<T> {
  value: T;
}

/** A HANDLE the facade hands out (engine, enumeration, change subscription): an opaque non-zero number. */
export type HANDLE = number;

/** NTSTATUS as returned by every Fwps/Fwpm function of the facade. */
export type NTSTATUS = number;

/** `{ value: initial }`, for declaring out parameters. */
export function ref<T>(initial: T): Ref<T> {
  return { value: initial };
}
