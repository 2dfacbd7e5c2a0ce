/**
 * The engine's own records of management objects. A FilterRecord owns the run-time FWPS_FILTER0 callouts see, plus
 * what management needs (key, sublayer, session, the caller's copy of the FWPM_FILTER0).
 */
import type { CompiledCondition, FWPM_FILTER_CONDITION0 } from './conditions.js';
import type { GUID } from './guid.js';
import type { LayerInfo } from './layers.js';
import { FWPS_FILTER0, type FWPM_DISPLAY_DATA0, type FWPS_PROVIDER_CONTEXT } from './structs.js';
import type { FWP_BYTE_BLOB, FWP_VALUE0 } from './values.js';

/**
 * How long an object lives: 'dynamic' until its session closes, 'volatile' until deleted (or the engine goes
 * away), 'persistent' likewise but flagged PERSISTENT. An object may only reference objects that live at least as
 * long (STATUS_FWP_LIFETIME_MISMATCH otherwise).
 */
export type Lifetime = 'dynamic' | 'volatile' | 'persistent';

export const LIFETIME_RANK: Readonly<Record<Lifetime, number>> = { dynamic: 0, volatile: 1, persistent: 2 };

/** Identity of the management session that created an object (the engine's Session implements it). */
export interface SessionRef {
  readonly sessionKey: GUID;
  readonly dynamic: boolean;
}

interface OwnedObject {
  owner: SessionRef;
  lifetime: Lifetime;
  /** Insertion sequence, engine-wide; the [emu] tie-break for equal weights. */
  seq: number;
}

export class ProviderRecord implements OwnedObject {
  constructor(
    readonly providerKey: GUID,
    readonly displayData: FWPM_DISPLAY_DATA0,
    readonly flags: number,
    readonly providerData: FWP_BYTE_BLOB | null,
    readonly serviceName: string | null,
    public owner: SessionRef,
    public lifetime: Lifetime,
    public seq: number,
  ) {}
}

export class ProviderContextRecord implements OwnedObject {
  constructor(
    readonly runtime: FWPS_PROVIDER_CONTEXT,
    readonly displayData: FWPM_DISPLAY_DATA0,
    readonly flags: number,
    readonly providerKey: GUID | null,
    readonly providerData: FWP_BYTE_BLOB | null,
    public owner: SessionRef,
    public lifetime: Lifetime,
    public seq: number,
  ) {}
}

export class SublayerRecord implements OwnedObject {
  constructor(
    readonly subLayerKey: GUID,
    readonly displayData: FWPM_DISPLAY_DATA0,
    readonly flags: number,
    readonly providerKey: GUID | null,
    readonly providerData: FWP_BYTE_BLOB | null,
    /** UINT16; heavier sublayers are evaluated first (R32). */
    readonly weight: number,
    readonly builtin: boolean,
    public owner: SessionRef,
    public lifetime: Lifetime,
    public seq: number,
  ) {}
}

export class CalloutObjectRecord implements OwnedObject {
  constructor(
    readonly calloutKey: GUID,
    readonly calloutId: number,
    readonly displayData: FWPM_DISPLAY_DATA0,
    readonly flags: number,
    readonly providerKey: GUID | null,
    readonly providerData: FWP_BYTE_BLOB | null,
    readonly layer: LayerInfo,
    public owner: SessionRef,
    public lifetime: Lifetime,
    public seq: number,
  ) {}
}

export class FilterRecord implements OwnedObject {
  /** The run-time filter handed to classifyFn and notifyFn (the same object for the filter's whole life). */
  readonly fwps = new FWPS_FILTER0();
  /** Set when the deletion is committed: an in-flight classify holding an older snapshot skips the filter. */
  deleted = false;
  /** [emu] FWPM_FILTER_FLAG_DISABLED set by the engine (`setFilterDisabled`): kept, but not classified. */
  disabled = false;
  /** In the run-time buckets (after commit, unless disabled). */
  published = false;
  /** The transaction that added it has committed (it has been announced to change subscribers). */
  committed = false;

  constructor(
    readonly filterKey: GUID,
    readonly layer: LayerInfo,
    readonly sublayer: SublayerRecord,
    readonly displayData: FWPM_DISPLAY_DATA0,
    /** FWPM_FILTER_FLAG_* as given. */
    readonly mgmtFlags: number,
    readonly providerKey: GUID | null,
    readonly providerData: FWP_BYTE_BLOB | null,
    /** FWPM_FILTER0.weight as given (plain copy). */
    readonly weightSpec: FWP_VALUE0,
    readonly effectiveWeight: bigint,
    readonly conditions: readonly FWPM_FILTER_CONDITION0[],
    readonly groups: readonly (readonly CompiledCondition[])[],
    readonly actionType: number,
    readonly calloutKey: GUID | null,
    /** 0 when the action is not a callout. */
    readonly calloutId: number,
    readonly rawContext: bigint,
    readonly providerContextKey: GUID | null,
    public owner: SessionRef,
    public lifetime: Lifetime,
    public seq: number,
  ) {}

  get filterId(): bigint {
    return this.fwps.filterId;
  }
}

/** Classification order inside a sublayer: weight descending, then [emu] insertion order. */
export function compareFilterOrder(a: FilterRecord, b: FilterRecord): number {
  if (a.effectiveWeight !== b.effectiveWeight) return a.effectiveWeight > b.effectiveWeight ? -1 : 1;
  return a.seq - b.seq;
}

/** Sublayer order: weight descending, then [emu] insertion order (built-in sublayers first). */
export function compareSublayerOrder(a: SublayerRecord, b: SublayerRecord): number {
  if (a.weight !== b.weight) return b.weight - a.weight;
  return a.seq - b.seq;
}
