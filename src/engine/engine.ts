/**
 * FilterEngine: one independent WFP filter engine (a process may hold several: tests, replays, one per bridge).
 *
 * The host stack uses three things:
 *   - `classify(values, meta, layerData, result?)` at each layer a packet crosses, with incoming values/metadata it
 *     allocated once (incoming.ts) and refills per packet;
 *   - `flowTerminated(flowHandle)` when an ALE flow ends (R53);
 *   - `events.add(listener)` for audit/drop/veto/fault counters.
 * Callouts use the run-time calls (register/unregister, flow contexts); policy uses `management` through a session.
 * The C-shaped FwpsXxx / FwpmXxx facade (src/fwp) is a thin layer over these.
 */
import { CalloutIdAllocator, CalloutRegistry, type CalloutRegistration } from './callouts.js';
import { ClassifyResult, Classifier } from './classify.js';
import { ENGINE_EVENT_FLOW_DELETE_FAULT, EngineEvents, type EngineEventListener } from './events.js';
import { DEFAULT_INDEX_THRESHOLD } from './filter-index.js';
import { FlowContextTable } from './flow-contexts.js';
import type { GUID } from './guid.js';
import type { FWPS_INCOMING_METADATA_VALUES0, FWPS_INCOMING_VALUES0 } from './incoming.js';
import { Management } from './management.js';
import { RuntimeTables } from './runtime-tables.js';
import type { Session } from './session.js';
import type { FWPM_SESSION0, FWPS_CALLOUT0, FWPS_CALLOUT1 } from './structs.js';

export interface FilterEngineOptions {
  /** Candidate index on (default true). Off, every filter of a sublayer is a candidate: the linear-scan reference. */
  indexed?: boolean;
  /** Sublayers with at most this many filters are scanned linearly (default 16; 0 indexes every sublayer). */
  indexThreshold?: number;
}

export class FilterEngine {
  readonly events = new EngineEvents();
  readonly tables = new RuntimeTables();
  readonly calloutIds = new CalloutIdAllocator();
  readonly callouts: CalloutRegistry;
  readonly flows: FlowContextTable;
  readonly management: Management;
  private readonly classifier: Classifier;
  /** The result `classify` fills when given none; overwritten by the next such call. */
  readonly sharedResult = new ClassifyResult();

  constructor(options: FilterEngineOptions = {}) {
    this.tables.indexThreshold = options.indexed === false ? Infinity : (options.indexThreshold ?? DEFAULT_INDEX_THRESHOLD);
    this.callouts = new CalloutRegistry(this.calloutIds, (id) => this.flows.calloutHasContexts(id));
    this.classifier = new Classifier({
      tables: this.tables,
      callouts: this.callouts,
      events: this.events,
      flows: () => this.flows,
    });
    this.flows = new FlowContextTable(
      this.callouts,
      (flow) => this.classifier.isFlowInClassify(flow),
      (layerId, calloutId, err) => this.events.emit(ENGINE_EVENT_FLOW_DELETE_FAULT, layerId, 0n, calloutId, err),
    );
    this.management = new Management({
      tables: this.tables,
      callouts: this.callouts,
      calloutIds: this.calloutIds,
      events: this.events,
    });
  }

  // ---- host stack -------------------------------------------------------------------------------------------

  /**
   * Classifies one indication at `values.layerId` (spec §2.1). `layerData` is what classifyFn receives (an NBL, or
   * null). `classifyContext` is handed to classifyFn1+ callouts (what FwpsAcquireClassifyHandle0 takes).
   */
  classify(
    values: FWPS_INCOMING_VALUES0,
    meta: FWPS_INCOMING_METADATA_VALUES0,
    layerData: unknown = null,
    result: ClassifyResult = this.sharedResult,
    classifyContext: unknown = null,
  ): ClassifyResult {
    return this.classifier.classify(values, meta, layerData, result, classifyContext);
  }

  /** An ALE flow ended: every context on it goes to its callout's flowDeleteFn, once (R53). */
  flowTerminated(flowHandle: bigint): number {
    return this.flows.flowTerminated(flowHandle);
  }

  /** Is a classify of this flow running (on the stack) right now? */
  isFlowInClassify(flowHandle: bigint): boolean {
    return this.classifier.isFlowInClassify(flowHandle);
  }

  get stats(): Readonly<Classifier['stats']> {
    return this.classifier.stats;
  }

  onEvent(listener: EngineEventListener): () => void {
    return this.events.add(listener);
  }

  /** Candidate index on or off (off = linear scan; results are identical either way). */
  get indexed(): boolean {
    return this.tables.indexThreshold !== Infinity;
  }

  set indexed(on: boolean) {
    this.tables.indexThreshold = on ? DEFAULT_INDEX_THRESHOLD : Infinity;
  }

  /** Filters currently classified at a layer (committed, not disabled). */
  layerFilterCount(layerId: number): number {
    return this.tables.layers[layerId]?.filterCount() ?? 0;
  }

  // ---- callouts (run time) ----------------------------------------------------------------------------------

  /** FwpsCalloutRegister0 (classifyFn0), or with `takesClassifyContext` FwpsCalloutRegister1+ (classifyFn1). */
  registerCallout(deviceObject: unknown, callout: FWPS_CALLOUT0): { status: number; calloutId: number };
  registerCallout(deviceObject: unknown, callout: FWPS_CALLOUT1, takesClassifyContext: true): { status: number; calloutId: number };
  registerCallout(deviceObject: unknown, callout: CalloutRegistration, takesClassifyContext?: boolean): { status: number; calloutId: number };
  registerCallout(deviceObject: unknown, callout: CalloutRegistration, takesClassifyContext = false): { status: number; calloutId: number } {
    return this.callouts.register(deviceObject, callout, takesClassifyContext);
  }

  unregisterCalloutById(calloutId: number): number {
    return this.callouts.unregisterById(calloutId);
  }

  unregisterCalloutByKey(calloutKey: GUID): number {
    return this.callouts.unregisterByKey(calloutKey);
  }

  flowAssociateContext(flowHandle: bigint, layerId: number, calloutId: number, flowContext: bigint): number {
    return this.flows.associate(flowHandle, layerId, calloutId, flowContext);
  }

  flowRemoveContext(flowHandle: bigint, layerId: number, calloutId: number): number {
    return this.flows.remove(flowHandle, layerId, calloutId);
  }

  // ---- management -------------------------------------------------------------------------------------------

  openSession(session?: FWPM_SESSION0 | null): Session {
    return this.management.openSession(session);
  }

  closeSession(session: Session): void {
    this.management.closeSession(session);
  }
}

export function createFilterEngine(options?: FilterEngineOptions): FilterEngine {
  return new FilterEngine(options);
}
