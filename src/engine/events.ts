/**
 * Engine events for metrics and logs: what Windows would audit (classify drops, R44), notify (vetoes, R36), and what
 * the emulator itself reports (callouts that throw, conformance warnings).
 *
 * A listener receives only primitives and objects that already exist, so emitting allocates nothing; with no
 * listener an emit is one length check.
 */

/** A BLOCK that was not absorbed: indicated at the discard layer and audited (R44). */
export const ENGINE_EVENT_CLASSIFY_DROP = 1;
/** A callout called without FWPS_RIGHT_ACTION_WRITE returned BLOCK over a PERMIT: audit + notification (R36). */
export const ENGINE_EVENT_VETO = 2;
/** A BLOCK with FWPS_CLASSIFY_OUT_FLAG_ABSORB: silently dropped, no audit (R44); reported for metrics only. */
export const ENGINE_EVENT_ABSORB = 3;
/** A classifyFn threw; `detail` is what it threw. */
export const ENGINE_EVENT_CALLOUT_FAULT = 4;
/** A notifyFn threw (treated as a failure status); `detail` is what it threw. */
export const ENGINE_EVENT_NOTIFY_FAULT = 5;
/** A flowDeleteFn threw; `detail` is what it threw. */
export const ENGINE_EVENT_FLOW_DELETE_FAULT = 6;
/** A callout did something the documentation forbids but the engine tolerates; `detail` is a message. */
export const ENGINE_EVENT_CONFORMANCE = 7;

export type EngineEventCode = 1 | 2 | 3 | 4 | 5 | 6 | 7;

export type EngineEventListener = (
  event: EngineEventCode,
  layerId: number,
  filterId: bigint,
  calloutId: number,
  detail: unknown,
) => void;

export const ENGINE_EVENT_NAMES: Readonly<Record<EngineEventCode, string>> = {
  1: 'classify-drop',
  2: 'veto',
  3: 'absorb',
  4: 'callout-fault',
  5: 'notify-fault',
  6: 'flow-delete-fault',
  7: 'conformance',
};

export class EngineEvents {
  private listeners: EngineEventListener[] = [];

  /** Adds a listener; returns the function that removes it. */
  add(listener: EngineEventListener): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  get active(): boolean {
    return this.listeners.length !== 0;
  }

  emit(event: EngineEventCode, layerId: number, filterId: bigint, calloutId: number, detail: unknown = null): void {
    const ls = this.listeners; // copy-on-write: a listener that unsubscribes mid-emit does not disturb the loop
    for (let i = 0; i < ls.length; i++) {
      try {
        ls[i]!(event, layerId, filterId, calloutId, detail);
      } catch {
        // A failing metrics listener must not change a classification.
      }
    }
  }
}
