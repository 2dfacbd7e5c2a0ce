/**
 * Effective filter weight (R42, Filter Weight Assignment):
 *  - FWP_UINT64 w: exactly w;
 *  - FWP_UINT8 k (0–15): k in the top 4 bits, the low 60 bits chosen automatically;
 *  - FWP_EMPTY: automatic, in [0, 2^60).
 * Anything else is STATUS_FWP_INVALID_WEIGHT.
 *
 * [emu] The documentation only says the automatic part grows with the specificity of the conditions. The emulator
 * computes it as (number of distinct constrained fields) << 52 | (bits the conditions pin down, capped at 4095)
 * << 40: a filter on more fields outweighs one on fewer; on the same number of fields, the one that fixes more bits
 * (an exact address over a /8, a port over a port range) is heavier. Equal weights fall back to insertion order.
 */
import {
  FWPM_AUTO_WEIGHT_BITS,
  FWPM_WEIGHT_RANGE_MAX,
  FWP_EMPTY,
  FWP_MATCH_EQUAL,
  FWP_MATCH_EQUAL_CASE_INSENSITIVE,
  FWP_MATCH_FLAGS_ALL_SET,
  FWP_MATCH_FLAGS_NONE_SET,
  FWP_MATCH_PREFIX,
  FWP_MATCH_RANGE,
  FWP_UINT64,
  FWP_UINT8,
  FWP_V4_ADDR_MASK,
  FWP_V6_ADDR_MASK,
} from './constants.js';
import type { CompiledCondition, ConditionGroup } from './conditions.js';
import { typeBits } from './conditions.js';
import { FwpError } from './errors.js';
import { NTSTATUS } from './ntstatus.js';
import type { FWP_VALUE0 } from './values.js';

const AUTO_LIMIT = 1n << BigInt(FWPM_AUTO_WEIGHT_BITS);
const UINT64_LIMIT = 1n << 64n;

function popcount32(x: number): number {
  let v = x >>> 0;
  let n = 0;
  while (v !== 0) {
    v &= v - 1;
    n++;
  }
  return n;
}

function popcount64(x: bigint): number {
  return popcount32(Number(x & 0xffffffffn)) + popcount32(Number((x >> 32n) & 0xffffffffn));
}

/** How many bits of the field value one condition pins down (a rough measure of how narrow it is). */
function conditionBits(c: CompiledCondition): number {
  const width = typeBits(c.fieldType) || 64;
  switch (c.valueType) {
    case FWP_V4_ADDR_MASK:
    case FWP_V6_ADDR_MASK:
      return c.matchType === FWP_MATCH_EQUAL ? c.prefixLength : 0;
    default:
      break;
  }
  switch (c.matchType) {
    case FWP_MATCH_EQUAL:
    case FWP_MATCH_EQUAL_CASE_INSENSITIVE:
      return c.valueType === FWP_EMPTY ? 1 : width;
    case FWP_MATCH_RANGE: {
      // A range of span s leaves about log2(s) bits free.
      let span: number;
      if (c.rangeType === FWP_UINT64) span = Number(c.b2 - c.b);
      else span = c.n2 - c.n;
      if (!Number.isFinite(span) || span < 0) return 0;
      return Math.max(0, width - Math.ceil(Math.log2(span + 1)));
    }
    case FWP_MATCH_FLAGS_ALL_SET:
    case FWP_MATCH_FLAGS_NONE_SET:
      return c.valueType === FWP_UINT64 ? popcount64(c.b) : popcount32(c.n);
    case FWP_MATCH_PREFIX:
      return Math.min(width, 8 * (c.bytes?.length ?? c.str?.length ?? 0));
    default:
      // GREATER/LESS/ANY_SET/NOT_EQUAL/NOT_PREFIX exclude little.
      return 1;
  }
}

/** Bits an OR-group pins down: its loosest member, less one bit per doubling of the alternatives. */
function groupBits(g: ConditionGroup): number {
  let min = Infinity;
  for (const c of g) min = Math.min(min, conditionBits(c));
  return Math.max(0, min - Math.ceil(Math.log2(g.length)));
}

/** The automatic weight in [0, 2^60) for a filter with these condition groups. */
export function autoWeight(groups: readonly ConditionGroup[]): bigint {
  const fields = new Set<string>();
  let bits = 0;
  for (const g of groups) {
    fields.add(g[0]!.fieldKey);
    bits += groupBits(g);
  }
  const fieldCount = BigInt(Math.min(fields.size, 255));
  return (fieldCount << 52n) | (BigInt(Math.min(bits, 4095)) << 40n);
}

/** The effective weight of a filter whose FWPM_FILTER0.weight is `weight` (R42). */
export function effectiveWeight(weight: FWP_VALUE0 | undefined | null, groups: readonly ConditionGroup[]): bigint {
  const type = weight?.type ?? FWP_EMPTY;
  switch (type) {
    case FWP_EMPTY:
      return autoWeight(groups);
    case FWP_UINT8: {
      const k = weight?.uint8;
      if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k > FWPM_WEIGHT_RANGE_MAX) {
        throw new FwpError(NTSTATUS.STATUS_FWP_INVALID_WEIGHT, `weight range ${String(k)} is outside 0–${FWPM_WEIGHT_RANGE_MAX}`);
      }
      return (BigInt(k) << BigInt(FWPM_AUTO_WEIGHT_BITS)) | autoWeight(groups);
    }
    case FWP_UINT64: {
      const w = weight?.uint64;
      if (typeof w !== 'bigint' || w < 0n || w >= UINT64_LIMIT) {
        throw new FwpError(NTSTATUS.STATUS_FWP_INVALID_WEIGHT, 'FWP_UINT64 weight is missing or out of range');
      }
      return w;
    }
    default:
      throw new FwpError(NTSTATUS.STATUS_FWP_INVALID_WEIGHT, `weight of data type ${type}`);
  }
}

export const AUTO_WEIGHT_LIMIT = AUTO_LIMIT;
