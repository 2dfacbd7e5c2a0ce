/**
 * What counts as a modified packet (needed for R20: vSwitch egress refuses modified NBLs).
 *
 * An NBL is modified when what it describes differs from what was indicated (stack NBLs and their clones) or
 * created (allocated NBLs). Exactly:
 *
 *  1. Bytes written through writeToNetBuffer / writeByteToNetBuffer — on the NBL written through *and* on every NBL
 *     of its clone family that shares the written storage (the bytes are theirs too: a clone's write changes its
 *     parent's packet, R66). Sticky.
 *  2. Bytes written through a view handed out by getDataBuffer (NdisGetDataBuffer), the C idiom for editing a
 *     header in place. The viewed range is hashed (FNV-1a) when handed out and re-hashed when `modified` is read;
 *     a difference counts like (1) and becomes sticky. Only packets whose views escaped pay for the hash.
 *  3. A structural change of an NB (setDataLength). Sticky, on that NBL only.
 *  4. A window that is not where it started: any NB whose (dataOffset, dataLength) differs from its baseline. An
 *     advance/retreat pair that is undone leaves no trace. Not sticky (it is the current layout).
 *
 * Baselines: a stack NB's is the indicated window (moved along by the engine's shiftIndicatedView between layers),
 * a clone inherits its parent's baseline (a clone taken from a retreated window describes a different view of the
 * indicated packet, so it counts as moved until advanced back), an allocated NB's is its initial window.
 * A clone inherits its parent's sticky flag (the bytes it describes were already changed).
 *
 * Not counted: reads (peekData, copyFromNetBuffer), writes through views the engine itself took with peekData, and
 * writes straight into the storage array a caller owns (an allocated NBL's buffer is the caller's to fill; R19
 * accepts allocated NBLs at egress whatever they hold). A 32-bit hash can miss a write with probability 2^-32.
 */
import type { NetBuffer, NetBufferList } from './nbl.js';

export function isNblModified(nbl: NetBufferList): boolean {
  if (nbl.contentModified || windowMoved(nbl)) return true;
  const root = familyRoot(nbl);
  if (!root.viewsEscaped) return false;
  return escapedViewWritten(root, nbl);
}

/** Whether any NB's window differs from its baseline (rule 4). */
export function windowMoved(nbl: NetBufferList): boolean {
  for (let nb = nbl.firstNb; nb !== null; nb = nb.next) {
    if (nb.dataOffset !== nb.baseOffset || nb.dataLength !== nb.baseLength) return true;
  }
  return false;
}

/** Rule 1: mark every live NBL of the family that shares `nb`'s storage. */
export function markBytesWritten(nb: NetBuffer): void {
  const owner = nb.owner;
  if (owner === null) return;
  const storage = nb.data;
  const root = familyRoot(owner);
  for (let n: NetBufferList | null = root; n !== null; n = nextInTree(n, root)) {
    if (usesStorage(n, storage)) n.contentModified = true;
  }
}

/** Rule 2, at hand-out time: widen the NB's watched range to include [start, end) and hash it. */
export function watchView(nb: NetBuffer, start: number, end: number): void {
  const owner = nb.owner;
  if (owner === null) return;
  familyRoot(owner).viewsEscaped = true;
  if (nb.watchEnd > nb.watchStart) {
    if (start >= nb.watchStart && end <= nb.watchEnd) return; // already watched
    // Before widening, settle whether the earlier view was written through, or the new hash would hide it.
    if (fnv1a(nb.data, nb.watchStart, nb.watchEnd) !== nb.watchHash) markBytesWritten(nb);
    start = Math.min(start, nb.watchStart);
    end = Math.max(end, nb.watchEnd);
  }
  nb.watchStart = start;
  nb.watchEnd = end;
  nb.watchHash = fnv1a(nb.data, start, end);
}

export function clearWatch(nb: NetBuffer): void {
  nb.watchStart = 0;
  nb.watchEnd = 0;
  nb.watchHash = 0;
}

export function familyRoot(nbl: NetBufferList): NetBufferList {
  let n = nbl;
  while (n.parent !== null) n = n.parent;
  return n;
}

/**
 * Pre-order successor of `n` within the clone tree rooted at `root` (null when done). Lets callers walk a family
 * without allocating a stack or a closure.
 */
export function nextInTree(n: NetBufferList, root: NetBufferList): NetBufferList | null {
  if (n.firstChild !== null) return n.firstChild;
  let m: NetBufferList | null = n;
  while (m !== null && m !== root) {
    if (m.nextSibling !== null) return m.nextSibling;
    m = m.parent;
  }
  return null;
}

export function usesStorage(nbl: NetBufferList, storage: Uint8Array): boolean {
  for (let nb = nbl.firstNb; nb !== null; nb = nb.next) if (nb.data === storage) return true;
  return false;
}

/** Rule 2, at check time: any watched range over storage `nbl` uses whose bytes changed since hand-out. */
function escapedViewWritten(root: NetBufferList, nbl: NetBufferList): boolean {
  let written = false;
  for (let n: NetBufferList | null = root; n !== null; n = nextInTree(n, root)) {
    for (let nb = n.firstNb; nb !== null; nb = nb.next) {
      if (nb.watchEnd <= nb.watchStart || !usesStorage(nbl, nb.data)) continue;
      if (fnv1a(nb.data, nb.watchStart, nb.watchEnd) !== nb.watchHash) {
        markBytesWritten(nb); // sticky from now on, for the whole family sharing these bytes
        written = true;
      }
    }
  }
  return written;
}

function fnv1a(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
