/**
 * Whole-frame builders for tests, tools and injected packets (RSTs, ICMP errors): Ethernet (+ VLAN tags), IP,
 * transport, with every length and checksum filled in. `emit*Frame` writes into a caller's buffer and returns the
 * length; `build*Frame` returns a fresh array. Addresses may be given as text.
 */
import { ArpOp, emitArp } from './arp.js';
import { EMPTY_BYTES } from './bytes.js';
import type { PseudoHeader } from './checksum.js';
import { emitEthernet, EtherType, ethernetHeaderLength, parseEthernet } from './ethernet.js';
import { emitIcmpv4, icmpv4Length, icmpv4QuoteLength, type Icmpv4Repr } from './icmpv4.js';
import { emitIcmpv6, icmpv6Length, icmpv6QuoteLength, type Icmpv6Repr } from './icmpv6.js';
import { IpProtocol } from './ip-proto.js';
import { parseIpAddr, solicitedNodeMulticast, type IpAddress } from './ip-addr.js';
import { emitIpv4, type Ipv4Option } from './ipv4.js';
import { emitIpv6, type Ipv6Repr } from './ipv6.js';
import type { Ipv6ExtHeader } from './ipv6-ext.js';
import { BROADCAST_MAC, ipv6MulticastMac, parseMac } from './mac.js';
import { NaFlags, type NdpOption } from './ndp.js';
import { emitTcp, tcpHeaderLength, TcpFlags, type TcpOption } from './tcp.js';
import { emitUdp, UDP_HEADER_LEN } from './udp.js';
import { TPID_8021Q, type VlanTag } from './vlan.js';

export type MacLike = string | Uint8Array;
/** Text, a host-order uint32 (IPv4) or 16 bytes (IPv6). */
export type IpLike = string | number | Uint8Array;

export const DEFAULT_SRC_MAC = '02:00:00:00:00:01';
export const DEFAULT_DST_MAC = '02:00:00:00:00:02';

export interface L2Spec {
  srcMac?: MacLike;
  dstMac?: MacLike;
  /** A VID (one 802.1Q tag), one tag, or a stack (outermost first). */
  vlan?: number | VlanTag | VlanTag[];
}

export interface IpSpec extends L2Spec {
  /** Both of one family; that family picks IPv4 or IPv6. */
  src: IpLike;
  dst: IpLike;
  /** TTL or hop limit (default 64). */
  ttl?: number;
  /** TOS byte or traffic class. */
  tos?: number;
  /** IPv4 only. */
  ipId?: number;
  dontFragment?: boolean;
  moreFragments?: boolean;
  /** Bytes, a multiple of 8 (IPv4 only; IPv6 uses a fragment extension header). */
  fragmentOffset?: number;
  ipOptions?: Ipv4Option[];
  /** IPv6 only. */
  flowLabel?: number;
  extHeaders?: Ipv6ExtHeader[];
}

export function toMac(m: MacLike): Uint8Array {
  if (typeof m !== 'string') return m;
  const r = parseMac(m);
  if (!r) throw new TypeError(`not a MAC address: ${JSON.stringify(m)}`);
  return r;
}

export function toIp(a: IpLike): IpAddress {
  if (typeof a !== 'string') return a;
  const r = parseIpAddr(a);
  if (r === null) throw new TypeError(`not an IP address: ${JSON.stringify(a)}`);
  return r;
}

function vlanTags(v: L2Spec['vlan']): VlanTag[] {
  if (v === undefined) return [];
  if (typeof v === 'number') return [{ tpid: TPID_8021Q, pcp: 0, dei: false, vid: v }];
  return Array.isArray(v) ? v : [v];
}

/** The addresses of `o` as a pseudo-header (both of one family). */
export function ipPair(o: { src: IpLike; dst: IpLike }): PseudoHeader {
  const src = toIp(o.src);
  const dst = toIp(o.dst);
  if (typeof src !== typeof dst) throw new TypeError('src and dst must be of one address family');
  return { src, dst } as PseudoHeader;
}

export function emitL2(o: L2Spec, etherType: number, buf: Uint8Array, off: number): number {
  return emitEthernet(
    {
      dst: toMac(o.dstMac ?? DEFAULT_DST_MAC),
      src: toMac(o.srcMac ?? DEFAULT_SRC_MAC),
      vlans: vlanTags(o.vlan),
      etherType,
    },
    buf,
    off,
  );
}

/**
 * Ethernet + IP header for an upper layer of `protocol` and `l4Len` bytes; returns the offset where the upper
 * layer goes and its pseudo-header.
 */
export function emitIpHeaders(
  o: IpSpec,
  protocol: number,
  l4Len: number,
  buf: Uint8Array,
  off: number,
): { l4Off: number; ph: PseudoHeader } {
  const ph = ipPair(o);
  if (typeof ph.src === 'number') {
    const l3 = off + emitL2(o, EtherType.IPV4, buf, off);
    const hl = emitIpv4(
      {
        src: ph.src,
        dst: ph.dst as number,
        protocol,
        payloadLength: l4Len,
        ttl: o.ttl ?? 64,
        dscp: (o.tos ?? 0) >>> 2,
        ecn: (o.tos ?? 0) & 3,
        ident: o.ipId ?? 0,
        dontFragment: o.dontFragment ?? false,
        moreFragments: o.moreFragments ?? false,
        fragmentOffset: o.fragmentOffset ?? 0,
        options: o.ipOptions ?? [],
      },
      buf,
      l3,
    );
    return { l4Off: l3 + hl, ph };
  }
  const l3 = off + emitL2(o, EtherType.IPV6, buf, off);
  const r: Ipv6Repr = {
    src: ph.src,
    dst: ph.dst as Uint8Array,
    protocol,
    payloadLength: l4Len,
    hopLimit: o.ttl ?? 64,
    trafficClass: o.tos ?? 0,
    flowLabel: o.flowLabel ?? 0,
    extHeaders: o.extHeaders ?? [],
  };
  return { l4Off: l3 + emitIpv6(r, buf, l3), ph };
}

// --- TCP ---

export interface TcpSpec extends IpSpec {
  sport: number;
  dport: number;
  /** TcpFlags bits (default ACK). */
  flags?: number;
  seq?: number;
  ack?: number;
  window?: number;
  urgent?: number;
  options?: TcpOption[];
  payload?: Uint8Array;
}

export function emitTcpFrame(o: TcpSpec, buf: Uint8Array, off = 0): number {
  const r = {
    srcPort: o.sport,
    dstPort: o.dport,
    seq: o.seq ?? 0,
    ack: o.ack ?? 0,
    flags: o.flags ?? TcpFlags.ACK,
    window: o.window ?? 65535,
    urgent: o.urgent ?? 0,
    options: o.options ?? [],
    payload: o.payload ?? EMPTY_BYTES,
  };
  const { l4Off, ph } = emitIpHeaders(o, IpProtocol.TCP, tcpHeaderLength(r) + r.payload.length, buf, off);
  return l4Off + emitTcp(r, buf, l4Off, ph) - off;
}

// --- UDP ---

export interface UdpSpec extends IpSpec {
  sport: number;
  dport: number;
  payload?: Uint8Array;
  /** Send with checksum 0 ("none"; IPv4 only). */
  noChecksum?: boolean;
}

export function emitUdpFrame(o: UdpSpec, buf: Uint8Array, off = 0): number {
  const payload = o.payload ?? EMPTY_BYTES;
  const { l4Off, ph } = emitIpHeaders(o, IpProtocol.UDP, UDP_HEADER_LEN + payload.length, buf, off);
  const n = emitUdp({ srcPort: o.sport, dstPort: o.dport, payload }, buf, l4Off, o.noChecksum ? null : ph);
  return l4Off + n - off;
}

// --- ICMP ---

export interface Icmpv4Spec extends IpSpec {
  icmp: Icmpv4Repr;
}

export function emitIcmpv4Frame(o: Icmpv4Spec, buf: Uint8Array, off = 0): number {
  const { l4Off } = emitIpHeaders(o, IpProtocol.ICMP, icmpv4Length(o.icmp), buf, off);
  return l4Off + emitIcmpv4(o.icmp, buf, l4Off) - off;
}

export interface Icmpv6Spec extends IpSpec {
  icmp: Icmpv6Repr;
}

export function emitIcmpv6Frame(o: Icmpv6Spec, buf: Uint8Array, off = 0): number {
  const { l4Off, ph } = emitIpHeaders(o, IpProtocol.ICMPV6, icmpv6Length(o.icmp), buf, off);
  return l4Off + emitIcmpv6(o.icmp, buf, l4Off, ph) - off;
}

export interface EchoSpec extends IpSpec {
  ident: number;
  seq: number;
  data?: Uint8Array;
  reply?: boolean;
}

/** Echo request (or reply) in the family of the addresses. */
export function emitEchoFrame(o: EchoSpec, buf: Uint8Array, off = 0): number {
  const icmp = {
    kind: o.reply ? 'echoReply' : 'echoRequest',
    ident: o.ident,
    seq: o.seq,
    data: o.data ?? EMPTY_BYTES,
  } as const;
  return typeof toIp(o.src) === 'number' ? emitIcmpv4Frame({ ...o, icmp }, buf, off) : emitIcmpv6Frame({ ...o, icmp }, buf, off);
}

export type IcmpErrorKind = 'destUnreachable' | 'timeExceeded' | 'paramProblem' | 'packetTooBig';

export interface IcmpErrorSpec extends L2Spec {
  /** The router or host reporting the error. */
  src: IpLike;
  /** Default: the offending packet's source. */
  dst?: IpLike;
  /** The offending IP packet (from its IP header); quoted as far as the family's limit allows. */
  offending: Uint8Array;
  kind: IcmpErrorKind;
  code?: number;
  /** Next-hop MTU (IPv4 "fragmentation needed") or the MTU of "packet too big". */
  mtu?: number;
  pointer?: number;
  ttl?: number;
}

/** An ICMP error about `offending`, in its family; IPv4 has no "packet too big" (use code 4 of unreachable). */
export function emitIcmpErrorFrame(o: IcmpErrorSpec, buf: Uint8Array, off = 0): number {
  const v4 = o.offending[0] >>> 4 === 4;
  const ip: IpSpec = { ...o, src: o.src, dst: o.dst ?? offendingSource(o.offending, v4) };
  const code = o.code ?? 0;
  if (v4) {
    const quoted = o.offending.subarray(0, icmpv4QuoteLength(o.offending.length));
    let icmp: Icmpv4Repr;
    switch (o.kind) {
      case 'destUnreachable':
        icmp = { kind: 'destUnreachable', code, nextHopMtu: o.mtu ?? 0, quoted };
        break;
      case 'timeExceeded':
        icmp = { kind: 'timeExceeded', code, quoted };
        break;
      case 'paramProblem':
        icmp = { kind: 'paramProblem', code, pointer: o.pointer ?? 0, quoted };
        break;
      case 'packetTooBig':
        icmp = { kind: 'destUnreachable', code: 4, nextHopMtu: o.mtu ?? 0, quoted };
        break;
    }
    return emitIcmpv4Frame({ ...ip, icmp }, buf, off);
  }
  const quoted = o.offending.subarray(0, icmpv6QuoteLength(o.offending.length));
  let icmp: Icmpv6Repr;
  switch (o.kind) {
    case 'destUnreachable':
      icmp = { kind: 'destUnreachable', code, quoted };
      break;
    case 'timeExceeded':
      icmp = { kind: 'timeExceeded', code, quoted };
      break;
    case 'paramProblem':
      icmp = { kind: 'paramProblem', code, pointer: o.pointer ?? 0, quoted };
      break;
    case 'packetTooBig':
      icmp = { kind: 'packetTooBig', mtu: o.mtu ?? 1280, quoted };
      break;
  }
  return emitIcmpv6Frame({ ...ip, icmp }, buf, off);
}

function offendingSource(pkt: Uint8Array, v4: boolean): IpAddress {
  if (v4) return ((pkt[12] << 24) | (pkt[13] << 16) | (pkt[14] << 8) | pkt[15]) >>> 0;
  return pkt.slice(8, 24);
}

// --- ARP and neighbour discovery ---

export interface ArpSpec {
  /** ArpOp (default REQUEST). */
  op?: number;
  senderMac: MacLike;
  senderIp: IpLike;
  /** Default: zeros for a request. */
  targetMac?: MacLike;
  targetIp: IpLike;
  /** Default: broadcast for a request, the target MAC for a reply. */
  dstMac?: MacLike;
  vlan?: L2Spec['vlan'];
}

export function emitArpFrame(o: ArpSpec, buf: Uint8Array, off = 0): number {
  const op = o.op ?? ArpOp.REQUEST;
  const targetMac = toMac(o.targetMac ?? '00:00:00:00:00:00');
  const dstMac = o.dstMac ?? (op === ArpOp.REQUEST ? BROADCAST_MAC : targetMac);
  const senderIp = toIp(o.senderIp);
  const targetIp = toIp(o.targetIp);
  if (typeof senderIp !== 'number' || typeof targetIp !== 'number') throw new TypeError('ARP carries IPv4 addresses');
  const l3 = off + emitL2({ srcMac: o.senderMac, dstMac, vlan: o.vlan }, EtherType.ARP, buf, off);
  return l3 + emitArp({ op, senderMac: toMac(o.senderMac), senderIp, targetMac, targetIp }, buf, l3) - off;
}

export interface NeighborSolicitSpec extends L2Spec {
  /** The solicitor's address (the unspecified address :: for duplicate address detection). */
  src: IpLike;
  target: IpLike;
  /** Default: the target's solicited-node multicast group (and its 33:33 MAC). */
  dst?: IpLike;
}

export function emitNeighborSolicitFrame(o: NeighborSolicitSpec, buf: Uint8Array, off = 0): number {
  const target = toIp(o.target);
  if (typeof target === 'number') throw new TypeError('neighbour discovery is IPv6');
  const dst = o.dst === undefined ? solicitedNodeMulticast(target) : toIp(o.dst);
  const dstMac = o.dstMac ?? (typeof dst === 'number' ? DEFAULT_DST_MAC : ipv6MulticastMac(dst));
  const srcMac = toMac(o.srcMac ?? DEFAULT_SRC_MAC);
  const src = toIp(o.src);
  // RFC 4861 §4.3: no source link-layer option from the unspecified address (DAD).
  const dad = typeof src !== 'number' && src.every((b) => b === 0);
  const options: NdpOption[] = dad ? [] : [{ kind: 'sourceLinkAddr', mac: srcMac }];
  return emitIcmpv6Frame(
    { ...o, srcMac, dstMac, dst, ttl: 255, icmp: { kind: 'neighborSolicit', target, options } },
    buf,
    off,
  );
}

export interface NeighborAdvertSpec extends L2Spec {
  src: IpLike;
  dst: IpLike;
  /** Default: src. */
  target?: IpLike;
  /** NaFlags bits (default SOLICITED | OVERRIDE). */
  flags?: number;
}

export function emitNeighborAdvertFrame(o: NeighborAdvertSpec, buf: Uint8Array, off = 0): number {
  const target = toIp(o.target ?? o.src);
  if (typeof target === 'number') throw new TypeError('neighbour discovery is IPv6');
  const srcMac = toMac(o.srcMac ?? DEFAULT_SRC_MAC);
  const flags = o.flags ?? NaFlags.SOLICITED | NaFlags.OVERRIDE;
  const options: NdpOption[] = [{ kind: 'targetLinkAddr', mac: srcMac }];
  return emitIcmpv6Frame({ ...o, srcMac, ttl: 255, icmp: { kind: 'neighborAdvert', flags, target, options } }, buf, off);
}

// --- raw ---

export interface IpFrameSpec extends IpSpec {
  protocol: number;
  /** Everything after the IP header(s), written as is (no checksum is computed). */
  payload: Uint8Array;
}

export function emitIpFrame(o: IpFrameSpec, buf: Uint8Array, off = 0): number {
  const { l4Off } = emitIpHeaders(o, o.protocol, o.payload.length, buf, off);
  buf.set(o.payload, l4Off);
  return l4Off + o.payload.length - off;
}

export interface EthernetSpec extends L2Spec {
  etherType: number;
  payload: Uint8Array;
}

export function emitEthernetFrame(o: EthernetSpec, buf: Uint8Array, off = 0): number {
  const hl = emitL2(o, o.etherType, buf, off);
  buf.set(o.payload, off + hl);
  return hl + o.payload.length;
}

// --- fresh arrays ---

/** Room for the largest IP datagram behind a few tags; builders emit here, then copy out exactly. */
const scratch = new Uint8Array(65535 + 64);

function build<T>(emit: (o: T, buf: Uint8Array, off: number) => number): (o: T) => Uint8Array {
  return (o) => scratch.slice(0, emit(o, scratch, 0));
}

export const buildTcpFrame = build(emitTcpFrame);
export const buildUdpFrame = build(emitUdpFrame);
export const buildIcmpv4Frame = build(emitIcmpv4Frame);
export const buildIcmpv6Frame = build(emitIcmpv6Frame);
export const buildEchoFrame = build(emitEchoFrame);
export const buildIcmpErrorFrame = build(emitIcmpErrorFrame);
export const buildArpFrame = build(emitArpFrame);
export const buildNeighborSolicitFrame = build(emitNeighborSolicitFrame);
export const buildNeighborAdvertFrame = build(emitNeighborAdvertFrame);
export const buildIpFrame = build(emitIpFrame);
export const buildEthernetFrame = build(emitEthernetFrame);

/** The IP packet inside a frame (after Ethernet and VLAN tags), e.g. to quote it in an ICMP error. */
export function ipPacketOf(frame: Uint8Array): Uint8Array {
  const e = parseEthernet(frame);
  return frame.subarray(e.ok ? ethernetHeaderLength(e.value) : frame.length);
}
