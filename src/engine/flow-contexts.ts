/**
 * Flow contexts (spec §1.8; R50–R53): one UINT64 context per (flow, layer, callout), passed as `flowContext` to
 * that callout's classifyFn for the flow's packets at that layer, and handed back exactly once to its flowDeleteFn
 * when the context is removed or the flow ends.
 *
 * Removal while a classify of the flow is running is deferred (STATUS_PENDING): the context stays visible to the
 * rest of that classify and flowDeleteFn runs when the last classify of the flow returns. [emu] The same holds when
 * the host terminates a flow from inside one of its classifies, and a second remove of a context already pending
 * returns STATUS_PENDING again (its flowDeleteFn still runs once).
 */
import type { CalloutRegistry } from './callouts.js';
import { NTSTATUS } from './ntstatus.js';

interface FlowContextEntry {
  readonly layerId: number;
  readonly calloutId: number;
  readonly context: bigint;
  /** Removal requested while a classify of the flow was running; flowDeleteFn runs when it ends. */
  removing: boolean;
}

export type FlowDeleteFaultReporter = (layerId: number, calloutId: number, error: unknown) => void;

export class FlowContextTable {
  private readonly flows = new Map<bigint, FlowContextEntry[]>();

  constructor(
    private readonly callouts: CalloutRegistry,
    /** Is a classify carrying this flow handle on the stack? */
    private readonly inClassify: (flowHandle: bigint) => boolean,
    private readonly reportFault: FlowDeleteFaultReporter,
  ) {}

  /** Number of flows that carry at least one context. */
  get flowCount(): number {
    return this.flows.size;
  }

  /** FwpsFlowAssociateContext0 (R50). */
  associate(flowHandle: bigint, layerId: number, calloutId: number, flowContext: bigint): number {
    if (typeof flowHandle !== 'bigint' || flowHandle === 0n) return NTSTATUS.STATUS_INVALID_PARAMETER;
    if (typeof flowContext !== 'bigint' || flowContext === 0n) return NTSTATUS.STATUS_INVALID_PARAMETER;
    const callout = this.callouts.get(calloutId);
    if (callout === undefined || callout.flowDeleteFn === null) return NTSTATUS.STATUS_INVALID_PARAMETER;
    let entries = this.flows.get(flowHandle);
    if (entries === undefined) {
      entries = [];
      this.flows.set(flowHandle, entries);
    }
    for (const e of entries) {
      if (e.layerId === layerId && e.calloutId === calloutId) return NTSTATUS.STATUS_OBJECT_NAME_EXISTS;
    }
    entries.push({ layerId, calloutId, context: BigInt.asUintN(64, flowContext), removing: false });
    return NTSTATUS.STATUS_SUCCESS;
  }

  /** FwpsFlowRemoveContext0 (R52). */
  remove(flowHandle: bigint, layerId: number, calloutId: number): number {
    const entries = this.flows.get(flowHandle);
    const i = entries === undefined ? -1 : entries.findIndex((e) => e.layerId === layerId && e.calloutId === calloutId);
    if (entries === undefined || i < 0) return NTSTATUS.STATUS_UNSUCCESSFUL;
    const entry = entries[i]!;
    if (entry.removing) return NTSTATUS.STATUS_PENDING;
    if (this.inClassify(flowHandle)) {
      entry.removing = true;
      return NTSTATUS.STATUS_PENDING;
    }
    entries.splice(i, 1);
    if (entries.length === 0) this.flows.delete(flowHandle);
    this.callDelete(entry);
    return NTSTATUS.STATUS_SUCCESS;
  }

  /** The context `calloutId` associated with the flow at `layerId`, or 0n (R51). Hot path: no allocation. */
  lookup(flowHandle: bigint, layerId: number, calloutId: number): bigint {
    if (this.flows.size === 0) return 0n;
    const entries = this.flows.get(flowHandle);
    if (entries === undefined) return 0n;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      if (e.layerId === layerId && e.calloutId === calloutId) return e.context;
    }
    return 0n;
  }

  /** Does any flow hold a context of this callout? (STATUS_DEVICE_BUSY on unregister, R49.) */
  calloutHasContexts(calloutId: number): boolean {
    for (const entries of this.flows.values()) if (entries.some((e) => e.calloutId === calloutId)) return true;
    return false;
  }

  /**
   * The host stack's notice that a flow ended (FIN/RST close, idle timeout, …): flowDeleteFn once per context, with
   * no classify (R53). Returns how many contexts the flow carried.
   */
  flowTerminated(flowHandle: bigint): number {
    const entries = this.flows.get(flowHandle);
    if (entries === undefined) return 0;
    if (this.inClassify(flowHandle)) {
      for (const e of entries) e.removing = true;
      return entries.length;
    }
    this.flows.delete(flowHandle);
    for (const e of entries) this.callDelete(e);
    return entries.length;
  }

  /** Called by the classifier when the last classify of `flowHandle` returns: runs the deferred deletions. */
  classifyEnded(flowHandle: bigint): void {
    const entries = this.flows.get(flowHandle);
    if (entries === undefined || !entries.some((e) => e.removing)) return;
    const done = entries.filter((e) => e.removing);
    const kept = entries.filter((e) => !e.removing);
    if (kept.length === 0) this.flows.delete(flowHandle);
    else this.flows.set(flowHandle, kept);
    for (const e of done) this.callDelete(e);
  }

  /** The (layer, callout, context) triples of a flow, for diagnostics and tests. */
  contextsOf(flowHandle: bigint): Array<{ layerId: number; calloutId: number; context: bigint }> {
    return (this.flows.get(flowHandle) ?? []).map(({ layerId, calloutId, context }) => ({ layerId, calloutId, context }));
  }

  private callDelete(e: FlowContextEntry): void {
    const fn = this.callouts.get(e.calloutId)?.flowDeleteFn;
    if (!fn) return;
    try {
      fn(e.layerId, e.calloutId, e.context);
    } catch (err) {
      this.reportFault(e.layerId, e.calloutId, err);
    }
  }
}
