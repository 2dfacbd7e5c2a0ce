/**
 * Candidate index for one (layer, sublayer): classification must not scan thousands of filters.
 *
 * A BucketView is an immutable snapshot of the sublayer's filters sorted in classification order; a filter is
 * known by its position there. Each filter is filed under its most selective *indexable* condition group:
 *   - EQUAL on a UINT8/16/32 or BYTE_ARRAY6 field (protocol, ports, ether type, VLAN, MAC addresses…) → exact key;
 *   - EQUAL on an address field, as an exact address or a V4/V6_ADDR_MASK prefix: IPv4 in a binary trie (one walk
 *     down the address's bits finds every stored prefix of it), IPv6 hashed per prefix length;
 *   - RANGE over a UINT16 field spanning at most 16 blocks of 256 (port ranges) → one key per block.
 * An OR-group is indexable when every alternative is, and is filed under each of them. Filters with no indexable
 * group go to the wildcard list. A classify looks up the keys of the packet's values in every slot, then merges
 * the sorted position lists (plus the wildcard list) in position order, so candidates come out in exactly the order
 * a linear scan would visit them; each candidate is still matched against all of its conditions. The index only
 * prunes, so the result is identical to a linear scan (a property test checks this).
 */
import {
  FWP_BYTE_ARRAY16_TYPE,
  FWP_BYTE_ARRAY6_TYPE,
  FWP_MATCH_EQUAL,
  FWP_MATCH_RANGE,
  FWP_RANGE_TYPE,
  FWP_UINT16,
  FWP_UINT32,
  FWP_UINT8,
  FWP_V4_ADDR_MASK,
  FWP_V6_ADDR_MASK,
} from './constants.js';
import type { CompiledCondition, IncomingValueHolder } from './conditions.js';
import type { FilterRecord } from './records.js';
import type { FwpValue } from './values.js';

const SLOT_EXACT = 0;
const SLOT_V4_PREFIX = 1;
const SLOT_V6_PREFIX = 2;
const SLOT_RANGE16 = 3;

/** Port ranges are filed per 256-port block, when they span at most this many blocks. */
const RANGE_BLOCK_SHIFT = 8;
const RANGE_MAX_BLOCKS = 16;

const NO_POSITIONS = new Int32Array(0);

/** 48-bit MAC as an exact number key. */
function macKey(b: Uint8Array): number {
  return ((((b[0]! * 256 + b[1]!) * 256 + b[2]!) * 256 + b[3]!) * 256 + b[4]!) * 256 + b[5]!;
}

/** FNV-1a over the first `len` bits of an IPv6 address. Collisions only add candidates, which are matched anyway. */
function v6PrefixKey(b: Uint8Array, len: number): number {
  let h = (0x811c9dc5 ^ len) >>> 0;
  const whole = len >>> 3;
  for (let i = 0; i < whole; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  const rest = len & 7;
  if (rest !== 0) h = Math.imul(h ^ (b[whole]! & ((0xff << (8 - rest)) & 0xff)), 0x01000193);
  return h >>> 0;
}

function v4PrefixKey(addr: number, len: number): number {
  return len === 32 ? addr >>> 0 : (addr >>> (32 - len)) >>> 0;
}

/**
 * A node of the IPv4 prefix trie: the positions filed under the prefix it spells, its two children, and (set once
 * the trie is built) `covering`: the sorted union of its own positions and those of every shorter prefix above it.
 * A lookup then contributes a single list, the covering list of the deepest stored prefix on the address's path.
 */
class PrefixNode {
  zero: PrefixNode | null = null;
  one: PrefixNode | null = null;
  positions: Int32Array | null = null;
  covering: Int32Array | null = null;
}

/** Sorted union of two sorted position lists. */
function unionSorted(a: Int32Array, b: Int32Array): Int32Array {
  const out = new Int32Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length || j < b.length) {
    const x = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i++]! : b[j++]!;
    if (n === 0 || out[n - 1] !== x) out[n++] = x;
  }
  return out.subarray(0, n);
}

/**
 * The path-compressed form used for lookups: only nodes that hold a prefix or branch remain, each knowing its depth
 * and the address bits above it, so a walk visits a few nodes instead of one per bit.
 */
class CompressedPrefixNode {
  constructor(
    /** Number of leading address bits this node spells. */
    readonly depth: number,
    /** Those bits, at the top of a 32-bit address (the rest zero). */
    readonly bits: number,
    readonly covering: Int32Array | null,
    readonly zero: CompressedPrefixNode | null,
    readonly one: CompressedPrefixNode | null,
  ) {}
}

function compress(node: PrefixNode, depth: number, bits: number): CompressedPrefixNode {
  // Skip down single-child chains that hold no prefix.
  let n = node;
  let d = depth;
  let b = bits;
  while (n.covering === null && (n.zero === null) !== (n.one === null) && d < 32) {
    if (n.one !== null) {
      b = (b | (1 << (31 - d))) >>> 0;
      n = n.one;
    } else {
      n = n.zero!;
    }
    d++;
  }
  const zero = n.zero === null || d >= 32 ? null : compress(n.zero, d + 1, b);
  const one = n.one === null || d >= 32 ? null : compress(n.one, d + 1, (b | (1 << (31 - d))) >>> 0);
  return new CompressedPrefixNode(d, b, n.covering, zero, one);
}

/** Fills in `covering` top-down. */
function computeCovering(node: PrefixNode, inherited: Int32Array | null): void {
  let here = inherited;
  if (node.positions !== null) {
    here = inherited === null ? node.positions : unionSorted(inherited, node.positions);
    node.covering = here;
  }
  if (node.zero !== null) computeCovering(node.zero, here);
  if (node.one !== null) computeCovering(node.one, here);
}

function trieInsert(root: PrefixNode, addr: number, length: number, positions: Int32Array): void {
  let node = root;
  for (let depth = 0; depth < length; depth++) {
    const bit = (addr >>> (31 - depth)) & 1;
    let next = bit === 1 ? node.one : node.zero;
    if (next === null) {
      next = new PrefixNode();
      if (bit === 1) node.one = next;
      else node.zero = next;
    }
    node = next;
  }
  node.positions = positions;
}

/** One index slot: a kind of key over one field. */
export class IndexSlot {
  /** For V6 prefix slots, one map per prefix length present; for exact and range slots a single map. */
  readonly lengths: number[] = [];
  readonly maps: Array<Map<number, Int32Array>> = [];
  /** For V4 prefix slots: the trie (exact addresses are /32 prefixes). */
  trie: CompressedPrefixNode | null = null;

  constructor(
    readonly kind: number,
    readonly fieldIndex: number,
    /** The incoming data type the keys were computed for; any other runtime type finds nothing here. */
    readonly valueType: number,
  ) {}
}

/** An immutable snapshot of one sublayer's filters at one layer, with its index. */
export class BucketView {
  constructor(
    /** Classification order (weight desc, then insertion). */
    readonly filters: readonly FilterRecord[],
    /** Positions of filters not in any slot (all of them when `slots` is empty). */
    readonly wildcard: Int32Array,
    readonly slots: readonly IndexSlot[],
  ) {}
}

/** Where one indexable alternative files a filter. */
interface IndexEntry {
  kind: number;
  fieldIndex: number;
  valueType: number;
  length: number;
  keys: number[];
  score: number;
}

function entryFor(c: CompiledCondition): IndexEntry | null {
  if (c.neverMatches) return null;
  if (c.matchType === FWP_MATCH_EQUAL) {
    if (c.isAddressField) {
      if (c.valueType === FWP_UINT32) {
        return { kind: SLOT_V4_PREFIX, fieldIndex: c.fieldIndex, valueType: FWP_UINT32, length: 32, keys: [c.n >>> 0], score: 32 };
      }
      if (c.valueType === FWP_V4_ADDR_MASK && c.prefixLength > 0) {
        return {
          kind: SLOT_V4_PREFIX, fieldIndex: c.fieldIndex, valueType: FWP_UINT32, length: c.prefixLength,
          keys: [v4PrefixKey(c.n, c.prefixLength)], score: c.prefixLength,
        };
      }
      if (c.valueType === FWP_BYTE_ARRAY16_TYPE) {
        return { kind: SLOT_V6_PREFIX, fieldIndex: c.fieldIndex, valueType: FWP_BYTE_ARRAY16_TYPE, length: 128, keys: [v6PrefixKey(c.bytes!, 128)], score: 128 };
      }
      if (c.valueType === FWP_V6_ADDR_MASK && c.prefixLength > 0) {
        return {
          kind: SLOT_V6_PREFIX, fieldIndex: c.fieldIndex, valueType: FWP_BYTE_ARRAY16_TYPE, length: c.prefixLength,
          keys: [v6PrefixKey(c.bytes!, c.prefixLength)], score: c.prefixLength,
        };
      }
      return null;
    }
    switch (c.valueType) {
      case FWP_UINT8:
        return { kind: SLOT_EXACT, fieldIndex: c.fieldIndex, valueType: FWP_UINT8, length: 0, keys: [c.n], score: 8 };
      case FWP_UINT16:
        return { kind: SLOT_EXACT, fieldIndex: c.fieldIndex, valueType: FWP_UINT16, length: 0, keys: [c.n], score: 16 };
      case FWP_UINT32:
        return { kind: SLOT_EXACT, fieldIndex: c.fieldIndex, valueType: FWP_UINT32, length: 0, keys: [c.n >>> 0], score: 32 };
      case FWP_BYTE_ARRAY6_TYPE:
        return { kind: SLOT_EXACT, fieldIndex: c.fieldIndex, valueType: FWP_BYTE_ARRAY6_TYPE, length: 0, keys: [macKey(c.bytes!)], score: 48 };
      default:
        return null;
    }
  }
  if (c.matchType === FWP_MATCH_RANGE && c.valueType === FWP_RANGE_TYPE && c.rangeType === FWP_UINT16) {
    const lo = c.n >>> RANGE_BLOCK_SHIFT;
    const hi = c.n2 >>> RANGE_BLOCK_SHIFT;
    const blocks = hi - lo + 1;
    if (blocks > RANGE_MAX_BLOCKS) return null;
    const keys: number[] = [];
    for (let k = lo; k <= hi; k++) keys.push(k);
    return { kind: SLOT_RANGE16, fieldIndex: c.fieldIndex, valueType: FWP_UINT16, length: 0, keys, score: 12 - Math.log2(blocks) };
  }
  return null;
}

/** The entries of the filter's most selective indexable group, or null (wildcard). */
function bestEntries(f: FilterRecord): IndexEntry[] | null {
  let best: IndexEntry[] | null = null;
  let bestScore = 0;
  for (const group of f.groups) {
    const entries: IndexEntry[] = [];
    let min = Infinity;
    for (const c of group) {
      const e = entryFor(c);
      if (e === null) {
        min = -Infinity;
        break;
      }
      entries.push(e);
      min = Math.min(min, e.score);
    }
    if (min === -Infinity) continue;
    const score = min - Math.ceil(Math.log2(entries.length));
    if (score > bestScore) {
      bestScore = score;
      best = entries;
    }
  }
  return best;
}

/** Up to this many filters a sublayer is scanned linearly by default: walking a handful beats the lookups. */
export const DEFAULT_INDEX_THRESHOLD = 16;

/**
 * Builds the snapshot of `sorted` (already in classification order). Sublayers with at most `indexThreshold`
 * filters (and all of them when `indexThreshold` is Infinity) get no index: every filter is a wildcard candidate.
 */
export function buildBucketView(sorted: readonly FilterRecord[], indexThreshold: number): BucketView {
  const filters = sorted.slice();
  if (filters.length <= indexThreshold) return new BucketView(filters, Int32Array.from(filters.keys()), []);
  const wildcard: number[] = [];
  const slotByName = new Map<string, { slot: IndexSlot; lists: Map<number, Map<number, number[]>> }>();
  filters.forEach((f, pos) => {
    const entries = bestEntries(f);
    if (entries === null) {
      wildcard.push(pos);
      return;
    }
    for (const e of entries) {
      const name = `${e.kind}:${e.fieldIndex}:${e.valueType}`;
      let s = slotByName.get(name);
      if (!s) {
        s = { slot: new IndexSlot(e.kind, e.fieldIndex, e.valueType), lists: new Map() };
        slotByName.set(name, s);
      }
      let byKey = s.lists.get(e.length);
      if (!byKey) {
        byKey = new Map();
        s.lists.set(e.length, byKey);
      }
      for (const key of e.keys) {
        const list = byKey.get(key);
        if (!list) byKey.set(key, [pos]);
        else if (list[list.length - 1] !== pos) list.push(pos); // an OR-group may repeat a key
      }
    }
  });
  const slots: IndexSlot[] = [];
  for (const { slot, lists } of slotByName.values()) {
    if (slot.kind === SLOT_V4_PREFIX) {
      const root = new PrefixNode();
      for (const [length, byKey] of lists) {
        // The key is the prefix's top `length` bits; put them back at the top of the address for the walk.
        for (const [key, positions] of byKey) trieInsert(root, length === 0 ? 0 : (key << (32 - length)) >>> 0, length, Int32Array.from(positions));
      }
      computeCovering(root, null);
      slot.trie = compress(root, 0, 0);
      slots.push(slot);
      continue;
    }
    // Longest prefixes first: no semantic effect (the merge orders by position), but cheaper misses.
    for (const [length, byKey] of [...lists.entries()].sort((a, b) => b[0] - a[0])) {
      const m = new Map<number, Int32Array>();
      for (const [key, positions] of byKey) m.set(key, Int32Array.from(positions));
      slot.lengths.push(length);
      slot.maps.push(m);
    }
    slots.push(slot);
  }
  return new BucketView(filters, Int32Array.from(wildcard), slots);
}

/**
 * Scratch space for one classify frame: the position lists to merge and their read heads. Reused across classifies
 * so that a lookup allocates nothing once the arrays have grown to the largest fan-out seen.
 */
export class CandidateCursor {
  lists: Int32Array[] = [];
  heads: number[] = [];
  count = 0;
  private last = -1;

  private push(list: Int32Array): void {
    if (list.length === 0) return;
    const i = this.count++;
    if (i < this.lists.length) {
      this.lists[i] = list;
      this.heads[i] = 0;
    } else {
      this.lists.push(list);
      this.heads.push(0);
    }
  }

  /** Prepares the candidates of `view` for these incoming values. */
  reset(view: BucketView, incoming: readonly IncomingValueHolder[]): void {
    this.count = 0;
    this.last = -1;
    this.push(view.wildcard);
    const slots = view.slots;
    for (let s = 0; s < slots.length; s++) {
      const slot = slots[s]!;
      const holder = incoming[slot.fieldIndex];
      if (holder === undefined) continue;
      const v: FwpValue = holder.value;
      if (v.type !== slot.valueType) continue;
      const lengths = slot.lengths;
      const maps = slot.maps;
      switch (slot.kind) {
        case SLOT_EXACT: {
          const key = slot.valueType === FWP_BYTE_ARRAY6_TYPE ? (v.r instanceof Uint8Array && v.r.length >= 6 ? macKey(v.r) : -1) : v.n;
          const list = maps[0]!.get(key);
          if (list !== undefined) this.push(list);
          break;
        }
        case SLOT_V4_PREFIX: {
          const addr = v.n >>> 0;
          let node: CompressedPrefixNode | null = slot.trie;
          let deepest: Int32Array | null = null;
          while (node !== null) {
            const d = node.depth;
            // The address must carry this node's bits (a compressed edge may skip several).
            if (d !== 0 && (d === 32 ? addr !== node.bits : (addr ^ node.bits) >>> (32 - d) !== 0)) break;
            if (node.covering !== null) deepest = node.covering;
            if (d === 32) break;
            node = ((addr >>> (31 - d)) & 1) === 1 ? node.one : node.zero;
          }
          if (deepest !== null) this.push(deepest);
          break;
        }
        case SLOT_V6_PREFIX: {
          const bytes = v.r;
          if (!(bytes instanceof Uint8Array) || bytes.length < 16) break;
          for (let i = 0; i < lengths.length; i++) {
            const list = maps[i]!.get(v6PrefixKey(bytes, lengths[i]!));
            if (list !== undefined) this.push(list);
          }
          break;
        }
        case SLOT_RANGE16: {
          const list = maps[0]!.get(v.n >>> RANGE_BLOCK_SHIFT);
          if (list !== undefined) this.push(list);
          break;
        }
        default:
          break;
      }
    }
  }

  /** The next candidate position in classification order, or -1. Positions found in several lists come once. */
  next(): number {
    const lists = this.lists;
    const heads = this.heads;
    if (this.count === 1) {
      // One list (a small or unindexed sublayer, or only wildcards): no merge, no duplicates possible.
      const l = lists[0]!;
      const h = heads[0]!;
      if (h >= l.length) return -1;
      heads[0] = h + 1;
      return l[h]!;
    }
    for (;;) {
      let best = -1;
      let bestPos = 0x7fffffff;
      for (let j = 0; j < this.count; j++) {
        const h = heads[j]!;
        const l = lists[j]!;
        if (h < l.length) {
          const p = l[h]!;
          if (p < bestPos) {
            bestPos = p;
            best = j;
          }
        }
      }
      if (best < 0) return -1;
      heads[best]++;
      if (bestPos !== this.last) {
        this.last = bestPos;
        return bestPos;
      }
    }
  }

  /** Drops the references to the lists so a finished frame does not keep an old snapshot alive. */
  release(): void {
    for (let i = 0; i < this.count; i++) this.lists[i] = NO_POSITIONS;
    this.count = 0;
  }
}
