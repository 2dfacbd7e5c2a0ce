/**
 * The frame dissector: one pass over an Ethernet frame that fills a preallocated ParsedFrame with the offsets and
 * key fields of every layer it can read, which is what the engine turns into WFP incoming values. It allocates
 * nothing and throws nothing: a frame that stops parsing at some layer keeps the fields of the layers before it,
 * and `error`/`errorLayer` say what went wrong where (the switch can still forward a frame that is bad at L3).
 *
 * Checksums are not verified here (most frames are never checked by anyone but the endpoint's stack); see
 * frame-checksum.ts.
 *
 * 32-bit fields are read as `getU16(hi) * 0x10000 + getU16(lo)`, not with getU32 or a view's getter: a uint32
 * above 2^31 is not a small integer, and when it is returned from a call V8 chose not to inline, it is boxed as
 * a heap number, an allocation per frame (IPv4 addresses from 128.0.0.0 up, half of all TCP sequence numbers).
 * 16-bit halves are always small integers, and the multiply-add is done here, where the double is stored
 * straight into the field.
 */
import { EMPTY_BYTES, getU16 } from './bytes.js';
import { ARP_SENDER_IP_OFF, ARP_TARGET_IP_OFF, ArpPacket } from './arp.js';
import { ParseError, WireLayer } from './errors.js';
import { ETH_HEADER_LEN, EtherType } from './ethernet.js';
import { ICMP_HEADER_LEN, ICMP_REST_OFF, IcmpMessage } from './icmp.js';
import { InnerPacket, parseIcmpInner } from './icmp-inner.js';
import { icmpv4HasIdent, isIcmpv4Error } from './icmpv4.js';
import { icmpv6HasIdent, isIcmpv6Error } from './icmpv6.js';
import { IpProtocol } from './ip-proto.js';
import { IPV4_DST_OFF, IPV4_SRC_OFF, Ipv4Packet } from './ipv4.js';
import { IPV6_DST_OFF, IPV6_HEADER_LEN, IPV6_SRC_OFF, Ipv6Packet } from './ipv6.js';
import { Ipv6Chain, routingFinalDestOffset, walkIpv6Chain } from './ipv6-ext.js';
import { TCP_ACK_OFF, TCP_SEQ_OFF, TcpSegment } from './tcp.js';
import { UdpDatagram, UDP_HEADER_LEN } from './udp.js';
import { isVlanTpid, MAX_VLAN_TAGS, tciVid, VLAN_TAG_LEN } from './vlan.js';

/**
 * Everything the dissector learned about one frame. Offsets are absolute indexes into `buf`. Fields of a layer
 * are meaningful only when `depth` has reached it; the rest are zero (offsets of absent headers are -1 where
 * noted).
 */
export class ParsedFrame {
  buf: Uint8Array = EMPTY_BYTES;
  /** The frame is buf[frameOff, frameOff + length). */
  frameOff = 0;
  length = 0;
  /** OK, or the first problem found. */
  error: ParseError = ParseError.OK;
  /** Where `error` was found (NONE when OK). */
  errorLayer: WireLayer = WireLayer.NONE;
  /** The deepest layer whose fields are all valid. */
  depth: WireLayer = WireLayer.NONE;

  // --- L2 (MACs are always at frameOff and frameOff + 6 once length >= 14) ---
  vlanCount = 0;
  /** Outermost tag first; entries from vlanCount on are left over from earlier frames. */
  readonly vlanTpid = new Uint16Array(MAX_VLAN_TAGS);
  readonly vlanTci = new Uint16Array(MAX_VLAN_TAGS);
  /** The EtherType after any VLAN tags (below 0x0600: an 802.3 length). */
  etherType = 0;
  l3Off = 0;

  // --- ARP (etherType 0x0806): MACs at l3Off + ARP_SENDER_MAC_OFF and l3Off + ARP_TARGET_MAC_OFF ---
  arpOp = 0;
  arpSenderIp = 0;
  arpTargetIp = 0;

  // --- L3 ---
  /** 4 or 6; 0 for a frame that is not IP. */
  ipVersion = 0;
  /** IPv4 header with options; IPv6 header with every extension header before the upper layer. WFP's ipHeaderSize. */
  l3HeaderLen = 0;
  /** The IP packet's length by its header (the frame may carry padding after it). */
  l3TotalLen = 0;
  /** The upper-layer protocol (after IPv6 extension headers; for a non-first fragment, the fragment's). */
  ipProto = 0;
  srcAddrOff = 0;
  dstAddrOff = 0;
  /** The destination an upper-layer checksum covers: dstAddrOff, or a routing header's final destination. */
  pseudoDstOff = 0;
  /** IPv4 addresses as host-order uint32 (WFP's form); 0 for IPv6. */
  srcV4 = 0;
  dstV4 = 0;
  /** TTL or hop limit. */
  ttl = 0;
  /** IPv4 TOS byte or IPv6 traffic class. */
  tos = 0;
  flowLabel = 0;
  /** Part of a fragmented datagram (MF set or a non-zero offset). */
  isFragment = false;
  /** In bytes. Non-zero means no transport header in this packet. */
  fragOffset = 0;
  moreFragments = false;
  dontFragment = false;
  /** IPv4 identification, or the IPv6 fragment header's identification. */
  fragId = 0;
  ipv6ExtCount = 0;
  /** -1 when absent. */
  ipv6FragHdrOff = -1;
  ipv6RoutingHdrOff = -1;

  // --- L4 ---
  l4Off = 0;
  /** The transport message: UDP's own length, otherwise the rest of the IP payload. */
  l4Len = 0;
  /** TCP header with options, UDP 8, ICMP 8. WFP's transportHeaderSize. */
  l4HeaderLen = 0;
  srcPort = 0;
  dstPort = 0;
  /** TcpFlags bits. */
  tcpFlags = 0;
  tcpSeq = 0;
  tcpAck = 0;
  tcpWindow = 0;
  icmpType = 0;
  icmpCode = 0;
  /** Echo (and timestamp, information, mask) identifier and sequence number. */
  icmpId = 0;
  icmpSeq = 0;
  /** ICMP bytes 4–7 whatever the type (MTU of "packet too big", pointer of "parameter problem", …). */
  icmpRest = 0;
  /** After the transport header; for IP we do not decode, the whole IP payload. */
  payloadOff = 0;
  payloadLen = 0;

  // --- ICMP errors ---
  /** An ICMP error message: `inner` describes the packet it quotes. */
  isIcmpError = false;
  readonly inner = new InnerPacket();

  /** VID of tag `i` (0 = outermost), or 0 when there is no such tag (WFP's VLAN_ID of an untagged frame). */
  vlanId(i = 0): number {
    return i < this.vlanCount ? tciVid(this.vlanTci[i]) : 0;
  }

  get srcMacOff(): number {
    return this.frameOff + 6;
  }

  get dstMacOff(): number {
    return this.frameOff;
  }

  /** Zeroes every field, so nothing from the previous frame survives a shorter parse. */
  reset(buf: Uint8Array, off: number, len: number): void {
    this.buf = buf;
    this.frameOff = off;
    this.length = len;
    this.error = ParseError.OK;
    this.errorLayer = WireLayer.NONE;
    this.depth = WireLayer.NONE;
    this.vlanCount = 0;
    this.etherType = 0;
    this.l3Off = 0;
    this.arpOp = 0;
    this.arpSenderIp = 0;
    this.arpTargetIp = 0;
    this.ipVersion = 0;
    this.l3HeaderLen = 0;
    this.l3TotalLen = 0;
    this.ipProto = 0;
    this.srcAddrOff = 0;
    this.dstAddrOff = 0;
    this.pseudoDstOff = 0;
    this.srcV4 = 0;
    this.dstV4 = 0;
    this.ttl = 0;
    this.tos = 0;
    this.flowLabel = 0;
    this.isFragment = false;
    this.fragOffset = 0;
    this.moreFragments = false;
    this.dontFragment = false;
    this.fragId = 0;
    this.ipv6ExtCount = 0;
    this.ipv6FragHdrOff = -1;
    this.ipv6RoutingHdrOff = -1;
    this.l4Off = 0;
    this.l4Len = 0;
    this.l4HeaderLen = 0;
    this.srcPort = 0;
    this.dstPort = 0;
    this.tcpFlags = 0;
    this.tcpSeq = 0;
    this.tcpAck = 0;
    this.tcpWindow = 0;
    this.icmpType = 0;
    this.icmpCode = 0;
    this.icmpId = 0;
    this.icmpSeq = 0;
    this.icmpRest = 0;
    this.payloadOff = 0;
    this.payloadLen = 0;
    this.isIcmpError = false;
    this.inner.reset();
  }

  private fail(e: ParseError, layer: WireLayer): ParseError {
    this.error = e;
    this.errorLayer = layer;
    return e;
  }

  /**
   * Dissects buf[off, off + len) into this object; returns `this.error`. Total: any bytes give a verdict.
   * The frame is not copied: keep `buf` unchanged while the fields are in use.
   */
  dissect(buf: Uint8Array, off: number, len: number): ParseError {
    this.reset(buf, off, len);
    if (len < ETH_HEADER_LEN || off < 0 || off + len > buf.length) return this.fail(ParseError.TRUNCATED, WireLayer.L2);
    const end = off + len;
    let at = off + 12;
    let type = getU16(buf, at);
    while (isVlanTpid(type)) {
      const n = this.vlanCount;
      if (n === MAX_VLAN_TAGS) return this.fail(ParseError.TOO_MANY_VLAN_TAGS, WireLayer.L2);
      if (at + VLAN_TAG_LEN + 2 > end) return this.fail(ParseError.TRUNCATED, WireLayer.L2);
      this.vlanTpid[n] = type;
      this.vlanTci[n] = getU16(buf, at + 2);
      this.vlanCount = n + 1;
      at += VLAN_TAG_LEN;
      type = getU16(buf, at);
    }
    this.etherType = type;
    this.l3Off = at + 2;
    this.depth = WireLayer.L2;
    switch (type) {
      case EtherType.IPV4:
        return this.ipv4(buf, this.l3Off, end);
      case EtherType.IPV6:
        return this.ipv6(buf, this.l3Off, end);
      case EtherType.ARP:
        return this.arp(buf, this.l3Off, end);
      default:
        return ParseError.OK;
    }
  }

  private arp(buf: Uint8Array, l3: number, end: number): ParseError {
    const p = arpView.reset(buf, l3, end - l3);
    const e = p.check();
    // ARP for other hardware is legal, just not ours to decode: like an unknown EtherType, not an error.
    if (e === ParseError.UNSUPPORTED) return ParseError.OK;
    if (e !== ParseError.OK) return this.fail(e, WireLayer.L3);
    this.arpOp = p.op;
    this.arpSenderIp = getU16(buf, l3 + ARP_SENDER_IP_OFF) * 0x10000 + getU16(buf, l3 + ARP_SENDER_IP_OFF + 2);
    this.arpTargetIp = getU16(buf, l3 + ARP_TARGET_IP_OFF) * 0x10000 + getU16(buf, l3 + ARP_TARGET_IP_OFF + 2);
    this.depth = WireLayer.L3;
    return ParseError.OK;
  }

  private ipv4(buf: Uint8Array, l3: number, end: number): ParseError {
    const p = ip4View.reset(buf, l3, end - l3);
    const e = p.check();
    if (e !== ParseError.OK) return this.fail(e, WireLayer.L3);
    const hl = p.headerLength;
    const total = p.totalLength;
    this.ipVersion = 4;
    this.l3HeaderLen = hl;
    this.l3TotalLen = total;
    this.ipProto = p.protocol;
    this.srcAddrOff = l3 + IPV4_SRC_OFF;
    this.dstAddrOff = l3 + IPV4_DST_OFF;
    this.pseudoDstOff = this.dstAddrOff;
    this.srcV4 = getU16(buf, this.srcAddrOff) * 0x10000 + getU16(buf, this.srcAddrOff + 2);
    this.dstV4 = getU16(buf, this.dstAddrOff) * 0x10000 + getU16(buf, this.dstAddrOff + 2);
    this.ttl = p.ttl;
    this.tos = p.tos;
    this.fragOffset = p.fragmentOffset;
    this.moreFragments = p.moreFragments;
    this.dontFragment = p.dontFragment;
    this.isFragment = this.moreFragments || this.fragOffset !== 0;
    this.fragId = p.ident;
    this.depth = WireLayer.L3;
    return this.transport(buf, l3 + hl, total - hl);
  }

  private ipv6(buf: Uint8Array, l3: number, end: number): ParseError {
    const p = ip6View.reset(buf, l3, end - l3);
    let e = p.check();
    if (e !== ParseError.OK) return this.fail(e, WireLayer.L3);
    const pktEnd = l3 + IPV6_HEADER_LEN + p.payloadLength;
    e = walkIpv6Chain(buf, p.nextHeader, l3 + IPV6_HEADER_LEN, pktEnd, chain);
    if (e !== ParseError.OK) return this.fail(e, WireLayer.L3);
    this.ipVersion = 6;
    this.l3HeaderLen = chain.upperOff - l3;
    this.l3TotalLen = pktEnd - l3;
    this.ipProto = chain.upperProto;
    this.srcAddrOff = l3 + IPV6_SRC_OFF;
    this.dstAddrOff = l3 + IPV6_DST_OFF;
    this.pseudoDstOff = this.dstAddrOff;
    if (chain.routingOff >= 0) {
      this.ipv6RoutingHdrOff = chain.routingOff;
      const finalDst = routingFinalDestOffset(buf, chain.routingOff);
      if (finalDst >= 0) this.pseudoDstOff = finalDst;
    }
    this.ttl = p.hopLimit;
    this.tos = p.trafficClass;
    this.flowLabel = p.flowLabel;
    this.ipv6ExtCount = chain.extCount;
    if (chain.fragOff >= 0) {
      this.ipv6FragHdrOff = chain.fragOff;
      this.fragOffset = chain.fragOffset;
      this.moreFragments = chain.moreFragments;
      this.isFragment = this.moreFragments || this.fragOffset !== 0;
      this.fragId = chain.fragIdent;
    }
    this.depth = WireLayer.L3;
    return this.transport(buf, chain.upperOff, pktEnd - chain.upperOff);
  }

  /** [l4, l4 + len) is the rest of the IP payload. */
  private transport(buf: Uint8Array, l4: number, len: number): ParseError {
    this.l4Off = l4;
    this.l4Len = len;
    this.payloadOff = l4;
    this.payloadLen = len;
    if (this.fragOffset !== 0) return ParseError.OK;
    switch (this.ipProto) {
      case IpProtocol.TCP: {
        const s = tcpView.reset(buf, l4, len);
        const e = s.check();
        if (e !== ParseError.OK) return this.fail(e, WireLayer.L4);
        const hl = s.headerLength;
        this.l4HeaderLen = hl;
        this.srcPort = s.srcPort;
        this.dstPort = s.dstPort;
        this.tcpFlags = s.flags;
        this.tcpSeq = getU16(buf, l4 + TCP_SEQ_OFF) * 0x10000 + getU16(buf, l4 + TCP_SEQ_OFF + 2);
        this.tcpAck = getU16(buf, l4 + TCP_ACK_OFF) * 0x10000 + getU16(buf, l4 + TCP_ACK_OFF + 2);
        this.tcpWindow = s.window;
        this.payloadOff = l4 + hl;
        this.payloadLen = len - hl;
        break;
      }
      case IpProtocol.UDP: {
        const d = udpView.reset(buf, l4, len);
        // A first fragment holds only part of what the UDP length counts.
        const e = this.moreFragments ? d.checkHeader() : d.check();
        if (e !== ParseError.OK) return this.fail(e, WireLayer.L4);
        const n = this.moreFragments ? len : d.length;
        this.l4Len = n;
        this.l4HeaderLen = UDP_HEADER_LEN;
        this.srcPort = d.srcPort;
        this.dstPort = d.dstPort;
        this.payloadOff = l4 + UDP_HEADER_LEN;
        this.payloadLen = n - UDP_HEADER_LEN;
        break;
      }
      case IpProtocol.ICMP:
      case IpProtocol.ICMPV6:
        // ICMP over IPv6 or ICMPv6 over IPv4 is nobody's protocol: leave it undecoded.
        if ((this.ipProto === IpProtocol.ICMP) !== (this.ipVersion === 4)) return ParseError.OK;
        return this.icmp(buf, l4, len);
      default:
        return ParseError.OK;
    }
    this.depth = WireLayer.L4;
    return ParseError.OK;
  }

  private icmp(buf: Uint8Array, l4: number, len: number): ParseError {
    const m = icmpView.reset(buf, l4, len);
    const e = m.check();
    if (e !== ParseError.OK) return this.fail(e, WireLayer.L4);
    const type = m.type;
    const v4 = this.ipVersion === 4;
    this.icmpType = type;
    this.icmpCode = m.code;
    this.icmpRest = getU16(buf, l4 + ICMP_REST_OFF) * 0x10000 + getU16(buf, l4 + ICMP_REST_OFF + 2);
    if (v4 ? icmpv4HasIdent(type) : icmpv6HasIdent(type)) {
      this.icmpId = m.ident;
      this.icmpSeq = m.seq;
    }
    this.l4HeaderLen = ICMP_HEADER_LEN;
    this.payloadOff = l4 + ICMP_HEADER_LEN;
    this.payloadLen = len - ICMP_HEADER_LEN;
    this.depth = WireLayer.L4;
    if (!(v4 ? isIcmpv4Error(type) : isIcmpv6Error(type))) return ParseError.OK;
    this.isIcmpError = true;
    const inner = this.inner;
    const ie = parseIcmpInner(buf, l4 + ICMP_HEADER_LEN, len - ICMP_HEADER_LEN, this.ipVersion, inner);
    if (inner.depth !== WireLayer.NONE) this.depth = inner.depth;
    if (ie !== ParseError.OK) return this.fail(ie, inner.depth === WireLayer.NONE ? WireLayer.INNER_L3 : WireLayer.INNER_L4);
    return ParseError.OK;
  }
}

// One view per header type, re-pointed per frame: dissecting allocates nothing.
const arpView = new ArpPacket();
const ip4View = new Ipv4Packet();
const ip6View = new Ipv6Packet();
const chain = new Ipv6Chain();
const tcpView = new TcpSegment();
const udpView = new UdpDatagram();
const icmpView = new IcmpMessage();

/** Convenience for one-off use: dissects into `pf` (or a new ParsedFrame) and returns it. */
export function dissectFrame(buf: Uint8Array, off = 0, len = buf.length - off, pf = new ParsedFrame()): ParsedFrame {
  pf.dissect(buf, off, len);
  return pf;
}
