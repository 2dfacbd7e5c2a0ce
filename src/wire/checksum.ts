/**
 * The Internet checksum (RFC 1071) over byte ranges in place, the IPv4/IPv6 pseudo-headers, and RFC 1624
 * incremental updates.
 *
 * Sums are kept unfolded as plain JS numbers: a 16-bit word sum of any Uint8Array stays far below 2^53, so no
 * carry is lost, and folding happens once at the end instead of per word.
 */
import { getU16, getU32 } from './bytes.js';
import { IpProtocol } from './ip-proto.js';

/** Addresses for a pseudo-header: IPv4 as host-order uint32 numbers, IPv6 as 16-byte arrays (from index 0). */
export type PseudoHeader = { src: number; dst: number } | { src: Uint8Array; dst: Uint8Array };

/**
 * One's-complement accumulation of buf[off, off+len) read as big-endian 16-bit words, added to `initial`, not
 * folded. An odd final byte counts as the high half of a word padded with zero (RFC 1071 §4.1).
 */
export function sum16(buf: Uint8Array, off: number, len: number, initial = 0): number {
  let s = initial;
  let i = off;
  const end8 = off + (len & ~7);
  // Four words per turn: fewer loop-condition checks; the adds are independent so they pipeline.
  for (; i < end8; i += 8) {
    s += ((buf[i] << 8) | buf[i + 1]) + ((buf[i + 2] << 8) | buf[i + 3]) + ((buf[i + 4] << 8) | buf[i + 5]) + ((buf[i + 6] << 8) | buf[i + 7]);
  }
  const end2 = off + (len & ~1);
  for (; i < end2; i += 2) s += (buf[i] << 8) | buf[i + 1];
  if (len & 1) s += buf[i] << 8;
  return s;
}

/** End-around carry until 16 bits remain. `& 0xffff` is exact past 2^32 because 2^32 is a multiple of 2^16. */
export function fold(s: number): number {
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}

/** The checksum field value for data whose (unfolded) sum is `s`. */
export function finish(s: number): number {
  return ~fold(s) & 0xffff;
}

/** RFC 1071 checksum of a byte range (the field it will be stored in must be zero, or be excluded by the caller). */
export function internetChecksum(buf: Uint8Array, off: number, len: number, initial = 0): number {
  return finish(sum16(buf, off, len, initial));
}

/**
 * Sum of a range whose 16-bit checksum field, at even offset `csumRel` inside it, is skipped rather than read as
 * zero, so a packet can be checksummed in place without first clearing the field.
 */
function sumSkipping(buf: Uint8Array, off: number, len: number, csumRel: number, initial: number): number {
  return sum16(buf, off + csumRel + 2, len - csumRel - 2, sum16(buf, off, csumRel, initial));
}

// --- IPv4 header ---

export function ipv4HeaderChecksum(buf: Uint8Array, off: number, headerLen: number): number {
  return finish(sumSkipping(buf, off, headerLen, 10, 0));
}

export function ipv4HeaderChecksumOk(buf: Uint8Array, off: number, headerLen: number): boolean {
  return fold(sum16(buf, off, headerLen)) === 0xffff;
}

export function fillIpv4HeaderChecksum(buf: Uint8Array, off: number, headerLen: number): void {
  const c = ipv4HeaderChecksum(buf, off, headerLen);
  buf[off + 10] = c >>> 8;
  buf[off + 11] = c;
}

// --- pseudo-headers ---

/** IPv4 pseudo-header (RFC 793 §3.1): addresses, zero, protocol, upper-layer length. */
export function pseudoSum4(src: number, dst: number, proto: number, l4Len: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + proto + l4Len;
}

/** IPv6 pseudo-header (RFC 8200 §8.1): addresses, 32-bit upper-layer length, next header. */
export function pseudoSum6(
  src: Uint8Array,
  srcOff: number,
  dst: Uint8Array,
  dstOff: number,
  proto: number,
  l4Len: number,
): number {
  return sum16(dst, dstOff, 16, sum16(src, srcOff, 16)) + (l4Len >>> 16) + (l4Len & 0xffff) + proto;
}

export function pseudoSum(ph: PseudoHeader, proto: number, l4Len: number): number {
  return typeof ph.src === 'number'
    ? pseudoSum4(ph.src, ph.dst as number, proto, l4Len)
    : pseudoSum6(ph.src, 0, ph.dst as Uint8Array, 0, proto, l4Len);
}

/**
 * Pseudo-header sum from addresses already in the buffer: `srcOff`/`dstOff` point at 4 or 16 address bytes
 * (`family` 4 or 6). Taking the destination's offset separately lets IPv6 use the routing header's final
 * destination, which is what the sender summed (RFC 8200 §8.1).
 */
export function pseudoSumAt(
  buf: Uint8Array,
  family: 4 | 6,
  srcOff: number,
  dstOff: number,
  proto: number,
  l4Len: number,
): number {
  return family === 4
    ? pseudoSum4(getU32(buf, srcOff), getU32(buf, dstOff), proto, l4Len)
    : pseudoSum6(buf, srcOff, buf, dstOff, proto, l4Len);
}

// --- transport checksums (checksum field skipped, so they work on packets whose field is already filled) ---

/** Where each transport keeps its checksum, relative to its header. */
export const TCP_CSUM_OFF = 16;
export const UDP_CSUM_OFF = 6;
export const ICMP_CSUM_OFF = 2;

/** Checksum of an L4 segment given its pseudo-header sum (pass 0 for ICMPv4, which has none). */
export function l4Checksum(buf: Uint8Array, l4Off: number, l4Len: number, csumRel: number, pseudo: number): number {
  return finish(sumSkipping(buf, l4Off, l4Len, csumRel, pseudo));
}

/** True when the segment, checksum field included, sums to all-ones with its pseudo-header. */
export function l4ChecksumOk(buf: Uint8Array, l4Off: number, l4Len: number, pseudo: number): boolean {
  return fold(sum16(buf, l4Off, l4Len, pseudo)) === 0xffff;
}

export function tcpChecksum(buf: Uint8Array, off: number, len: number, ph: PseudoHeader): number {
  return l4Checksum(buf, off, len, TCP_CSUM_OFF, pseudoSum(ph, IpProtocol.TCP, len));
}

/** A computed UDP checksum of 0 is sent as 0xffff: 0 on the wire means "no checksum" (RFC 768). */
export function udpChecksum(buf: Uint8Array, off: number, len: number, ph: PseudoHeader): number {
  return l4Checksum(buf, off, len, UDP_CSUM_OFF, pseudoSum(ph, IpProtocol.UDP, len)) || 0xffff;
}

export function icmpv4Checksum(buf: Uint8Array, off: number, len: number): number {
  return l4Checksum(buf, off, len, ICMP_CSUM_OFF, 0);
}

export function icmpv6Checksum(buf: Uint8Array, off: number, len: number, ph: PseudoHeader): number {
  return l4Checksum(buf, off, len, ICMP_CSUM_OFF, pseudoSum(ph, IpProtocol.ICMPV6, len));
}

export function tcpChecksumOk(buf: Uint8Array, off: number, len: number, ph: PseudoHeader): boolean {
  return l4ChecksumOk(buf, off, len, pseudoSum(ph, IpProtocol.TCP, len));
}

/** Over IPv4 a zero field means the sender did not checksum, which is valid; over IPv6 it is mandatory. */
export function udpChecksumOk(buf: Uint8Array, off: number, len: number, ph: PseudoHeader): boolean {
  if (getU16(buf, off + UDP_CSUM_OFF) === 0) return typeof ph.src === 'number';
  return l4ChecksumOk(buf, off, len, pseudoSum(ph, IpProtocol.UDP, len));
}

export function icmpv4ChecksumOk(buf: Uint8Array, off: number, len: number): boolean {
  return l4ChecksumOk(buf, off, len, 0);
}

export function icmpv6ChecksumOk(buf: Uint8Array, off: number, len: number, ph: PseudoHeader): boolean {
  return l4ChecksumOk(buf, off, len, pseudoSum(ph, IpProtocol.ICMPV6, len));
}

function store(buf: Uint8Array, at: number, c: number): void {
  buf[at] = c >>> 8;
  buf[at + 1] = c;
}

export function fillTcpChecksum(buf: Uint8Array, off: number, len: number, ph: PseudoHeader): void {
  store(buf, off + TCP_CSUM_OFF, tcpChecksum(buf, off, len, ph));
}

export function fillUdpChecksum(buf: Uint8Array, off: number, len: number, ph: PseudoHeader): void {
  store(buf, off + UDP_CSUM_OFF, udpChecksum(buf, off, len, ph));
}

export function fillIcmpv4Checksum(buf: Uint8Array, off: number, len: number): void {
  store(buf, off + ICMP_CSUM_OFF, icmpv4Checksum(buf, off, len));
}

export function fillIcmpv6Checksum(buf: Uint8Array, off: number, len: number, ph: PseudoHeader): void {
  store(buf, off + ICMP_CSUM_OFF, icmpv6Checksum(buf, off, len, ph));
}

// --- RFC 1624 incremental update ---

/** HC' = ~(~HC + ~m + m') (RFC 1624 eqn. 3) for one 16-bit word changing from `old` to `neu`. */
export function csumUpdate16(hc: number, old: number, neu: number): number {
  return ~fold((~hc & 0xffff) + (~old & 0xffff) + (neu & 0xffff)) & 0xffff;
}

/** The same for an aligned 32-bit field (an IPv4 address, a TCP sequence number): two words at once. */
export function csumUpdate32(hc: number, old: number, neu: number): number {
  return (
    ~fold((~hc & 0xffff) + (~(old >>> 16) & 0xffff) + (~old & 0xffff) + (neu >>> 16) + (neu & 0xffff)) & 0xffff
  );
}

/**
 * The same for an even-length byte range (an IPv6 address) changing from old[..] to neu[..]: the sum of the
 * complemented old words is (words * 0xffff - sum(old)), so neither range is copied or complemented byte by byte.
 */
export function csumUpdateBytes(
  hc: number,
  old: Uint8Array,
  oldOff: number,
  neu: Uint8Array,
  neuOff: number,
  len: number,
): number {
  return ~fold((~hc & 0xffff) + (len >>> 1) * 0xffff - sum16(old, oldOff, len) + sum16(neu, neuOff, len)) & 0xffff;
}
