/**
 * Shared test helpers for src/wire: an independent, deliberately naive checksum to cross-check against, a
 * minimal classic-pcap writer (for tshark), and fast-check generators of protocol reprs.
 */
import fc from 'fast-check';
import type {
  ArpRepr,
  EthernetRepr,
  Icmpv4Repr,
  Icmpv6Repr,
  Ipv4Option,
  Ipv4Repr,
  Ipv6ExtHeader,
  Ipv6Option,
  Ipv6Repr,
  NdpOption,
  TcpOption,
  TcpRepr,
  UdpRepr,
  VlanTag,
} from '../../src/wire/index.js';

// --- reference checksum: build the exact bytes, then add 16-bit words one by one with end-around carry ---

export function naiveChecksum(bytes: ArrayLike<number>): number {
  const b = Array.from(bytes);
  if (b.length % 2) b.push(0);
  let s = 0;
  for (let i = 0; i < b.length; i += 2) {
    s += b[i] * 256 + b[i + 1];
    if (s > 0xffff) s = s - 0x10000 + 1;
  }
  return 0xffff - s;
}

export function pseudoBytes(src: number | Uint8Array, dst: number | Uint8Array, proto: number, len: number): number[] {
  if (typeof src === 'number') {
    const d = dst as number;
    return [...u32(src), ...u32(d), 0, proto, len >> 8, len & 0xff];
  }
  return [...src, ...(dst as Uint8Array), ...u32(len), 0, 0, 0, proto];
}

export function u32(v: number): number[] {
  return [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

/** Byte arrays become plain arrays, so deep equality compares contents, not views or buffers. */
export function norm<T>(x: T): unknown {
  if (x instanceof Uint8Array) return Array.from(x);
  if (Array.isArray(x)) return x.map(norm);
  if (x !== null && typeof x === 'object') {
    return Object.fromEntries(Object.entries(x as object).map(([k, v]) => [k, norm(v)]));
  }
  return x;
}

// --- classic pcap (LINKTYPE_ETHERNET) ---

export function pcapFile(frames: Uint8Array[]): Buffer {
  const parts: Buffer[] = [];
  const gh = Buffer.alloc(24);
  gh.writeUInt32LE(0xa1b2c3d4, 0);
  gh.writeUInt16LE(2, 4);
  gh.writeUInt16LE(4, 6);
  gh.writeUInt32LE(262144, 16);
  gh.writeUInt32LE(1, 20);
  parts.push(gh);
  frames.forEach((f, i) => {
    const rh = Buffer.alloc(16);
    rh.writeUInt32LE(1_700_000_000 + i, 0);
    rh.writeUInt32LE(f.length, 8);
    rh.writeUInt32LE(f.length, 12);
    parts.push(rh, Buffer.from(f));
  });
  return Buffer.concat(parts);
}

// --- generators ---

export const arbMac = fc.uint8Array({ minLength: 6, maxLength: 6 });
export const arbV4 = fc.integer({ min: 0, max: 0xffffffff });
export const arbV6 = fc.uint8Array({ minLength: 16, maxLength: 16 });
const bytes = (max: number, min = 0) => fc.uint8Array({ minLength: min, maxLength: max });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32a = fc.integer({ min: 0, max: 0xffffffff });

export const arbVlanTag: fc.Arbitrary<VlanTag> = fc.record({
  tpid: fc.constantFrom(0x8100, 0x88a8, 0x9100),
  pcp: fc.integer({ min: 0, max: 7 }),
  dei: fc.boolean(),
  vid: fc.integer({ min: 0, max: 4095 }),
});

export const arbEthernet: fc.Arbitrary<EthernetRepr> = fc.record({
  dst: arbMac,
  src: arbMac,
  vlans: fc.array(arbVlanTag, { maxLength: 4 }),
  etherType: u16.filter((t) => t !== 0x8100 && t !== 0x88a8 && t !== 0x9100),
});

export const arbArp: fc.Arbitrary<ArpRepr> = fc.record({
  op: fc.oneof(fc.constantFrom(1, 2), u16),
  senderMac: arbMac,
  senderIp: arbV4,
  targetMac: arbMac,
  targetIp: arbV4,
});

const arbIpv4Option: fc.Arbitrary<Ipv4Option> = fc.oneof(
  fc.constant({ type: 1, data: new Uint8Array(0) }),
  fc.record({ type: fc.integer({ min: 2, max: 255 }), data: bytes(10) }),
);

function ipv4OptLen(o: Ipv4Option[]): number {
  return o.reduce((n, x) => n + (x.type === 1 ? 1 : 2 + x.data.length), 0);
}

export const arbIpv4: fc.Arbitrary<Ipv4Repr> = fc
  .record({
    src: arbV4,
    dst: arbV4,
    protocol: fc.integer({ min: 0, max: 255 }),
    payloadLength: fc.integer({ min: 0, max: 300 }),
    ttl: fc.integer({ min: 0, max: 255 }),
    dscp: fc.integer({ min: 0, max: 63 }),
    ecn: fc.integer({ min: 0, max: 3 }),
    ident: u16,
    dontFragment: fc.boolean(),
    moreFragments: fc.boolean(),
    fragmentOffset: fc.integer({ min: 0, max: 8000 }).map((n) => n * 8),
    options: fc.array(arbIpv4Option, { maxLength: 6 }).filter((o) => ipv4OptLen(o) <= 40),
  });

/** Options padded (with Pad1/PadN as emit would) so the header is a multiple of 8 and round-trips exactly. */
function padIpv6Options(opts: Ipv6Option[]): Ipv6Option[] {
  const n = 2 + opts.reduce((a, o) => a + (o.type === 0 ? 1 : 2 + o.data.length), 0);
  const pad = (8 - (n % 8)) % 8;
  if (pad === 0) return opts;
  if (pad === 1) return [...opts, { type: 0, data: new Uint8Array(0) }];
  return [...opts, { type: 1, data: new Uint8Array(pad - 2) }];
}

const arbIpv6Option: fc.Arbitrary<Ipv6Option> = fc.oneof(
  fc.constant({ type: 0, data: new Uint8Array(0) }),
  fc.record({ type: fc.integer({ min: 1, max: 255 }), data: bytes(12) }),
);

const arbOptsHeader = (kind: 'hopByHop' | 'destOpts') =>
  fc.array(arbIpv6Option, { maxLength: 4 }).map((o): Ipv6ExtHeader => ({ kind, options: padIpv6Options(o) }));

const alignedBytes = (lenMod8: number, maxUnits: number) =>
  fc.integer({ min: 0, max: maxUnits }).chain((u) => bytes(u * 8 + lenMod8, u * 8 + lenMod8));

const arbRouting: fc.Arbitrary<Ipv6ExtHeader> = fc.record({
  kind: fc.constant('routing' as const),
  routingType: fc.integer({ min: 0, max: 255 }),
  segmentsLeft: fc.integer({ min: 0, max: 255 }),
  data: alignedBytes(4, 4),
});

const arbFragHeader = (first: boolean): fc.Arbitrary<Ipv6ExtHeader> =>
  fc.record({
    kind: fc.constant('fragment' as const),
    offset: first ? fc.constant(0) : fc.integer({ min: 1, max: 8191 }).map((n) => n * 8),
    more: fc.boolean(),
    ident: u32a,
  });

const arbAuth: fc.Arbitrary<Ipv6ExtHeader> = fc.record({ kind: fc.constant('auth' as const), data: alignedBytes(6, 3) });

/** Valid chains: hop-by-hop only first, a non-first fragment header only last, at most 8 headers. */
export const arbExtChain: fc.Arbitrary<Ipv6ExtHeader[]> = fc
  .tuple(
    fc.option(arbOptsHeader('hopByHop'), { nil: undefined }),
    fc.array(fc.oneof(arbOptsHeader('destOpts'), arbRouting, arbFragHeader(true), arbAuth), { maxLength: 5 }),
    fc.option(arbFragHeader(false), { nil: undefined }),
  )
  .map(([h, mid, last]) => [...(h ? [h] : []), ...mid, ...(last ? [last] : [])]);

const EXT_PROTOS = new Set([0, 43, 44, 51, 60]);

export const arbIpv6: fc.Arbitrary<Ipv6Repr> = fc.record({
  src: arbV6,
  dst: arbV6,
  protocol: fc.integer({ min: 0, max: 255 }).filter((p) => !EXT_PROTOS.has(p)),
  payloadLength: fc.integer({ min: 0, max: 300 }),
  hopLimit: fc.integer({ min: 0, max: 255 }),
  trafficClass: fc.integer({ min: 0, max: 255 }),
  flowLabel: fc.integer({ min: 0, max: 0xfffff }),
  extHeaders: arbExtChain,
});

const KNOWN_TCP = new Set([0, 1, 2, 3, 4, 5, 8]);

export const arbTcpOption: fc.Arbitrary<TcpOption> = fc.oneof(
  fc.constant({ kind: 'nop' as const }),
  fc.record({ kind: fc.constant('mss' as const), mss: u16 }),
  fc.record({ kind: fc.constant('windowScale' as const), shift: fc.integer({ min: 0, max: 255 }) }),
  fc.constant({ kind: 'sackPermitted' as const }),
  fc.record({
    kind: fc.constant('sack' as const),
    blocks: fc.array(fc.tuple(u32a, u32a), { minLength: 1, maxLength: 4 }),
  }),
  fc.record({ kind: fc.constant('timestamps' as const), tsVal: u32a, tsEcr: u32a }),
  fc.record({
    kind: fc.constant('unknown' as const),
    type: fc.integer({ min: 0, max: 255 }).filter((t) => !KNOWN_TCP.has(t)),
    data: bytes(8),
  }),
);

export function tcpOptLen(o: TcpOption[]): number {
  const one = (x: TcpOption): number =>
    x.kind === 'nop' ? 1 : x.kind === 'mss' ? 4 : x.kind === 'windowScale' ? 3 : x.kind === 'sackPermitted' ? 2
      : x.kind === 'sack' ? 2 + 8 * x.blocks.length : x.kind === 'timestamps' ? 10 : 2 + x.data.length;
  return o.reduce((n, x) => n + one(x), 0);
}

export const arbTcpOptions = fc.array(arbTcpOption, { maxLength: 8 }).filter((o) => tcpOptLen(o) <= 40);

export const arbTcp: fc.Arbitrary<TcpRepr> = fc.record({
  srcPort: u16,
  dstPort: u16,
  seq: u32a,
  ack: u32a,
  flags: fc.integer({ min: 0, max: 0xfff }),
  window: u16,
  urgent: u16,
  options: arbTcpOptions,
  payload: bytes(200),
});

export const arbUdp: fc.Arbitrary<UdpRepr> = fc.record({ srcPort: u16, dstPort: u16, payload: bytes(200) });

const ICMPV4_KNOWN = new Set([0, 3, 5, 8, 11, 12]);

export const arbIcmpv4: fc.Arbitrary<Icmpv4Repr> = fc.oneof(
  fc.record({ kind: fc.constantFrom('echoRequest' as const, 'echoReply' as const), ident: u16, seq: u16, data: bytes(64) }),
  fc.record({ kind: fc.constant('destUnreachable' as const), code: fc.integer({ min: 0, max: 255 }), nextHopMtu: u16, quoted: bytes(80) }),
  fc.record({ kind: fc.constant('timeExceeded' as const), code: fc.integer({ min: 0, max: 255 }), quoted: bytes(80) }),
  fc.record({
    kind: fc.constant('paramProblem' as const),
    code: fc.integer({ min: 0, max: 255 }),
    pointer: fc.integer({ min: 0, max: 255 }),
    quoted: bytes(80),
  }),
  fc.record({ kind: fc.constant('redirect' as const), code: fc.integer({ min: 0, max: 255 }), gateway: arbV4, quoted: bytes(80) }),
  fc.record({
    kind: fc.constant('other' as const),
    type: fc.integer({ min: 0, max: 255 }).filter((t) => !ICMPV4_KNOWN.has(t)),
    code: fc.integer({ min: 0, max: 255 }),
    body: bytes(40, 4),
  }),
);

const alignedNdpData = (fixed: number) => fc.integer({ min: 0, max: 4 }).chain((u) => {
  const n = Math.max(0, u * 8 - fixed);
  return bytes(n, n);
});

export const arbNdpOption: fc.Arbitrary<NdpOption> = fc.oneof(
  fc.record({ kind: fc.constantFrom('sourceLinkAddr' as const, 'targetLinkAddr' as const), mac: arbMac }),
  fc.record({
    kind: fc.constant('prefixInfo' as const),
    prefixLength: fc.integer({ min: 0, max: 128 }),
    flags: fc.integer({ min: 0, max: 255 }),
    validLifetime: u32a,
    preferredLifetime: u32a,
    prefix: arbV6,
  }),
  fc.record({ kind: fc.constant('redirectedHeader' as const), data: alignedNdpData(0) }),
  fc.record({ kind: fc.constant('mtu' as const), mtu: u32a }),
  fc.record({
    kind: fc.constant('unknown' as const),
    type: fc.integer({ min: 6, max: 255 }),
    data: fc.integer({ min: 1, max: 4 }).chain((u) => bytes(u * 8 - 2, u * 8 - 2)),
  }),
);

const ICMPV6_KNOWN = new Set([1, 2, 3, 4, 128, 129, 133, 134, 135, 136, 137]);
const arbNdpOptions = fc.array(arbNdpOption, { maxLength: 4 });

export const arbIcmpv6: fc.Arbitrary<Icmpv6Repr> = fc.oneof(
  fc.record({ kind: fc.constantFrom('echoRequest' as const, 'echoReply' as const), ident: u16, seq: u16, data: bytes(64) }),
  fc.record({ kind: fc.constantFrom('destUnreachable' as const, 'timeExceeded' as const), code: fc.integer({ min: 0, max: 255 }), quoted: bytes(80) }),
  fc.record({ kind: fc.constant('packetTooBig' as const), mtu: u32a, quoted: bytes(80) }),
  fc.record({ kind: fc.constant('paramProblem' as const), code: fc.integer({ min: 0, max: 255 }), pointer: u32a, quoted: bytes(80) }),
  fc.record({ kind: fc.constant('routerSolicit' as const), options: arbNdpOptions }),
  fc.record({
    kind: fc.constant('routerAdvert' as const),
    curHopLimit: fc.integer({ min: 0, max: 255 }),
    flags: fc.integer({ min: 0, max: 255 }),
    routerLifetime: u16,
    reachableTime: u32a,
    retransTimer: u32a,
    options: arbNdpOptions,
  }),
  fc.record({ kind: fc.constant('neighborSolicit' as const), target: arbV6, options: arbNdpOptions }),
  fc.record({ kind: fc.constant('neighborAdvert' as const), flags: fc.integer({ min: 0, max: 255 }), target: arbV6, options: arbNdpOptions }),
  fc.record({ kind: fc.constant('redirect' as const), target: arbV6, dest: arbV6, options: arbNdpOptions }),
  fc.record({
    kind: fc.constant('other' as const),
    type: fc.integer({ min: 0, max: 255 }).filter((t) => !ICMPV6_KNOWN.has(t)),
    code: fc.integer({ min: 0, max: 255 }),
    body: bytes(40, 4),
  }),
);
