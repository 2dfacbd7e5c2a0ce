/**
 * The policy file the harness hands to `node dist/bridge.js --config <file>`.
 *
 * THIS IS AN ASSUMED SCHEMA. The bridge's CLI and policy format did not exist when the harness was written; this
 * file is the only place that knows the format, so the bridge's author can adjust it here (and only here) to match
 * the real one. What the harness relies on is small and listed in `WfpBridgeContract` below; everything else in the
 * file is the load (≈100 filters across layers, one inspection callout) that makes the benchmark honest: frames must
 * cross a populated engine, not an empty one.
 *
 * Conventions: WFP names keep their fwpmu.h spelling (FWPM_LAYER_*, FWPM_CONDITION_*, FWP_MATCH_*, FWP_ACTION_*),
 * as in src/engine/constants.ts and the config errors of src/config/check.ts.
 */
import { writeFileSync } from 'node:fs';
import type { HostSpec } from './netns.js';

/**
 * What the harness needs from the bridge, whatever the schema:
 *  1. `node <bridge.js> --config <file>` runs in the foreground until SIGTERM, and exits on SIGTERM (SIGKILL after a
 *     grace period otherwise). Its PID is the process whose CPU is measured (all threads: /proc/<pid>/stat).
 *  2. For each port: create TAP `ifname` (≤ 15 chars), move it into `namespace`, add `addresses` (IPv6 without
 *     DAD, i.e. `nodad`) and set it up there; keep the TAP open, so the link has carrier (LOWER_UP).
 *  3. Forward between the two ports through the engine with the given filters and callout.
 * The harness then waits until both links are up with their addresses and A pings B (IPv4 and IPv6).
 */
export interface WfpBridgeContract {
  bridgeArgs(configPath: string): string[];
}

export const defaultContract: WfpBridgeContract = {
  bridgeArgs: (configPath) => ['--config', configPath],
};

export interface WfpPortSpec {
  name: string;
  type: 'tap';
  /** TAP device name, ≤ 15 characters; the harness looks for it inside `namespace`. */
  ifname: string;
  /** Network namespace (already created by the harness) to move the TAP into. */
  namespace: string;
  /** CIDR addresses to configure on the TAP inside the namespace (IPv6 with nodad). */
  addresses: string[];
  /** IFF_VNET_HDR with TSO/GSO/checksum offloads on the TAP, so TCP super-frames cross the bridge. */
  offloads: boolean;
  /** Emulated WFP host stack behind the port (bridge-mapping.md §1). */
  stack: boolean;
  mtu: number;
}

export interface WfpConditionSpec {
  field: string;
  matchType: string;
  value: { type: string; value: string | number | [number, number] };
}

export interface WfpFilterSpec {
  name: string;
  layer: string;
  sublayer: string;
  /** FWP_UINT64-style explicit weight within the sublayer. */
  weight: number;
  action: { type: string; calloutKey?: string };
  conditions: WfpConditionSpec[];
}

export interface WfpCalloutSpec {
  key: string;
  name: string;
  /** Which built-in callout to register: "count" = an inspection callout that counts and returns FWP_ACTION_CONTINUE. */
  builtin: string;
  /** Layers at which it is registered (FwpsCalloutRegister / FwpmCalloutAdd applicableLayer). */
  layers: string[];
}

export interface WfpPolicy {
  version: 1;
  comment: string;
  switch: { name: string; id: string };
  ports: WfpPortSpec[];
  sublayers: { key: string; name: string; weight: number }[];
  callouts: WfpCalloutSpec[];
  filters: WfpFilterSpec[];
  log: { level: string; newFlows: boolean };
}

export interface WfpPolicyOptions {
  /** Where to write the JSON. */
  path: string;
  /** TAP names, one per namespace (≤ 15 characters). */
  ifnameA: string;
  ifnameB: string;
  /** Number of filters in total (≈100 by default). */
  filterCount?: number;
  /** Layer of the inspection callout's filter; the default sees every frame that enters the switch. */
  inspectLayer?: string;
  offloads?: boolean;
  mtu?: number;
}

const SUBLAYER_BENCH = '7d3b6a4e-0b1e-4c2a-9a51-3b0c0a88b001';
const CALLOUT_INSPECT = '7d3b6a4e-0b1e-4c2a-9a51-3b0c0a88c001';

/** Layers the filler filters are spread over: every stage a lab frame crosses (bridge-mapping.md §2). */
const FILLER_LAYERS: { layer: string; kind: 'l2' | 'ip4' | 'ip6' | 'ale4' | 'ale6' }[] = [
  { layer: 'FWPM_LAYER_INGRESS_VSWITCH_ETHERNET', kind: 'l2' },
  { layer: 'FWPM_LAYER_EGRESS_VSWITCH_ETHERNET', kind: 'l2' },
  { layer: 'FWPM_LAYER_OUTBOUND_MAC_FRAME_ETHERNET', kind: 'l2' },
  { layer: 'FWPM_LAYER_INBOUND_MAC_FRAME_ETHERNET', kind: 'l2' },
  { layer: 'FWPM_LAYER_OUTBOUND_IPPACKET_V4', kind: 'ip4' },
  { layer: 'FWPM_LAYER_INBOUND_IPPACKET_V4', kind: 'ip4' },
  { layer: 'FWPM_LAYER_OUTBOUND_TRANSPORT_V4', kind: 'ip4' },
  { layer: 'FWPM_LAYER_INBOUND_TRANSPORT_V4', kind: 'ip4' },
  { layer: 'FWPM_LAYER_DATAGRAM_DATA_V4', kind: 'ip4' },
  { layer: 'FWPM_LAYER_OUTBOUND_IPPACKET_V6', kind: 'ip6' },
  { layer: 'FWPM_LAYER_INBOUND_IPPACKET_V6', kind: 'ip6' },
  { layer: 'FWPM_LAYER_OUTBOUND_TRANSPORT_V6', kind: 'ip6' },
  { layer: 'FWPM_LAYER_INBOUND_TRANSPORT_V6', kind: 'ip6' },
  { layer: 'FWPM_LAYER_ALE_AUTH_CONNECT_V4', kind: 'ale4' },
  { layer: 'FWPM_LAYER_ALE_AUTH_RECV_ACCEPT_V4', kind: 'ale4' },
  { layer: 'FWPM_LAYER_ALE_FLOW_ESTABLISHED_V4', kind: 'ale4' },
  { layer: 'FWPM_LAYER_ALE_AUTH_CONNECT_V6', kind: 'ale6' },
  { layer: 'FWPM_LAYER_ALE_AUTH_RECV_ACCEPT_V6', kind: 'ale6' },
];

/**
 * A filler filter that is evaluated but never matches lab traffic: a BLOCK on an address in TEST-NET
 * (192.0.2.0/24, 2001:db8::/32), a port in 40000–49999 (iperf3 uses 5201, ping has none) or an unused MAC.
 */
function fillerFilter(i: number, layer: string, kind: string): WfpFilterSpec {
  const port = 40000 + i;
  const base = { name: `bench-filler-${i}`, layer, sublayer: SUBLAYER_BENCH, weight: 100 + i, action: { type: 'FWP_ACTION_BLOCK' } };
  switch (kind) {
    case 'l2':
      return {
        ...base,
        conditions: [
          { field: 'FWPM_CONDITION_MAC_REMOTE_ADDRESS', matchType: 'FWP_MATCH_EQUAL', value: { type: 'FWP_BYTE_ARRAY6_TYPE', value: `02:00:5e:00:${hex2(i >> 8)}:${hex2(i)}` } },
        ],
      };
    case 'ip4':
    case 'ale4':
      return {
        ...base,
        conditions: [
          { field: 'FWPM_CONDITION_IP_REMOTE_ADDRESS', matchType: 'FWP_MATCH_EQUAL', value: { type: 'FWP_V4_ADDR_MASK', value: `192.0.2.${i % 256}/32` } },
          ...(kind === 'ale4' || i % 2 === 0
            ? [{ field: 'FWPM_CONDITION_IP_REMOTE_PORT', matchType: 'FWP_MATCH_EQUAL', value: { type: 'FWP_UINT16', value: port } }]
            : []),
        ],
      };
    default:
      return {
        ...base,
        conditions: [
          { field: 'FWPM_CONDITION_IP_REMOTE_ADDRESS', matchType: 'FWP_MATCH_EQUAL', value: { type: 'FWP_V6_ADDR_MASK', value: `2001:db8::${i.toString(16)}/128` } },
          { field: 'FWPM_CONDITION_IP_LOCAL_PORT', matchType: 'FWP_MATCH_RANGE', value: { type: 'FWP_RANGE_TYPE', value: [port, port + 5] } },
        ],
      };
  }
}

function hex2(n: number): string {
  return (n & 0xff).toString(16).padStart(2, '0');
}

/** Build the policy object (pure; no I/O). */
export function buildWfpBridgePolicy(a: HostSpec, b: HostSpec, opts: WfpPolicyOptions): WfpPolicy {
  const total = opts.filterCount ?? 100;
  const inspectLayer = opts.inspectLayer ?? 'FWPM_LAYER_INGRESS_VSWITCH_ETHERNET';
  const offloads = opts.offloads ?? true;
  const mtu = opts.mtu ?? 1500;
  const port = (name: string, ifname: string, h: HostSpec): WfpPortSpec => ({
    name,
    type: 'tap',
    ifname,
    namespace: h.ns,
    addresses: [`${h.ipv4}/${h.prefix4}`, `${h.ipv6}/${h.prefix6}`],
    offloads,
    stack: true,
    mtu,
  });

  const filters: WfpFilterSpec[] = [];
  // The inspection callout: on every frame entering the switch (by default), returns CONTINUE.
  filters.push({
    name: 'bench-inspect',
    layer: inspectLayer,
    sublayer: SUBLAYER_BENCH,
    weight: 10_000,
    action: { type: 'FWP_ACTION_CALLOUT_INSPECTION', calloutKey: CALLOUT_INSPECT },
    conditions: [],
  });
  // Explicit permits for the lab subnets at the ALE layers (what a real policy would say).
  const permits: WfpFilterSpec[] = [
    ['FWPM_LAYER_ALE_AUTH_CONNECT_V4', 'FWP_V4_ADDR_MASK', '10.88.0.0/24'],
    ['FWPM_LAYER_ALE_AUTH_RECV_ACCEPT_V4', 'FWP_V4_ADDR_MASK', '10.88.0.0/24'],
    ['FWPM_LAYER_ALE_AUTH_CONNECT_V6', 'FWP_V6_ADDR_MASK', 'fd88::/64'],
    ['FWPM_LAYER_ALE_AUTH_RECV_ACCEPT_V6', 'FWP_V6_ADDR_MASK', 'fd88::/64'],
  ].map(([layer, type, value], i) => ({
    name: `bench-permit-lab-${i}`,
    layer: layer!,
    sublayer: SUBLAYER_BENCH,
    weight: 50,
    action: { type: 'FWP_ACTION_PERMIT' },
    conditions: [{ field: 'FWPM_CONDITION_IP_REMOTE_ADDRESS', matchType: 'FWP_MATCH_EQUAL', value: { type: type!, value: value! } }],
  }));
  filters.push(...permits);
  for (let i = 0; filters.length < total; i++) {
    const l = FILLER_LAYERS[i % FILLER_LAYERS.length]!;
    filters.push(fillerFilter(i, l.layer, l.kind));
  }

  return {
    version: 1,
    comment: 'Generated by bench/bridge-lab.ts (bench/lab/wfp-policy.ts) for one benchmark run; deleted afterwards.',
    switch: { name: 'bridge-lab', id: '7d3b6a4e-0b1e-4c2a-9a51-3b0c0a88a001' },
    ports: [port('pa', opts.ifnameA, a), port('pb', opts.ifnameB, b)],
    sublayers: [{ key: SUBLAYER_BENCH, name: 'bridge-lab benchmark', weight: 0x100 }],
    callouts: [{ key: CALLOUT_INSPECT, name: 'bench-inspection', builtin: 'count', layers: [inspectLayer] }],
    filters,
    log: { level: 'warn', newFlows: false },
  };
}

/** Build the policy for namespaces A and B and write it to `opts.path` (mode 0600). */
export function wfpBridgePolicy(nsA: HostSpec, nsB: HostSpec, opts: WfpPolicyOptions): { path: string; policy: WfpPolicy } {
  const policy = buildWfpBridgePolicy(nsA, nsB, opts);
  writeFileSync(opts.path, JSON.stringify(policy, null, 2) + '\n', { mode: 0o600 });
  return { path: opts.path, policy };
}
