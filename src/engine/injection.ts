/**
 * Injection handles, packet injection state and the contract every Fwps…Inject…Async0 shares (spec §1.7, §4.1,
 * §4.4). The inject functions themselves (a later layer) validate their own parameters, then call beginInjection()
 * with a `deliver` function that knows where the packet re-enters; everything common lives here:
 *
 *  - admission: stack ready (R13), handle open (R13) and of the right type (R56, R57), flags/reserved zero [emu],
 *    completionFn present for clones and allocated or modified NBLs (R20), room in the completion queue;
 *  - on success: each NBL's history gets the handle and injectionContext (§4.4), the NBL is queued;
 *  - later, from drainCompletions(): each NBL is delivered, gets its status, and its completionFn runs exactly once
 *    (R12) — never inside the inject call and never for a failed one (R14);
 *  - FwpsInjectionHandleDestroy0 waits for the handle's outstanding completions (R58).
 *
 * Overflow policy: the queue has a fixed capacity counted in injected NBLs outstanding (admitted and not yet
 * completed), and admission is all-or-nothing per chain. An injection that would exceed it is refused at the call
 * with STATUS_INSUFFICIENT_RESOURCES: under R14 that leaves the caller owning its NBLs, with no completionFn to wait
 * for, so nothing is dropped, no completion is ever lost or run inline, and a callout sees back-pressure through a
 * status it must already handle ("other status codes: an error occurred"). Because every outstanding NBL holds its
 * place until its completion has run, the queue itself can never overflow later, whatever the delivery path does.
 */
import {
  AF_INET,
  AF_INET6,
  AF_UNSPEC,
  FWPS_INJECTION_TYPE_FORWARD,
  FWPS_INJECTION_TYPE_L2,
  FWPS_INJECTION_TYPE_NETWORK,
  FWPS_INJECTION_TYPE_STREAM,
  FWPS_INJECTION_TYPE_TRANSPORT,
  FWPS_INJECTION_TYPE_VSWITCH_TRANSPORT,
  FWPS_PACKET_INJECTED_BY_OTHER,
  FWPS_PACKET_INJECTED_BY_SELF,
  FWPS_PACKET_NOT_INJECTED,
  FWPS_PACKET_PREVIOUSLY_INJECTED_BY_SELF,
  type FWPS_PACKET_INJECTION_STATE,
} from './constants.js';
import { NTSTATUS } from './ntstatus.js';
import { InFlightPhase, type NetBufferList } from './nbl.js';
import { NblMisuse } from './nbl-misuse.js';
import type { InFlightListener, NblPool } from './nbl-pool.js';
import type { StackState } from './stack-state.js';
import { microtaskDrainScheduler, NblRing, type DrainScheduler } from './completion-queue.js';

/** FWPS_INJECT_COMPLETE0. */
export type InjectCompleteFn = (
  completionContext: unknown,
  netBufferList: NetBufferList,
  dispatchLevel: boolean,
) => void;

/**
 * Delivers one injected NBL (classifies it at its re-entry layer, writes it to a port…) and returns the NTSTATUS its
 * completionFn will find in nbl.status. Runs from drainCompletions(), never inside the inject call.
 */
export type DeliverFn = (nbl: NetBufferList, args: unknown, handle: InjectionHandle) => number;

export const InjectionKind = {
  Stream: 'stream',
  TransportSend: 'transport-send',
  TransportReceive: 'transport-receive',
  NetworkSend: 'network-send',
  NetworkReceive: 'network-receive',
  Forward: 'forward',
  MacSend: 'mac-send',
  MacReceive: 'mac-receive',
  VSwitchIngress: 'vswitch-ingress',
  VSwitchEgress: 'vswitch-egress',
} as const;
export type InjectionKind = (typeof InjectionKind)[keyof typeof InjectionKind];

/** Handle type bits that allow each kind; any one suffices (C5: vSwitch accepts L2 or VSWITCH_TRANSPORT). */
const ACCEPTED_TYPES: Record<InjectionKind, number> = {
  stream: FWPS_INJECTION_TYPE_STREAM,
  'transport-send': FWPS_INJECTION_TYPE_TRANSPORT,
  'transport-receive': FWPS_INJECTION_TYPE_TRANSPORT,
  'network-send': FWPS_INJECTION_TYPE_NETWORK,
  'network-receive': FWPS_INJECTION_TYPE_NETWORK,
  forward: FWPS_INJECTION_TYPE_FORWARD,
  'mac-send': FWPS_INJECTION_TYPE_L2,
  'mac-receive': FWPS_INJECTION_TYPE_L2,
  'vswitch-ingress': FWPS_INJECTION_TYPE_L2 | FWPS_INJECTION_TYPE_VSWITCH_TRANSPORT,
  'vswitch-egress': FWPS_INJECTION_TYPE_L2 | FWPS_INJECTION_TYPE_VSWITCH_TRANSPORT,
};

/** R57: flags 0 makes a transport + stream + forward handle. */
const DEFAULT_HANDLE_TYPES = FWPS_INJECTION_TYPE_TRANSPORT | FWPS_INJECTION_TYPE_STREAM | FWPS_INJECTION_TYPE_FORWARD;
const KNOWN_HANDLE_TYPES =
  FWPS_INJECTION_TYPE_STREAM |
  FWPS_INJECTION_TYPE_TRANSPORT |
  FWPS_INJECTION_TYPE_NETWORK |
  FWPS_INJECTION_TYPE_FORWARD |
  FWPS_INJECTION_TYPE_L2 |
  FWPS_INJECTION_TYPE_VSWITCH_TRANSPORT;

export type InjectionHandleState = 'open' | 'closing' | 'destroyed';

/** The HANDLE FwpsInjectionHandleCreate0 returns; its id is what injection histories record. */
export class InjectionHandle {
  state: InjectionHandleState = 'open';
  /** Injected NBLs whose completionFn has not run yet. */
  outstanding = 0;
  /** Effective FWPS_INJECTION_TYPE_* bits. */
  readonly types: number;
  /** Resolvers of destroyHandleAsync calls waiting for `outstanding` to reach zero. */
  readonly destroyWaiters: Array<(status: number) => void> = [];

  constructor(
    readonly id: number,
    readonly addressFamily: number,
    readonly flags: number,
  ) {
    this.types = flags === 0 ? DEFAULT_HANDLE_TYPES : flags;
  }
}

/**
 * What an inject function passes besides handle, NBLs and completion. Read synchronously and not retained, so a
 * caller may reuse one object for every call.
 */
export interface InjectionRequest {
  kind: InjectionKind;
  injectionContext: unknown;
  /** The inject function's `flags` parameter, where it has one; must be 0 [emu]. */
  flags: number;
  /** The inject function's `reserved` parameter, where it has one; must be null/undefined [emu]. */
  reserved: unknown;
  deliver: DeliverFn;
  /** Passed to `deliver` (e.g. the vSwitch source port); kept on the NBL until delivery. */
  deliverArgs?: unknown;
}

export interface InjectionManagerOptions {
  pool: NblPool;
  stack: StackState;
  /** When drainCompletions() runs; default: a microtask after the current synchronous work. */
  scheduler?: DrainScheduler;
  /** Most injected NBLs outstanding at once; beyond it injections fail with STATUS_INSUFFICIENT_RESOURCES. */
  capacity?: number;
  /** A deliver function or completionFn threw; the engine carries on (the data path never throws). */
  onCallbackError?: (error: unknown, where: 'deliver' | 'completionFn') => void;
}

export interface InjectionStats {
  outstanding: number;
  queued: number;
  capacity: number;
  admitted: number;
  completed: number;
  rejectedForCapacity: number;
  callbackErrors: number;
  /** Must stay 0: the completion queue was found full despite admission control. */
  internalErrors: number;
}

const DEFAULT_CAPACITY = 4096;

export class InjectionManager implements InFlightListener {
  private readonly pool: NblPool;
  private readonly stack: StackState;
  private readonly scheduler: DrainScheduler;
  private readonly ring: NblRing;
  private readonly onCallbackError: InjectionManagerOptions['onCallbackError'];
  private readonly drainCallback = (): void => void this.drainCompletions();
  private nextHandleId = 1;
  private admissionStamp = 0;
  private outstandingCount = 0;
  private drainRequested = false;
  private draining = false;
  private admitted = 0;
  private completed = 0;
  private rejectedForCapacity = 0;
  private callbackErrors = 0;
  private internalErrors = 0;

  constructor(options: InjectionManagerOptions) {
    this.pool = options.pool;
    this.stack = options.stack;
    this.scheduler = options.scheduler ?? microtaskDrainScheduler;
    this.ring = new NblRing(options.capacity ?? DEFAULT_CAPACITY);
    this.onCallbackError = options.onCallbackError;
    this.pool.inFlightListener = this;
  }

  // --- handles -------------------------------------------------------------------------------------------------------

  /** FwpsInjectionHandleCreate0. */
  createHandle(addressFamily: number, flags: number, injectionHandle: { value: InjectionHandle | null }): number {
    if (injectionHandle == null) return NTSTATUS.STATUS_FWP_NULL_POINTER;
    injectionHandle.value = null;
    if (!this.stack.isReady) return NTSTATUS.STATUS_FWP_TCPIP_NOT_READY;
    if (addressFamily !== AF_UNSPEC && addressFamily !== AF_INET && addressFamily !== AF_INET6) {
      return NTSTATUS.STATUS_INVALID_PARAMETER;
    }
    if (!Number.isInteger(flags) || (flags & ~KNOWN_HANDLE_TYPES) !== 0) return NTSTATUS.STATUS_INVALID_PARAMETER;
    injectionHandle.value = new InjectionHandle(this.nextHandleId++, addressFamily, flags);
    return NTSTATUS.STATUS_SUCCESS;
  }

  /**
   * FwpsInjectionHandleDestroy0, synchronous form: new injections on the handle fail from now on. STATUS_SUCCESS
   * when nothing was outstanding (the handle is destroyed); else [emu] STATUS_PENDING (an NT_SUCCESS value) — the
   * handle is CLOSING, `handle.outstanding` says how many completions remain, and it becomes DESTROYED when the
   * last one has run. STATUS_INVALID_HANDLE for a handle already destroyed.
   */
  destroyHandle(handle: InjectionHandle | null): number {
    if (handle == null || handle.state === 'destroyed') return NTSTATUS.STATUS_INVALID_HANDLE;
    if (handle.outstanding === 0) {
      this.finishDestroy(handle);
      return NTSTATUS.STATUS_SUCCESS;
    }
    handle.state = 'closing';
    return NTSTATUS.STATUS_PENDING;
  }

  /** FwpsInjectionHandleDestroy0 as Windows behaves (R58): resolves once every outstanding completionFn has run. */
  destroyHandleAsync(handle: InjectionHandle | null): Promise<number> {
    const status = this.destroyHandle(handle);
    if (status !== NTSTATUS.STATUS_PENDING) return Promise.resolve(status);
    return new Promise((resolve) => handle!.destroyWaiters.push(resolve));
  }

  // --- the common injection contract ---------------------------------------------------------------------------------

  /**
   * Admit `netBufferLists` (a chain, linked by `next`) for injection. On STATUS_SUCCESS the engine owns the NBLs until
   * each one's completionFn (once per NBL, `next` cleared) — delivery and completion happen in drainCompletions().
   * On any other status nothing changed: no history entry, no completionFn, the caller still owns the NBLs (R14).
   */
  beginInjection(
    handle: InjectionHandle | null,
    netBufferLists: NetBufferList | null,
    completionFn: InjectCompleteFn | null,
    completionContext: unknown,
    request: InjectionRequest,
  ): number {
    if (handle == null || netBufferLists == null) return NTSTATUS.STATUS_FWP_NULL_POINTER;
    if (!this.stack.isReady) return NTSTATUS.STATUS_FWP_TCPIP_NOT_READY;
    if (handle.state === 'closing') return NTSTATUS.STATUS_FWP_INJECT_HANDLE_CLOSING;
    if (handle.state === 'destroyed') return NTSTATUS.STATUS_INVALID_HANDLE;
    if ((handle.types & ACCEPTED_TYPES[request.kind]) === 0) return NTSTATUS.STATUS_FWP_INJECT_HANDLE_STALE;
    // [emu] Network injection has no address-family parameter: the handle must name the family (§1.7).
    if (isNetworkKind(request.kind) && handle.addressFamily === AF_UNSPEC) {
      return NTSTATUS.STATUS_FWP_INJECT_HANDLE_STALE;
    }
    if (request.flags !== 0 || request.reserved != null) return NTSTATUS.STATUS_INVALID_PARAMETER;

    const stamp = ++this.admissionStamp;
    let count = 0;
    for (let nbl: NetBufferList | null = netBufferLists; nbl !== null; nbl = nbl.next) {
      const status = this.checkAdmissible(nbl, completionFn, stamp);
      if (status !== NTSTATUS.STATUS_SUCCESS) return status;
      count++;
    }
    if (this.outstandingCount + count > this.ring.capacity) {
      this.rejectedForCapacity++;
      return NTSTATUS.STATUS_INSUFFICIENT_RESOURCES;
    }

    handle.outstanding += count;
    this.outstandingCount += count;
    this.admitted += count;
    let nbl: NetBufferList | null = netBufferLists;
    while (nbl !== null) {
      const next: NetBufferList | null = nbl.next;
      nbl.next = null; // each NBL is delivered and completed on its own
      nbl.injection.append(handle.id, request.injectionContext);
      const f = nbl.inFlight;
      f.phase = InFlightPhase.Queued;
      f.handle = handle;
      f.completionFn = completionFn;
      f.completionContext = completionContext;
      f.deliver = request.deliver;
      f.deliverArgs = request.deliverArgs ?? null;
      f.refBase = nbl.refCount;
      f.childBase = nbl.childRefCount;
      this.enqueue(nbl);
      nbl = next;
    }
    this.requestDrain();
    return NTSTATUS.STATUS_SUCCESS;
  }

  /**
   * Deliver queued injections and run due completions: the entries queued when the call starts (so a callout that
   * reinjects from its completionFn cannot keep one drain going forever). Returns how many entries it processed;
   * `stats().queued` tells whether more are waiting. Re-entrant calls do nothing.
   */
  drainCompletions(): number {
    if (this.draining) return 0;
    this.draining = true;
    this.drainRequested = false;
    let processed = 0;
    try {
      for (let n = this.ring.size; n > 0; n--) {
        const nbl = this.ring.shift()!;
        if (nbl.inFlight.phase === InFlightPhase.Queued) this.deliver(nbl);
        // Held again since it was queued (cloned or referenced meanwhile): wait for those holds too.
        else if (heldOnDeliveryPath(nbl)) nbl.inFlight.phase = InFlightPhase.Delivered;
        else this.complete(nbl);
        processed++;
      }
    } finally {
      this.draining = false;
    }
    if (this.ring.size > 0) this.requestDrain();
    return processed;
  }

  /** InFlightListener: a hold on a delivered NBL dropped; complete it once only the injector's own holds remain. */
  holdsChanged(nbl: NetBufferList): void {
    if (nbl.inFlight.phase !== InFlightPhase.Delivered || heldOnDeliveryPath(nbl)) return;
    nbl.inFlight.phase = InFlightPhase.Completing;
    this.enqueue(nbl);
    this.requestDrain();
  }

  // --- injection state (§4.4) ----------------------------------------------------------------------------------------

  /**
   * FwpsQueryPacketInjectionState0 (R17, R55): NOT_INJECTED with no history, INJECTED_BY_SELF when `handle` made the
   * last injection, PREVIOUSLY_INJECTED_BY_SELF when it made an earlier one, else INJECTED_BY_OTHER. For the two
   * *_SELF answers `injectionContext` receives the context `handle` gave with its latest injection of the packet
   * (its own, never another injector's [emu]); otherwise null.
   */
  queryInjectionState(
    handle: InjectionHandle | null,
    nbl: NetBufferList,
    injectionContext: { value: unknown } | null,
  ): FWPS_PACKET_INJECTION_STATE {
    if (injectionContext != null) injectionContext.value = null;
    if (nbl == null || !this.pool.checkLive(nbl, 'FwpsQueryPacketInjectionState0')) return FWPS_PACKET_NOT_INJECTED;
    const handles = nbl.injection.handles;
    const last = handles.length - 1;
    if (last < 0) return FWPS_PACKET_NOT_INJECTED;
    const id = handle?.id ?? 0;
    for (let i = last; i >= 0; i--) {
      if (handles.at(i) !== id) continue;
      if (injectionContext != null) injectionContext.value = nbl.injection.contexts.at(i);
      return i === last ? FWPS_PACKET_INJECTED_BY_SELF : FWPS_PACKET_PREVIOUSLY_INJECTED_BY_SELF;
    }
    return FWPS_PACKET_INJECTED_BY_OTHER;
  }

  stats(): InjectionStats {
    return {
      outstanding: this.outstandingCount,
      queued: this.ring.size,
      capacity: this.ring.capacity,
      admitted: this.admitted,
      completed: this.completed,
      rejectedForCapacity: this.rejectedForCapacity,
      callbackErrors: this.callbackErrors,
      internalErrors: this.internalErrors,
    };
  }

  // --- internals -----------------------------------------------------------------------------------------------------

  private checkAdmissible(nbl: NetBufferList, completionFn: InjectCompleteFn | null, stamp: number): number {
    if (!this.pool.checkLive(nbl, 'inject')) return NTSTATUS.STATUS_INVALID_PARAMETER;
    if (nbl.inFlight.admissionStamp === stamp) return NTSTATUS.STATUS_INVALID_PARAMETER; // listed twice, or a cycle
    nbl.inFlight.admissionStamp = stamp;
    if (nbl.inFlight.phase !== InFlightPhase.Idle) {
      const message = `inject: NBL #${nbl.serial} is already injected and not completed`;
      this.pool.report(NblMisuse.InjectInFlight, nbl.serial, message);
      return NTSTATUS.STATUS_INVALID_PARAMETER;
    }
    // R20 (generalised [emu]): only an unaltered original may go without a completionFn.
    if (completionFn === null && (nbl.origin !== 'stack' || nbl.modified)) return NTSTATUS.STATUS_INVALID_PARAMETER;
    return NTSTATUS.STATUS_SUCCESS;
  }

  private deliver(nbl: NetBufferList): void {
    const f = nbl.inFlight;
    f.phase = InFlightPhase.Delivering; // holds taken and dropped during delivery are judged after it
    let status: number = NTSTATUS.STATUS_FWP_TCPIP_NOT_READY; // shutdown began after admission: not delivered
    if (this.stack.isReady) {
      try {
        status = f.deliver!(nbl, f.deliverArgs, f.handle!);
      } catch (error) {
        status = NTSTATUS.STATUS_UNSUCCESSFUL;
        this.callbackFailed(error, 'deliver');
      }
    }
    nbl.status = status;
    f.deliver = null;
    f.deliverArgs = null;
    f.phase = InFlightPhase.Delivered;
    // Something on the delivery path still references or cloned it: complete when that lets go (pool.settle).
    if (!heldOnDeliveryPath(nbl)) this.complete(nbl);
  }

  private complete(nbl: NetBufferList): void {
    const f = nbl.inFlight;
    const handle = f.handle!;
    const completionFn = f.completionFn;
    const completionContext = f.completionContext;
    const serial = nbl.serial;
    f.reset(); // before the call: the completionFn may free the NBL
    if (completionFn !== null) {
      try {
        completionFn(completionContext, nbl, true); // drains run like a DPC: dispatchLevel TRUE
      } catch (error) {
        this.callbackFailed(error, 'completionFn');
      }
    }
    this.completed++;
    this.outstandingCount--;
    handle.outstanding--;
    if (handle.state === 'closing' && handle.outstanding === 0) this.finishDestroy(handle);
    // A stack NBL the stack already released (an unaltered original reinjected) may now be recyclable.
    if (nbl.live && nbl.serial === serial) this.pool.settle(nbl);
  }

  private enqueue(nbl: NetBufferList): void {
    if (this.ring.push(nbl)) return;
    // Unreachable: admission keeps the outstanding NBLs, each in the ring at most once, within its capacity. Should
    // it happen anyway, completing now beats losing the completion or throwing on the data path.
    this.internalErrors++;
    if (nbl.inFlight.phase === InFlightPhase.Queued) this.deliver(nbl);
    else this.complete(nbl);
  }

  private requestDrain(): void {
    if (this.drainRequested || this.draining) return;
    this.drainRequested = true;
    this.scheduler.requestDrain(this.drainCallback);
  }

  private finishDestroy(handle: InjectionHandle): void {
    handle.state = 'destroyed';
    const waiters = handle.destroyWaiters.splice(0);
    for (const resolve of waiters) resolve(NTSTATUS.STATUS_SUCCESS);
  }

  private callbackFailed(error: unknown, where: 'deliver' | 'completionFn'): void {
    this.callbackErrors++;
    try {
      this.onCallbackError?.(error, where);
    } catch {
      // the error hook itself failing must not escape either
    }
  }
}

function isNetworkKind(kind: InjectionKind): boolean {
  return kind === InjectionKind.NetworkSend || kind === InjectionKind.NetworkReceive;
}

/** Holds beyond those the injector had when it injected (see NblInFlight.refBase). */
function heldOnDeliveryPath(nbl: NetBufferList): boolean {
  return nbl.refCount > nbl.inFlight.refBase || nbl.childRefCount > nbl.inFlight.childBase;
}
