/**
 * Filter conditions: validation when a filter is added, compilation into a flat shape, and matching against the
 * incoming values at classify time.
 *
 * Rules (spec §1.3, FWP_MATCH_TYPE, FWPM_FILTER0):
 *  - R40: conditions on different fields are ANDed, *consecutive* conditions on the same field are ORed, an empty
 *    list matches everything;
 *  - R41: the value and condition types must be identical (no conversion) except UINT32 v4 address vs
 *    V4_ADDR_MASK and BYTE_ARRAY16 v6 address vs V6_ADDR_MASK; a condition of another type is accepted when added
 *    but never matches. FWP_MATCH_PREFIX / NOT_PREFIX test a *suffix*;
 *  - an FWP_EMPTY value matches an EQUAL condition whose value is FWP_EMPTY (fields unknown in a reauthorization).
 * Match types a type does not support (documented per match type) are refused with STATUS_FWP_MATCH_TYPE_MISMATCH.
 *
 * [emu] Security-descriptor conditions on token fields (ALE_USER_ID…) are accepted but never match: the emulator
 * has no access check. [emu] A byte-blob suffix test ignores one trailing UTF-16 NUL on either side, since app ids
 * are NUL-terminated wide strings.
 */
import {
  FWP_BYTE_ARRAY16_TYPE,
  FWP_BYTE_ARRAY6_TYPE,
  FWP_BYTE_BLOB_TYPE,
  FWP_DOUBLE,
  FWP_EMPTY,
  FWP_FLOAT,
  FWP_INT16,
  FWP_INT32,
  FWP_INT64,
  FWP_INT8,
  FWP_MATCH_EQUAL,
  FWP_MATCH_EQUAL_CASE_INSENSITIVE,
  FWP_MATCH_FLAGS_ALL_SET,
  FWP_MATCH_FLAGS_ANY_SET,
  FWP_MATCH_FLAGS_NONE_SET,
  FWP_MATCH_GREATER,
  FWP_MATCH_GREATER_OR_EQUAL,
  FWP_MATCH_LESS,
  FWP_MATCH_LESS_OR_EQUAL,
  FWP_MATCH_NOT_EQUAL,
  FWP_MATCH_NOT_PREFIX,
  FWP_MATCH_PREFIX,
  FWP_MATCH_RANGE,
  FWP_MATCH_TYPE_MAX,
  FWP_RANGE_TYPE,
  FWP_SECURITY_DESCRIPTOR_TYPE,
  FWP_SID,
  FWP_TOKEN_ACCESS_INFORMATION_TYPE,
  FWP_TOKEN_INFORMATION_TYPE,
  FWP_UINT16,
  FWP_UINT32,
  FWP_UINT64,
  FWP_UINT8,
  FWP_UNICODE_STRING_TYPE,
  FWP_V4_ADDR_MASK,
  FWP_V6_ADDR_MASK,
} from './constants.js';
import { ipv4PrefixLength } from './addresses.js';
import { FwpError } from './errors.js';
import { canonicalGuid, type GUID } from './guid.js';
import type { FieldInfo, LayerInfo } from './layers.js';
import { NTSTATUS } from './ntstatus.js';
import {
  isSingleValueType,
  isSortableType,
  isUnsignedIntegerType,
  isWideType,
  plainConditionValue,
  type FWP_BYTE_BLOB,
  type FWP_CONDITION_VALUE0,
  type FWP_VALUE0,
  FwpValue,
} from './values.js';

/** FWPM_FILTER_CONDITION0. */
export interface FWPM_FILTER_CONDITION0 {
  fieldKey: GUID;
  matchType: number;
  conditionValue: FWP_CONDITION_VALUE0;
}

/** FWPS_FILTER_CONDITION0: the run-time copy a callout sees in FWPS_FILTER0.filterCondition. */
export interface FWPS_FILTER_CONDITION0 {
  fieldId: number;
  reserved: number;
  matchType: number;
  conditionValue: FWP_CONDITION_VALUE0;
}

/** A validated condition in the flat shape the matcher reads (one class, so the matcher stays monomorphic). */
export class CompiledCondition {
  fieldIndex = 0;
  fieldKey: GUID = '';
  /** Incoming data type of the field (what the host puts in the slot). */
  fieldType = FWP_EMPTY;
  isAddressField = false;
  matchType = FWP_MATCH_EQUAL;
  /** Data type of the condition value: a single type, FWP_V4_ADDR_MASK, FWP_V6_ADDR_MASK or FWP_RANGE_TYPE. */
  valueType = FWP_EMPTY;
  /** For RANGE: the type of valueLow/valueHigh. */
  rangeType = FWP_EMPTY;
  /** Narrow numeric value (or v4 address, or range low); `n2`: v4 mask or range high. */
  n = 0;
  n2 = 0;
  /** 64-bit value (or range low / high). */
  b = 0n;
  b2 = 0n;
  /** Byte value (byteArray16/6, sid, blob data, v6 address) and range high for byte types. */
  bytes: Uint8Array | null = null;
  bytes2: Uint8Array | null = null;
  str: string | null = null;
  str2: string | null = null;
  /** Lower-cased `str` for EQUAL_CASE_INSENSITIVE. */
  strLower: string | null = null;
  /** V6_ADDR_MASK prefix length. */
  prefixLength = 0;
  /** Opaque value (FWP_TOKEN_INFORMATION_TYPE), compared by identity. */
  ref: unknown = null;
  /** R41: the condition's type can never equal the field's, so it never matches. */
  neverMatches = false;
  /** The caller's condition, copied, for FWPS_FILTER0 and enumeration. */
  source!: FWPM_FILTER_CONDITION0;

  constructor() {
    // Double-represented numeric slots from the start (see FwpValue): one hidden class for all conditions.
    this.n = 0.5;
    this.n = 0;
    this.n2 = 0.5;
    this.n2 = 0;
  }
}

/** An OR-group of consecutive conditions on one field; a filter matches when every group has a match. */
export type ConditionGroup = readonly CompiledCondition[];

// ---------------------------------------------------------------------------------------------------------------
// Validation and compilation
// ---------------------------------------------------------------------------------------------------------------

function fail(status: number, detail: string): never {
  throw new FwpError(status, detail);
}

function matchTypeSupports(matchType: number, t: number): boolean {
  switch (matchType) {
    case FWP_MATCH_EQUAL:
      return true;
    case FWP_MATCH_GREATER:
    case FWP_MATCH_LESS:
    case FWP_MATCH_GREATER_OR_EQUAL:
    case FWP_MATCH_LESS_OR_EQUAL:
    case FWP_MATCH_NOT_EQUAL:
      return isSortableType(t);
    case FWP_MATCH_FLAGS_ALL_SET:
    case FWP_MATCH_FLAGS_ANY_SET:
    case FWP_MATCH_FLAGS_NONE_SET:
      return isUnsignedIntegerType(t);
    case FWP_MATCH_EQUAL_CASE_INSENSITIVE:
      return t === FWP_UNICODE_STRING_TYPE;
    case FWP_MATCH_PREFIX:
    case FWP_MATCH_NOT_PREFIX:
      return t === FWP_BYTE_BLOB_TYPE || t === FWP_UNICODE_STRING_TYPE;
    default:
      return false;
  }
}

function blobBytes(b: FWP_BYTE_BLOB | undefined, what: string): Uint8Array {
  if (!b || !(b.data instanceof Uint8Array)) fail(NTSTATUS.STATUS_FWP_NULL_POINTER, `${what} has no data`);
  if (!Number.isInteger(b.size) || b.size < 0 || b.size > b.data.length) {
    fail(NTSTATUS.STATUS_FWP_INVALID_PARAMETER, `${what} size ${b.size} exceeds its data`);
  }
  return Uint8Array.from(b.data.subarray(0, b.size));
}

function fixedBytes(b: Uint8Array | undefined, length: number, what: string): Uint8Array {
  if (!(b instanceof Uint8Array)) fail(NTSTATUS.STATUS_FWP_NULL_POINTER, `${what} is missing`);
  if (b.length !== length) fail(NTSTATUS.STATUS_FWP_INVALID_PARAMETER, `${what} must be ${length} bytes`);
  return Uint8Array.from(b);
}

/** Loads a single value of type `t` into the primary (`second` false) or secondary slots of `c`. */
function loadSingle(c: CompiledCondition, v: FWP_VALUE0, second: boolean): void {
  const t = v.type;
  const num = (x: number | undefined, what: string): number => {
    if (typeof x !== 'number' || !Number.isFinite(x)) fail(NTSTATUS.STATUS_FWP_NULL_POINTER, `${what} is missing`);
    return x;
  };
  const setN = (x: number): void => {
    if (second) c.n2 = x;
    else c.n = x;
  };
  switch (t) {
    case FWP_EMPTY:
      return;
    case FWP_UINT8: setN(num(v.uint8, 'uint8') & 0xff); return;
    case FWP_UINT16: setN(num(v.uint16, 'uint16') & 0xffff); return;
    case FWP_UINT32: setN(num(v.uint32, 'uint32') >>> 0); return;
    case FWP_INT8: setN((num(v.int8, 'int8') << 24) >> 24); return;
    case FWP_INT16: setN((num(v.int16, 'int16') << 16) >> 16); return;
    case FWP_INT32: setN(num(v.int32, 'int32') | 0); return;
    case FWP_FLOAT: setN(Math.fround(num(v.float32, 'float32'))); return;
    case FWP_DOUBLE: setN(num(v.double64, 'double64')); return;
    case FWP_UINT64:
    case FWP_INT64: {
      const x = t === FWP_UINT64 ? v.uint64 : v.int64;
      if (typeof x !== 'bigint') fail(NTSTATUS.STATUS_FWP_NULL_POINTER, `${t === FWP_UINT64 ? 'uint64' : 'int64'} is missing`);
      const y = t === FWP_UINT64 ? BigInt.asUintN(64, x) : BigInt.asIntN(64, x);
      if (second) c.b2 = y;
      else c.b = y;
      return;
    }
    case FWP_BYTE_ARRAY16_TYPE:
    case FWP_BYTE_ARRAY6_TYPE:
    case FWP_SID:
    case FWP_BYTE_BLOB_TYPE:
    case FWP_SECURITY_DESCRIPTOR_TYPE:
    case FWP_TOKEN_ACCESS_INFORMATION_TYPE: {
      const bytes =
        t === FWP_BYTE_ARRAY16_TYPE ? fixedBytes(v.byteArray16, 16, 'byteArray16')
        : t === FWP_BYTE_ARRAY6_TYPE ? fixedBytes(v.byteArray6, 6, 'byteArray6')
        : t === FWP_SID ? (v.sid instanceof Uint8Array ? Uint8Array.from(v.sid) : fail(NTSTATUS.STATUS_FWP_NULL_POINTER, 'sid is missing'))
        : t === FWP_BYTE_BLOB_TYPE ? blobBytes(v.byteBlob, 'byteBlob')
        : t === FWP_SECURITY_DESCRIPTOR_TYPE ? blobBytes(v.sd, 'sd')
        : blobBytes(v.tokenAccessInformation, 'tokenAccessInformation');
      if (second) c.bytes2 = bytes;
      else c.bytes = bytes;
      return;
    }
    case FWP_UNICODE_STRING_TYPE: {
      if (typeof v.unicodeString !== 'string') fail(NTSTATUS.STATUS_FWP_NULL_POINTER, 'unicodeString is missing');
      if (second) c.str2 = v.unicodeString;
      else {
        c.str = v.unicodeString;
        c.strLower = v.unicodeString.toLowerCase();
      }
      return;
    }
    case FWP_TOKEN_INFORMATION_TYPE:
      c.ref = v.tokenInformation;
      return;
    default:
      fail(NTSTATUS.STATUS_FWP_INVALID_ENUMERATOR, `unknown data type ${t}`);
  }
}

/** Validates one FWPM_FILTER_CONDITION0 for `layer` and compiles it; throws FwpError with the Fwpm status. */
export function compileCondition(layer: LayerInfo, cond: FWPM_FILTER_CONDITION0): CompiledCondition {
  if (!cond || typeof cond !== 'object') fail(NTSTATUS.STATUS_FWP_NULL_POINTER, 'condition is missing');
  const key = typeof cond.fieldKey === 'string' ? canonicalGuid(cond.fieldKey) : null;
  const index = key === null ? undefined : layer.fieldIndexByKey.get(key);
  const field: FieldInfo | undefined = index === undefined ? undefined : layer.fields[index];
  if (!field || key === null) fail(NTSTATUS.STATUS_FWP_CONDITION_NOT_FOUND, `field ${cond.fieldKey} is not a field of ${layer.name}`);
  const mt = cond.matchType;
  if (!Number.isInteger(mt) || mt < 0 || mt >= FWP_MATCH_TYPE_MAX) fail(NTSTATUS.STATUS_FWP_INVALID_ENUMERATOR, `match type ${mt}`);
  const cv = cond.conditionValue;
  if (!cv || typeof cv !== 'object') fail(NTSTATUS.STATUS_FWP_NULL_POINTER, 'conditionValue is missing');

  const c = new CompiledCondition();
  c.fieldIndex = field.index;
  c.fieldKey = key;
  c.fieldType = field.dataType;
  c.isAddressField = field.isAddress;
  c.matchType = mt;
  c.valueType = cv.type;

  switch (cv.type) {
    case FWP_V4_ADDR_MASK: {
      // Only equality makes sense for a masked address; the other match types need a single sortable value.
      if (mt !== FWP_MATCH_EQUAL && mt !== FWP_MATCH_NOT_EQUAL) fail(NTSTATUS.STATUS_FWP_MATCH_TYPE_MISMATCH, 'V4_ADDR_MASK needs EQUAL or NOT_EQUAL');
      const am = cv.v4AddrMask;
      if (!am || typeof am.addr !== 'number' || typeof am.mask !== 'number') fail(NTSTATUS.STATUS_FWP_NULL_POINTER, 'v4AddrMask is missing');
      if (ipv4PrefixLength(am.mask) < 0) fail(NTSTATUS.STATUS_FWP_INVALID_NET_MASK, 'v4 mask is not contiguous');
      c.n = am.addr >>> 0;
      c.n2 = am.mask >>> 0;
      c.prefixLength = ipv4PrefixLength(am.mask);
      c.neverMatches = field.dataType !== FWP_UINT32;
      break;
    }
    case FWP_V6_ADDR_MASK: {
      if (mt !== FWP_MATCH_EQUAL && mt !== FWP_MATCH_NOT_EQUAL) fail(NTSTATUS.STATUS_FWP_MATCH_TYPE_MISMATCH, 'V6_ADDR_MASK needs EQUAL or NOT_EQUAL');
      const am = cv.v6AddrMask;
      if (!am) fail(NTSTATUS.STATUS_FWP_NULL_POINTER, 'v6AddrMask is missing');
      c.bytes = fixedBytes(am.addr, 16, 'v6AddrMask.addr');
      if (!Number.isInteger(am.prefixLength) || am.prefixLength < 0 || am.prefixLength > 128) {
        fail(NTSTATUS.STATUS_FWP_INVALID_NET_MASK, `v6 prefix length ${am.prefixLength}`);
      }
      c.prefixLength = am.prefixLength;
      c.neverMatches = field.dataType !== FWP_BYTE_ARRAY16_TYPE;
      break;
    }
    case FWP_RANGE_TYPE: {
      if (mt !== FWP_MATCH_RANGE) fail(NTSTATUS.STATUS_FWP_MATCH_TYPE_MISMATCH, 'a range value needs FWP_MATCH_RANGE');
      const r = cv.rangeValue;
      if (!r || !r.valueLow || !r.valueHigh) fail(NTSTATUS.STATUS_FWP_NULL_POINTER, 'rangeValue is missing');
      if (r.valueLow.type !== r.valueHigh.type) fail(NTSTATUS.STATUS_FWP_INVALID_RANGE, 'range ends have different types');
      if (!isSortableType(r.valueLow.type)) fail(NTSTATUS.STATUS_FWP_MATCH_TYPE_MISMATCH, 'range over an unsortable type');
      c.rangeType = r.valueLow.type;
      loadSingle(c, r.valueLow, false);
      loadSingle(c, r.valueHigh, true);
      if (compareCompiled(c) > 0) fail(NTSTATUS.STATUS_FWP_INVALID_RANGE, 'range low is above range high');
      c.neverMatches = field.dataType !== c.rangeType;
      break;
    }
    default: {
      if (!isSingleValueType(cv.type)) fail(NTSTATUS.STATUS_FWP_INVALID_ENUMERATOR, `data type ${cv.type}`);
      if (mt === FWP_MATCH_RANGE) fail(NTSTATUS.STATUS_FWP_MATCH_TYPE_MISMATCH, 'FWP_MATCH_RANGE needs a range value');
      if (!matchTypeSupports(mt, cv.type)) fail(NTSTATUS.STATUS_FWP_MATCH_TYPE_MISMATCH, `match type ${mt} on data type ${cv.type}`);
      loadSingle(c, cv, false);
      // An FWP_EMPTY condition can match any field: the value is FWP_EMPTY when it is unknown (reauthorization).
      c.neverMatches = field.dataType !== cv.type && cv.type !== FWP_EMPTY;
    }
  }
  c.source = { fieldKey: key, matchType: mt, conditionValue: plainConditionValue(cv) };
  return c;
}

/** Compiles a condition list and groups consecutive conditions on the same field (R40). */
export function compileConditions(layer: LayerInfo, conds: readonly FWPM_FILTER_CONDITION0[]): CompiledCondition[][] {
  const groups: CompiledCondition[][] = [];
  let last: CompiledCondition[] | null = null;
  for (const cond of conds) {
    const c = compileCondition(layer, cond);
    if (last !== null && last[0]!.fieldKey === c.fieldKey) last.push(c);
    else {
      last = [c];
      groups.push(last);
    }
  }
  return groups;
}

/** Compares range low (primary slots) with range high (secondary slots) of a compiled RANGE condition. */
function compareCompiled(c: CompiledCondition): number {
  const t = c.rangeType;
  if (isWideType(t)) return c.b < c.b2 ? -1 : c.b > c.b2 ? 1 : 0;
  if (t === FWP_UNICODE_STRING_TYPE) return compareStrings(c.str ?? '', c.str2 ?? '');
  if (t === FWP_BYTE_ARRAY16_TYPE || t === FWP_BYTE_BLOB_TYPE) return compareBytes(c.bytes!, c.bytes!.length, c.bytes2!, c.bytes2!.length);
  return c.n < c.n2 ? -1 : c.n > c.n2 ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------------------------
// Matching (hot path: no allocation)
// ---------------------------------------------------------------------------------------------------------------

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Lexicographic unsigned byte order; a proper prefix sorts first. */
function compareBytes(a: Uint8Array, aLen: number, b: Uint8Array, bLen: number): number {
  const n = aLen < bLen ? aLen : bLen;
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return aLen === bLen ? 0 : aLen < bLen ? -1 : 1;
}

function bytesEqual(a: Uint8Array, aLen: number, b: Uint8Array, bLen: number): boolean {
  if (aLen !== bLen) return false;
  for (let i = 0; i < aLen; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** True when the first `prefixLength` bits of `a` and `b` agree. */
export function prefixEqual(a: Uint8Array, b: Uint8Array, prefixLength: number): boolean {
  if (a.length < 16) return false;
  const whole = prefixLength >>> 3;
  for (let i = 0; i < whole; i++) if (a[i] !== b[i]) return false;
  const rest = prefixLength & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (a[whole]! & mask) === (b[whole]! & mask);
}

/** Length of a byte string without one trailing UTF-16 NUL ([emu], see the module comment). */
function withoutWideNul(b: Uint8Array, len: number): number {
  return len >= 2 && (len & 1) === 0 && b[len - 1] === 0 && b[len - 2] === 0 ? len - 2 : len;
}

function endsWithBytes(v: Uint8Array, vLen: number, suffix: Uint8Array, sLen: number): boolean {
  const vl = withoutWideNul(v, vLen);
  const sl = withoutWideNul(suffix, sLen);
  if (sl > vl) return false;
  const off = vl - sl;
  for (let i = 0; i < sl; i++) if (v[off + i] !== suffix[i]) return false;
  return true;
}

/** The bytes of a byte-typed slot and their length (a blob's `size`, else the array length). */
function slotBytes(v: FwpValue): Uint8Array | null {
  const r = v.r;
  if (r === null) return null;
  if (r instanceof Uint8Array) return r;
  return (r as FWP_BYTE_BLOB).data;
}

function slotLength(v: FwpValue): number {
  const r = v.r;
  if (r === null) return 0;
  if (r instanceof Uint8Array) return r.length;
  const blob = r as FWP_BYTE_BLOB;
  return blob.size < blob.data.length ? blob.size : blob.data.length;
}

/** Three-way comparison of a slot with the primary (`high` false) or secondary value of `c`, of type `t`. */
function compareSlot(v: FwpValue, c: CompiledCondition, t: number, high: boolean): number {
  if (isWideType(t)) {
    const x = high ? c.b2 : c.b;
    return v.b < x ? -1 : v.b > x ? 1 : 0;
  }
  if (t === FWP_UNICODE_STRING_TYPE) return compareStrings((v.r as string | null) ?? '', (high ? c.str2 : c.str) ?? '');
  if (t === FWP_BYTE_ARRAY16_TYPE || t === FWP_BYTE_BLOB_TYPE) {
    const b = high ? c.bytes2! : c.bytes!;
    const vb = slotBytes(v);
    return vb === null ? (b.length === 0 ? 0 : -1) : compareBytes(vb, slotLength(v), b, b.length);
  }
  const x = high ? c.n2 : c.n;
  return v.n < x ? -1 : v.n > x ? 1 : 0;
}

function equalsSlot(v: FwpValue, c: CompiledCondition): boolean {
  switch (c.valueType) {
    case FWP_EMPTY:
      return true;
    case FWP_UINT64:
    case FWP_INT64:
      return v.b === c.b;
    case FWP_UNICODE_STRING_TYPE:
      return v.r === c.str;
    case FWP_TOKEN_INFORMATION_TYPE:
      return v.r === c.ref;
    case FWP_BYTE_ARRAY16_TYPE:
    case FWP_BYTE_ARRAY6_TYPE:
    case FWP_SID:
    case FWP_BYTE_BLOB_TYPE:
    case FWP_SECURITY_DESCRIPTOR_TYPE:
    case FWP_TOKEN_ACCESS_INFORMATION_TYPE: {
      const vb = slotBytes(v);
      const b = c.bytes!;
      return vb === null ? b.length === 0 : bytesEqual(vb, slotLength(v), b, b.length);
    }
    default:
      return v.n === c.n;
  }
}

/** Does incoming value `v` satisfy condition `c`? */
export function matchCondition(c: CompiledCondition, v: FwpValue): boolean {
  const vt = v.type;
  switch (c.valueType) {
    case FWP_V4_ADDR_MASK: {
      if (vt !== FWP_UINT32) return false;
      const eq = ((v.n ^ c.n) & c.n2) === 0;
      return c.matchType === FWP_MATCH_NOT_EQUAL ? !eq : eq;
    }
    case FWP_V6_ADDR_MASK: {
      if (vt !== FWP_BYTE_ARRAY16_TYPE || !(v.r instanceof Uint8Array)) return false;
      const eq = prefixEqual(v.r, c.bytes!, c.prefixLength);
      return c.matchType === FWP_MATCH_NOT_EQUAL ? !eq : eq;
    }
    case FWP_RANGE_TYPE:
      if (vt !== c.rangeType) return false;
      return compareSlot(v, c, vt, false) >= 0 && compareSlot(v, c, vt, true) <= 0;
    default:
      break;
  }
  if (vt !== c.valueType) return false; // R41: no conversion between data types
  switch (c.matchType) {
    case FWP_MATCH_EQUAL:
      return equalsSlot(v, c);
    case FWP_MATCH_NOT_EQUAL:
      return !equalsSlot(v, c);
    case FWP_MATCH_GREATER:
      return compareSlot(v, c, vt, false) > 0;
    case FWP_MATCH_LESS:
      return compareSlot(v, c, vt, false) < 0;
    case FWP_MATCH_GREATER_OR_EQUAL:
      return compareSlot(v, c, vt, false) >= 0;
    case FWP_MATCH_LESS_OR_EQUAL:
      return compareSlot(v, c, vt, false) <= 0;
    case FWP_MATCH_FLAGS_ALL_SET:
      return vt === FWP_UINT64 ? (v.b & c.b) === c.b : ((v.n & c.n) >>> 0) === c.n;
    case FWP_MATCH_FLAGS_ANY_SET:
      return vt === FWP_UINT64 ? (v.b & c.b) !== 0n : (v.n & c.n) !== 0;
    case FWP_MATCH_FLAGS_NONE_SET:
      return vt === FWP_UINT64 ? (v.b & c.b) === 0n : (v.n & c.n) === 0;
    case FWP_MATCH_EQUAL_CASE_INSENSITIVE:
      return typeof v.r === 'string' && v.r.toLowerCase() === c.strLower;
    case FWP_MATCH_PREFIX:
    case FWP_MATCH_NOT_PREFIX: {
      let ends: boolean;
      if (vt === FWP_UNICODE_STRING_TYPE) ends = typeof v.r === 'string' && v.r.endsWith(c.str ?? '');
      else {
        const vb = slotBytes(v);
        ends = vb !== null && endsWithBytes(vb, slotLength(v), c.bytes!, c.bytes!.length);
      }
      return c.matchType === FWP_MATCH_PREFIX ? ends : !ends;
    }
    default:
      return false;
  }
}

/** The slot holder FWPS_INCOMING_VALUES0.incomingValue[] is made of. */
export interface IncomingValueHolder {
  value: FwpValue;
}

const EMPTY_SLOT = new FwpValue(FWP_EMPTY);

/** Does a filter whose conditions form `groups` match these incoming values? (R40) */
export function matchGroups(groups: readonly ConditionGroup[], incoming: readonly IncomingValueHolder[]): boolean {
  for (let g = 0; g < groups.length; g++) {
    const group = groups[g]!;
    let any = false;
    for (let i = 0; i < group.length; i++) {
      const c = group[i]!;
      const holder = incoming[c.fieldIndex];
      if (matchCondition(c, holder === undefined ? EMPTY_SLOT : holder.value)) {
        any = true;
        break;
      }
    }
    if (!any) return false;
  }
  return true;
}

/** Byte width of a fixed-size field type, for specificity (0 for variable or unknown). */
export function typeBits(t: number): number {
  switch (t) {
    case FWP_UINT8:
    case FWP_INT8:
      return 8;
    case FWP_UINT16:
    case FWP_INT16:
      return 16;
    case FWP_UINT32:
    case FWP_INT32:
    case FWP_FLOAT:
      return 32;
    case FWP_UINT64:
    case FWP_INT64:
    case FWP_DOUBLE:
      return 64;
    case FWP_BYTE_ARRAY6_TYPE:
      return 48;
    case FWP_BYTE_ARRAY16_TYPE:
      return 128;
    default:
      return 0;
  }
}
