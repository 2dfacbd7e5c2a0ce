/**
 * The packet an ICMP error quotes: the offending IP header and the first bytes of its transport header. A quote
 * is truncated by design (RFC 792 promises 8 transport bytes; RFC 1812 and RFC 4443 allow more), so the quoted
 * header's lengths are not required to be present: only the IP header (and an IPv6 chain) must be whole, and
 * transport fields are read as far as the quote goes.
 */
import { getU16 } from './bytes.js';
import { ParseError, WireLayer } from './errors.js';
import { ICMP_HEADER_LEN, ICMP_REST_OFF } from './icmp.js';
import { icmpv4HasIdent } from './icmpv4.js';
import { icmpv6HasIdent } from './icmpv6.js';
import { IpProtocol } from './ip-proto.js';
import { IPV4_DST_OFF, IPV4_SRC_OFF, Ipv4Packet } from './ipv4.js';
import { IPV6_DST_OFF, IPV6_HEADER_LEN, IPV6_SRC_OFF, Ipv6Packet } from './ipv6.js';
import { Ipv6Chain, walkIpv6Chain } from './ipv6-ext.js';
import { TCP_SEQ_OFF } from './tcp.js';

/** Fields of the quoted packet; offsets are absolute in the frame's buffer. Reused across frames. */
export class InnerPacket {
  /** INNER_L3 once the IP header is read, INNER_L4 once ports (or the ICMP type) are. */
  depth: WireLayer = WireLayer.NONE;
  l3Off = 0;
  ipVersion = 0;
  /** IPv4 header, or IPv6 header and extension headers. */
  l3HeaderLen = 0;
  /** What the quoted header declares; usually more than was quoted. */
  totalLen = 0;
  proto = 0;
  srcAddrOff = 0;
  dstAddrOff = 0;
  /** IPv4 addresses as host-order uint32 (0 for IPv6). */
  srcV4 = 0;
  dstV4 = 0;
  ttl = 0;
  isFragment = false;
  fragOffset = 0;
  l4Off = 0;
  /** Transport bytes present in the quote (capped by the quoted header's own length). */
  l4Avail = 0;
  /** TCP/UDP ports were quoted. */
  hasPorts = false;
  srcPort = 0;
  dstPort = 0;
  /** TCP sequence number, when 8 bytes were quoted (it identifies the segment to the sender). */
  tcpSeq = 0;
  /** A quoted ICMP message (a ping that timed out): type and code, and identifier/sequence for echo. */
  hasIcmp = false;
  icmpType = 0;
  icmpCode = 0;
  icmpId = 0;
  icmpSeq = 0;

  reset(): void {
    this.depth = WireLayer.NONE;
    this.l3Off = 0;
    this.ipVersion = 0;
    this.l3HeaderLen = 0;
    this.totalLen = 0;
    this.proto = 0;
    this.srcAddrOff = 0;
    this.dstAddrOff = 0;
    this.srcV4 = 0;
    this.dstV4 = 0;
    this.ttl = 0;
    this.isFragment = false;
    this.fragOffset = 0;
    this.l4Off = 0;
    this.l4Avail = 0;
    this.hasPorts = false;
    this.srcPort = 0;
    this.dstPort = 0;
    this.tcpSeq = 0;
    this.hasIcmp = false;
    this.icmpType = 0;
    this.icmpCode = 0;
    this.icmpId = 0;
    this.icmpSeq = 0;
  }
}

const ip4 = new Ipv4Packet();
const ip6 = new Ipv6Packet();
const chain = new Ipv6Chain();

/**
 * Parses the quote in [off, off+len) of an ICMP error carried over IP version `family` (the quote must be of the
 * same version). On error, `out.depth` says how far it got: NONE when the IP header itself is unusable,
 * INNER_L3 when the addresses were read but the transport could not be located.
 */
export function parseIcmpInner(buf: Uint8Array, off: number, len: number, family: number, out: InnerPacket): ParseError {
  out.reset();
  out.l3Off = off;
  const end = off + len;
  let upperEnd: number;
  if (family === 4) {
    const p = ip4.reset(buf, off, len);
    const e = p.checkHeader();
    if (e !== ParseError.OK) return e;
    const hl = p.headerLength;
    out.ipVersion = 4;
    out.l3HeaderLen = hl;
    out.totalLen = p.totalLength;
    out.proto = p.protocol;
    out.srcAddrOff = off + IPV4_SRC_OFF;
    out.dstAddrOff = off + IPV4_DST_OFF;
    // 32-bit reads as two halves, for the reason given in frame.ts: no heap number per frame.
    out.srcV4 = getU16(buf, out.srcAddrOff) * 0x10000 + getU16(buf, out.srcAddrOff + 2);
    out.dstV4 = getU16(buf, out.dstAddrOff) * 0x10000 + getU16(buf, out.dstAddrOff + 2);
    out.ttl = p.ttl;
    out.isFragment = p.isFragment;
    out.fragOffset = p.fragmentOffset;
    upperEnd = Math.min(end, off + out.totalLen);
  } else {
    const p = ip6.reset(buf, off, len);
    const e = p.checkHeader();
    if (e !== ParseError.OK) return e;
    const declaredEnd = off + IPV6_HEADER_LEN + p.payloadLength;
    upperEnd = Math.min(end, declaredEnd);
    const ce = walkIpv6Chain(buf, p.nextHeader, off + IPV6_HEADER_LEN, upperEnd, chain);
    if (ce !== ParseError.OK && ce !== ParseError.TRUNCATED) return ce;
    out.ipVersion = 6;
    out.l3HeaderLen = chain.upperOff - off;
    out.totalLen = declaredEnd - off;
    out.proto = chain.upperProto;
    out.srcAddrOff = off + IPV6_SRC_OFF;
    out.dstAddrOff = off + IPV6_DST_OFF;
    out.ttl = p.hopLimit;
    if (ce === ParseError.TRUNCATED) {
      // The quote ends inside the extension chain: the addresses are known, the transport is not. `proto` is
      // the extension header that was cut, and the failure is the transport's (INNER_L4), not the header's.
      out.l4Off = chain.upperOff;
      out.depth = WireLayer.INNER_L3;
      return ce;
    }
    out.fragOffset = chain.fragOffset;
    out.isFragment = chain.moreFragments || chain.fragOffset !== 0;
  }
  out.depth = WireLayer.INNER_L3;
  const l4 = off + out.l3HeaderLen;
  out.l4Off = l4;
  out.l4Avail = Math.max(0, upperEnd - l4);
  if (out.fragOffset !== 0) return ParseError.OK;
  const n = out.l4Avail;
  switch (out.proto) {
    case IpProtocol.TCP:
    case IpProtocol.UDP:
      // Both keep their ports in the first four bytes.
      if (n < 4) return ParseError.OK;
      out.hasPorts = true;
      out.srcPort = getU16(buf, l4);
      out.dstPort = getU16(buf, l4 + 2);
      if (out.proto === IpProtocol.TCP && n >= 8) out.tcpSeq = getU16(buf, l4 + TCP_SEQ_OFF) * 0x10000 + getU16(buf, l4 + TCP_SEQ_OFF + 2);
      break;
    case IpProtocol.ICMP:
    case IpProtocol.ICMPV6: {
      if ((out.proto === IpProtocol.ICMP) !== (family === 4) || n < 2) return ParseError.OK;
      out.hasIcmp = true;
      out.icmpType = buf[l4];
      out.icmpCode = buf[l4 + 1];
      const echo = family === 4 ? icmpv4HasIdent(out.icmpType) : icmpv6HasIdent(out.icmpType);
      if (echo && n >= ICMP_HEADER_LEN) {
        out.icmpId = getU16(buf, l4 + ICMP_REST_OFF);
        out.icmpSeq = getU16(buf, l4 + ICMP_REST_OFF + 2);
      }
      break;
    }
    default:
      return ParseError.OK;
  }
  out.depth = WireLayer.INNER_L4;
  return ParseError.OK;
}
