/**
 * What the host stack hands to a classify: FWPS_INCOMING_VALUES0 (the layer's fields, in FWPS_FIELDS_* order) and
 * FWPS_INCOMING_METADATA_VALUES0 (members valid only when their bit is in currentMetadataValues /
 * currentL2MetadataValues, spec §1.5).
 *
 * Both are allocated once per layer (or per port and layer) and refilled per packet: `createIncomingValues(layerId)`
 * pre-types every slot with the field's data type, so a refill is only member writes
 * (`values.incomingValue[FWPS_FIELDS_ALE_AUTH_CONNECT_V4.IP_REMOTE_PORT].value.uint16 = 443`) and the classify path
 * never allocates. Replace slot *contents*, never the slot objects.
 */
import { FWP_DIRECTION_OUTBOUND, UNSPECIFIED_COMPARTMENT_ID } from './constants.js';
import type { GUID } from './guid.js';
import { layerById } from './layers.js';
import { FwpValue, type FWP_BYTE_BLOB } from './values.js';

/** FWPS_INCOMING_VALUE0. */
export interface FWPS_INCOMING_VALUE0 {
  value: FwpValue;
}

/** FWPS_INCOMING_VALUES0. */
export class FWPS_INCOMING_VALUES0 {
  layerId: number;
  valueCount: number;
  readonly incomingValue: FWPS_INCOMING_VALUE0[];

  constructor(layerId: number, types: readonly number[]) {
    this.layerId = layerId;
    this.valueCount = types.length;
    this.incomingValue = types.map((t) => ({ value: new FwpValue(t) }));
  }

  /** The slot of field `index` (FWPS_FIELDS_<layer>.<NAME>). */
  at(index: number): FwpValue {
    const holder = this.incomingValue[index];
    if (holder === undefined) throw new RangeError(`no field ${index} at layer ${this.layerId}`);
    return holder.value;
  }

  /** Resets every slot to its field's data type with a zero value. */
  reset(): void {
    const layer = layerById(this.layerId);
    this.incomingValue.forEach((h, i) => {
      h.value.clear();
      h.value.type = layer?.fields[i]?.dataType ?? h.value.type;
    });
  }
}

/** Incoming values for `layerId`, every slot typed as the field (R70 encodings) and zeroed. */
export function createIncomingValues(layerId: number): FWPS_INCOMING_VALUES0 {
  const layer = layerById(layerId);
  if (!layer) throw new RangeError(`unknown layer id ${layerId}`);
  return new FWPS_INCOMING_VALUES0(layerId, layer.fields.map((f) => f.dataType));
}

/**
 * Point the same values at another layer with the same field layout — a layer's _DISCARD twin — for the discard
 * indication of a BLOCK (R44).
 */
export function retargetIncomingValues(values: FWPS_INCOMING_VALUES0, layerId: number): void {
  const from = layerById(values.layerId);
  const to = layerById(layerId);
  if (!from || !to || from.baseLayerId !== to.baseLayerId) {
    throw new RangeError(`layer ${layerId} does not share the field layout of layer ${values.layerId}`);
  }
  values.layerId = layerId;
}

/** FWPS_DISCARD_METADATA0. */
export interface FWPS_DISCARD_METADATA0 {
  discardModule: number;
  discardReason: number;
  filterId: bigint;
}

/** FWPS_INBOUND_FRAGMENT_METADATA0. */
export interface FWPS_INBOUND_FRAGMENT_METADATA0 {
  fragmentIdentification: number;
  isLastFragment: boolean;
  nextHeaderDataLength: number;
  fragmentOffset: number;
}

/** IP_ADDRESS_PREFIX, as far as the emulator uses it. */
export interface IP_ADDRESS_PREFIX {
  prefix: Uint8Array | null;
  prefixLength: number;
}

/**
 * FWPS_INCOMING_METADATA_VALUES0 with every documented member (the structure is a superset across Windows
 * versions). Handles are numbers or bigints as the C types are HANDLE/UINT64; `completionHandle` is whatever the
 * pend implementation chooses (opaque to the engine). `flowHandle` is the UINT64 the flow-context API keys on.
 */
export class FWPS_INCOMING_METADATA_VALUES0 {
  currentMetadataValues = 0;
  flags = 0;
  reserved = 0n;
  discardMetadata: FWPS_DISCARD_METADATA0 = { discardModule: 0, discardReason: 0, filterId: 0n };
  flowHandle = 0n;
  ipHeaderSize = 0;
  transportHeaderSize = 0;
  processPath: FWP_BYTE_BLOB | null = null;
  token = 0n;
  processId = 0n;
  sourceInterfaceIndex = 0;
  destinationInterfaceIndex = 0;
  compartmentId = UNSPECIFIED_COMPARTMENT_ID;
  fragmentMetadata: FWPS_INBOUND_FRAGMENT_METADATA0 = {
    fragmentIdentification: 0,
    isLastFragment: false,
    nextHeaderDataLength: 0,
    fragmentOffset: 0,
  };
  pathMtu = 0;
  completionHandle: unknown = null;
  transportEndpointHandle = 0n;
  remoteScopeId = 0;
  controlData: Uint8Array | null = null;
  controlDataLength = 0;
  packetDirection = FWP_DIRECTION_OUTBOUND;
  headerIncludeHeader: Uint8Array | null = null;
  headerIncludeHeaderLength = 0;
  destinationPrefix: IP_ADDRESS_PREFIX = { prefix: null, prefixLength: 0 };
  frameLength = 0;
  parentEndpointHandle = 0n;
  icmpIdAndSequence = 0;
  localRedirectTargetPID = 0;
  originalDestination: unknown = null;
  redirectRecords: unknown = null;
  currentL2MetadataValues = 0;
  l2Flags = 0;
  ethernetMacHeaderSize = 0;
  wiFiOperationMode = 0;
  vSwitchSourcePortId = 0;
  vSwitchSourceNicIndex = 0;
  vSwitchDestinationPortId = 0;
  padding0 = 0;
  padding1 = 0;
  padding2 = 0;
  vSwitchPacketContext: unknown = null;
  subProcessTag: unknown = null;
  reserved1 = 0n;

  /** Clears the presence bits (members keep stale values, as a reused C struct would; the bits are the truth). */
  resetPresence(): void {
    this.currentMetadataValues = 0;
    this.currentL2MetadataValues = 0;
    this.l2Flags = 0;
  }
}

export function createIncomingMetadata(): FWPS_INCOMING_METADATA_VALUES0 {
  return new FWPS_INCOMING_METADATA_VALUES0();
}

/** FWPS_IS_METADATA_FIELD_PRESENT(metadataValues, metadataField). */
export function FWPS_IS_METADATA_FIELD_PRESENT(meta: FWPS_INCOMING_METADATA_VALUES0, field: number): boolean {
  return (meta.currentMetadataValues & field) === field;
}

/** FWPS_IS_L2_METADATA_FIELD_PRESENT(metadataValues, metadataField). */
export function FWPS_IS_L2_METADATA_FIELD_PRESENT(meta: FWPS_INCOMING_METADATA_VALUES0, field: number): boolean {
  return (meta.currentL2MetadataValues & field) === field;
}

/** A layer's key, for error messages built by callers that only hold incoming values. */
export function incomingLayerKey(values: FWPS_INCOMING_VALUES0): GUID | undefined {
  return layerById(values.layerId)?.layerKey;
}
