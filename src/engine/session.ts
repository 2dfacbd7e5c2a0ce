/**
 * Management sessions (FwpmEngineOpen0 … FwpmEngineClose0) and their explicit transactions.
 *
 * A transaction is all-or-nothing: management state changes at once (so the session sees its own uncommitted
 * objects, e.g. a sublayer added earlier in the same transaction), each change recording how to undo it, while
 * everything classification sees is queued and applied only at commit.
 */
import type { GUID } from './guid.js';
import type { FilterRecord, SessionRef } from './records.js';
import type { FWPM_DISPLAY_DATA0 } from './structs.js';

/** A change to the run-time tables, applied at commit in the order made. */
export type RuntimeOp = { readonly kind: 'publish'; readonly filter: FilterRecord } | { readonly kind: 'unpublish'; readonly filter: FilterRecord };

export class Transaction {
  readonly undo: Array<() => void> = [];
  readonly runtime: RuntimeOp[] = [];

  constructor(
    readonly readOnly: boolean,
    /** False for the implicit transaction wrapping a single call made outside an explicit one. */
    readonly explicit: boolean,
  ) {}

  /** Where a failing call rolls back to, leaving the rest of the transaction intact. */
  savepoint(): { undo: number; runtime: number } {
    return { undo: this.undo.length, runtime: this.runtime.length };
  }

  rollbackTo(sp: { undo: number; runtime: number }): void {
    while (this.undo.length > sp.undo) this.undo.pop()!();
    this.runtime.length = sp.runtime;
  }
}

/** An open enumeration: a snapshot taken when the handle was created, read in chunks. */
export class EnumCursor<T> {
  private pos = 0;

  constructor(
    readonly kind: 'filter' | 'sublayer' | 'callout' | 'provider',
    private readonly items: readonly T[],
  ) {}

  take(n: number): T[] {
    const out = this.items.slice(this.pos, this.pos + Math.max(0, n));
    this.pos += out.length;
    return out;
  }
}

export class Session implements SessionRef {
  txn: Transaction | null = null;
  closed = false;
  readonly enumHandles = new Map<number, EnumCursor<unknown>>();
  readonly changeHandles = new Set<number>();

  constructor(
    /** The engine handle FwpmEngineOpen0 returns. */
    readonly handle: number,
    readonly sessionKey: GUID,
    readonly displayData: FWPM_DISPLAY_DATA0,
    readonly flags: number,
    readonly dynamic: boolean,
    readonly txnWaitTimeoutInMSec: number,
    readonly processId: number,
    readonly kernelMode: boolean,
  ) {}
}
