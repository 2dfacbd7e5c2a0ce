/**
 * The management side of the engine (what FwpmXxx0 calls reach): sessions, providers, provider contexts,
 * sublayers, callout objects and filters, with validation and the documented STATUS_FWP_* codes, transactions,
 * enumeration and filter change subscriptions. Failures throw FwpError (see errors.ts).
 *
 * Callout notifications (R45–R47): a filter that references a *registered* callout is announced to its notifyFn
 * with ADD_FILTER when it is added (a failure status vetoes the add: STATUS_FWP_CALLOUT_NOTIFICATION_FAILED) and with
 * DELETE_FILTER (filterKey NULL, return value ignored) when it is deleted — also when it was added before the
 * callout registered. Registration itself announces nothing. With FWP_CALLOUT_FLAG_ENABLE_COMMIT_ADD_NOTIFY the
 * callout also hears ADD_FILTER_POST_COMMIT once the adding transaction commits. [emu] A filter added and then
 * rolled back (abort, or its session's transaction aborted at close) gets DELETE_FILTER, since it had ADD_FILTER.
 *
 * [emu] Lifetimes: a dynamic session's objects disappear when it closes; other objects live until deleted
 * (PERSISTENT is recorded but nothing survives the process). An object may reference only objects living at least
 * as long, and dynamic objects only dynamic objects of the same session (STATUS_FWP_LIFETIME_MISMATCH).
 * [emu] Only one session may hold a write transaction at a time; a write from another session fails at once with
 * STATUS_FWP_TIMEOUT (Windows would wait txnWaitTimeoutInMSec). [emu] Change subscribers are called synchronously,
 * after the commit, in subscription order.
 */
import type { CalloutIdAllocator, CalloutRegistry } from './callouts.js';
import { compileConditions, type FWPM_FILTER_CONDITION0 } from './conditions.js';
import {
  FWPM_CALLOUT_FLAG_PERSISTENT,
  FWPM_CALLOUT_FLAG_REGISTERED,
  FWPM_CALLOUT_FLAG_USES_PROVIDER_CONTEXT,
  FWPM_CHANGE_ADD,
  FWPM_CHANGE_DELETE,
  FWPM_FILTER_FLAG_BOOTTIME,
  FWPM_FILTER_FLAG_CLEAR_ACTION_RIGHT,
  FWPM_FILTER_FLAG_DISABLED,
  FWPM_FILTER_FLAG_GAMEOS_ONLY,
  FWPM_FILTER_FLAG_HAS_PROVIDER_CONTEXT,
  FWPM_FILTER_FLAG_HAS_SECURITY_REALM_PROVIDER_CONTEXT,
  FWPM_FILTER_FLAG_INDEXED,
  FWPM_FILTER_FLAG_IPSEC_NO_ACQUIRE_INITIATE,
  FWPM_FILTER_FLAG_PERMIT_IF_CALLOUT_UNREGISTERED,
  FWPM_FILTER_FLAG_PERSISTENT,
  FWPM_FILTER_FLAG_SILENT_MODE,
  FWPM_FILTER_FLAG_SYSTEMOS_ONLY,
  FWPM_PROVIDER_CONTEXT_FLAG_PERSISTENT,
  FWPM_PROVIDER_FLAG_DISABLED,
  FWPM_PROVIDER_FLAG_PERSISTENT,
  FWPM_SESSION_FLAG_DYNAMIC,
  FWPM_SUBLAYER_FLAG_PERSISTENT,
  FWPM_SUBLAYER_UNIVERSAL_WEIGHT,
  FWPM_SUBSCRIPTION_FLAG_NOTIFY_ON_ADD,
  FWPM_SUBSCRIPTION_FLAG_NOTIFY_ON_DELETE,
  FWPM_TXN_READ_ONLY,
  FWPS_CALLOUT_NOTIFY_ADD_FILTER,
  FWPS_CALLOUT_NOTIFY_ADD_FILTER_POST_COMMIT,
  FWPS_CALLOUT_NOTIFY_DELETE_FILTER,
  FWPS_FILTER_FLAG_CLEAR_ACTION_RIGHT,
  FWPS_FILTER_FLAG_HAS_SECURITY_REALM_PROVIDER_CONTEXT,
  FWPS_FILTER_FLAG_PERMIT_IF_CALLOUT_UNREGISTERED,
  FWPS_FILTER_FLAG_SILENT_MODE,
  FWP_ACTION_BLOCK,
  FWP_ACTION_CALLOUT_INSPECTION,
  FWP_ACTION_CALLOUT_TERMINATING,
  FWP_ACTION_CALLOUT_UNKNOWN,
  FWP_ACTION_FLAG_CALLOUT,
  FWP_ACTION_PERMIT,
  FWP_CALLOUT_FLAG_ENABLE_COMMIT_ADD_NOTIFY,
  FWP_EMPTY,
  FWP_FILTER_ENUM_FLAG_SORTED,
  FWP_UINT64,
} from './constants.js';
import { ENGINE_EVENT_NOTIFY_FAULT, type EngineEvents } from './events.js';
import { FwpError } from './errors.js';
import { filterTemplatePredicate, type FilterPredicate } from './filter-templates.js';
import { canonicalGuid, GUID_NULL, isNullGuid, newGuid, type GUID } from './guid.js';
import { FWPM_SUBLAYER_UNIVERSAL, layerByKey } from './layers.js';
import { NTSTATUS, ntSuccess } from './ntstatus.js';
import {
  CalloutObjectRecord,
  compareFilterOrder,
  compareSublayerOrder,
  FilterRecord,
  LIFETIME_RANK,
  ProviderContextRecord,
  ProviderRecord,
  SublayerRecord,
  type Lifetime,
  type SessionRef,
} from './records.js';
import type { RuntimeTables } from './runtime-tables.js';
import { EnumCursor, Session, Transaction } from './session.js';
import type {
  FWPM_CALLOUT0,
  FWPM_CALLOUT_ENUM_TEMPLATE0,
  FWPM_DISPLAY_DATA0,
  FWPM_FILTER0,
  FWPM_FILTER_CHANGE_CALLBACK0,
  FWPM_FILTER_ENUM_TEMPLATE0,
  FWPM_FILTER_SUBSCRIPTION0,
  FWPM_PROVIDER0,
  FWPM_PROVIDER_CONTEXT0,
  FWPM_SESSION0,
  FWPM_SUBLAYER0,
  FWPM_SUBLAYER_ENUM_TEMPLATE0,
  FWPS_PROVIDER_CONTEXT,
} from './structs.js';
import { effectiveWeight } from './weights.js';
import { plainValue, type FWP_BYTE_BLOB, type FWP_VALUE0 } from './values.js';

const FILTER_FLAGS_ALLOWED =
  FWPM_FILTER_FLAG_PERSISTENT |
  FWPM_FILTER_FLAG_BOOTTIME |
  FWPM_FILTER_FLAG_HAS_PROVIDER_CONTEXT |
  FWPM_FILTER_FLAG_CLEAR_ACTION_RIGHT |
  FWPM_FILTER_FLAG_PERMIT_IF_CALLOUT_UNREGISTERED |
  FWPM_FILTER_FLAG_INDEXED |
  FWPM_FILTER_FLAG_HAS_SECURITY_REALM_PROVIDER_CONTEXT |
  FWPM_FILTER_FLAG_SYSTEMOS_ONLY |
  FWPM_FILTER_FLAG_GAMEOS_ONLY |
  FWPM_FILTER_FLAG_SILENT_MODE |
  FWPM_FILTER_FLAG_IPSEC_NO_ACQUIRE_INITIATE;

const FILTER_ACTIONS = new Set([
  FWP_ACTION_BLOCK,
  FWP_ACTION_PERMIT,
  FWP_ACTION_CALLOUT_TERMINATING,
  FWP_ACTION_CALLOUT_INSPECTION,
  FWP_ACTION_CALLOUT_UNKNOWN,
]);

interface FilterSubscription {
  readonly handle: number;
  readonly session: Session;
  readonly selects: FilterPredicate;
  readonly flags: number;
  readonly callback: FWPM_FILTER_CHANGE_CALLBACK0;
  readonly context: unknown;
}

export interface ManagementDeps {
  readonly tables: RuntimeTables;
  readonly callouts: CalloutRegistry;
  readonly calloutIds: CalloutIdAllocator;
  readonly events: EngineEvents;
}

function fail(status: number, detail?: string): never {
  throw new FwpError(status, detail);
}

function displayDataOf(d: FWPM_DISPLAY_DATA0 | null | undefined): FWPM_DISPLAY_DATA0 {
  if (!d || typeof d.name !== 'string') fail(NTSTATUS.STATUS_FWP_NULL_DISPLAY_NAME, 'displayData.name is required');
  return { name: d.name, description: d.description ?? null };
}

function blobCopy(b: FWP_BYTE_BLOB | null | undefined): FWP_BYTE_BLOB | null {
  if (!b) return null;
  const data = Uint8Array.from(b.data.subarray(0, b.size));
  return { size: data.length, data };
}

/** A caller-supplied key: GUID_NULL or absent → generated; otherwise it must be a GUID. */
function keyOrNew(g: GUID | null | undefined): GUID {
  if (isNullGuid(g)) return newGuid();
  return canonicalGuid(g!) ?? fail(NTSTATUS.STATUS_INVALID_PARAMETER, `bad GUID ${String(g)}`);
}

function optionalKey(g: GUID | null | undefined): GUID | null {
  if (isNullGuid(g)) return null;
  return canonicalGuid(g!) ?? fail(NTSTATUS.STATUS_INVALID_PARAMETER, `bad GUID ${String(g)}`);
}

export class Management {
  private readonly sessions = new Map<number, Session>();
  private readonly providers = new Map<GUID, ProviderRecord>();
  private readonly providerContexts = new Map<GUID, ProviderContextRecord>();
  private readonly providerContextsById = new Map<bigint, ProviderContextRecord>();
  private readonly sublayers = new Map<GUID, SublayerRecord>();
  private readonly calloutObjects = new Map<GUID, CalloutObjectRecord>();
  private readonly calloutObjectsById = new Map<number, CalloutObjectRecord>();
  private readonly filters = new Map<GUID, FilterRecord>();
  private readonly filtersById = new Map<bigint, FilterRecord>();
  private readonly subscriptions = new Map<number, FilterSubscription>();
  /** The session holding an explicit write transaction, if any. */
  private writer: Session | null = null;
  private nextHandle = 1;
  private nextAuxHandle = 1;
  private nextFilterId = 1n;
  private nextProviderContextId = 1n;
  private seq = 0;
  private readonly system: SessionRef = { sessionKey: GUID_NULL, dynamic: false };

  constructor(private readonly deps: ManagementDeps) {
    this.sublayers.set(
      FWPM_SUBLAYER_UNIVERSAL,
      new SublayerRecord(
        FWPM_SUBLAYER_UNIVERSAL,
        { name: 'FWPM_SUBLAYER_UNIVERSAL', description: 'Universal sublayer (built in)' },
        0,
        null,
        null,
        FWPM_SUBLAYER_UNIVERSAL_WEIGHT,
        true,
        this.system,
        'persistent',
        this.seq++,
      ),
    );
  }

  // -------------------------------------------------------------------------------------------------------------
  // Sessions and transactions
  // -------------------------------------------------------------------------------------------------------------

  /** FwpmEngineOpen0. */
  openSession(s: FWPM_SESSION0 | null | undefined): Session {
    const flags = s?.flags ?? 0;
    if ((flags & ~FWPM_SESSION_FLAG_DYNAMIC) !== 0) fail(NTSTATUS.STATUS_FWP_INVALID_FLAGS, `session flags 0x${flags.toString(16)}`);
    const session = new Session(
      this.nextHandle++,
      keyOrNew(s?.sessionKey),
      { name: s?.displayData?.name ?? null, description: s?.displayData?.description ?? null },
      flags,
      (flags & FWPM_SESSION_FLAG_DYNAMIC) !== 0,
      s?.txnWaitTimeoutInMSec ?? 0,
      s?.processId ?? process.pid,
      s?.kernelMode ?? true,
    );
    this.sessions.set(session.handle, session);
    return session;
  }

  session(handle: number): Session {
    const s = this.sessions.get(handle);
    if (!s) fail(NTSTATUS.STATUS_INVALID_HANDLE, `no engine handle ${handle}`);
    return s;
  }

  /** FwpmEngineClose0: aborts an open transaction, deletes a dynamic session's objects, drops its handles. */
  closeSession(session: Session): void {
    this.checkOpen(session);
    if (session.txn) this.abortTransaction(session);
    if (session.dynamic) this.deleteSessionObjects(session);
    for (const h of session.changeHandles) this.subscriptions.delete(h);
    session.changeHandles.clear();
    session.enumHandles.clear();
    session.closed = true;
    this.sessions.delete(session.handle);
  }

  /** FwpmTransactionBegin0. */
  beginTransaction(session: Session, flags: number): void {
    this.checkOpen(session);
    if (session.txn) fail(NTSTATUS.STATUS_FWP_TXN_IN_PROGRESS);
    if ((flags & ~FWPM_TXN_READ_ONLY) !== 0) fail(NTSTATUS.STATUS_FWP_INVALID_FLAGS, `transaction flags 0x${flags.toString(16)}`);
    const readOnly = (flags & FWPM_TXN_READ_ONLY) !== 0;
    if (!readOnly) {
      if (this.writer !== null && this.writer !== session) fail(NTSTATUS.STATUS_FWP_TIMEOUT, 'another session holds the transaction lock');
      this.writer = session;
    }
    session.txn = new Transaction(readOnly, true);
  }

  /** FwpmTransactionCommit0: everything the transaction did becomes visible to classification at once. */
  commitTransaction(session: Session): void {
    this.checkOpen(session);
    const txn = session.txn;
    if (!txn) fail(NTSTATUS.STATUS_FWP_NO_TXN_IN_PROGRESS);
    session.txn = null;
    if (this.writer === session) this.writer = null;
    this.applyCommit(txn);
  }

  /** FwpmTransactionAbort0: every change of the transaction is undone. */
  abortTransaction(session: Session): void {
    this.checkOpen(session);
    const txn = session.txn;
    if (!txn) fail(NTSTATUS.STATUS_FWP_NO_TXN_IN_PROGRESS);
    session.txn = null;
    if (this.writer === session) this.writer = null;
    this.rollback(txn);
  }

  private checkOpen(session: Session): void {
    if (session.closed || this.sessions.get(session.handle) !== session) fail(NTSTATUS.STATUS_INVALID_HANDLE, 'engine handle closed');
  }

  /** Runs a write in the session's transaction, or in an implicit one committed right after. */
  private write<T>(session: Session, op: (txn: Transaction) => T): T {
    this.checkOpen(session);
    if (this.writer !== null && this.writer !== session) fail(NTSTATUS.STATUS_FWP_TIMEOUT, 'another session holds the transaction lock');
    const txn = session.txn;
    if (txn) {
      if (txn.readOnly) fail(NTSTATUS.STATUS_FWP_INCOMPATIBLE_TXN, 'write in a read-only transaction');
      const sp = txn.savepoint();
      try {
        return op(txn);
      } catch (err) {
        txn.rollbackTo(sp);
        throw err;
      }
    }
    const implicit = new Transaction(false, false);
    let result: T;
    try {
      result = op(implicit);
    } catch (err) {
      this.rollback(implicit);
      throw err;
    }
    this.applyCommit(implicit);
    return result;
  }

  private rollback(txn: Transaction): void {
    const added = txn.runtime.filter((o) => o.kind === 'publish').map((o) => o.filter);
    txn.rollbackTo({ undo: 0, runtime: txn.runtime.length });
    // The callouts heard ADD_FILTER for these; they hear DELETE_FILTER now that the adds are undone.
    for (const f of added) this.retire(f);
  }

  private applyCommit(txn: Transaction): void {
    const changes: Array<{ type: number; filter: FilterRecord }> = [];
    const addedHere = new Set<FilterRecord>();
    for (const op of txn.runtime) {
      const f = op.filter;
      if (op.kind === 'publish') {
        if (f.deleted) continue;
        if (!f.disabled) this.deps.tables.publish(f);
        addedHere.add(f);
        changes.push({ type: FWPM_CHANGE_ADD, filter: f });
      } else {
        const wasCommitted = f.committed;
        this.deps.tables.unpublish(f);
        this.retire(f);
        if (wasCommitted) changes.push({ type: FWPM_CHANGE_DELETE, filter: f });
      }
    }
    for (const f of addedHere) f.committed = true;
    for (const f of addedHere) {
      if (f.deleted) continue;
      const rc = f.calloutId !== 0 ? this.deps.callouts.get(f.calloutId) : undefined;
      if (rc && (rc.flags & FWP_CALLOUT_FLAG_ENABLE_COMMIT_ADD_NOTIFY) !== 0) {
        this.callNotify(f, FWPS_CALLOUT_NOTIFY_ADD_FILTER_POST_COMMIT, f.filterKey);
      }
    }
    this.announce(changes.filter((c) => c.type !== FWPM_CHANGE_ADD || !c.filter.deleted));
  }

  /** Marks a filter gone for good and tells its callout (DELETE_FILTER, R46). Idempotent. */
  private retire(f: FilterRecord): void {
    if (f.deleted) return;
    f.deleted = true;
    this.deps.tables.unpublish(f);
    if (f.calloutId !== 0 && this.deps.callouts.isRegistered(f.calloutId)) {
      this.callNotify(f, FWPS_CALLOUT_NOTIFY_DELETE_FILTER, null);
    }
  }

  /** Calls the filter's callout notifyFn; a throw is reported and counts as STATUS_UNSUCCESSFUL. */
  private callNotify(f: FilterRecord, type: number, filterKey: GUID | null): number {
    const rc = this.deps.callouts.get(f.calloutId);
    if (!rc) return NTSTATUS.STATUS_SUCCESS;
    try {
      const status = rc.notifyFn(type, filterKey, f.fwps);
      return typeof status === 'number' ? status >>> 0 : NTSTATUS.STATUS_SUCCESS;
    } catch (err) {
      this.deps.events.emit(ENGINE_EVENT_NOTIFY_FAULT, f.layer.layerId, f.filterId, f.calloutId, err);
      return NTSTATUS.STATUS_UNSUCCESSFUL;
    }
  }

  private announce(changes: Array<{ type: number; filter: FilterRecord }>): void {
    if (changes.length === 0 || this.subscriptions.size === 0) return;
    const subs = [...this.subscriptions.values()];
    for (const { type, filter } of changes) {
      for (const s of subs) {
        const wanted = s.flags === 0 ? FWPM_SUBSCRIPTION_FLAG_NOTIFY_ON_ADD | FWPM_SUBSCRIPTION_FLAG_NOTIFY_ON_DELETE : s.flags;
        const bit = type === FWPM_CHANGE_ADD ? FWPM_SUBSCRIPTION_FLAG_NOTIFY_ON_ADD : FWPM_SUBSCRIPTION_FLAG_NOTIFY_ON_DELETE;
        if ((wanted & bit) === 0 || !this.subscriptions.has(s.handle) || !s.selects(filter)) continue;
        try {
          s.callback(s.context, { changeType: type, filterKey: filter.filterKey, filterId: filter.filterId });
        } catch {
          // A subscriber's failure is its own; the change stands.
        }
      }
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // Lifetimes
  // -------------------------------------------------------------------------------------------------------------

  private lifetimeFor(session: Session, persistentFlag: boolean): Lifetime {
    if (persistentFlag) {
      if (session.dynamic) fail(NTSTATUS.STATUS_FWP_DYNAMIC_SESSION_IN_PROGRESS, 'persistent object in a dynamic session');
      return 'persistent';
    }
    return session.dynamic ? 'dynamic' : 'volatile';
  }

  private checkReference(session: Session, lifetime: Lifetime, ref: { owner: SessionRef; lifetime: Lifetime }, what: string): void {
    if (LIFETIME_RANK[ref.lifetime] < LIFETIME_RANK[lifetime] || (ref.lifetime === 'dynamic' && ref.owner !== session)) {
      fail(NTSTATUS.STATUS_FWP_LIFETIME_MISMATCH, `${what} does not live as long as the object referencing it`);
    }
  }

  private providerRef(session: Session, lifetime: Lifetime, key: GUID | null): void {
    if (key === null) return;
    const p = this.providers.get(key);
    if (!p) fail(NTSTATUS.STATUS_FWP_PROVIDER_NOT_FOUND, `provider ${key}`);
    this.checkReference(session, lifetime, p, 'provider');
  }

  // -------------------------------------------------------------------------------------------------------------
  // Providers and provider contexts
  // -------------------------------------------------------------------------------------------------------------

  /** FwpmProviderAdd0. */
  addProvider(session: Session, p: FWPM_PROVIDER0): void {
    if (!p) fail(NTSTATUS.STATUS_FWP_NULL_POINTER);
    this.write(session, (txn) => {
      const key = keyOrNew(p.providerKey);
      if (this.providers.has(key)) fail(NTSTATUS.STATUS_FWP_ALREADY_EXISTS, `provider ${key}`);
      const flags = p.flags ?? 0;
      if ((flags & ~(FWPM_PROVIDER_FLAG_PERSISTENT | FWPM_PROVIDER_FLAG_DISABLED)) !== 0) fail(NTSTATUS.STATUS_FWP_INVALID_FLAGS);
      const rec = new ProviderRecord(
        key, displayDataOf(p.displayData), flags, blobCopy(p.providerData), p.serviceName ?? null, session,
        this.lifetimeFor(session, (flags & FWPM_PROVIDER_FLAG_PERSISTENT) !== 0), this.seq++,
      );
      this.providers.set(key, rec);
      txn.undo.push(() => this.providers.delete(key));
    });
  }

  /** FwpmProviderDeleteByKey0. */
  deleteProvider(session: Session, key: GUID): void {
    this.write(session, (txn) => {
      const k = canonicalGuid(key) ?? fail(NTSTATUS.STATUS_INVALID_PARAMETER);
      const rec = this.providers.get(k) ?? fail(NTSTATUS.STATUS_FWP_PROVIDER_NOT_FOUND, `provider ${key}`);
      const used = [...this.sublayers.values(), ...this.calloutObjects.values(), ...this.filters.values()].some((o) => o.providerKey === k)
        || [...this.providerContexts.values()].some((o) => o.providerKey === k);
      if (used) fail(NTSTATUS.STATUS_FWP_IN_USE, `provider ${key} is referenced`);
      this.providers.delete(k);
      txn.undo.push(() => this.providers.set(k, rec));
    });
  }

  getProvider(session: Session, key: GUID): FWPM_PROVIDER0 {
    this.checkOpen(session);
    const p = this.providers.get(canonicalGuid(key) ?? '') ?? fail(NTSTATUS.STATUS_FWP_PROVIDER_NOT_FOUND, `provider ${key}`);
    return { providerKey: p.providerKey, displayData: { ...p.displayData }, flags: p.flags, providerData: blobCopy(p.providerData), serviceName: p.serviceName };
  }

  /** FwpmProviderContextAdd0 (general contexts: a blob the callout finds in FWPS_FILTER0.providerContext). */
  addProviderContext(session: Session, pc: FWPM_PROVIDER_CONTEXT0): bigint {
    if (!pc) fail(NTSTATUS.STATUS_FWP_NULL_POINTER);
    return this.write(session, (txn) => {
      const key = keyOrNew(pc.providerContextKey);
      if (this.providerContexts.has(key)) fail(NTSTATUS.STATUS_FWP_ALREADY_EXISTS, `provider context ${key}`);
      const flags = pc.flags ?? 0;
      if ((flags & ~FWPM_PROVIDER_CONTEXT_FLAG_PERSISTENT) !== 0) fail(NTSTATUS.STATUS_FWP_INVALID_FLAGS);
      const lifetime = this.lifetimeFor(session, (flags & FWPM_PROVIDER_CONTEXT_FLAG_PERSISTENT) !== 0);
      const providerKey = optionalKey(pc.providerKey);
      this.providerRef(session, lifetime, providerKey);
      const id = this.nextProviderContextId++;
      const runtime: FWPS_PROVIDER_CONTEXT = { providerContextKey: key, providerContextId: id, type: pc.type, dataBuffer: blobCopy(pc.dataBuffer) };
      const rec = new ProviderContextRecord(runtime, displayDataOf(pc.displayData), flags, providerKey, blobCopy(pc.providerData), session, lifetime, this.seq++);
      this.providerContexts.set(key, rec);
      this.providerContextsById.set(id, rec);
      txn.undo.push(() => {
        this.providerContexts.delete(key);
        this.providerContextsById.delete(id);
      });
      return id;
    });
  }

  /** FwpmProviderContextDeleteByKey0. */
  deleteProviderContext(session: Session, key: GUID): void {
    this.write(session, (txn) => {
      const k = canonicalGuid(key) ?? fail(NTSTATUS.STATUS_INVALID_PARAMETER);
      const rec = this.providerContexts.get(k) ?? fail(NTSTATUS.STATUS_FWP_PROVIDER_CONTEXT_NOT_FOUND, `provider context ${key}`);
      if ([...this.filters.values()].some((f) => f.providerContextKey === k)) fail(NTSTATUS.STATUS_FWP_IN_USE, `provider context ${key} is referenced`);
      this.providerContexts.delete(k);
      this.providerContextsById.delete(rec.runtime.providerContextId);
      txn.undo.push(() => {
        this.providerContexts.set(k, rec);
        this.providerContextsById.set(rec.runtime.providerContextId, rec);
      });
    });
  }

  providerContextKeyById(id: bigint): GUID {
    return this.providerContextsById.get(id)?.runtime.providerContextKey ?? fail(NTSTATUS.STATUS_FWP_PROVIDER_CONTEXT_NOT_FOUND);
  }

  getProviderContext(session: Session, key: GUID): FWPM_PROVIDER_CONTEXT0 {
    this.checkOpen(session);
    const r = this.providerContexts.get(canonicalGuid(key) ?? '') ?? fail(NTSTATUS.STATUS_FWP_PROVIDER_CONTEXT_NOT_FOUND);
    return {
      providerContextKey: r.runtime.providerContextKey, displayData: { ...r.displayData }, flags: r.flags, providerKey: r.providerKey,
      providerData: blobCopy(r.providerData), type: r.runtime.type, dataBuffer: blobCopy(r.runtime.dataBuffer),
      providerContextId: r.runtime.providerContextId,
    };
  }

  // -------------------------------------------------------------------------------------------------------------
  // Sublayers
  // -------------------------------------------------------------------------------------------------------------

  /** FwpmSubLayerAdd0. */
  addSublayer(session: Session, s: FWPM_SUBLAYER0): void {
    if (!s) fail(NTSTATUS.STATUS_FWP_NULL_POINTER);
    this.write(session, (txn) => {
      const key = keyOrNew(s.subLayerKey);
      if (this.sublayers.has(key)) fail(NTSTATUS.STATUS_FWP_ALREADY_EXISTS, `sublayer ${key}`);
      const flags = s.flags ?? 0;
      if ((flags & ~FWPM_SUBLAYER_FLAG_PERSISTENT) !== 0) fail(NTSTATUS.STATUS_FWP_INVALID_FLAGS);
      if (!Number.isInteger(s.weight) || s.weight < 0 || s.weight > 0xffff) fail(NTSTATUS.STATUS_FWP_INVALID_WEIGHT, `sublayer weight ${s.weight}`);
      const lifetime = this.lifetimeFor(session, (flags & FWPM_SUBLAYER_FLAG_PERSISTENT) !== 0);
      const providerKey = optionalKey(s.providerKey);
      this.providerRef(session, lifetime, providerKey);
      const rec = new SublayerRecord(key, displayDataOf(s.displayData), flags, providerKey, blobCopy(s.providerData), s.weight, false, session, lifetime, this.seq++);
      this.sublayers.set(key, rec);
      txn.undo.push(() => this.sublayers.delete(key));
    });
  }

  /** FwpmSubLayerDeleteByKey0. */
  deleteSublayer(session: Session, key: GUID): void {
    this.write(session, (txn) => {
      const k = canonicalGuid(key) ?? fail(NTSTATUS.STATUS_INVALID_PARAMETER);
      const rec = this.sublayers.get(k) ?? fail(NTSTATUS.STATUS_FWP_SUBLAYER_NOT_FOUND, `sublayer ${key}`);
      if (rec.builtin) fail(NTSTATUS.STATUS_FWP_BUILTIN_OBJECT, `sublayer ${key} is built in`);
      if ([...this.filters.values()].some((f) => f.sublayer === rec)) fail(NTSTATUS.STATUS_FWP_IN_USE, `sublayer ${key} has filters`);
      this.sublayers.delete(k);
      txn.undo.push(() => this.sublayers.set(k, rec));
    });
  }

  getSublayer(session: Session, key: GUID): FWPM_SUBLAYER0 {
    this.checkOpen(session);
    const r = this.sublayers.get(canonicalGuid(key) ?? '') ?? fail(NTSTATUS.STATUS_FWP_SUBLAYER_NOT_FOUND, `sublayer ${key}`);
    return sublayerOut(r);
  }

  /** FwpmSubLayerCreateEnumHandle0: returns the enum handle. */
  createSublayerEnum(session: Session, template: FWPM_SUBLAYER_ENUM_TEMPLATE0 | null | undefined): number {
    this.checkOpen(session);
    const providerKey = optionalKey(template?.providerKey);
    const items = [...this.sublayers.values()]
      .filter((s) => providerKey === null || s.providerKey === providerKey)
      .sort(compareSublayerOrder)
      .map(sublayerOut);
    return this.openEnum(session, new EnumCursor('sublayer', items));
  }

  // -------------------------------------------------------------------------------------------------------------
  // Callout objects (FwpmCalloutAdd0 side; the run-time side is callouts.ts)
  // -------------------------------------------------------------------------------------------------------------

  /** FwpmCalloutAdd0: returns the calloutId (the same id FwpsCalloutRegister0 reports for the key). */
  addCallout(session: Session, c: FWPM_CALLOUT0): number {
    if (!c) fail(NTSTATUS.STATUS_FWP_NULL_POINTER);
    return this.write(session, (txn) => {
      const key = keyOrNew(c.calloutKey);
      if (this.calloutObjects.has(key)) fail(NTSTATUS.STATUS_FWP_ALREADY_EXISTS, `callout ${key}`);
      const flags = c.flags ?? 0;
      if ((flags & ~(FWPM_CALLOUT_FLAG_PERSISTENT | FWPM_CALLOUT_FLAG_USES_PROVIDER_CONTEXT)) !== 0) fail(NTSTATUS.STATUS_FWP_INVALID_FLAGS);
      const layer = layerByKey(c.applicableLayer) ?? fail(NTSTATUS.STATUS_FWP_LAYER_NOT_FOUND, `layer ${c.applicableLayer}`);
      const lifetime = this.lifetimeFor(session, (flags & FWPM_CALLOUT_FLAG_PERSISTENT) !== 0);
      const providerKey = optionalKey(c.providerKey);
      this.providerRef(session, lifetime, providerKey);
      const id = this.deps.calloutIds.idFor(key);
      const rec = new CalloutObjectRecord(key, id, displayDataOf(c.displayData), flags, providerKey, blobCopy(c.providerData), layer, session, lifetime, this.seq++);
      this.calloutObjects.set(key, rec);
      this.calloutObjectsById.set(id, rec);
      txn.undo.push(() => {
        this.calloutObjects.delete(key);
        this.calloutObjectsById.delete(id);
      });
      return id;
    });
  }

  /** FwpmCalloutDeleteByKey0. */
  deleteCalloutByKey(session: Session, key: GUID): void {
    const rec = this.calloutObjects.get(canonicalGuid(key) ?? '');
    if (!rec) {
      this.checkOpen(session);
      fail(NTSTATUS.STATUS_FWP_CALLOUT_NOT_FOUND, `callout ${key}`);
    }
    this.deleteCallout(session, rec);
  }

  /** FwpmCalloutDeleteById0. */
  deleteCalloutById(session: Session, id: number): void {
    const rec = this.calloutObjectsById.get(id);
    if (!rec) {
      this.checkOpen(session);
      fail(NTSTATUS.STATUS_FWP_CALLOUT_NOT_FOUND, `callout id ${id}`);
    }
    this.deleteCallout(session, rec);
  }

  private deleteCallout(session: Session, rec: CalloutObjectRecord): void {
    this.write(session, (txn) => {
      if (this.calloutObjects.get(rec.calloutKey) !== rec) fail(NTSTATUS.STATUS_FWP_CALLOUT_NOT_FOUND);
      if ([...this.filters.values()].some((f) => f.calloutKey === rec.calloutKey)) fail(NTSTATUS.STATUS_FWP_IN_USE, `callout ${rec.calloutKey} has filters`);
      this.calloutObjects.delete(rec.calloutKey);
      this.calloutObjectsById.delete(rec.calloutId);
      txn.undo.push(() => {
        this.calloutObjects.set(rec.calloutKey, rec);
        this.calloutObjectsById.set(rec.calloutId, rec);
      });
    });
  }

  getCalloutByKey(session: Session, key: GUID): FWPM_CALLOUT0 {
    this.checkOpen(session);
    const r = this.calloutObjects.get(canonicalGuid(key) ?? '') ?? fail(NTSTATUS.STATUS_FWP_CALLOUT_NOT_FOUND, `callout ${key}`);
    return this.calloutOut(r);
  }

  getCalloutById(session: Session, id: number): FWPM_CALLOUT0 {
    this.checkOpen(session);
    const r = this.calloutObjectsById.get(id) ?? fail(NTSTATUS.STATUS_FWP_CALLOUT_NOT_FOUND, `callout id ${id}`);
    return this.calloutOut(r);
  }

  createCalloutEnum(session: Session, template: FWPM_CALLOUT_ENUM_TEMPLATE0 | null | undefined): number {
    this.checkOpen(session);
    const providerKey = optionalKey(template?.providerKey);
    const layerKey = optionalKey(template?.layerKey);
    const items = [...this.calloutObjects.values()]
      .filter((c) => (providerKey === null || c.providerKey === providerKey) && (layerKey === null || c.layer.layerKey === layerKey))
      .sort((a, b) => a.seq - b.seq)
      .map((c) => this.calloutOut(c));
    return this.openEnum(session, new EnumCursor('callout', items));
  }

  private calloutOut(r: CalloutObjectRecord): FWPM_CALLOUT0 {
    // FWPM_CALLOUT_FLAG_REGISTERED is reported, never stored: it reflects the run-time registry now.
    const registered = this.deps.callouts.isRegistered(r.calloutId) ? FWPM_CALLOUT_FLAG_REGISTERED : 0;
    return {
      calloutKey: r.calloutKey, displayData: { ...r.displayData }, flags: r.flags | registered, providerKey: r.providerKey,
      providerData: blobCopy(r.providerData), applicableLayer: r.layer.layerKey, calloutId: r.calloutId,
    };
  }

  // -------------------------------------------------------------------------------------------------------------
  // Filters
  // -------------------------------------------------------------------------------------------------------------

  /** FwpmFilterAdd0: validates, announces ADD_FILTER to a registered callout (R45), stores; returns the filterId. */
  addFilter(session: Session, filter: FWPM_FILTER0): bigint {
    if (!filter) fail(NTSTATUS.STATUS_FWP_NULL_POINTER);
    return this.write(session, (txn) => {
      const displayData = displayDataOf(filter.displayData);
      const layer = layerByKey(filter.layerKey) ?? fail(NTSTATUS.STATUS_FWP_LAYER_NOT_FOUND, `layer ${filter.layerKey}`);
      const flags = filter.flags ?? 0;
      if ((flags & FWPM_FILTER_FLAG_DISABLED) !== 0) fail(NTSTATUS.STATUS_FWP_INVALID_FLAGS, 'FWPM_FILTER_FLAG_DISABLED is read-only');
      if ((flags & ~FILTER_FLAGS_ALLOWED) !== 0) fail(NTSTATUS.STATUS_FWP_INVALID_FLAGS, `filter flags 0x${flags.toString(16)}`);
      const key = keyOrNew(filter.filterKey);
      if (this.filters.has(key)) fail(NTSTATUS.STATUS_FWP_ALREADY_EXISTS, `filter ${key}`);
      const lifetime = this.lifetimeFor(session, (flags & FWPM_FILTER_FLAG_PERSISTENT) !== 0);
      const providerKey = optionalKey(filter.providerKey);
      this.providerRef(session, lifetime, providerKey);

      const subKey = isNullGuid(filter.subLayerKey) ? FWPM_SUBLAYER_UNIVERSAL : optionalKey(filter.subLayerKey)!;
      const sublayer = this.sublayers.get(subKey) ?? fail(NTSTATUS.STATUS_FWP_SUBLAYER_NOT_FOUND, `sublayer ${String(filter.subLayerKey)}`);
      this.checkReference(session, lifetime, sublayer, 'sublayer');

      const action = filter.action ?? fail(NTSTATUS.STATUS_FWP_NULL_POINTER, 'action is missing');
      if (!FILTER_ACTIONS.has(action.type)) fail(NTSTATUS.STATUS_FWP_INVALID_ACTION_TYPE, `action type 0x${Number(action.type).toString(16)}`);
      let calloutKey: GUID | null = null;
      let calloutId = 0;
      if ((action.type & FWP_ACTION_FLAG_CALLOUT) !== 0) {
        calloutKey = optionalKey(action.calloutKey) ?? fail(NTSTATUS.STATUS_FWP_CALLOUT_NOT_FOUND, 'callout action without calloutKey');
        const callout = this.calloutObjects.get(calloutKey) ?? fail(NTSTATUS.STATUS_FWP_CALLOUT_NOT_FOUND, `callout ${calloutKey}`);
        // [emu] The filter must sit at the callout's applicable layer.
        if (callout.layer !== layer) fail(NTSTATUS.STATUS_FWP_INCOMPATIBLE_LAYER, `callout ${calloutKey} applies to ${callout.layer.name}`);
        this.checkReference(session, lifetime, callout, 'callout');
        calloutId = callout.calloutId;
      }

      const conds: FWPM_FILTER_CONDITION0[] = filter.filterCondition ?? [];
      if (!filter.filterCondition && (filter.numFilterConditions ?? 0) > 0) fail(NTSTATUS.STATUS_FWP_NULL_POINTER, 'filterCondition is missing');
      const groups = compileConditions(layer, conds);
      const compiled = groups.flat();
      const weight = effectiveWeight(filter.weight, groups);

      let providerContext: FWPS_PROVIDER_CONTEXT | null = null;
      let providerContextKey: GUID | null = null;
      let context = BigInt.asUintN(64, filter.rawContext ?? 0n);
      if ((flags & FWPM_FILTER_FLAG_HAS_PROVIDER_CONTEXT) !== 0) {
        providerContextKey = optionalKey(filter.providerContextKey) ?? fail(NTSTATUS.STATUS_FWP_PROVIDER_CONTEXT_NOT_FOUND, 'no providerContextKey');
        const pc = this.providerContexts.get(providerContextKey) ?? fail(NTSTATUS.STATUS_FWP_PROVIDER_CONTEXT_NOT_FOUND, `provider context ${providerContextKey}`);
        this.checkReference(session, lifetime, pc, 'provider context');
        providerContext = pc.runtime;
        // [emu] With a provider context, FWPS_FILTER0.context carries the provider context's id.
        context = pc.runtime.providerContextId;
      }

      const rec = new FilterRecord(
        key, layer, sublayer, displayData, flags, providerKey, blobCopy(filter.providerData),
        filter.weight ? plainValue(filter.weight) : { type: FWP_EMPTY }, weight, compiled.map((c) => c.source),
        groups, action.type, calloutKey, calloutId, context, providerContextKey, session, lifetime, this.seq++,
      );
      const fw = rec.fwps;
      fw.filterId = this.nextFilterId++;
      fw.weight = { type: FWP_UINT64, uint64: weight };
      fw.subLayerWeight = sublayer.weight;
      fw.flags = runtimeFlags(flags);
      fw.filterCondition = compiled.map((c) => ({ fieldId: c.fieldIndex, reserved: 0, matchType: c.matchType, conditionValue: c.source.conditionValue }));
      fw.numFilterConditions = fw.filterCondition.length;
      fw.action = { type: action.type, calloutId };
      fw.context = context;
      fw.providerContext = providerContext;

      // R45: the registered callout hears of the filter first, and may refuse it (and may set fw.context).
      if (calloutId !== 0 && this.deps.callouts.isRegistered(calloutId)) {
        const status = this.callNotify(rec, FWPS_CALLOUT_NOTIFY_ADD_FILTER, key);
        if (!ntSuccess(status)) fail(NTSTATUS.STATUS_FWP_CALLOUT_NOTIFICATION_FAILED, `callout ${calloutKey} refused filter ${key}`);
      }

      this.filters.set(key, rec);
      this.filtersById.set(fw.filterId, rec);
      txn.undo.push(() => {
        this.filters.delete(key);
        this.filtersById.delete(fw.filterId);
      });
      txn.runtime.push({ kind: 'publish', filter: rec });
      return fw.filterId;
    });
  }

  /** FwpmFilterDeleteById0. */
  deleteFilterById(session: Session, id: bigint): void {
    this.write(session, (txn) => {
      const rec = this.filtersById.get(id) ?? fail(NTSTATUS.STATUS_FWP_FILTER_NOT_FOUND, `filter id ${id}`);
      this.deleteFilterRecord(txn, rec);
    });
  }

  /** FwpmFilterDeleteByKey0. */
  deleteFilterByKey(session: Session, key: GUID): void {
    this.write(session, (txn) => {
      const rec = this.filters.get(canonicalGuid(key) ?? '') ?? fail(NTSTATUS.STATUS_FWP_FILTER_NOT_FOUND, `filter ${key}`);
      this.deleteFilterRecord(txn, rec);
    });
  }

  private deleteFilterRecord(txn: Transaction, rec: FilterRecord): void {
    this.filters.delete(rec.filterKey);
    this.filtersById.delete(rec.filterId);
    txn.undo.push(() => {
      this.filters.set(rec.filterKey, rec);
      this.filtersById.set(rec.filterId, rec);
    });
    txn.runtime.push({ kind: 'unpublish', filter: rec });
  }

  getFilterById(session: Session, id: bigint): FWPM_FILTER0 {
    this.checkOpen(session);
    return filterOut(this.filtersById.get(id) ?? fail(NTSTATUS.STATUS_FWP_FILTER_NOT_FOUND, `filter id ${id}`));
  }

  getFilterByKey(session: Session, key: GUID): FWPM_FILTER0 {
    this.checkOpen(session);
    return filterOut(this.filters.get(canonicalGuid(key) ?? '') ?? fail(NTSTATUS.STATUS_FWP_FILTER_NOT_FOUND, `filter ${key}`));
  }

  /** The engine's record of a filter (for the engine and tests), or undefined. */
  filterRecord(id: bigint): FilterRecord | undefined {
    return this.filtersById.get(id);
  }

  /** FwpmFilterCreateEnumHandle0: a snapshot of the selected filters, in insertion order or, with FLAG_SORTED, classification order. */
  createFilterEnum(session: Session, template: FWPM_FILTER_ENUM_TEMPLATE0 | null | undefined): number {
    this.checkOpen(session);
    const selects = filterTemplatePredicate(template);
    const sorted = ((template?.flags ?? 0) & FWP_FILTER_ENUM_FLAG_SORTED) !== 0;
    const items = [...this.filters.values()].filter(selects);
    if (sorted) items.sort((a, b) => compareSublayerOrder(a.sublayer, b.sublayer) || compareFilterOrder(a, b));
    else items.sort((a, b) => a.seq - b.seq);
    return this.openEnum(session, new EnumCursor('filter', items.map(filterOut)));
  }

  /** FwpmXxxEnum0: up to `n` entries from an enum handle of `kind`. */
  enumerate<T>(session: Session, handle: number, kind: EnumCursor<T>['kind'], n: number): T[] {
    this.checkOpen(session);
    const cursor = session.enumHandles.get(handle);
    if (!cursor || cursor.kind !== kind) fail(NTSTATUS.STATUS_INVALID_HANDLE, `no ${kind} enum handle ${handle}`);
    return (cursor as EnumCursor<T>).take(n);
  }

  destroyEnum(session: Session, handle: number, kind: EnumCursor<unknown>['kind']): void {
    this.checkOpen(session);
    const cursor = session.enumHandles.get(handle);
    if (!cursor || cursor.kind !== kind) fail(NTSTATUS.STATUS_INVALID_HANDLE, `no ${kind} enum handle ${handle}`);
    session.enumHandles.delete(handle);
  }

  private openEnum(session: Session, cursor: EnumCursor<unknown>): number {
    const h = this.nextAuxHandle++;
    session.enumHandles.set(h, cursor);
    return h;
  }

  /** FwpmFilterSubscribeChanges0: returns the change handle. */
  subscribeFilterChanges(
    session: Session,
    subscription: FWPM_FILTER_SUBSCRIPTION0,
    callback: FWPM_FILTER_CHANGE_CALLBACK0,
    context: unknown,
  ): number {
    this.checkOpen(session);
    if (!subscription || typeof callback !== 'function') fail(NTSTATUS.STATUS_FWP_NULL_POINTER);
    const flags = subscription.flags ?? 0;
    if ((flags & ~(FWPM_SUBSCRIPTION_FLAG_NOTIFY_ON_ADD | FWPM_SUBSCRIPTION_FLAG_NOTIFY_ON_DELETE)) !== 0) fail(NTSTATUS.STATUS_FWP_INVALID_FLAGS);
    // Subscribers hear about every filter the template describes, disabled or not.
    const selects = filterTemplatePredicate(subscription.enumTemplate, { includeDisabled: true });
    const handle = this.nextAuxHandle++;
    this.subscriptions.set(handle, { handle, session, selects, flags, callback, context });
    session.changeHandles.add(handle);
    return handle;
  }

  /** FwpmFilterUnsubscribeChanges0. */
  unsubscribeFilterChanges(session: Session, handle: number): void {
    this.checkOpen(session);
    if (!session.changeHandles.has(handle)) fail(NTSTATUS.STATUS_INVALID_HANDLE, `no change handle ${handle}`);
    session.changeHandles.delete(handle);
    this.subscriptions.delete(handle);
  }

  /** [emu] Sets or clears FWPM_FILTER_FLAG_DISABLED (as BFE does for a provider whose service is not running). */
  setFilterDisabled(id: bigint, disabled: boolean): void {
    const rec = this.filtersById.get(id) ?? fail(NTSTATUS.STATUS_FWP_FILTER_NOT_FOUND, `filter id ${id}`);
    rec.disabled = disabled;
    if (!rec.committed) return;
    if (disabled) this.deps.tables.unpublish(rec);
    else this.deps.tables.publish(rec);
  }

  /** All filters (management view), in insertion order. */
  allFilters(): FilterRecord[] {
    return [...this.filters.values()].sort((a, b) => a.seq - b.seq);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Dynamic session teardown
  // -------------------------------------------------------------------------------------------------------------

  private deleteSessionObjects(session: Session): void {
    const owned = <T extends { owner: SessionRef }>(m: Map<unknown, T>): T[] => [...m.values()].filter((o) => o.owner === session);
    const txn = new Transaction(false, false);
    for (const f of owned(this.filters)) this.deleteFilterRecord(txn, f);
    for (const c of owned(this.calloutObjects)) {
      this.calloutObjects.delete(c.calloutKey);
      this.calloutObjectsById.delete(c.calloutId);
    }
    for (const s of owned(this.sublayers)) this.sublayers.delete(s.subLayerKey);
    for (const pc of owned(this.providerContexts)) {
      this.providerContexts.delete(pc.runtime.providerContextKey);
      this.providerContextsById.delete(pc.runtime.providerContextId);
    }
    for (const p of owned(this.providers)) this.providers.delete(p.providerKey);
    this.applyCommit(txn);
  }
}

/** FWPM_FILTER_FLAG_* → FWPS_FILTER_FLAG_* (the run-time flags a callout sees). */
function runtimeFlags(mgmt: number): number {
  let f = 0;
  if ((mgmt & FWPM_FILTER_FLAG_CLEAR_ACTION_RIGHT) !== 0) f |= FWPS_FILTER_FLAG_CLEAR_ACTION_RIGHT;
  if ((mgmt & FWPM_FILTER_FLAG_PERMIT_IF_CALLOUT_UNREGISTERED) !== 0) f |= FWPS_FILTER_FLAG_PERMIT_IF_CALLOUT_UNREGISTERED;
  if ((mgmt & FWPM_FILTER_FLAG_HAS_SECURITY_REALM_PROVIDER_CONTEXT) !== 0) f |= FWPS_FILTER_FLAG_HAS_SECURITY_REALM_PROVIDER_CONTEXT;
  if ((mgmt & FWPM_FILTER_FLAG_SILENT_MODE) !== 0) f |= FWPS_FILTER_FLAG_SILENT_MODE;
  return f;
}

function sublayerOut(r: SublayerRecord): FWPM_SUBLAYER0 {
  return {
    subLayerKey: r.subLayerKey, displayData: { ...r.displayData }, flags: r.flags, providerKey: r.providerKey,
    providerData: blobCopy(r.providerData), weight: r.weight,
  };
}

/** The FWPM_FILTER0 a Get/Enum call returns: the caller's filter as stored, plus filterId and effectiveWeight. */
export function filterOut(r: FilterRecord): FWPM_FILTER0 {
  const out: FWPM_FILTER0 = {
    filterKey: r.filterKey,
    displayData: { ...r.displayData },
    flags: r.mgmtFlags | (r.disabled ? FWPM_FILTER_FLAG_DISABLED : 0),
    providerKey: r.providerKey,
    providerData: blobCopy(r.providerData),
    layerKey: r.layer.layerKey,
    subLayerKey: r.sublayer.subLayerKey,
    weight: plainValue(r.weightSpec),
    numFilterConditions: r.conditions.length,
    filterCondition: r.conditions.map((c) => ({ fieldKey: c.fieldKey, matchType: c.matchType, conditionValue: c.conditionValue })),
    action: r.calloutKey !== null ? { type: r.actionType, calloutKey: r.calloutKey } : { type: r.actionType },
    filterId: r.filterId,
    effectiveWeight: { type: FWP_UINT64, uint64: r.effectiveWeight } satisfies FWP_VALUE0,
  };
  if (r.providerContextKey !== null) out.providerContextKey = r.providerContextKey;
  else out.rawContext = r.rawContext;
  return out;
}
