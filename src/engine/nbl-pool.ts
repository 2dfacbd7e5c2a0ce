/**
 * The engine's NBL pool: stack NBLs for indicated frames, clones (FwpsAllocateCloneNetBufferList0), allocated NBLs
 * (FwpsAllocateNetBufferAndNetBufferList0), references, frees, misuse detection and leak accounting (spec §1.6,
 * §4.3).
 *
 * Hot path: indicate → classify → releaseStack allocates nothing once warm. NBL and NB objects come from FIFO free
 * lists; a freed object waits behind `quarantine` others before reuse, so a callout touching an NBL shortly after
 * freeing it finds a freed object and is reported (a pointer kept across a reuse cannot be told apart — as in C).
 *
 * Lifetime of a stack NBL: indicate() gives the stack's own hold; releaseStack() drops it at the end of the
 * indication. If a reference (R67), a clone (R66: the parent must outlive its clones) or an injection still holds
 * it, it stays valid: its bytes are copied out of the engine's storage right there — so the caller may reuse a slab
 * slot as soon as releaseStack returns — and it is recycled when the last hold drops.
 */
import { FWP_CALLOUT_FLAG_ALLOW_L2_BATCH_CLASSIFY } from './constants.js';
import { NTSTATUS } from './ntstatus.js';
import { EMPTY_STORAGE, InFlightPhase, NetBuffer, NetBufferList, type NblOrigin } from './nbl.js';
import { clearWatch, nextInTree } from './nbl-modification.js';
import { NblMisuse, ViolationLog, type NblMisuseKind, type NblViolationHook } from './nbl-misuse.js';

export interface NblPoolOptions {
  /** Most NBL objects (live and pooled) the pool will ever hold; beyond it clone/allocate/indicate fail. */
  maxNbls?: number;
  /** How many freed objects must queue up before the oldest is reused (use-after-free detection window). */
  quarantine?: number;
  onViolation?: NblViolationHook;
}

/** How injection.ts hears that the delivery path may have let go of an NBL it delivered. */
export interface InFlightListener {
  holdsChanged(nbl: NetBufferList): void;
}

export interface NblPoolStats {
  nblObjects: number;
  nbObjects: number;
  freeNbls: number;
  freeNbs: number;
  /** Stack NBLs alive: being indicated, or released by the stack but still held. */
  stackLive: number;
  /** Stack NBLs the stack released that a reference, clone or injection still holds. */
  stackHeldAfterRelease: number;
  clonesOutstanding: number;
  allocatedOutstanding: number;
  /** NBLs with refCount > 0, and the sum of their refCounts. */
  referencedNbls: number;
  references: number;
  /** Copies made because a held stack NBL outlived its indication (and the bytes copied). */
  storageCopies: number;
  storageBytesCopied: number;
  allocationFailures: number;
  violations: number;
}

/** What a callout (or the engine) still owes at shutdown; all zero means nothing leaked. */
export interface NblLeaks {
  clones: number;
  allocated: number;
  references: number;
  stackHeldAfterRelease: number;
}

const DEFAULT_MAX_NBLS = 1 << 16;
const DEFAULT_QUARANTINE = 32;

export class NblPool {
  readonly violations: ViolationLog;
  /** Set by the injection manager that shares this pool. */
  inFlightListener: InFlightListener | null = null;

  private readonly freeNbls = new FreeList<NetBufferList>();
  private readonly freeNbs = new FreeList<NetBuffer>();
  private readonly maxNbls: number;
  private readonly quarantine: number;
  private nblObjects = 0;
  private nbObjects = 0;
  private nextSerial = 1;
  private stackLive = 0;
  private stackHeldAfterRelease = 0;
  private clonesOutstanding = 0;
  private allocatedOutstanding = 0;
  private referencedNbls = 0;
  private references = 0;
  private storageCopies = 0;
  private storageBytesCopied = 0;
  private allocationFailures = 0;

  constructor(options: NblPoolOptions = {}) {
    this.maxNbls = options.maxNbls ?? DEFAULT_MAX_NBLS;
    this.quarantine = options.quarantine ?? DEFAULT_QUARANTINE;
    this.violations = new ViolationLog(options.onViolation ?? null);
  }

  // --- host stack ----------------------------------------------------------------------------------------------------

  /**
   * A stack NBL (one NB) over `storage[dataOffset, dataOffset + dataLength)`; bytes before dataOffset are headroom.
   * Pass the frame's own slot as `storage`, not a whole batch buffer: a held NBL copies all of it on release.
   * Null when the pool is exhausted or the window does not fit (the engine drops the frame).
   */
  indicate(storage: Uint8Array, dataOffset: number, dataLength: number): NetBufferList | null {
    if (!fitsIn(storage, dataOffset, dataLength)) {
      const message = `indicate: window ${dataOffset}+${dataLength} outside ${storage.length} bytes`;
      this.report(NblMisuse.InvalidLayout, 0, message);
      return null;
    }
    const nbl = this.takeNbl('stack');
    if (nbl === null) return null;
    nbl.firstNb = this.takeNb(nbl, storage, dataOffset, dataLength, dataOffset, dataLength);
    nbl.stackHeld = true;
    return nbl;
  }

  /** The end of the stack's indication of `nbl` (after classify, delivery or drop). */
  releaseStack(nbl: NetBufferList): void {
    if (!nbl.live) {
      this.report(NblMisuse.StackReleaseTwice, nbl.serial, `stack release of NBL #${nbl.serial}, already recycled`);
      return;
    }
    if (nbl.origin !== 'stack') {
      this.report(NblMisuse.WrongFreeFunction, nbl.serial, `stack release of ${nbl.origin} NBL #${nbl.serial}`);
      return;
    }
    if (!nbl.stackHeld) {
      const message = `stack release of NBL #${nbl.serial}, released before and still ${describeHolds(nbl)}`;
      this.report(NblMisuse.StackReleaseTwice, nbl.serial, message);
      return;
    }
    nbl.stackHeld = false;
    if (isHeld(nbl)) {
      this.copyOutOfStorage(nbl);
      this.stackHeldAfterRelease++;
      return;
    }
    this.recycle(nbl);
  }

  // --- callout API (the facade adds parameter checks of its own) -----------------------------------------------------

  /** FwpsAllocateCloneNetBufferList0 (R66, R74). */
  clone(original: NetBufferList, calloutFlags: number, out: { value: NetBufferList | null }): number {
    out.value = null;
    if (!this.checkLive(original, 'FwpsAllocateCloneNetBufferList0')) return NTSTATUS.STATUS_INVALID_PARAMETER;
    // R74: a callout registered for L2 batch classification may not clone (the batch is not its to split).
    if ((calloutFlags & FWP_CALLOUT_FLAG_ALLOW_L2_BATCH_CLASSIFY) !== 0) return NTSTATUS.STATUS_INVALID_PARAMETER;
    const clone = this.takeNbl('clone');
    if (clone === null) return NTSTATUS.STATUS_INSUFFICIENT_RESOURCES;
    let tail: NetBuffer | null = null;
    for (let src = original.firstNb; src !== null; src = src.next) {
      const nb = this.takeNb(clone, src.data, src.dataOffset, src.dataLength, src.baseOffset, src.baseLength);
      if (tail === null) clone.firstNb = nb;
      else tail.next = nb;
      tail = nb;
    }
    clone.parent = original;
    clone.nextSibling = original.firstChild;
    if (original.firstChild !== null) original.firstChild.prevSibling = clone;
    original.firstChild = clone;
    original.childRefCount++;
    clone.injection.copyFrom(original.injection); // §4.4: clones inherit the history
    clone.contentModified = original.contentModified;
    clone.scratch.ingressPort = original.scratch.ingressPort;
    out.value = clone;
    return NTSTATUS.STATUS_SUCCESS;
  }

  /**
   * FwpsAllocateNetBufferAndNetBufferList0 over caller-owned bytes (null storage: an NB with no data, which needs
   * offset and length 0 as NdisAllocateNetBuffer does). The caller keeps ownership of `storage`.
   */
  allocate(
    storage: Uint8Array | null,
    dataOffset: number,
    dataLength: number,
    out: { value: NetBufferList | null },
  ): number {
    out.value = null;
    const bytes = storage ?? EMPTY_STORAGE;
    if (!fitsIn(bytes, dataOffset, dataLength)) return NTSTATUS.STATUS_INVALID_PARAMETER;
    const nbl = this.takeNbl('allocated');
    if (nbl === null) return NTSTATUS.STATUS_INSUFFICIENT_RESOURCES;
    nbl.firstNb = this.takeNb(nbl, bytes, dataOffset, dataLength, dataOffset, dataLength);
    out.value = nbl;
    return NTSTATUS.STATUS_SUCCESS;
  }

  /** FwpsReferenceNetBufferList0 (R67). */
  reference(nbl: NetBufferList, intendToModify: boolean): void {
    if (!this.checkLive(nbl, 'FwpsReferenceNetBufferList0')) return;
    if (nbl.refCount === 0) this.referencedNbls++;
    nbl.refCount++;
    this.references++;
    if (intendToModify) nbl.intendToModify = true;
  }

  /** FwpsDereferenceNetBufferList0: the last one lets a released stack NBL be recycled. */
  dereference(nbl: NetBufferList): void {
    if (!this.checkLive(nbl, 'FwpsDereferenceNetBufferList0')) return;
    if (nbl.refCount === 0) {
      const message = `FwpsDereferenceNetBufferList0: NBL #${nbl.serial} is not referenced`;
      this.report(NblMisuse.DereferenceUnderflow, nbl.serial, message);
      return;
    }
    nbl.refCount--;
    this.references--;
    if (nbl.refCount === 0) this.referencedNbls--;
    this.settle(nbl);
  }

  /** FwpsFreeCloneNetBufferList0. */
  freeClone(nbl: NetBufferList): void {
    this.free(nbl, 'clone', 'FwpsFreeCloneNetBufferList0');
  }

  /** FwpsFreeNetBufferList0 (the NBL only; the data buffer stays the caller's). */
  freeAllocated(nbl: NetBufferList): void {
    this.free(nbl, 'allocated', 'FwpsFreeNetBufferList0');
  }

  // --- shared with injection.ts and the facade -----------------------------------------------------------------------

  /** Whether `nbl` may be used; reports use-after-free when not. */
  checkLive(nbl: NetBufferList, api: string): boolean {
    if (nbl.live) return true;
    this.report(NblMisuse.UseAfterFree, nbl.serial, `${api}: NBL #${nbl.serial} (${nbl.origin}) was freed`);
    return false;
  }

  report(kind: NblMisuseKind, serial: number, message: string): void {
    this.violations.report(kind, serial, message);
  }

  /**
   * Called whenever a hold on `nbl` may have dropped: hands delivered injections back to injection.ts and recycles
   * a released stack NBL nobody holds any more.
   */
  settle(nbl: NetBufferList): void {
    if (!nbl.live) return;
    const phase = nbl.inFlight.phase;
    if (phase !== InFlightPhase.Idle) {
      if (phase === InFlightPhase.Delivered) this.inFlightListener?.holdsChanged(nbl);
      return;
    }
    if (nbl.origin === 'stack' && !nbl.stackHeld && !isHeld(nbl)) {
      this.stackHeldAfterRelease--;
      this.recycle(nbl);
    }
  }

  // --- accounting ----------------------------------------------------------------------------------------------------

  stats(): NblPoolStats {
    return {
      nblObjects: this.nblObjects,
      nbObjects: this.nbObjects,
      freeNbls: this.freeNbls.size,
      freeNbs: this.freeNbs.size,
      stackLive: this.stackLive,
      stackHeldAfterRelease: this.stackHeldAfterRelease,
      clonesOutstanding: this.clonesOutstanding,
      allocatedOutstanding: this.allocatedOutstanding,
      referencedNbls: this.referencedNbls,
      references: this.references,
      storageCopies: this.storageCopies,
      storageBytesCopied: this.storageBytesCopied,
      allocationFailures: this.allocationFailures,
      violations: this.violations.total,
    };
  }

  leaks(): NblLeaks {
    return {
      clones: this.clonesOutstanding,
      allocated: this.allocatedOutstanding,
      references: this.references,
      stackHeldAfterRelease: this.stackHeldAfterRelease,
    };
  }

  /** For the bridge's shutdown and tests: the outstanding counts, reported once as a Leak violation if any. */
  checkLeaks(): NblLeaks {
    const leaks = this.leaks();
    if (leaks.clones + leaks.allocated + leaks.references + leaks.stackHeldAfterRelease > 0) {
      this.report(
        NblMisuse.Leak,
        0,
        `outstanding: ${leaks.clones} clones, ${leaks.allocated} allocated NBLs, ${leaks.references} references, ` +
          `${leaks.stackHeldAfterRelease} released stack NBLs still held`,
      );
    }
    return leaks;
  }

  // --- internals -----------------------------------------------------------------------------------------------------

  private free(nbl: NetBufferList, expected: 'clone' | 'allocated', api: string): void {
    const misuse = freeMisuse(nbl, expected);
    if (misuse !== null) {
      // Messages are built only here: the normal free path allocates nothing.
      const reason = FREE_MISUSE_REASON[misuse];
      this.report(misuse, nbl.serial, `${api}: NBL #${nbl.serial} (${nbl.origin}): ${reason} ${describeHolds(nbl)}`);
      return;
    }
    const parent = nbl.parent;
    if (parent !== null) this.unlinkFromParent(nbl, parent);
    this.recycle(nbl);
    if (parent !== null) this.settle(parent);
  }

  private unlinkFromParent(nbl: NetBufferList, parent: NetBufferList): void {
    if (nbl.prevSibling !== null) nbl.prevSibling.nextSibling = nbl.nextSibling;
    else parent.firstChild = nbl.nextSibling;
    if (nbl.nextSibling !== null) nbl.nextSibling.prevSibling = nbl.prevSibling;
    parent.childRefCount--;
  }

  /**
   * Give a released-but-held stack NBL and its clone family private bytes, so the engine's storage (a slab slot)
   * can be reused at once. Offsets stay valid: the whole storage is copied, headroom included.
   */
  private copyOutOfStorage(root: NetBufferList): void {
    let lastCopy: Uint8Array | null = null;
    for (let nb = root.firstNb; nb !== null; nb = nb.next) {
      const shared = nb.data;
      if (shared.length === 0 || shared === lastCopy) continue;
      const copy = shared.slice();
      for (let n: NetBufferList | null = root; n !== null; n = nextInTree(n, root)) {
        for (let m = n.firstNb; m !== null; m = m.next) if (m.data === shared) m.data = copy;
      }
      lastCopy = copy;
      this.storageCopies++;
      this.storageBytesCopied += shared.length;
    }
  }

  private takeNbl(origin: NblOrigin): NetBufferList | null {
    let nbl = this.freeNbls.size > this.quarantine ? this.freeNbls.shift() : null;
    if (nbl === null) {
      if (this.nblObjects < this.maxNbls) {
        nbl = new NetBufferList();
        this.nblObjects++;
      } else {
        nbl = this.freeNbls.shift(); // at the cap, reuse wins over the quarantine
      }
    }
    if (nbl === null) {
      this.allocationFailures++;
      return null;
    }
    nbl.live = true;
    nbl.serial = this.nextSerial++;
    nbl.origin = origin;
    if (origin === 'stack') this.stackLive++;
    else if (origin === 'clone') this.clonesOutstanding++;
    else this.allocatedOutstanding++;
    return nbl;
  }

  private takeNb(
    owner: NetBufferList,
    data: Uint8Array,
    dataOffset: number,
    dataLength: number,
    baseOffset: number,
    baseLength: number,
  ): NetBuffer {
    let nb = this.freeNbs.size > this.quarantine ? this.freeNbs.shift() : null;
    if (nb === null) {
      nb = new NetBuffer();
      this.nbObjects++;
    }
    nb.owner = owner;
    nb.data = data;
    nb.dataOffset = dataOffset;
    nb.dataLength = dataLength;
    nb.baseOffset = baseOffset;
    nb.baseLength = baseLength;
    return nb;
  }

  /** Back to the pool. Only reached with no references, children or injection outstanding. */
  private recycle(nbl: NetBufferList): void {
    let nb = nbl.firstNb;
    while (nb !== null) {
      const next: NetBuffer | null = nb.next;
      nb.next = null;
      nb.owner = null;
      nb.data = EMPTY_STORAGE; // drop the storage so the pool never pins a frame's bytes
      nb.dataOffset = nb.dataLength = nb.baseOffset = nb.baseLength = 0;
      clearWatch(nb);
      this.freeNbs.push(nb);
      nb = next;
    }
    if (nbl.origin === 'stack') this.stackLive--;
    else if (nbl.origin === 'clone') this.clonesOutstanding--;
    else this.allocatedOutstanding--;
    // serial and origin stay, so a later misuse report can still name the NBL.
    nbl.live = false;
    nbl.next = null;
    nbl.firstNb = null;
    nbl.status = 0;
    nbl.parent = null;
    nbl.childRefCount = 0;
    nbl.refCount = 0;
    nbl.injection.clear();
    nbl.inFlight.reset();
    nbl.scratch.reset();
    nbl.contentModified = false;
    nbl.intendToModify = false;
    nbl.stackHeld = false;
    nbl.viewsEscaped = false;
    nbl.firstChild = nbl.nextSibling = nbl.prevSibling = null;
    this.freeNbls.push(nbl);
  }
}

/** Why FwpsFree*NetBufferList0 must refuse `nbl`, checked in this order; null when the free is legal. */
function freeMisuse(nbl: NetBufferList, expected: 'clone' | 'allocated'): NblMisuseKind | null {
  if (!nbl.live) return NblMisuse.DoubleFree;
  if (nbl.origin === 'stack') return NblMisuse.FreeStackNbl;
  if (nbl.origin !== expected) return NblMisuse.WrongFreeFunction;
  if (nbl.inFlight.phase !== InFlightPhase.Idle) return NblMisuse.FreeInFlight;
  if (nbl.childRefCount > 0) return NblMisuse.FreeWithChildren;
  if (nbl.refCount > 0) return NblMisuse.FreeReferenced;
  return null;
}

const FREE_MISUSE_REASON: Partial<Record<NblMisuseKind, string>> = {
  [NblMisuse.DoubleFree]: 'already freed;',
  [NblMisuse.FreeStackNbl]: 'owned by the stack, never freed by a callout;',
  [NblMisuse.WrongFreeFunction]: 'freed with the other free function;',
  [NblMisuse.FreeInFlight]: 'injected, completionFn not yet run;',
  [NblMisuse.FreeWithChildren]: 'clones of it are outstanding;',
  [NblMisuse.FreeReferenced]: 'still referenced;',
};

function isHeld(nbl: NetBufferList): boolean {
  return nbl.refCount > 0 || nbl.childRefCount > 0 || nbl.inFlight.phase !== InFlightPhase.Idle;
}

function describeHolds(nbl: NetBufferList): string {
  return `held (refCount ${nbl.refCount}, childRefCount ${nbl.childRefCount}, injection phase ${nbl.inFlight.phase})`;
}

function fitsIn(storage: Uint8Array, offset: number, length: number): boolean {
  if (!Number.isInteger(offset) || !Number.isInteger(length)) return false;
  return offset >= 0 && length >= 0 && offset + length <= storage.length;
}

/** Intrusive FIFO through `poolNext`: pooling allocates no list nodes. */
class FreeList<T extends { poolNext: T | null }> {
  private head: T | null = null;
  private tail: T | null = null;
  size = 0;

  push(item: T): void {
    item.poolNext = null;
    if (this.tail === null) this.head = item;
    else this.tail.poolNext = item;
    this.tail = item;
    this.size++;
  }

  shift(): T | null {
    const item = this.head;
    if (item === null) return null;
    this.head = item.poolNext;
    if (this.head === null) this.tail = null;
    item.poolNext = null;
    this.size--;
    return item;
  }
}
