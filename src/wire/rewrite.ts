/**
 * In-place rewrites of a dissected frame's addresses, ports and TTL, patching every checksum that covers the
 * field by RFC 1624 instead of re-summing the packet: a callout rewriting a port on every packet of a flow costs a
 * few adds, not a pass over the payload. The ParsedFrame's own fields are updated to match.
 *
 * Each function returns false, changing nothing, when the frame has no such field (not IP, wrong family, no
 * transport header decoded).
 */
import { getU16, getU32, setU16, setU32 } from './bytes.js';
import { csumUpdate16, csumUpdate32, csumUpdateBytes, ICMP_CSUM_OFF, TCP_CSUM_OFF, UDP_CSUM_OFF } from './checksum.js';
import { WireLayer } from './errors.js';
import type { ParsedFrame } from './frame.js';
import { IpProtocol } from './ip-proto.js';

const IPV4_CSUM = 10;
const IPV4_TTL = 8;

/**
 * Offset of the transport checksum that covers the pseudo-header, when this packet carries it: TCP, UDP (unless
 * sent without one) and ICMPv6, in a whole datagram or a first fragment (a fragment's delta is still exact: the
 * sum covers the reassembled datagram, and only this fragment's words changed). -1 otherwise.
 */
function pseudoCoveredCsum(pf: ParsedFrame): number {
  if (pf.depth < WireLayer.L4) return -1;
  switch (pf.ipProto) {
    case IpProtocol.TCP:
      return pf.l4Off + TCP_CSUM_OFF;
    case IpProtocol.UDP: {
      const at = pf.l4Off + UDP_CSUM_OFF;
      return getU16(pf.buf, at) === 0 ? -1 : at;
    }
    case IpProtocol.ICMPV6:
      return pf.l4Off + ICMP_CSUM_OFF;
    default:
      return -1;
  }
}

/** UDP cannot carry a computed 0: that value means "no checksum". */
function storeL4Csum(pf: ParsedFrame, at: number, c: number): void {
  setU16(pf.buf, at, c === 0 && pf.ipProto === IpProtocol.UDP ? 0xffff : c);
}

function setPort(pf: ParsedFrame, rel: 0 | 2, port: number): boolean {
  if (pf.depth < WireLayer.L4 || (pf.ipProto !== IpProtocol.TCP && pf.ipProto !== IpProtocol.UDP)) return false;
  const at = pf.l4Off + rel;
  const old = getU16(pf.buf, at);
  setU16(pf.buf, at, port);
  const cs = pseudoCoveredCsum(pf);
  if (cs >= 0) storeL4Csum(pf, cs, csumUpdate16(getU16(pf.buf, cs), old, port & 0xffff));
  if (rel === 0) pf.srcPort = port & 0xffff;
  else pf.dstPort = port & 0xffff;
  return true;
}

export function rewriteSrcPort(pf: ParsedFrame, port: number): boolean {
  return setPort(pf, 0, port);
}

export function rewriteDstPort(pf: ParsedFrame, port: number): boolean {
  return setPort(pf, 2, port);
}

function setIpv4(pf: ParsedFrame, at: number, addr: number): void {
  const buf = pf.buf;
  const old = getU32(buf, at);
  const neu = addr >>> 0;
  setU32(buf, at, neu);
  const ipCs = pf.l3Off + IPV4_CSUM;
  setU16(buf, ipCs, csumUpdate32(getU16(buf, ipCs), old, neu));
  const cs = pseudoCoveredCsum(pf);
  if (cs >= 0) storeL4Csum(pf, cs, csumUpdate32(getU16(buf, cs), old, neu));
}

/** `addr`: host-order uint32. */
export function rewriteSrcIpv4(pf: ParsedFrame, addr: number): boolean {
  if (pf.ipVersion !== 4 || pf.depth < WireLayer.L3) return false;
  setIpv4(pf, pf.srcAddrOff, addr);
  pf.srcV4 = addr >>> 0;
  return true;
}

export function rewriteDstIpv4(pf: ParsedFrame, addr: number): boolean {
  if (pf.ipVersion !== 4 || pf.depth < WireLayer.L3) return false;
  setIpv4(pf, pf.dstAddrOff, addr);
  pf.dstV4 = addr >>> 0;
  return true;
}

/** `coversCsum`: whether this address field is the one the pseudo-header sums (see ParsedFrame.pseudoDstOff). */
function setIpv6(pf: ParsedFrame, at: number, addr: Uint8Array, addrOff: number, coversCsum: boolean): void {
  const buf = pf.buf;
  const cs = coversCsum ? pseudoCoveredCsum(pf) : -1;
  if (cs >= 0) storeL4Csum(pf, cs, csumUpdateBytes(getU16(buf, cs), buf, at, addr, addrOff, 16));
  buf.set(addr.subarray(addrOff, addrOff + 16), at);
}

export function rewriteSrcIpv6(pf: ParsedFrame, addr: Uint8Array, addrOff = 0): boolean {
  if (pf.ipVersion !== 6 || pf.depth < WireLayer.L3) return false;
  setIpv6(pf, pf.srcAddrOff, addr, addrOff, true);
  return true;
}

/** Rewrites the IPv6 destination field; with a routing header in transit, the checksum covers the final one instead. */
export function rewriteDstIpv6(pf: ParsedFrame, addr: Uint8Array, addrOff = 0): boolean {
  if (pf.ipVersion !== 6 || pf.depth < WireLayer.L3) return false;
  setIpv6(pf, pf.dstAddrOff, addr, addrOff, pf.pseudoDstOff === pf.dstAddrOff);
  return true;
}

/** TTL or hop limit; for IPv4 the header checksum is patched (TTL shares its word with the protocol). */
export function rewriteTtl(pf: ParsedFrame, ttl: number): boolean {
  if (pf.depth < WireLayer.L3 || pf.ipVersion === 0) return false;
  const buf = pf.buf;
  if (pf.ipVersion === 6) {
    buf[pf.l3Off + 7] = ttl;
  } else {
    const w = pf.l3Off + IPV4_TTL;
    const old = getU16(buf, w);
    buf[w] = ttl;
    const ipCs = pf.l3Off + IPV4_CSUM;
    setU16(buf, ipCs, csumUpdate16(getU16(buf, ipCs), old, getU16(buf, w)));
  }
  pf.ttl = ttl & 0xff;
  return true;
}
