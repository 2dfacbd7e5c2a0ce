/**
 * FWP_VALUE0 and FWP_CONDITION_VALUE0 (fwptypes.h) in TypeScript.
 *
 * Two representations:
 *  - the plain, C-shaped interfaces (`{ type: FWP_UINT16, uint16: 443 }`) that callers write filters and conditions
 *    with; 64-bit members are bigint, byte arrays are Uint8Array (the C union holds a pointer to an
 *    FWP_BYTE_ARRAY16/6 struct; here the member is the bytes themselves), blobs are `{ size, data }`;
 *  - `FwpValue`, the mutable slot the host stack refills per packet in FWPS_INCOMING_VALUES0. It exposes the same
 *    union members as accessors over three internal slots (`n` number, `b` bigint, `r` reference), so the classify
 *    path reads one monomorphic shape and a refill never allocates.
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

export interface FWP_BYTE_BLOB {
  size: number;
  data: Uint8Array;
}

/** IPv4 address and mask, both host order (10.0.0.0/8 is `{ addr: 0x0A000000, mask: 0xFF000000 }`). */
export interface FWP_V4_ADDR_AND_MASK {
  addr: number;
  mask: number;
}

export interface FWP_V6_ADDR_AND_MASK {
  addr: Uint8Array;
  prefixLength: number;
}

export interface FWP_RANGE0 {
  valueLow: FWP_VALUE0;
  valueHigh: FWP_VALUE0;
}

/** The value union; exactly the member named by `type` is meaningful, as in C. */
export interface FWP_VALUE0 {
  type: number;
  uint8?: number;
  uint16?: number;
  uint32?: number;
  uint64?: bigint;
  int8?: number;
  int16?: number;
  int32?: number;
  int64?: bigint;
  float32?: number;
  double64?: number;
  byteArray16?: Uint8Array;
  byteBlob?: FWP_BYTE_BLOB;
  sid?: Uint8Array;
  sd?: FWP_BYTE_BLOB;
  tokenInformation?: unknown;
  tokenAccessInformation?: FWP_BYTE_BLOB;
  unicodeString?: string;
  byteArray6?: Uint8Array;
}

export interface FWP_CONDITION_VALUE0 extends FWP_VALUE0 {
  v4AddrMask?: FWP_V4_ADDR_AND_MASK;
  v6AddrMask?: FWP_V6_ADDR_AND_MASK;
  rangeValue?: FWP_RANGE0;
}

const NO_BYTES = new Uint8Array(0);
const NO_BLOB: FWP_BYTE_BLOB = Object.freeze({ size: 0, data: NO_BYTES });

/**
 * A mutable FWP_VALUE0 slot. Setting a member stores into the shared slot but does not change `type` (as writing a
 * C union member does not); the host sets `type` once, when it creates the values for a layer.
 */
export class FwpValue implements FWP_VALUE0 {
  type: number = FWP_EMPTY;
  /** uint8/16/32, int8/16/32, float32, double64 (engine-internal slot). */
  n = 0;
  /** uint64, int64 (engine-internal slot). */
  b = 0n;
  /** byteArray16/6, sid (Uint8Array); byteBlob, sd, tokenAccessInformation (FWP_BYTE_BLOB); unicodeString. */
  r: unknown = null;

  constructor(type: number = FWP_EMPTY) {
    this.type = type;
    // Make `n` a double-represented field from the start: IPv4 addresses above 2^30 are not small integers, and
    // widening the field later would give FwpValues two hidden classes and deoptimize the classify path once per
    // generalisation.
    this.n = 0.5;
    this.n = 0;
  }

  get uint8(): number { return this.n; }
  set uint8(v: number) { this.n = v & 0xff; }
  get uint16(): number { return this.n; }
  set uint16(v: number) { this.n = v & 0xffff; }
  get uint32(): number { return this.n; }
  // `>>> 0` keeps the slot unsigned whatever bit arithmetic produced the value (0xC0A80001 | 0 is negative).
  set uint32(v: number) { this.n = v >>> 0; }
  get int8(): number { return this.n; }
  set int8(v: number) { this.n = (v << 24) >> 24; }
  get int16(): number { return this.n; }
  set int16(v: number) { this.n = (v << 16) >> 16; }
  get int32(): number { return this.n; }
  set int32(v: number) { this.n = v | 0; }
  get float32(): number { return this.n; }
  set float32(v: number) { this.n = Math.fround(v); }
  get double64(): number { return this.n; }
  set double64(v: number) { this.n = v; }
  get uint64(): bigint { return this.b; }
  set uint64(v: bigint) { this.b = BigInt.asUintN(64, v); }
  get int64(): bigint { return this.b; }
  set int64(v: bigint) { this.b = BigInt.asIntN(64, v); }
  get byteArray16(): Uint8Array { return (this.r as Uint8Array | null) ?? NO_BYTES; }
  set byteArray16(v: Uint8Array) { this.r = v; }
  get byteArray6(): Uint8Array { return (this.r as Uint8Array | null) ?? NO_BYTES; }
  set byteArray6(v: Uint8Array) { this.r = v; }
  get sid(): Uint8Array { return (this.r as Uint8Array | null) ?? NO_BYTES; }
  set sid(v: Uint8Array) { this.r = v; }
  get byteBlob(): FWP_BYTE_BLOB { return (this.r as FWP_BYTE_BLOB | null) ?? NO_BLOB; }
  set byteBlob(v: FWP_BYTE_BLOB) { this.r = v; }
  get sd(): FWP_BYTE_BLOB { return (this.r as FWP_BYTE_BLOB | null) ?? NO_BLOB; }
  set sd(v: FWP_BYTE_BLOB) { this.r = v; }
  get tokenAccessInformation(): FWP_BYTE_BLOB { return (this.r as FWP_BYTE_BLOB | null) ?? NO_BLOB; }
  set tokenAccessInformation(v: FWP_BYTE_BLOB) { this.r = v; }
  get tokenInformation(): unknown { return this.r; }
  set tokenInformation(v: unknown) { this.r = v; }
  get unicodeString(): string { return (this.r as string | null) ?? ''; }
  set unicodeString(v: string) { this.r = v; }

  /** Copies type and member from a plain FWP_VALUE0 (a missing member reads as zero / empty). */
  assign(v: FWP_VALUE0): this {
    this.type = v.type;
    this.n = 0;
    this.b = 0n;
    this.r = null;
    switch (v.type) {
      case FWP_UINT8: this.uint8 = v.uint8 ?? 0; break;
      case FWP_UINT16: this.uint16 = v.uint16 ?? 0; break;
      case FWP_UINT32: this.uint32 = v.uint32 ?? 0; break;
      case FWP_INT8: this.int8 = v.int8 ?? 0; break;
      case FWP_INT16: this.int16 = v.int16 ?? 0; break;
      case FWP_INT32: this.int32 = v.int32 ?? 0; break;
      case FWP_FLOAT: this.float32 = v.float32 ?? 0; break;
      case FWP_DOUBLE: this.double64 = v.double64 ?? 0; break;
      case FWP_UINT64: this.uint64 = v.uint64 ?? 0n; break;
      case FWP_INT64: this.int64 = v.int64 ?? 0n; break;
      case FWP_BYTE_ARRAY16_TYPE: this.r = v.byteArray16 ?? null; break;
      case FWP_BYTE_ARRAY6_TYPE: this.r = v.byteArray6 ?? null; break;
      case FWP_SID: this.r = v.sid ?? null; break;
      case FWP_BYTE_BLOB_TYPE: this.r = v.byteBlob ?? null; break;
      case FWP_SECURITY_DESCRIPTOR_TYPE: this.r = v.sd ?? null; break;
      case FWP_TOKEN_ACCESS_INFORMATION_TYPE: this.r = v.tokenAccessInformation ?? null; break;
      case FWP_TOKEN_INFORMATION_TYPE: this.r = v.tokenInformation ?? null; break;
      case FWP_UNICODE_STRING_TYPE: this.r = v.unicodeString ?? null; break;
      default: break;
    }
    return this;
  }

  /** Sets the slot to FWP_EMPTY, e.g. for a field unknown during a reauthorization. */
  clear(): void {
    this.type = FWP_EMPTY;
    this.n = 0;
    this.b = 0n;
    this.r = null;
  }

  /** A plain, detached FWP_VALUE0 with the current contents. */
  toPlain(): FWP_VALUE0 {
    return plainValue(this);
  }
}

/** A plain copy of `v` holding only the member `type` names (byte arrays and blobs are copied too). */
export function plainValue(v: FWP_VALUE0): FWP_VALUE0 {
  switch (v.type) {
    case FWP_UINT8: return { type: v.type, uint8: v.uint8 ?? 0 };
    case FWP_UINT16: return { type: v.type, uint16: v.uint16 ?? 0 };
    case FWP_UINT32: return { type: v.type, uint32: v.uint32 ?? 0 };
    case FWP_INT8: return { type: v.type, int8: v.int8 ?? 0 };
    case FWP_INT16: return { type: v.type, int16: v.int16 ?? 0 };
    case FWP_INT32: return { type: v.type, int32: v.int32 ?? 0 };
    case FWP_FLOAT: return { type: v.type, float32: v.float32 ?? 0 };
    case FWP_DOUBLE: return { type: v.type, double64: v.double64 ?? 0 };
    case FWP_UINT64: return { type: v.type, uint64: v.uint64 ?? 0n };
    case FWP_INT64: return { type: v.type, int64: v.int64 ?? 0n };
    case FWP_BYTE_ARRAY16_TYPE: return { type: v.type, byteArray16: copyBytes(v.byteArray16) };
    case FWP_BYTE_ARRAY6_TYPE: return { type: v.type, byteArray6: copyBytes(v.byteArray6) };
    case FWP_SID: return { type: v.type, sid: copyBytes(v.sid) };
    case FWP_BYTE_BLOB_TYPE: return { type: v.type, byteBlob: copyBlob(v.byteBlob) };
    case FWP_SECURITY_DESCRIPTOR_TYPE: return { type: v.type, sd: copyBlob(v.sd) };
    case FWP_TOKEN_ACCESS_INFORMATION_TYPE: return { type: v.type, tokenAccessInformation: copyBlob(v.tokenAccessInformation) };
    case FWP_TOKEN_INFORMATION_TYPE: return { type: v.type, tokenInformation: v.tokenInformation };
    case FWP_UNICODE_STRING_TYPE: return { type: v.type, unicodeString: v.unicodeString ?? '' };
    default: return { type: v.type };
  }
}

/** A plain copy of a condition value (masks and ranges included). */
export function plainConditionValue(v: FWP_CONDITION_VALUE0): FWP_CONDITION_VALUE0 {
  switch (v.type) {
    case FWP_V4_ADDR_MASK:
      return { type: v.type, v4AddrMask: { addr: (v.v4AddrMask?.addr ?? 0) >>> 0, mask: (v.v4AddrMask?.mask ?? 0) >>> 0 } };
    case FWP_V6_ADDR_MASK:
      return {
        type: v.type,
        v6AddrMask: { addr: copyBytes(v.v6AddrMask?.addr), prefixLength: v.v6AddrMask?.prefixLength ?? 0 },
      };
    case FWP_RANGE_TYPE:
      return {
        type: v.type,
        rangeValue: {
          valueLow: plainValue(v.rangeValue?.valueLow ?? { type: FWP_EMPTY }),
          valueHigh: plainValue(v.rangeValue?.valueHigh ?? { type: FWP_EMPTY }),
        },
      };
    default:
      return plainValue(v);
  }
}

function copyBytes(b: Uint8Array | undefined): Uint8Array {
  return b ? Uint8Array.from(b) : new Uint8Array(0);
}

function copyBlob(b: FWP_BYTE_BLOB | undefined): FWP_BYTE_BLOB {
  if (!b) return { size: 0, data: new Uint8Array(0) };
  const data = Uint8Array.from(b.data.subarray(0, b.size));
  return { size: data.length, data };
}

// ---------------------------------------------------------------------------------------------------------------
// Type classes (FWP_MATCH_TYPE remarks)
// ---------------------------------------------------------------------------------------------------------------

export function isUnsignedIntegerType(t: number): boolean {
  return t === FWP_UINT8 || t === FWP_UINT16 || t === FWP_UINT32 || t === FWP_UINT64;
}

export function isIntegerType(t: number): boolean {
  return isUnsignedIntegerType(t) || t === FWP_INT8 || t === FWP_INT16 || t === FWP_INT32 || t === FWP_INT64;
}

/** "Sortable data types consist of all integer types, FWP_BYTE_ARRAY16_TYPE, FWP_BYTE_BLOB_TYPE and FWP_UNICODE_STRING_TYPE." */
export function isSortableType(t: number): boolean {
  return isIntegerType(t) || t === FWP_BYTE_ARRAY16_TYPE || t === FWP_BYTE_BLOB_TYPE || t === FWP_UNICODE_STRING_TYPE;
}

/** Types whose value lives in the bigint slot. */
export function isWideType(t: number): boolean {
  return t === FWP_UINT64 || t === FWP_INT64;
}

/** Types a single FWP_VALUE0 may carry (everything but the mask and range condition types). */
export function isSingleValueType(t: number): boolean {
  return Number.isInteger(t) && t >= FWP_EMPTY && t <= FWP_BYTE_ARRAY6_TYPE;
}

// ---------------------------------------------------------------------------------------------------------------
// Constructors for plain values, so conditions read like the C initialisers they replace.
// ---------------------------------------------------------------------------------------------------------------
export const fwpEmpty = (): FWP_VALUE0 => ({ type: FWP_EMPTY });
export const fwpUint8 = (v: number): FWP_VALUE0 => ({ type: FWP_UINT8, uint8: v & 0xff });
export const fwpUint16 = (v: number): FWP_VALUE0 => ({ type: FWP_UINT16, uint16: v & 0xffff });
export const fwpUint32 = (v: number): FWP_VALUE0 => ({ type: FWP_UINT32, uint32: v >>> 0 });
export const fwpUint64 = (v: bigint): FWP_VALUE0 => ({ type: FWP_UINT64, uint64: BigInt.asUintN(64, v) });
export const fwpByteArray16 = (v: Uint8Array): FWP_VALUE0 => ({ type: FWP_BYTE_ARRAY16_TYPE, byteArray16: v });
export const fwpByteArray6 = (v: Uint8Array): FWP_VALUE0 => ({ type: FWP_BYTE_ARRAY6_TYPE, byteArray6: v });
export const fwpByteBlob = (v: Uint8Array): FWP_VALUE0 => ({ type: FWP_BYTE_BLOB_TYPE, byteBlob: { size: v.length, data: v } });
export const fwpUnicodeString = (v: string): FWP_VALUE0 => ({ type: FWP_UNICODE_STRING_TYPE, unicodeString: v });
export const fwpV4AddrMask = (addr: number, mask: number): FWP_CONDITION_VALUE0 => ({
  type: FWP_V4_ADDR_MASK,
  v4AddrMask: { addr: addr >>> 0, mask: mask >>> 0 },
});
export const fwpV6AddrMask = (addr: Uint8Array, prefixLength: number): FWP_CONDITION_VALUE0 => ({
  type: FWP_V6_ADDR_MASK,
  v6AddrMask: { addr, prefixLength },
});
export const fwpRange = (valueLow: FWP_VALUE0, valueHigh: FWP_VALUE0): FWP_CONDITION_VALUE0 => ({
  type: FWP_RANGE_TYPE,
  rangeValue: { valueLow, valueHigh },
});
