/**
 * NET_BUFFER_LIST / NET_BUFFER over engine-owned bytes (spec §1.6) and the NDIS-style helpers a callout uses on them.
 *
 * An NB describes a window [dataOffset, dataOffset + dataLength) of one contiguous `data` array (the emulator's only
 * "MDL"). Bytes before dataOffset are headroom a retreat may reclaim. Clones share `data` with their parent (R66);
 * the pool (nbl-pool.ts) creates, recycles and frees these objects, injection.ts drives `inFlight`, and
 * nbl-modification.ts decides what counts as `modified`.
 *
 * The helpers here are pure: they never report misuse (the bound facade and the pool do) and never throw.
 */
import { NTSTATUS } from './ntstatus.js';
import { isNblModified, markBytesWritten, watchView } from './nbl-modification.js';
import type { InjectCompleteFn, DeliverFn, InjectionHandle } from './injection.js';

export type NblOrigin = 'stack' | 'clone' | 'allocated';

// NDIS_STATUS values share the NTSTATUS space (ndis.h defines them as the matching STATUS_* codes).
export const NDIS_STATUS_SUCCESS = NTSTATUS.STATUS_SUCCESS;
export const NDIS_STATUS_FAILURE = NTSTATUS.STATUS_UNSUCCESSFUL;
export const NDIS_STATUS_RESOURCES = NTSTATUS.STATUS_INSUFFICIENT_RESOURCES;

/** Storage of an NB with no bytes (an allocation with a NULL MDL chain, or an NB back in the pool). */
export const EMPTY_STORAGE = new Uint8Array(0);

export class NetBuffer {
  next: NetBuffer | null = null;
  /** The whole contiguous storage the window lies in (slab slot, caller buffer or private copy); shared by clones. */
  data: Uint8Array = EMPTY_STORAGE;
  dataOffset = 0;
  dataLength = 0;
  /**
   * The window as indicated (stack), inherited (clone) or created (allocated). A retreat/advance that brings the
   * window back here is "undone" and does not count as a modification.
   */
  baseOffset = 0;
  baseLength = 0;
  /** The NBL this NB belongs to; null while the NB sits in the pool (so `live` doubles as a use-after-free check). */
  owner: NetBufferList | null = null;
  /** Escaped-view watch (nbl-modification.ts): absolute range of `data` handed out writable, and its hash then. */
  watchStart = 0;
  watchEnd = 0;
  watchHash = 0;
  /** Pool free-list link; not part of the NDIS model. */
  poolNext: NetBuffer | null = null;

  get live(): boolean {
    return this.owner !== null;
  }
}

/**
 * An append-only list whose storage survives clear(), so a recycled NBL reuses it: setting a JS array's length to 0
 * drops its backing store, and the next push would allocate a new one on every packet.
 */
export class ReusableList<T> {
  private readonly items: (T | undefined)[] = [];
  private count = 0;

  get length(): number {
    return this.count;
  }

  at(index: number): T | undefined {
    return index >= 0 && index < this.count ? this.items[index] : undefined;
  }

  push(item: T): void {
    this.items[this.count++] = item;
  }

  /** Forget the items (dropping references to them) but keep the storage. */
  clear(): void {
    for (let i = 0; i < this.count; i++) this.items[i] = undefined;
    this.count = 0;
  }

  /** A copy, for diagnostics and tests (allocates). */
  toArray(): T[] {
    return this.items.slice(0, this.count) as T[];
  }
}

/** Injection history (spec §4.4): which handles injected this packet or the packet it was cloned from. */
export class NblInjectionHistory {
  /** Injection handle ids, oldest first. */
  readonly handles = new ReusableList<number>();
  /** The injectionContext given with each entry (parallel to `handles`). */
  readonly contexts = new ReusableList<unknown>();

  /** The last injectionContext, as the spec's NBL shape names it. */
  get context(): unknown {
    return this.contexts.length === 0 ? null : this.contexts.at(this.contexts.length - 1);
  }

  append(handleId: number, context: unknown): void {
    this.handles.push(handleId);
    this.contexts.push(context);
  }

  copyFrom(other: NblInjectionHistory): void {
    this.clear();
    for (let i = 0; i < other.handles.length; i++) this.append(other.handles.at(i)!, other.contexts.at(i));
  }

  clear(): void {
    this.handles.clear();
    this.contexts.clear();
  }
}

/** Where an NBL handed to an inject function is in its journey (driven by injection.ts). */
export const InFlightPhase = {
  /** Not injected (or its completion already ran). */
  Idle: 0,
  /** Accepted by an inject function; waiting in the completion queue for delivery. */
  Queued: 1,
  /** The engine is delivering it right now (classifying it at its re-entry layer, writing it to a port…). */
  Delivering: 2,
  /** Delivered, but something on its path still references or cloned it; completes when those holds drop. */
  Delivered: 3,
  /** Waiting in the completion queue for its completionFn. */
  Completing: 4,
} as const;
export type InFlightPhase = (typeof InFlightPhase)[keyof typeof InFlightPhase];

/** Per-NBL state of an injection in progress; lives on the NBL so an injection allocates nothing. */
export class NblInFlight {
  phase: InFlightPhase = InFlightPhase.Idle;
  handle: InjectionHandle | null = null;
  completionFn: InjectCompleteFn | null = null;
  completionContext: unknown = null;
  deliver: DeliverFn | null = null;
  deliverArgs: unknown = null;
  /**
   * Holds the injector itself had when it injected (e.g. its reference on an original it reinjects). Completion
   * waits only for holds beyond these — taken on the delivery path, or while the completion was queued — or an
   * injector that dereferences in its completionFn would wait for itself. Holds are counted, not attributed: an
   * injector dropping one of its own references while a delivery-path reference is outstanding lets the completion
   * run early (a completionFn that then frees the NBL is reported as free-referenced and refused).
   */
  refBase = 0;
  childBase = 0;
  /** Marks NBLs already seen while validating one chain (detects a cycle or an NBL listed twice). */
  admissionStamp = 0;

  reset(): void {
    this.phase = InFlightPhase.Idle;
    this.handle = null;
    this.completionFn = null;
    this.completionContext = null;
    this.deliver = null;
    this.deliverArgs = null;
    this.refBase = 0;
    this.childBase = 0;
  }
}

/** Engine metadata carried with a packet; not visible to callouts through the WFP API. */
export class NblScratch {
  /** Port the frame entered the switch on (-1: none, e.g. an allocated NBL not yet injected). */
  ingressPort = -1;
  /** Layer ids the packet was classified at, in order (traces, pcap comments). */
  readonly layersCrossed = new ReusableList<number>();
  /** Free slot for the engine's own per-packet state. */
  engineData: unknown = null;

  reset(): void {
    this.ingressPort = -1;
    this.layersCrossed.clear();
    this.engineData = null;
  }
}

export class NetBufferList {
  next: NetBufferList | null = null;
  firstNb: NetBuffer | null = null;
  /** Set by the engine before a completionFn runs: the injection's outcome. */
  status = 0;
  parent: NetBufferList | null = null;
  childRefCount = 0;
  refCount = 0;
  origin: NblOrigin = 'stack';
  readonly injection = new NblInjectionHistory();
  readonly inFlight = new NblInFlight();
  readonly scratch = new NblScratch();
  /**
   * Sticky part of `modified`: bytes written through a helper (by this NBL or one sharing its bytes), a detected
   * write through an escaped view, or an NB structure change. See nbl-modification.ts for the full rule.
   */
  contentModified = false;
  /** Some FwpsReferenceNetBufferList0 call said intendToModify (a callout must then clear WRITE — spec §1.5). */
  intendToModify = false;
  /** Unique per allocation: a recycled object gets a new serial, so (object, serial) pairs detect staleness. */
  serial = 0;
  /** False while the object sits in the pool: every pool/facade entry point checks it (use-after-free). */
  live = false;
  /** Stack NBLs: the stack's own hold, from indication until the stack releases it. */
  stackHeld = false;
  /** Family-root flag: a writable view of this family's bytes escaped, so modification checks must hash. */
  viewsEscaped = false;
  // Clone tree (children of this NBL), intrusive so cloning allocates nothing and a family can be walked.
  firstChild: NetBufferList | null = null;
  nextSibling: NetBufferList | null = null;
  prevSibling: NetBufferList | null = null;
  /** Pool free-list link; not part of the NDIS model. */
  poolNext: NetBufferList | null = null;

  /** Whether the packet differs from what was indicated/created (computed; nbl-modification.ts). */
  get modified(): boolean {
    return isNblModified(this);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// NDIS-style NB helpers. Offsets given to the read/write helpers are relative to the NB's current data start.

/**
 * NdisRetreatNetBufferDataStart: grow the window backwards by `delta` bytes. Only existing headroom is used: where
 * NDIS would allocate and chain a new MDL, the emulator reports NDIS_STATUS_RESOURCES and changes nothing.
 */
export function retreatDataStart(nb: NetBuffer, delta: number): number {
  if (!nb.live || !isCount(delta)) return NDIS_STATUS_FAILURE;
  if (delta > nb.dataOffset) return NDIS_STATUS_RESOURCES;
  nb.dataOffset -= delta;
  nb.dataLength += delta;
  return NDIS_STATUS_SUCCESS;
}

/** NdisAdvanceNetBufferDataStart: shrink the window from the front. False (nothing changed) past the data end. */
export function advanceDataStart(nb: NetBuffer, delta: number): boolean {
  if (!nb.live || !isCount(delta) || delta > nb.dataLength) return false;
  nb.dataOffset += delta;
  nb.dataLength -= delta;
  return true;
}

/**
 * NdisGetDataBuffer: the first `bytesNeeded` bytes of the window as a view (always contiguous here), or null when
 * the window is shorter. The view is writable, as the C pointer is, so the range is watched: a write through it
 * later counts as a modification (nbl-modification.ts).
 */
export function getDataBuffer(nb: NetBuffer, bytesNeeded: number): Uint8Array | null {
  const view = peekData(nb, bytesNeeded);
  if (view !== null && bytesNeeded > 0) watchView(nb, nb.dataOffset, nb.dataOffset + bytesNeeded);
  return view;
}

/**
 * The engine's own read-only look at the window: a view without a watch. Nothing may write through it; callouts use
 * getDataBuffer. A view is a small allocation; per-packet parsing on the hot path should read `nb.data` from
 * `nb.dataOffset` directly instead.
 */
export function peekData(nb: NetBuffer, length: number = nb.dataLength): Uint8Array | null {
  if (!nb.live || !isCount(length) || length > nb.dataLength) return null;
  return nb.data.subarray(nb.dataOffset, nb.dataOffset + length);
}

/** Copy `length` window bytes from `offset` into `dest` at `destOffset`; the number copied (0 if out of range). */
export function copyFromNetBuffer(
  nb: NetBuffer,
  offset: number,
  length: number,
  dest: Uint8Array,
  destOffset = 0,
): number {
  if (!nb.live || !isCount(offset) || !isCount(length) || !isCount(destOffset)) return 0;
  if (offset + length > nb.dataLength || destOffset + length > dest.length) return 0;
  const start = nb.dataOffset + offset;
  dest.set(nb.data.subarray(start, start + length), destOffset);
  return length;
}

/** Write `bytes` into the window at `offset`; marks the packet (and every NBL sharing these bytes) modified. */
export function writeToNetBuffer(nb: NetBuffer, offset: number, bytes: Uint8Array): boolean {
  if (!nb.live || !isCount(offset) || offset + bytes.length > nb.dataLength) return false;
  nb.data.set(bytes, nb.dataOffset + offset);
  markBytesWritten(nb);
  return true;
}

/** Write one byte into the window at `offset`; marks modified like writeToNetBuffer. */
export function writeByteToNetBuffer(nb: NetBuffer, offset: number, value: number): boolean {
  if (!nb.live || !isCount(offset) || offset >= nb.dataLength) return false;
  nb.data[nb.dataOffset + offset] = value;
  markBytesWritten(nb);
  return true;
}

/**
 * Change the window's length without moving its start (trim a tail, or take in tailroom). A structural change:
 * the NBL counts as modified from now on, even if the length is later set back.
 */
export function setDataLength(nb: NetBuffer, length: number): boolean {
  if (!nb.live || !isCount(length) || nb.dataOffset + length > nb.data.length) return false;
  if (length === nb.dataLength) return true;
  nb.dataLength = length;
  nb.owner!.contentModified = true;
  return true;
}

/**
 * The engine moving an indicated packet's view between layers (e.g. past the MAC header into INBOUND_IPPACKET):
 * current window and baseline move together, so the move is not a callout's modification while a callout's
 * un-undone advance or retreat stays visible. `delta` > 0 advances, < 0 retreats. False (nothing changed) if any NB
 * of the NBL cannot move that far.
 */
export function shiftIndicatedView(nbl: NetBufferList, delta: number): boolean {
  if (!nbl.live || !Number.isInteger(delta)) return false;
  for (let nb = nbl.firstNb; nb !== null; nb = nb.next) {
    if (nb.dataOffset + delta < 0 || nb.dataLength - delta < 0) return false;
    if (nb.baseOffset + delta < 0 || nb.baseLength - delta < 0) return false;
  }
  for (let nb = nbl.firstNb; nb !== null; nb = nb.next) {
    nb.dataOffset += delta;
    nb.dataLength -= delta;
    nb.baseOffset += delta;
    nb.baseLength -= delta;
  }
  return true;
}

function isCount(n: number): boolean {
  return Number.isInteger(n) && n >= 0;
}
