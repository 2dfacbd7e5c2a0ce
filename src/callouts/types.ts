/**
 * How a callout plugs into a policy: built-in ones (inspect, prompt, rewrite, log, count) and modules named by path
 * in a policy file implement `CalloutModule`. The policy loader gives each callout one FWPS_CALLOUT registration per
 * layer it serves (its own calloutKey per layer, as a WFP driver registers one callout per layer), adds the
 * FWPM_CALLOUT0 objects and the filters that reference them, and calls `stop` when the policy is replaced or the
 * bridge shuts down.
 */
import type { FWPS_CALLOUT_CLASSIFY_FN0, FWPS_CALLOUT_FLOW_DELETE_NOTIFY_FN0, FWPS_CALLOUT_NOTIFY_FN0 } from '../engine/structs.js';
import type { Datapath, FwpFullApi } from '../datapath/contract.js';
import type { Clock } from '../time/clock.js';
import type { Registry } from '../telemetry/metrics.js';

export type Decision = 'permit' | 'block';

export interface CalloutLogger {
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
  error(fields: Record<string, unknown>, msg: string): void;
}

/** What the host (bridge or replay) gives a callout besides the facade. */
export interface CalloutHost {
  readonly datapath: Datapath;
  readonly clock: Clock;
  readonly log: CalloutLogger;
  readonly metrics: Registry | null;
  /** Pend defaults from the policy (callouts may override them with their own options). */
  readonly pendDefaults: PendDefaults;
}

export interface PendDefaults {
  /** A pend not decided within this many ms is completed with timeoutAction. */
  timeoutMs: number;
  timeoutAction: Decision;
  /** Outstanding pends per callout beyond which new connections get overflowAction at once (no pend). */
  maxOutstanding: number;
  overflowAction: Decision;
}

/** The classify/notify/flowDelete functions for one layer (calloutKey is the loader's). */
export interface CalloutFunctions {
  classifyFn: FWPS_CALLOUT_CLASSIFY_FN0;
  notifyFn: FWPS_CALLOUT_NOTIFY_FN0;
  flowDeleteFn?: FWPS_CALLOUT_FLOW_DELETE_NOTIFY_FN0 | null;
  /** FWP_CALLOUT_FLAG_* */
  flags?: number;
}

/** A decision waiting for someone (an operator via wfpctl, a worker, a timer). */
export interface PendingDecision {
  id: number;
  callout: string;
  layer: string;
  protocol: number;
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  direction: 'outbound' | 'inbound';
  sinceMs: number;
  deadlineMs: number;
}

export interface CalloutInstance {
  /** The functions registered at `layerId` (a run-time layer id from src/engine/layers.ts). */
  functions(layerId: number): CalloutFunctions;
  /** Decisions this callout is holding (for `wfpctl show pends`). */
  pending?(): PendingDecision[];
  /** An operator's decision; false if `id` is unknown or already decided. */
  decide?(id: number, decision: Decision): boolean;
  /** Counters for `wfpctl show counters` and metrics. */
  stats?(): Record<string, number>;
  /** Complete every outstanding pend with `action` exactly once (R80), free clones, stop timers/workers. */
  stop(action: Decision): void;
}

export interface CalloutModule {
  /** Layers the callout can serve (run-time layer ids); the loader rejects a policy using it elsewhere. */
  readonly supportedLayers?: readonly number[];
  /** Validates `options` (throw ConfigError naming the field and value) and starts an instance. */
  create(fwp: FwpFullApi, host: CalloutHost, options: Record<string, unknown>, name: string): CalloutInstance;
}
