/**
 * Filter arbitration at one layer: exactly the algorithm of spec §2.1.
 *
 *  - Sublayers in weight order (R32), filters in weight order within a sublayer ([emu] ties: insertion order).
 *  - The running decision is (action, hard). A static PERMIT is soft unless the filter has CLEAR_ACTION_RIGHT, a
 *    static BLOCK is hard (R34); the first PERMIT or BLOCK ends the sublayer, CONTINUE moves on (R33); a soft
 *    decision is replaced by a later sublayer's, a hard one is not (R35).
 *  - Callouts are called with FWPS_RIGHT_ACTION_WRITE while the decision is soft. After a hard decision, lower
 *    sublayers' callouts still run with rights 0 and only their vetoes count: BLOCK over a PERMIT → blocked, audit
 *    and notification (R36, R37, C1). A terminating answer still ends the sublayer.
 *  - Callout answers are read through the filter's action type (R38, R39); a filter whose callout is not registered
 *    acts as BLOCK / is skipped / acts as PERMIT (R43). A CONDITIONAL_ON_FLOW callout runs only for flows carrying one
 *    of its contexts at this layer (R54); flowContext is that context or 0 (R51).
 *  - ABSORB counts only with BLOCK and never at a discard layer; an absorbed BLOCK is silent, a plain BLOCK is to be
 *    indicated at the layer's _DISCARD twin (R44).
 *  - [emu] No decision at all → PERMIT; classifyOut.actionType on entry is CONTINUE before any decision, else the
 *    current action.
 *  - [emu] A classifyFn that throws is contained: counted, reported (ENGINE_EVENT_CALLOUT_FAULT), and read as
 *    BLOCK with WRITE cleared (fail closed) for CALLOUT_TERMINATING and CALLOUT_UNKNOWN, CONTINUE for
 *    CALLOUT_INSPECTION. Under a hard PERMIT that BLOCK is a veto.
 *
 * Allocation: none per classify once warm. Each nesting depth (a callout may classify again, e.g. through a
 * reauthorization) has its own frame with a reused cursor, classifyOut and snapshot array; results go into a
 * caller-owned ClassifyResult.
 */
import { coerceCalloutAction, type CalloutRegistry, type RegisteredCallout } from './callouts.js';
import { matchGroups } from './conditions.js';
import {
  FWPS_CLASSIFY_OUT_FLAG_ABSORB,
  FWPS_FILTER_FLAG_CLEAR_ACTION_RIGHT,
  FWPS_FILTER_FLAG_PERMIT_IF_CALLOUT_UNREGISTERED,
  FWPS_METADATA_FIELD_FLOW_HANDLE,
  FWPS_RIGHT_ACTION_WRITE,
  FWP_ACTION_BLOCK,
  FWP_ACTION_CALLOUT_INSPECTION,
  FWP_ACTION_CONTINUE,
  FWP_ACTION_FLAG_CALLOUT,
  FWP_ACTION_NONE,
  FWP_ACTION_PERMIT,
  FWP_CALLOUT_FLAG_CONDITIONAL_ON_FLOW,
} from './constants.js';
import {
  ENGINE_EVENT_ABSORB,
  ENGINE_EVENT_CALLOUT_FAULT,
  ENGINE_EVENT_CLASSIFY_DROP,
  ENGINE_EVENT_CONFORMANCE,
  ENGINE_EVENT_VETO,
  type EngineEvents,
} from './events.js';
import { BucketView, CandidateCursor } from './filter-index.js';
import type { FlowContextTable } from './flow-contexts.js';
import type { FWPS_INCOMING_METADATA_VALUES0, FWPS_INCOMING_VALUES0 } from './incoming.js';
import { layerById } from './layers.js';
import type { FilterRecord } from './records.js';
import type { RuntimeTables } from './runtime-tables.js';
import { FWPS_CLASSIFY_OUT0, type FWPS_CALLOUT_CLASSIFY_FN0, type FWPS_CALLOUT_CLASSIFY_FN1 } from './structs.js';

/** Deepest nesting of classifies (a callout classifying from inside classifyFn…) before the engine refuses. */
export const MAX_CLASSIFY_DEPTH = 32;

/**
 * The outcome of one classify. Reused: the engine overwrites it on the next classify that is given the same object.
 */
export class ClassifyResult {
  layerId = -1;
  /** FWP_ACTION_PERMIT or FWP_ACTION_BLOCK. */
  actionType = FWP_ACTION_PERMIT;
  /** BLOCK with FWPS_CLASSIFY_OUT_FLAG_ABSORB: drop silently (no discard indication, no audit). */
  absorb = false;
  /** The filter whose answer decided (the vetoing callout's filter after a veto); 0n when nothing matched. */
  filterId = 0n;
  /** A read-only callout blocked over a PERMIT (R36). */
  veto = false;
  /** The decision ended hard (no WRITE right left). */
  hard = false;
  /** Some filter decided; false means the [emu] no-match default PERMIT. */
  matched = false;
  /** BLOCK not absorbed at a layer with a _DISCARD twin: the host indicates the packet there (R44). */
  indicateDiscard = false;
  /** The twin to indicate at, or -1. */
  discardLayerId = -1;
  /** Callouts invoked, in call order: their ids, their filters, and the rights they were given. */
  calloutCount = 0;
  readonly calloutIds: number[] = [];
  readonly calloutFilterIds: bigint[] = [];
  readonly calloutRights: number[] = [];
  /** classifyFns that threw during this classify. */
  calloutFaults = 0;

  reset(layerId: number): void {
    this.layerId = layerId;
    this.actionType = FWP_ACTION_PERMIT;
    this.absorb = false;
    this.filterId = 0n;
    this.veto = false;
    this.hard = false;
    this.matched = false;
    this.indicateDiscard = false;
    this.discardLayerId = -1;
    this.calloutCount = 0;
    this.calloutFaults = 0;
  }

  noteCallout(calloutId: number, filterId: bigint, rights: number): void {
    const i = this.calloutCount++;
    if (i < this.calloutIds.length) {
      this.calloutIds[i] = calloutId;
      this.calloutFilterIds[i] = filterId;
      this.calloutRights[i] = rights;
    } else {
      this.calloutIds.push(calloutId);
      this.calloutFilterIds.push(filterId);
      this.calloutRights.push(rights);
    }
  }

  /** The callouts that ran, as objects (allocates; for logs and tests). */
  calloutsRun(): Array<{ calloutId: number; filterId: bigint; rights: number }> {
    const out: Array<{ calloutId: number; filterId: bigint; rights: number }> = [];
    for (let i = 0; i < this.calloutCount; i++) {
      out.push({ calloutId: this.calloutIds[i]!, filterId: this.calloutFilterIds[i]!, rights: this.calloutRights[i]! });
    }
    return out;
  }
}

const EMPTY_VIEW = new BucketView([], new Int32Array(0), []);

class ClassifyFrame {
  views: BucketView[] = [];
  readonly cursor = new CandidateCursor();
  readonly out = new FWPS_CLASSIFY_OUT0();
  hasFlow = false;
  flowHandle = 0n;
}

export interface ClassifierDeps {
  readonly tables: RuntimeTables;
  readonly callouts: CalloutRegistry;
  readonly events: EngineEvents;
  readonly flows: () => FlowContextTable;
}

export class Classifier {
  private readonly frames: ClassifyFrame[] = [];
  private depth = 0;
  /** Totals since the engine started (plain counters for metrics). */
  readonly stats = { classifies: 0, calloutInvocations: 0, calloutFaults: 0, vetoes: 0, drops: 0, absorbs: 0 };

  constructor(private readonly deps: ClassifierDeps) {}

  /** Is a classify carrying this flow handle on the stack? (Flow-context removal is then deferred, R52.) */
  isFlowInClassify(flowHandle: bigint): boolean {
    for (let i = 0; i < this.depth; i++) {
      const f = this.frames[i]!;
      if (f.hasFlow && f.flowHandle === flowHandle) return true;
    }
    return false;
  }

  classify(
    values: FWPS_INCOMING_VALUES0,
    meta: FWPS_INCOMING_METADATA_VALUES0,
    layerData: unknown,
    result: ClassifyResult,
    classifyContext: unknown,
  ): ClassifyResult {
    const layerId = values.layerId;
    const layer = layerById(layerId);
    if (layer === undefined) throw new RangeError(`classify: unknown layer id ${layerId}`);
    if (this.depth >= MAX_CLASSIFY_DEPTH) throw new RangeError(`classify: nested deeper than ${MAX_CLASSIFY_DEPTH}`);
    result.reset(layerId);
    this.stats.classifies++;

    const frame = this.frames[this.depth] ?? this.newFrame();
    this.depth++;
    const hasFlow = (meta.currentMetadataValues & FWPS_METADATA_FIELD_FLOW_HANDLE) !== 0;
    frame.hasFlow = hasFlow;
    frame.flowHandle = hasFlow ? meta.flowHandle : 0n;

    // Snapshot the sublayers' filter sets: changes made by callouts during this classify apply to the next one.
    const buckets = this.deps.tables.layers[layerId]!.buckets;
    const bucketCount = buckets.length;
    const views = frame.views;
    for (let i = 0; i < bucketCount; i++) views[i] = buckets[i]!.snapshot();

    const incoming = values.incomingValue;
    const isDiscardLayer = layer.isDiscard;
    const flows = hasFlow ? this.deps.flows() : null;
    const events = this.deps.events;
    let action = FWP_ACTION_NONE;
    let hard = false;
    let absorb = false;
    let veto = false;
    let decidingId = 0n;
    let decided = false;

    try {
      for (let b = 0; b < bucketCount; b++) {
        const view = views[b]!;
        const cursor = frame.cursor;
        cursor.reset(view, incoming);
        for (let pos = cursor.next(); pos >= 0; pos = cursor.next()) {
          const f = view.filters[pos]!;
          if (f.deleted || f.disabled || !matchGroups(f.groups, incoming)) continue;

          let type = f.actionType;
          let callout: RegisteredCallout | undefined;
          if ((type & FWP_ACTION_FLAG_CALLOUT) !== 0) {
            callout = this.deps.callouts.get(f.calloutId);
            if (callout === undefined) {
              // R43: an unregistered callout's filter is skipped (inspection) or acts as a static action.
              if (type === FWP_ACTION_CALLOUT_INSPECTION) continue;
              type = (f.fwps.flags & FWPS_FILTER_FLAG_PERMIT_IF_CALLOUT_UNREGISTERED) !== 0 ? FWP_ACTION_PERMIT : FWP_ACTION_BLOCK;
            }
          }

          if (callout === undefined) {
            // Static PERMIT/BLOCK: decides the sublayer unless a hard decision already stands.
            if (!hard) {
              action = type;
              hard = type === FWP_ACTION_BLOCK || (f.fwps.flags & FWPS_FILTER_FLAG_CLEAR_ACTION_RIGHT) !== 0;
              absorb = false;
              decidingId = f.fwps.filterId;
              decided = true;
            }
            break;
          }

          const flowContext = flows !== null ? flows.lookup(frame.flowHandle, layerId, callout.calloutId) : 0n;
          if ((callout.flags & FWP_CALLOUT_FLAG_CONDITIONAL_ON_FLOW) !== 0 && flowContext === 0n) continue; // R54

          const out = frame.out;
          out.actionType = action === FWP_ACTION_NONE ? FWP_ACTION_CONTINUE : action;
          out.rights = hard ? 0 : FWPS_RIGHT_ACTION_WRITE;
          out.flags = 0;
          out.outContext = 0n;
          out.filterId = f.fwps.filterId;
          out.reserved = 0;
          result.noteCallout(callout.calloutId, f.fwps.filterId, out.rights);
          this.invoke(callout, f, values, meta, layerData, classifyContext, flowContext, out, result, layerId);
          const returned = out.actionType;

          if (hard) {
            // Read-only call (R37): only a veto counts, and a terminating answer still ends the sublayer.
            if (action === FWP_ACTION_PERMIT && returned === FWP_ACTION_BLOCK) {
              action = FWP_ACTION_BLOCK;
              absorb = !isDiscardLayer && (out.flags & FWPS_CLASSIFY_OUT_FLAG_ABSORB) !== 0;
              veto = true;
              decidingId = f.fwps.filterId;
              decided = true;
              this.stats.vetoes++;
              if (events.active) events.emit(ENGINE_EVENT_VETO, layerId, decidingId, callout.calloutId);
            }
            if (coerceCalloutAction(f.actionType, returned) !== FWP_ACTION_CONTINUE) break;
            continue;
          }

          const a = coerceCalloutAction(f.actionType, returned);
          if (a === FWP_ACTION_CONTINUE) continue;
          action = a;
          hard = (out.rights & FWPS_RIGHT_ACTION_WRITE) === 0;
          absorb = a === FWP_ACTION_BLOCK && !isDiscardLayer && (out.flags & FWPS_CLASSIFY_OUT_FLAG_ABSORB) !== 0;
          decidingId = f.fwps.filterId;
          decided = true;
          if (absorb && !hard && events.active) {
            // Example 6: a soft absorb lets a lower sublayer permit the original while the callout reinjects a copy.
            events.emit(ENGINE_EVENT_CONFORMANCE, layerId, decidingId, callout.calloutId, 'BLOCK+ABSORB returned with FWPS_RIGHT_ACTION_WRITE still set');
          }
          break;
        }
      }
    } finally {
      for (let i = 0; i < bucketCount; i++) views[i] = EMPTY_VIEW;
      frame.cursor.release();
      this.depth--;
      if (hasFlow && !this.isFlowInClassify(frame.flowHandle)) this.deps.flows().classifyEnded(frame.flowHandle);
    }

    const finalAction = action === FWP_ACTION_NONE ? FWP_ACTION_PERMIT : action;
    result.actionType = finalAction;
    result.hard = hard;
    result.veto = veto;
    result.filterId = decidingId;
    result.matched = decided;
    result.absorb = finalAction === FWP_ACTION_BLOCK && absorb;
    if (finalAction === FWP_ACTION_BLOCK && !isDiscardLayer) {
      if (result.absorb) {
        this.stats.absorbs++;
        if (events.active) events.emit(ENGINE_EVENT_ABSORB, layerId, decidingId, 0);
      } else {
        this.stats.drops++;
        result.discardLayerId = layer.discardLayerId;
        result.indicateDiscard = layer.discardLayerId >= 0;
        if (events.active) events.emit(ENGINE_EVENT_CLASSIFY_DROP, layerId, decidingId, 0, layer.discardLayerId);
      }
    }
    return result;
  }

  private newFrame(): ClassifyFrame {
    const f = new ClassifyFrame();
    this.frames.push(f);
    return f;
  }

  private invoke(
    callout: RegisteredCallout,
    f: FilterRecord,
    values: FWPS_INCOMING_VALUES0,
    meta: FWPS_INCOMING_METADATA_VALUES0,
    layerData: unknown,
    classifyContext: unknown,
    flowContext: bigint,
    out: FWPS_CLASSIFY_OUT0,
    result: ClassifyResult,
    layerId: number,
  ): void {
    this.stats.calloutInvocations++;
    callout.activeClassifies++;
    try {
      if (callout.takesClassifyContext) {
        (callout.classifyFn as FWPS_CALLOUT_CLASSIFY_FN1)(values, meta, layerData, classifyContext, f.fwps, flowContext, out);
      } else {
        (callout.classifyFn as FWPS_CALLOUT_CLASSIFY_FN0)(values, meta, layerData, f.fwps, flowContext, out);
      }
    } catch (err) {
      result.calloutFaults++;
      this.stats.calloutFaults++;
      this.deps.events.emit(ENGINE_EVENT_CALLOUT_FAULT, layerId, f.fwps.filterId, callout.calloutId, err);
      if (f.actionType === FWP_ACTION_CALLOUT_INSPECTION) {
        out.actionType = FWP_ACTION_CONTINUE;
      } else {
        out.actionType = FWP_ACTION_BLOCK;
        out.rights &= ~FWPS_RIGHT_ACTION_WRITE;
      }
      out.flags = 0;
    } finally {
      callout.activeClassifies--;
    }
  }
}
