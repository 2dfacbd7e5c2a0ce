/**
 * Filter engine classification throughput at FWPS_LAYER_ALE_AUTH_CONNECT_V4 with 10, 1,000 and 10,000 filters in a
 * realistic mix (exact remote addresses, prefixes, ports, port ranges, protocols, local ports and prefixes, a few
 * callouts over three sublayers), with the candidate index and, for comparison, as a linear scan. Each packet is
 * written into one preallocated FWPS_INCOMING_VALUES0, as the host stack does, so the numbers include that refill.
 * The table shows how the cost grows with the filter count; the index should keep it well below linear.
 * Run alone: `tsc -p bench/tsconfig.json && node .bench-build/bench/classify.js`.
 */
import { pathToFileURL } from 'node:url';
import { ClassifyResult } from '../src/engine/classify.js';
import {
  FWPM_CONDITION_IP_LOCAL_ADDRESS,
  FWPM_CONDITION_IP_LOCAL_PORT,
  FWPM_CONDITION_IP_PROTOCOL,
  FWPM_CONDITION_IP_REMOTE_ADDRESS,
  FWPM_CONDITION_IP_REMOTE_PORT,
} from '../src/engine/condition-keys.js';
import type { FWPM_FILTER_CONDITION0 } from '../src/engine/conditions.js';
import {
  FWPS_RIGHT_ACTION_WRITE,
  FWP_ACTION_BLOCK,
  FWP_ACTION_CALLOUT_INSPECTION,
  FWP_ACTION_CALLOUT_UNKNOWN,
  FWP_ACTION_CONTINUE,
  FWP_ACTION_PERMIT,
  FWP_MATCH_EQUAL,
  FWP_MATCH_RANGE,
} from '../src/engine/constants.js';
import { createFilterEngine, type FilterEngine } from '../src/engine/engine.js';
import { newGuid } from '../src/engine/guid.js';
import { createIncomingMetadata, createIncomingValues } from '../src/engine/incoming.js';
import {
  FWPM_LAYER_ALE_AUTH_CONNECT_V4,
  FWPM_SUBLAYER_UNIVERSAL,
  FWPS_FIELDS_ALE_AUTH_CONNECT_V4 as F,
  FWPS_LAYER_ALE_AUTH_CONNECT_V4,
} from '../src/engine/layers.js';
import type { Session } from '../src/engine/session.js';
import { fwpRange, fwpUint16, fwpUint32, fwpUint8, fwpV4AddrMask } from '../src/engine/values.js';

export interface ClassifyBenchOptions {
  /** Filter counts to measure (default 10, 1,000, 10,000). */
  sizes?: number[];
  /** Measuring time per case (default 1000 ms), after a warm-up of half that. */
  durationMs?: number;
  /** Also measure the linear scan (default true). */
  linear?: boolean;
  quiet?: boolean;
}

export interface ClassifyBenchCase {
  filters: number;
  indexed: boolean;
  classifications: number;
  seconds: number;
  perSecond: number;
  nsPerClassify: number;
  /** Share of packets that some filter decided (the rest fell through to the [emu] default permit). */
  matchedShare: number;
}

export interface ClassifyBenchResult {
  name: 'classify';
  layer: 'ALE_AUTH_CONNECT_V4';
  cases: ClassifyBenchCase[];
}

/** Small deterministic PRNG (mulberry32): the same policy and packets on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const mask = (p: number) => (p === 0 ? 0 : (0xffffffff << (32 - p)) >>> 0);
const eq = (fieldKey: string, conditionValue: FWPM_FILTER_CONDITION0['conditionValue']): FWPM_FILTER_CONDITION0 => ({ fieldKey, matchType: FWP_MATCH_EQUAL, conditionValue });
const WELL_KNOWN_PORTS = [22, 25, 53, 80, 110, 123, 143, 443, 445, 993, 3306, 3389, 5432, 6379, 8080, 8443];

/** A remote address in 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16, or anywhere. */
function remoteAddress(r: () => number): number {
  const x = r();
  if (x < 0.4) return (0x0a000000 | Math.floor(r() * 0x1000000)) >>> 0;
  if (x < 0.6) return (0xac100000 | Math.floor(r() * 0x100000)) >>> 0;
  if (x < 0.8) return (0xc0a80000 | Math.floor(r() * 0x10000)) >>> 0;
  return Math.floor(r() * 0x100000000) >>> 0;
}

export interface Policy {
  engine: FilterEngine;
  /** Addresses and ports the policy names, so that part of the traffic hits specific filters. */
  hotAddresses: number[];
  hotPorts: number[];
}

/** Builds `count` filters of the realistic mix (plus a few callouts) in one transaction. */
export function buildPolicy(count: number, indexed: boolean): Policy {
  const engine = createFilterEngine({ indexed });
  const m = engine.management;
  const session: Session = engine.openSession({ flags: 1 });
  const r = prng(0xc1a55);
  const hotAddresses: number[] = [];
  const hotPorts: number[] = [];
  m.beginTransaction(session, 0);
  const high = newGuid();
  const inspect = newGuid();
  m.addSublayer(session, { subLayerKey: high, displayData: { name: 'admin' }, weight: 0x9000 });
  m.addSublayer(session, { subLayerKey: inspect, displayData: { name: 'inspect' }, weight: 0x0000 });

  // A few callouts: an inspection callout on all TCP (sublayer inspect), a CALLOUT_UNKNOWN one on DNS.
  const callout = (layerKey: string, answer: number) => {
    const key = newGuid();
    m.addCallout(session, { calloutKey: key, displayData: { name: 'bench callout' }, applicableLayer: layerKey });
    engine.registerCallout(null, {
      calloutKey: key,
      classifyFn: (_v, _m, _d, _f, _fc, out) => {
        if ((out.rights & FWPS_RIGHT_ACTION_WRITE) !== 0) out.actionType = answer;
      },
      notifyFn: () => 0,
    });
    return key;
  };
  const tcpInspector = callout(FWPM_LAYER_ALE_AUTH_CONNECT_V4, FWP_ACTION_CONTINUE);
  const dnsCallout = callout(FWPM_LAYER_ALE_AUTH_CONNECT_V4, FWP_ACTION_CONTINUE);
  const add = (sub: string, action: number, conditions: FWPM_FILTER_CONDITION0[], calloutKey?: string) =>
    m.addFilter(session, {
      displayData: { name: 'bench' },
      layerKey: FWPM_LAYER_ALE_AUTH_CONNECT_V4,
      subLayerKey: sub,
      action: calloutKey ? { type: action, calloutKey } : { type: action },
      filterCondition: conditions,
    });
  let n = 0;
  if (count >= 4) {
    add(inspect, FWP_ACTION_CALLOUT_INSPECTION, [eq(FWPM_CONDITION_IP_PROTOCOL, fwpUint8(6))], tcpInspector);
    add(FWPM_SUBLAYER_UNIVERSAL, FWP_ACTION_CALLOUT_UNKNOWN, [eq(FWPM_CONDITION_IP_PROTOCOL, fwpUint8(17)), eq(FWPM_CONDITION_IP_REMOTE_PORT, fwpUint16(53))], dnsCallout);
    add(high, FWP_ACTION_BLOCK, [eq(FWPM_CONDITION_IP_PROTOCOL, fwpUint8(47))]); // GRE
    add(FWPM_SUBLAYER_UNIVERSAL, FWP_ACTION_PERMIT, [eq(FWPM_CONDITION_IP_PROTOCOL, fwpUint8(1))]); // ICMP
    n = 4;
  }
  for (; n < count; n++) {
    const x = r();
    const sub = r() < 0.1 ? high : FWPM_SUBLAYER_UNIVERSAL;
    const action = r() < 0.5 ? FWP_ACTION_BLOCK : FWP_ACTION_PERMIT;
    const proto = r() < 0.7 ? 6 : 17;
    const port = WELL_KNOWN_PORTS[Math.floor(r() * WELL_KNOWN_PORTS.length)]!;
    let conds: FWPM_FILTER_CONDITION0[];
    if (x < 0.3) {
      // A host and a service: 10.1.2.3 tcp/443
      const a = remoteAddress(r);
      hotAddresses.push(a);
      conds = [eq(FWPM_CONDITION_IP_REMOTE_ADDRESS, fwpUint32(a)), eq(FWPM_CONDITION_IP_PROTOCOL, fwpUint8(proto)), eq(FWPM_CONDITION_IP_REMOTE_PORT, fwpUint16(port))];
    } else if (x < 0.5) {
      // A network: 10.1.0.0/16 (/8 to /28), sometimes restricted to a protocol
      const p = 8 + Math.floor(r() * 21);
      const a = remoteAddress(r);
      hotAddresses.push(a);
      conds = [eq(FWPM_CONDITION_IP_REMOTE_ADDRESS, fwpV4AddrMask((a & mask(p)) >>> 0, mask(p)))];
      if (r() < 0.5) conds.push(eq(FWPM_CONDITION_IP_PROTOCOL, fwpUint8(proto)));
    } else if (x < 0.68) {
      // A remote service anywhere: tcp/3389 (unusual ports too)
      const p = r() < 0.5 ? port : 1024 + Math.floor(r() * 60000);
      hotPorts.push(p);
      conds = [eq(FWPM_CONDITION_IP_PROTOCOL, fwpUint8(proto)), eq(FWPM_CONDITION_IP_REMOTE_PORT, fwpUint16(p))];
    } else if (x < 0.8) {
      // A port range: tcp/5000-5100
      const lo = 1024 + Math.floor(r() * 60000);
      const hi = Math.min(65535, lo + Math.floor(r() * 1000));
      hotPorts.push(lo);
      conds = [eq(FWPM_CONDITION_IP_PROTOCOL, fwpUint8(proto)), { fieldKey: FWPM_CONDITION_IP_REMOTE_PORT, matchType: FWP_MATCH_RANGE, conditionValue: fwpRange(fwpUint16(lo), fwpUint16(hi)) }];
    } else if (x < 0.92) {
      // A local service: local port 8000–9000
      conds = [eq(FWPM_CONDITION_IP_LOCAL_PORT, fwpUint16(8000 + Math.floor(r() * 1000)))];
    } else {
      // A local network
      const p = 16 + Math.floor(r() * 9);
      const a = remoteAddress(r);
      conds = [eq(FWPM_CONDITION_IP_LOCAL_ADDRESS, fwpV4AddrMask((a & mask(p)) >>> 0, mask(p)))];
    }
    add(sub, action, conds);
  }
  m.commitTransaction(session);
  return { engine, hotAddresses, hotPorts };
}

/** One packet's classifiable fields (what the host stack would parse from a frame). */
export interface PacketFields {
  protocol: number;
  remoteAddress: number;
  remotePort: number;
  localAddress: number;
  localPort: number;
}

/** Traffic: half aimed at addresses and ports the policy names, half anything. */
export function buildPackets(p: Policy, count: number): PacketFields[] {
  const r = prng(0x9acc);
  const out: PacketFields[] = [];
  const pick = <T>(xs: T[], fallback: T) => (xs.length > 0 ? xs[Math.floor(r() * xs.length)]! : fallback);
  for (let i = 0; i < count; i++) {
    const hot = r() < 0.5;
    out.push({
      protocol: r() < 0.7 ? 6 : r() < 0.9 ? 17 : 1,
      remoteAddress: hot ? pick(p.hotAddresses, remoteAddress(r)) : remoteAddress(r),
      remotePort: hot && r() < 0.5 ? pick(p.hotPorts, 443) : WELL_KNOWN_PORTS[Math.floor(r() * WELL_KNOWN_PORTS.length)]!,
      localAddress: 0x0a000064,
      localPort: 32768 + Math.floor(r() * 28000),
    });
  }
  return out;
}

function measureCase(filters: number, indexed: boolean, durationMs: number): ClassifyBenchCase {
  const policy = buildPolicy(filters, indexed);
  const packets = buildPackets(policy, 4096);
  // As the host stack does: one incoming-values object per layer, refilled for every packet.
  const values = createIncomingValues(FWPS_LAYER_ALE_AUTH_CONNECT_V4);
  const protocol = values.at(F.IP_PROTOCOL);
  const remoteAddr = values.at(F.IP_REMOTE_ADDRESS);
  const remotePort = values.at(F.IP_REMOTE_PORT);
  const localAddr = values.at(F.IP_LOCAL_ADDRESS);
  const localPort = values.at(F.IP_LOCAL_PORT);
  const meta = createIncomingMetadata();
  const result = new ClassifyResult();
  const engine = policy.engine;
  const mask4k = packets.length - 1;
  let matched = 0;
  const loop = (ms: number): { n: number; ns: bigint } => {
    const batch = 256;
    let n = 0;
    const start = process.hrtime.bigint();
    const end = start + BigInt(ms) * 1_000_000n;
    let now = start;
    while (now < end) {
      for (let i = 0; i < batch; i++) {
        const pk = packets[(n + i) & mask4k]!;
        protocol.uint8 = pk.protocol;
        remoteAddr.uint32 = pk.remoteAddress;
        remotePort.uint16 = pk.remotePort;
        localAddr.uint32 = pk.localAddress;
        localPort.uint16 = pk.localPort;
        engine.classify(values, meta, null, result);
        if (result.matched) matched++;
      }
      n += batch;
      now = process.hrtime.bigint();
    }
    return { n, ns: now - start };
  };
  loop(Math.max(100, durationMs / 2)); // warm-up (JIT, lazily built bucket views)
  matched = 0;
  const { n, ns } = loop(durationMs);
  const seconds = Number(ns) / 1e9;
  return { filters, indexed, classifications: n, seconds, perSecond: n / seconds, nsPerClassify: Number(ns) / n, matchedShare: matched / n };
}

export async function run(opts: ClassifyBenchOptions = {}): Promise<ClassifyBenchResult> {
  const sizes = opts.sizes ?? [10, 1_000, 10_000];
  const durationMs = opts.durationMs ?? 1000;
  const cases: ClassifyBenchCase[] = [];
  measureCase(sizes[0] ?? 10, true, Math.min(200, durationMs)); // let the JIT see the classify path once, untimed
  for (const size of sizes) {
    cases.push(measureCase(size, true, durationMs));
    if (opts.linear !== false) cases.push(measureCase(size, false, durationMs));
  }
  if (!opts.quiet) {
    console.log('classify: FWPS_LAYER_ALE_AUTH_CONNECT_V4, realistic mix (addresses, prefixes, ports, ranges, protocols, callouts)');
    console.log('  filters   lookup        classify/s      ns/classify   decided');
    for (const c of cases) {
      const rate = Math.round(c.perSecond).toLocaleString('en-US');
      console.log(
        `  ${String(c.filters).padStart(7)}   ${(c.indexed ? 'indexed' : 'linear').padEnd(8)} ${rate.padStart(14)}   ${c.nsPerClassify.toFixed(0).padStart(11)}   ${(100 * c.matchedShare).toFixed(0).padStart(6)}%`,
      );
    }
    const idx = cases.filter((c) => c.indexed);
    if (idx.length >= 2) {
      const first = idx[0]!;
      const last = idx[idx.length - 1]!;
      console.log(
        `  indexed cost grows ${(last.nsPerClassify / first.nsPerClassify).toFixed(1)}× for ${(last.filters / first.filters).toFixed(0)}× the filters`,
      );
    }
  }
  return { name: 'classify', layer: 'ALE_AUTH_CONNECT_V4', cases };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
