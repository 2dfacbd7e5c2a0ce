/**
 * Property tests of classification (fast-check):
 *  - the indexed lookup gives exactly what a linear scan gives, and both agree with an independent reference
 *    implementation of spec §2.1 written here from the spec;
 *  - the result does not depend on insertion order when weights are distinct (the [emu] tie-break aside);
 *  - adding a filter that does not match the packet never changes the result.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClassifyResult } from '../../src/engine/classify.js';
import {
  FWPM_CONDITION_IP_LOCAL_ADDRESS,
  FWPM_CONDITION_IP_LOCAL_PORT,
  FWPM_CONDITION_IP_PROTOCOL,
  FWPM_CONDITION_IP_REMOTE_ADDRESS,
  FWPM_CONDITION_IP_REMOTE_PORT,
} from '../../src/engine/condition-keys.js';
import type { FWPM_FILTER_CONDITION0 } from '../../src/engine/conditions.js';
import {
  FWPM_FILTER_FLAG_CLEAR_ACTION_RIGHT,
  FWPS_RIGHT_ACTION_WRITE,
  FWP_ACTION_BLOCK,
  FWP_ACTION_CALLOUT_INSPECTION,
  FWP_ACTION_CALLOUT_TERMINATING,
  FWP_ACTION_CALLOUT_UNKNOWN,
  FWP_ACTION_CONTINUE,
  FWP_ACTION_NONE,
  FWP_ACTION_PERMIT,
  FWP_MATCH_EQUAL,
  FWP_MATCH_GREATER,
  FWP_MATCH_NOT_EQUAL,
  FWP_MATCH_RANGE,
} from '../../src/engine/constants.js';
import { FWPS_LAYER_ALE_AUTH_CONNECT_V4 } from '../../src/engine/layers.js';
import { fwpRange, fwpUint16, fwpUint32, fwpUint8, fwpV4AddrMask } from '../../src/engine/values.js';
import { Harness, answer } from './engine-harness.js';

// ---------------------------------------------------------------------------------------------------------------
// Model
// ---------------------------------------------------------------------------------------------------------------

type CondKind = 'proto' | 'rport' | 'rrange' | 'rportNe' | 'raddr' | 'rmask' | 'lportGt' | 'lmask';
interface CondSpec { kind: CondKind; a: number; b: number }
interface Behaviour { action: number; clearWrite: boolean; absorb: boolean }
interface FilterModel {
  sub: number;
  kind: 'permit' | 'block' | 'callout';
  callout: number;
  calloutType: number;
  weight: bigint | null;
  clearRight: boolean;
  conds: CondSpec[];
}
interface Model { sublayerWeights: number[]; callouts: Behaviour[]; filters: FilterModel[] }
interface Packet { proto: number; rport: number; lport: number; raddr: number; laddr: number }

const PROTOS = [1, 6, 17];
const PORTS = [22, 53, 80, 443, 1024, 8080, 50000];
const ADDRS = [0x0a000001, 0x0a000002, 0x0a0001fe, 0x0a010203, 0xc0a80001, 0xc0a80101];
const PREFIXES = [1, 8, 13, 16, 24, 31, 32];

const condArb: fc.Arbitrary<CondSpec> = fc.oneof(
  fc.record({ kind: fc.constant<CondKind>('proto'), a: fc.constantFrom(...PROTOS), b: fc.constant(0) }),
  fc.record({ kind: fc.constant<CondKind>('rport'), a: fc.constantFrom(...PORTS), b: fc.constant(0) }),
  fc.record({ kind: fc.constant<CondKind>('rrange'), a: fc.constantFrom(...PORTS), b: fc.integer({ min: 0, max: 9000 }) }),
  fc.record({ kind: fc.constant<CondKind>('rportNe'), a: fc.constantFrom(...PORTS), b: fc.constant(0) }),
  fc.record({ kind: fc.constant<CondKind>('raddr'), a: fc.constantFrom(...ADDRS), b: fc.constant(0) }),
  fc.record({ kind: fc.constant<CondKind>('rmask'), a: fc.constantFrom(...ADDRS), b: fc.constantFrom(...PREFIXES) }),
  fc.record({ kind: fc.constant<CondKind>('lportGt'), a: fc.constantFrom(...PORTS), b: fc.constant(0) }),
  fc.record({ kind: fc.constant<CondKind>('lmask'), a: fc.constantFrom(...ADDRS), b: fc.constantFrom(...PREFIXES) }),
);

const behaviourArb: fc.Arbitrary<Behaviour> = fc.record({
  action: fc.constantFrom(FWP_ACTION_CONTINUE, FWP_ACTION_PERMIT, FWP_ACTION_BLOCK, FWP_ACTION_NONE),
  clearWrite: fc.boolean(),
  absorb: fc.boolean(),
});

function filterArb(nSub: number, nCallouts: number, distinctWeights: boolean): fc.Arbitrary<FilterModel> {
  return fc.record({
    sub: fc.integer({ min: 0, max: nSub - 1 }),
    kind: fc.constantFrom<'permit' | 'block' | 'callout'>('permit', 'block', 'callout', 'callout'),
    callout: fc.integer({ min: 0, max: nCallouts - 1 }),
    calloutType: fc.constantFrom(FWP_ACTION_CALLOUT_TERMINATING, FWP_ACTION_CALLOUT_INSPECTION, FWP_ACTION_CALLOUT_UNKNOWN),
    weight: distinctWeights ? fc.constant(0n) : fc.option(fc.bigInt({ min: 0n, max: 20n }), { nil: null }),
    clearRight: fc.boolean(),
    conds: fc.array(condArb, { maxLength: 4 }),
  });
}

function modelArb(distinctWeights: boolean, maxFilters = 40): fc.Arbitrary<Model> {
  return fc
    .record({ nSub: fc.integer({ min: 1, max: 4 }), nCallouts: fc.integer({ min: 1, max: 4 }) })
    .chain(({ nSub, nCallouts }) =>
      fc.record({
        sublayerWeights: fc.uniqueArray(fc.integer({ min: 0, max: 0xffff }), { minLength: nSub, maxLength: nSub }),
        callouts: fc.array(behaviourArb, { minLength: nCallouts, maxLength: nCallouts }),
        filters: fc.array(filterArb(nSub, nCallouts, distinctWeights), { maxLength: maxFilters }),
      }),
    )
    .map((m) => {
      // Distinct weights make the order total without the insertion tie-break.
      if (distinctWeights) m.filters.forEach((f, i) => (f.weight = BigInt(1000 + i * 7)));
      return m;
    });
}

const packetArb: fc.Arbitrary<Packet> = fc.record({
  proto: fc.constantFrom(...PROTOS),
  rport: fc.oneof(fc.constantFrom(...PORTS), fc.integer({ min: 0, max: 65535 })),
  lport: fc.oneof(fc.constantFrom(...PORTS), fc.integer({ min: 0, max: 65535 })),
  raddr: fc.oneof(fc.constantFrom(...ADDRS), fc.integer({ min: 0, max: 0xffffffff })),
  laddr: fc.oneof(fc.constantFrom(...ADDRS), fc.integer({ min: 0, max: 0xffffffff })),
});

// ---------------------------------------------------------------------------------------------------------------
// Building the engine from a model
// ---------------------------------------------------------------------------------------------------------------

const mask = (p: number) => (p === 0 ? 0 : (0xffffffff << (32 - p)) >>> 0);

function toCondition(c: CondSpec): FWPM_FILTER_CONDITION0 {
  switch (c.kind) {
    case 'proto': return { fieldKey: FWPM_CONDITION_IP_PROTOCOL, matchType: FWP_MATCH_EQUAL, conditionValue: fwpUint8(c.a) };
    case 'rport': return { fieldKey: FWPM_CONDITION_IP_REMOTE_PORT, matchType: FWP_MATCH_EQUAL, conditionValue: fwpUint16(c.a) };
    case 'rrange': return { fieldKey: FWPM_CONDITION_IP_REMOTE_PORT, matchType: FWP_MATCH_RANGE, conditionValue: fwpRange(fwpUint16(c.a), fwpUint16(Math.min(65535, c.a + c.b))) };
    case 'rportNe': return { fieldKey: FWPM_CONDITION_IP_REMOTE_PORT, matchType: FWP_MATCH_NOT_EQUAL, conditionValue: fwpUint16(c.a) };
    case 'raddr': return { fieldKey: FWPM_CONDITION_IP_REMOTE_ADDRESS, matchType: FWP_MATCH_EQUAL, conditionValue: fwpUint32(c.a) };
    case 'rmask': return { fieldKey: FWPM_CONDITION_IP_REMOTE_ADDRESS, matchType: FWP_MATCH_EQUAL, conditionValue: fwpV4AddrMask(c.a & mask(c.b), mask(c.b)) };
    case 'lportGt': return { fieldKey: FWPM_CONDITION_IP_LOCAL_PORT, matchType: FWP_MATCH_GREATER, conditionValue: fwpUint16(c.a) };
    case 'lmask': return { fieldKey: FWPM_CONDITION_IP_LOCAL_ADDRESS, matchType: FWP_MATCH_EQUAL, conditionValue: fwpV4AddrMask(c.a & mask(c.b), mask(c.b)) };
  }
}

interface Built {
  h: Harness;
  /** Engine filter id of each model filter (by model index). */
  ids: bigint[];
  calloutIds: number[];
}

/** Builds `model` into a fresh engine, adding sublayers and filters in the given orders. */
function build(model: Model, opts: { indexed: boolean; filterOrder?: number[]; sublayerOrder?: number[] }): Built {
  // indexThreshold 0: index every sublayer however small, so the index is what is exercised.
  const h = new Harness(opts.indexed ? { indexThreshold: 0 } : { indexed: false });
  const subKeys: string[] = new Array(model.sublayerWeights.length);
  for (const i of opts.sublayerOrder ?? model.sublayerWeights.map((_, i) => i)) subKeys[i] = h.sublayer(model.sublayerWeights[i]!);
  const callouts = model.callouts.map((b) => h.callout({ behaviour: (_call, out) => answer(out, b) }));
  const ids: bigint[] = new Array(model.filters.length);
  for (const i of opts.filterOrder ?? model.filters.map((_, i) => i)) {
    const f = model.filters[i]!;
    ids[i] = h.filter({
      sublayer: subKeys[f.sub]!,
      action: f.kind === 'permit' ? FWP_ACTION_PERMIT : f.kind === 'block' ? FWP_ACTION_BLOCK : f.calloutType,
      calloutKey: f.kind === 'callout' ? callouts[f.callout]!.key : undefined,
      weight: f.weight ?? undefined,
      flags: f.clearRight ? FWPM_FILTER_FLAG_CLEAR_ACTION_RIGHT : 0,
      conditions: f.conds.map(toCondition),
    });
  }
  return { h, ids, calloutIds: callouts.map((c) => c.calloutId) };
}

/** A result in model terms (filters by model index) so different builds compare. */
interface Outcome { action: number; filter: number; veto: boolean; absorb: boolean; hard: boolean; matched: boolean; callouts: Array<[number, number]> }

function classifyModel(b: Built, p: Packet): Outcome {
  const r = b.h.engine.classify(
    b.h.values(FWPS_LAYER_ALE_AUTH_CONNECT_V4, { IP_PROTOCOL: p.proto, IP_REMOTE_PORT: p.rport, IP_LOCAL_PORT: p.lport, IP_REMOTE_ADDRESS: p.raddr, IP_LOCAL_ADDRESS: p.laddr }),
    b.h.meta(),
    null,
    new ClassifyResult(),
  );
  return {
    action: r.actionType,
    filter: b.ids.indexOf(r.filterId),
    veto: r.veto,
    absorb: r.absorb,
    hard: r.hard,
    matched: r.matched,
    callouts: r.calloutsRun().map((c) => [b.ids.indexOf(c.filterId), c.rights]),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Independent reference: spec §2.1 applied to the model, with its own condition matcher
// ---------------------------------------------------------------------------------------------------------------

const FIELD_OF: Record<CondKind, string> = { proto: 'proto', rport: 'rport', rrange: 'rport', rportNe: 'rport', raddr: 'raddr', rmask: 'raddr', lportGt: 'lport', lmask: 'laddr' };

function refCond(c: CondSpec, p: Packet): boolean {
  const inPrefix = (v: number) => (c.b === 32 ? v >>> 0 === c.a >>> 0 : v >>> (32 - c.b) === c.a >>> (32 - c.b));
  switch (c.kind) {
    case 'proto': return p.proto === c.a;
    case 'rport': return p.rport === c.a;
    case 'rrange': return p.rport >= c.a && p.rport <= Math.min(65535, c.a + c.b);
    case 'rportNe': return p.rport !== c.a;
    case 'raddr': return p.raddr >>> 0 === c.a >>> 0;
    case 'rmask': return inPrefix(p.raddr);
    case 'lportGt': return p.lport > c.a;
    case 'lmask': return inPrefix(p.laddr);
  }
}

function refMatches(conds: CondSpec[], p: Packet): boolean {
  let i = 0;
  while (i < conds.length) {
    let j = i;
    let any = false;
    while (j < conds.length && FIELD_OF[conds[j]!.kind] === FIELD_OF[conds[i]!.kind]) any = refCond(conds[j++]!, p) || any;
    if (!any) return false;
    i = j;
  }
  return true;
}

function coerce(type: number, returned: number): number {
  if (type === FWP_ACTION_CALLOUT_INSPECTION) return FWP_ACTION_CONTINUE;
  if (returned === FWP_ACTION_PERMIT || returned === FWP_ACTION_BLOCK) return returned;
  if (type === FWP_ACTION_CALLOUT_TERMINATING) return FWP_ACTION_BLOCK;
  return returned === FWP_ACTION_CONTINUE ? FWP_ACTION_CONTINUE : FWP_ACTION_BLOCK;
}

/** Spec §2.1, literally, given the engine's effective weights (weights are the engine's input, not under test here). */
function reference(model: Model, weights: bigint[], p: Packet): Outcome {
  const W = FWPS_RIGHT_ACTION_WRITE;
  const subs = model.sublayerWeights.map((w, i) => ({ w, i })).sort((a, b) => b.w - a.w || a.i - b.i);
  let action = FWP_ACTION_NONE;
  let hard = false;
  let absorb = false;
  let veto = false;
  let filter = -1;
  const callouts: Array<[number, number]> = [];
  for (const s of subs) {
    const fs = model.filters
      .map((f, i) => ({ f, i }))
      .filter(({ f }) => f.sub === s.i)
      .sort((a, b) => (weights[a.i]! === weights[b.i]! ? a.i - b.i : weights[a.i]! > weights[b.i]! ? -1 : 1));
    for (const { f, i } of fs) {
      if (!refMatches(f.conds, p)) continue;
      if (f.kind !== 'callout') {
        const t = f.kind === 'permit' ? FWP_ACTION_PERMIT : FWP_ACTION_BLOCK;
        if (!hard) {
          action = t;
          hard = t === FWP_ACTION_BLOCK || f.clearRight;
          absorb = false;
          filter = i;
        }
        break;
      }
      const b = model.callouts[f.callout]!;
      const rightsIn: number = hard ? 0 : W;
      callouts.push([i, rightsIn]);
      const rightsOut: number = b.clearWrite ? rightsIn & ~W : rightsIn;
      if (hard) {
        if (action === FWP_ACTION_PERMIT && b.action === FWP_ACTION_BLOCK) {
          action = FWP_ACTION_BLOCK;
          absorb = b.absorb;
          veto = true;
          filter = i;
        }
        if (coerce(f.calloutType, b.action) !== FWP_ACTION_CONTINUE) break;
        continue;
      }
      const a = coerce(f.calloutType, b.action);
      if (a === FWP_ACTION_CONTINUE) continue;
      action = a;
      hard = (rightsOut & W) === 0;
      absorb = a === FWP_ACTION_BLOCK && b.absorb;
      filter = i;
      break;
    }
  }
  const final = action === FWP_ACTION_NONE ? FWP_ACTION_PERMIT : action;
  return { action: final, filter, veto, absorb: final === FWP_ACTION_BLOCK && absorb, hard, matched: filter >= 0, callouts };
}

function effectiveWeights(b: Built): bigint[] {
  return b.ids.map((id) => b.h.m.filterRecord(id)!.effectiveWeight);
}

// ---------------------------------------------------------------------------------------------------------------

describe('classification properties', () => {
  it('the indexed lookup equals a linear scan, and both equal the spec §2.1 reference', () => {
    fc.assert(
      fc.property(modelArb(false), fc.array(packetArb, { minLength: 1, maxLength: 12 }), (model, packets) => {
        const indexed = build(model, { indexed: true });
        const linear = build(model, { indexed: false });
        const weights = effectiveWeights(indexed);
        for (const p of packets) {
          const got = classifyModel(indexed, p);
          expect(got).toEqual(classifyModel(linear, p));
          expect(got).toEqual(reference(model, weights, p));
        }
      }),
      { numRuns: 150 },
    );
  });

  it('with distinct weights the result does not depend on insertion order of filters or sublayers', () => {
    fc.assert(
      fc.property(
        modelArb(true, 25).chain((m) =>
          fc.record({
            model: fc.constant(m),
            filterOrder: fc.shuffledSubarray(m.filters.map((_, i) => i), { minLength: m.filters.length, maxLength: m.filters.length }),
            sublayerOrder: fc.shuffledSubarray(m.sublayerWeights.map((_, i) => i), { minLength: m.sublayerWeights.length, maxLength: m.sublayerWeights.length }),
          }),
        ),
        fc.array(packetArb, { minLength: 1, maxLength: 8 }),
        ({ model, filterOrder, sublayerOrder }, packets) => {
          const natural = build(model, { indexed: true });
          const shuffled = build(model, { indexed: true, filterOrder, sublayerOrder });
          for (const p of packets) expect(classifyModel(shuffled, p)).toEqual(classifyModel(natural, p));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('adding a filter that does not match the packet never changes the result', () => {
    fc.assert(
      fc.property(
        modelArb(false, 25),
        packetArb,
        filterArb(4, 4, false),
        fc.nat(),
        (model, p, extra, at) => {
          // The extra filter cannot match: it requires a remote port other than the packet's (its other remote-port
          // conditions are dropped so that none can join that condition's OR-group).
          const nonMatching: FilterModel = {
            ...extra,
            sub: extra.sub % model.sublayerWeights.length,
            callout: extra.callout % model.callouts.length,
            conds: [...extra.conds.filter((c) => FIELD_OF[c.kind] !== 'rport'), { kind: 'rport', a: (p.rport + 1) % 65536, b: 0 }],
          };
          const withExtra: Model = { ...model, filters: [...model.filters] };
          const pos = at % (model.filters.length + 1);
          withExtra.filters.splice(pos, 0, nonMatching);
          const before = classifyModel(build(model, { indexed: true }), p);
          const after = classifyModel(build(withExtra, { indexed: true }), p);
          // Renumber: model filter i is filter i (< pos) or i + 1 (≥ pos) in the extended model.
          const renumber = (i: number) => (i < 0 ? i : i >= pos ? i - 1 : i);
          expect({ ...after, filter: renumber(after.filter), callouts: after.callouts.map(([i, r]) => [renumber(i), r]) }).toEqual(before);
        },
      ),
      { numRuns: 150 },
    );
  });
});
