/**
 * Test harness for the filter engine: one engine and one session, short helpers to add sublayers, filters and
 * callouts, build incoming values by field name, and callouts that record exactly what they were given.
 */
import { ClassifyResult } from '../../src/engine/classify.js';
import { FWPM_CONDITION_IP_PROTOCOL, FWPM_CONDITION_IP_REMOTE_ADDRESS, FWPM_CONDITION_IP_REMOTE_PORT } from '../../src/engine/condition-keys.js';
import type { FWPM_FILTER_CONDITION0 } from '../../src/engine/conditions.js';
import {
  FWPS_CLASSIFY_OUT_FLAG_ABSORB,
  FWPS_METADATA_FIELD_FLOW_HANDLE,
  FWPS_RIGHT_ACTION_WRITE,
  FWP_EMPTY,
  FWP_MATCH_EQUAL,
  FWP_UINT16,
  FWP_UINT32,
  FWP_UINT64,
  FWP_UINT8,
} from '../../src/engine/constants.js';
import { createFilterEngine, type FilterEngine, type FilterEngineOptions } from '../../src/engine/engine.js';
import { newGuid, type GUID } from '../../src/engine/guid.js';
import {
  createIncomingMetadata,
  createIncomingValues,
  type FWPS_INCOMING_METADATA_VALUES0,
  type FWPS_INCOMING_VALUES0,
} from '../../src/engine/incoming.js';
import { FWPS_LAYER_ALE_AUTH_CONNECT_V4, layerById } from '../../src/engine/layers.js';
import type { Session } from '../../src/engine/session.js';
import type { FWPS_CLASSIFY_OUT0, FWPS_FILTER0 } from '../../src/engine/structs.js';
import type { FWP_VALUE0 } from '../../src/engine/values.js';

export const SUBLAYER_A = 0x9000;
export const SUBLAYER_C = 0x0000;

/** What a recording callout saw on one call. */
export interface CalloutCall {
  calloutId: number;
  filterId: bigint;
  layerId: number;
  rights: number;
  entryAction: number;
  flowContext: bigint;
  context: bigint;
}

export interface CalloutAnswer {
  action: number;
  /** Clear FWPS_RIGHT_ACTION_WRITE (default: clear on BLOCK, keep otherwise — what the docs tell callouts). */
  clearWrite?: boolean;
  absorb?: boolean;
}

/** A classifyFn behaviour: a fixed answer, or a function of the call. */
export type CalloutBehaviour = CalloutAnswer | ((call: CalloutCall, out: FWPS_CLASSIFY_OUT0, filter: FWPS_FILTER0) => void);

export interface CalloutSpec {
  layerId?: number;
  behaviour?: CalloutBehaviour;
  flags?: number;
  notify?: (type: number, filterKey: GUID | null, filter: FWPS_FILTER0) => number;
  flowDelete?: ((layerId: number, calloutId: number, ctx: bigint) => void) | null;
  /** Register at run time (default true); false adds only the management object. */
  register?: boolean;
}

export interface FilterSpec {
  layerId?: number;
  sublayer?: GUID | null;
  action: number;
  calloutKey?: GUID;
  /** bigint → FWP_UINT64, number → FWP_UINT8 range, undefined → FWP_EMPTY, or a full FWP_VALUE0. */
  weight?: bigint | number | FWP_VALUE0;
  flags?: number;
  conditions?: FWPM_FILTER_CONDITION0[];
  rawContext?: bigint;
  key?: GUID;
  name?: string;
}

export type FieldValues = Record<string, number | bigint | Uint8Array | string | null>;

export class Harness {
  readonly engine: FilterEngine;
  readonly session: Session;
  /** Every recorded callout call, in order. */
  readonly calls: CalloutCall[] = [];
  readonly notifications: Array<{ calloutId: number; type: number; filterKey: GUID | null; filterId: bigint }> = [];

  constructor(options: FilterEngineOptions & { dynamic?: boolean } = {}) {
    this.engine = createFilterEngine(options);
    this.session = this.engine.openSession({ flags: options.dynamic === false ? 0 : 1 });
  }

  get m() {
    return this.engine.management;
  }

  sublayer(weight: number, key: GUID = newGuid()): GUID {
    this.m.addSublayer(this.session, { subLayerKey: key, displayData: { name: `sublayer ${weight}` }, weight });
    return key;
  }

  /** Adds an FWPM callout object (and by default registers a recording classifyFn). */
  callout(spec: CalloutSpec = {}): { key: GUID; calloutId: number } {
    const key = newGuid();
    const layerId = spec.layerId ?? FWPS_LAYER_ALE_AUTH_CONNECT_V4;
    const calloutId = this.m.addCallout(this.session, {
      calloutKey: key,
      displayData: { name: 'callout' },
      applicableLayer: layerById(layerId)!.layerKey,
    });
    if (spec.register !== false) this.register(key, spec);
    return { key, calloutId };
  }

  /** Registers a recording callout for `key`; returns the FwpsCalloutRegister status. */
  register(key: GUID, spec: CalloutSpec = {}): number {
    const behaviour = spec.behaviour ?? { action: 0x2006 /* CONTINUE */ };
    const r = this.engine.registerCallout(null, {
      calloutKey: key,
      flags: spec.flags ?? 0,
      classifyFn: (values, _meta, _layerData, filter, flowContext, out) => {
        const call: CalloutCall = {
          calloutId: filter.action.calloutId,
          filterId: filter.filterId,
          layerId: values.layerId,
          rights: out.rights,
          entryAction: out.actionType,
          flowContext,
          context: filter.context,
        };
        this.calls.push(call);
        if (typeof behaviour === 'function') behaviour(call, out, filter);
        else answer(out, behaviour);
      },
      notifyFn: (type, filterKey, filter) => {
        this.notifications.push({ calloutId: filter.action.calloutId, type, filterKey, filterId: filter.filterId });
        return spec.notify ? spec.notify(type, filterKey, filter) : 0;
      },
      flowDeleteFn: spec.flowDelete === undefined ? () => {} : spec.flowDelete,
    });
    return r.status;
  }

  filter(spec: FilterSpec): bigint {
    const layerId = spec.layerId ?? FWPS_LAYER_ALE_AUTH_CONNECT_V4;
    let weight: FWP_VALUE0 = { type: FWP_EMPTY };
    if (typeof spec.weight === 'bigint') weight = { type: FWP_UINT64, uint64: spec.weight };
    else if (typeof spec.weight === 'number') weight = { type: FWP_UINT8, uint8: spec.weight };
    else if (spec.weight) weight = spec.weight;
    return this.m.addFilter(this.session, {
      filterKey: spec.key ?? null,
      displayData: { name: spec.name ?? 'filter' },
      layerKey: layerById(layerId)!.layerKey,
      subLayerKey: spec.sublayer ?? null,
      weight,
      flags: spec.flags ?? 0,
      filterCondition: spec.conditions ?? [],
      action: { type: spec.action, calloutKey: spec.calloutKey ?? null },
      rawContext: spec.rawContext ?? 0n,
    });
  }

  /** Incoming values for a layer, fields set by FWPS_FIELDS name (number → numeric member, bigint → 64-bit…). */
  values(layerId: number = FWPS_LAYER_ALE_AUTH_CONNECT_V4, fields: FieldValues = {}): FWPS_INCOMING_VALUES0 {
    const v = createIncomingValues(layerId);
    setFields(v, fields);
    return v;
  }

  meta(opts: { flowHandle?: bigint } = {}): FWPS_INCOMING_METADATA_VALUES0 {
    const m = createIncomingMetadata();
    if (opts.flowHandle !== undefined) {
      m.currentMetadataValues |= FWPS_METADATA_FIELD_FLOW_HANDLE;
      m.flowHandle = opts.flowHandle;
    }
    return m;
  }

  /** Classifies into a fresh result (so results of several classifies can be compared). */
  classify(layerId: number = FWPS_LAYER_ALE_AUTH_CONNECT_V4, fields: FieldValues = {}, meta = this.meta(), layerData: unknown = null): ClassifyResult {
    return this.engine.classify(this.values(layerId, fields), meta, layerData, new ClassifyResult());
  }
}

/** Writes a fixed answer into classifyOut, as a conforming callout would. */
export function answer(out: FWPS_CLASSIFY_OUT0, a: CalloutAnswer): void {
  out.actionType = a.action;
  const clear = a.clearWrite ?? a.action === 0x1001; /* BLOCK */
  if (clear) out.rights &= ~FWPS_RIGHT_ACTION_WRITE;
  if (a.absorb) out.flags |= FWPS_CLASSIFY_OUT_FLAG_ABSORB;
}

export function setFields(v: FWPS_INCOMING_VALUES0, fields: FieldValues): void {
  const layer = layerById(v.layerId)!;
  for (const [name, val] of Object.entries(fields)) {
    const f = layer.fields.find((x) => x.name === name);
    if (!f) throw new Error(`no field ${name} at ${layer.name}`);
    const slot = v.at(f.index);
    if (val === null) {
      slot.clear();
      continue;
    }
    if (typeof val === 'bigint') slot.b = val;
    else if (typeof val === 'number') slot.n = val;
    else if (val instanceof Uint8Array) slot.r = val;
    else slot.r = val;
  }
}

// Condition shorthands.
export const eqUint8 = (fieldKey: GUID, v: number): FWPM_FILTER_CONDITION0 => ({ fieldKey, matchType: FWP_MATCH_EQUAL, conditionValue: { type: FWP_UINT8, uint8: v } });
export const eqUint16 = (fieldKey: GUID, v: number): FWPM_FILTER_CONDITION0 => ({ fieldKey, matchType: FWP_MATCH_EQUAL, conditionValue: { type: FWP_UINT16, uint16: v } });
export const eqUint32 = (fieldKey: GUID, v: number): FWPM_FILTER_CONDITION0 => ({ fieldKey, matchType: FWP_MATCH_EQUAL, conditionValue: { type: FWP_UINT32, uint32: v } });
export const remotePort = (p: number) => eqUint16(FWPM_CONDITION_IP_REMOTE_PORT, p);
export const protocol = (p: number) => eqUint8(FWPM_CONDITION_IP_PROTOCOL, p);
export const remoteAddr = (a: number) => eqUint32(FWPM_CONDITION_IP_REMOTE_ADDRESS, a);
