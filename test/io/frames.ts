/**
 * Test-only frame builders and in-place rewriters, by byte manipulation: ARP, ICMP echo, UDP and TCP over IPv4,
 * optionally 802.1Q-tagged. Self-contained on purpose (no src/wire), so these I/O tests depend only on src/io.
 */

export const ETH_IPV4 = 0x0800;
export const ETH_ARP = 0x0806;
export const ETH_VLAN = 0x8100;
export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

export function mac(text: string): Uint8Array {
  return Uint8Array.from(text.split(':').map((p) => parseInt(p, 16)));
}

export function ip4(text: string): Uint8Array {
  return Uint8Array.from(text.split('.').map(Number));
}

export function ipText(b: Uint8Array, off: number): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

export function get16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

export function get32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

export function put16(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 8) & 0xff;
  b[o + 1] = v & 0xff;
}

export function put32(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 24) & 0xff;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
}

/** Unfolded one's-complement sum of 16-bit big-endian words. */
export function sum16(b: Uint8Array, off: number, len: number, init = 0): number {
  let s = init;
  let i = 0;
  for (; i + 1 < len; i += 2) s += (b[off + i]! << 8) | b[off + i + 1]!;
  if (i < len) s += b[off + i]! << 8;
  return s;
}

export function fold(s: number): number {
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}

/** The checksum to store: complement of the folded sum. */
export function checksum(s: number): number {
  return ~fold(s) & 0xffff;
}

/** Sum of the IPv4 pseudo-header for an L4 segment of `l4Len` bytes. */
export function pseudoSum(b: Uint8Array, ipOff: number, proto: number, l4Len: number): number {
  return sum16(b, ipOff + 12, 8) + proto + l4Len;
}

/** Where the L3 header starts and what it is, past an optional 802.1Q tag. */
export interface L2 {
  ethertype: number;
  l3: number;
  /** VLAN id, or -1 when untagged. */
  vid: number;
}

export function parseL2(b: Uint8Array, off: number): L2 {
  const t = get16(b, off + 12);
  if (t === ETH_VLAN) return { ethertype: get16(b, off + 16), l3: off + 18, vid: get16(b, off + 14) & 0xfff };
  return { ethertype: t, l3: off + 14, vid: -1 };
}

/** Writes Ethernet (+ optional tag) header; returns the L3 offset. */
export function writeEth(b: Uint8Array, off: number, dst: Uint8Array, src: Uint8Array, ethertype: number, vid = -1): number {
  b.set(dst, off);
  b.set(src, off + 6);
  if (vid >= 0) {
    put16(b, off + 12, ETH_VLAN);
    put16(b, off + 14, vid);
    put16(b, off + 16, ethertype);
    return off + 18;
  }
  put16(b, off + 12, ethertype);
  return off + 14;
}

/** Writes a 20-byte IPv4 header with a correct checksum. */
export function writeIpv4(b: Uint8Array, off: number, src: Uint8Array, dst: Uint8Array, proto: number, payloadLen: number, id = 0): void {
  b[off] = 0x45;
  b[off + 1] = 0;
  put16(b, off + 2, 20 + payloadLen);
  put16(b, off + 4, id);
  put16(b, off + 6, 0x4000); // DF
  b[off + 8] = 64;
  b[off + 9] = proto;
  put16(b, off + 10, 0);
  b.set(src, off + 12);
  b.set(dst, off + 16);
  put16(b, off + 10, checksum(sum16(b, off, 20)));
}

/** True if the L4 checksum (TCP/UDP) of the IPv4 packet at ipOff verifies. */
export function l4ChecksumOk(b: Uint8Array, ipOff: number): boolean {
  const ihl = (b[ipOff]! & 0x0f) * 4;
  const total = get16(b, ipOff + 2);
  const l4Len = total - ihl;
  return fold(sum16(b, ipOff + ihl, l4Len, pseudoSum(b, ipOff, b[ipOff + 9]!, l4Len))) === 0xffff;
}

export interface ArpInfo {
  op: number;
  senderMac: Uint8Array;
  senderIp: string;
  targetIp: string;
}

export function parseArp(b: Uint8Array, l3: number): ArpInfo {
  return {
    op: get16(b, l3 + 6),
    senderMac: b.slice(l3 + 8, l3 + 14),
    senderIp: ipText(b, l3 + 14),
    targetIp: ipText(b, l3 + 24),
  };
}

/**
 * Turns the ARP request in frame `off` into the reply from `myMac` in place (tag, if any, kept); returns false if
 * the frame is not a request for `myIp`.
 */
export function arpRequestToReply(b: Uint8Array, off: number, myMac: Uint8Array, myIp: Uint8Array): boolean {
  const l2 = parseL2(b, off);
  if (l2.ethertype !== ETH_ARP) return false;
  const a = l2.l3;
  if (get16(b, a + 6) !== 1) return false;
  for (let i = 0; i < 4; i++) if (b[a + 24 + i] !== myIp[i]) return false;
  // target <- sender; sender <- us
  b.copyWithin(a + 18, a + 8, a + 18);
  b.set(myMac, a + 8);
  b.set(myIp, a + 14);
  put16(b, a + 6, 2);
  b.copyWithin(off, off + 6, off + 12); // eth dst <- requester
  b.set(myMac, off + 6);
  return true;
}

/**
 * Turns the ICMP echo request to `myIp` in frame `off` (frame length `len`) into the echo reply in place: swaps
 * addresses, sets type 0 and fixes both checksums. Returns false if it is not such a request.
 */
export function echoRequestToReply(b: Uint8Array, off: number, len: number, myMac: Uint8Array, myIp: Uint8Array): boolean {
  const l2 = parseL2(b, off);
  if (l2.ethertype !== ETH_IPV4) return false;
  const ip = l2.l3;
  if (b[ip + 9] !== IPPROTO_ICMP) return false;
  for (let i = 0; i < 4; i++) if (b[ip + 16 + i] !== myIp[i]) return false;
  const ihl = (b[ip]! & 0x0f) * 4;
  const icmp = ip + ihl;
  if (b[icmp] !== 8) return false;
  b.copyWithin(off, off + 6, off + 12);
  b.set(myMac, off + 6);
  b.copyWithin(ip + 16, ip + 12, ip + 16); // dst <- src
  b.set(myIp, ip + 12);
  b[ip + 8] = 64;
  put16(b, ip + 10, 0);
  put16(b, ip + 10, checksum(sum16(b, ip, ihl)));
  const icmpLen = get16(b, ip + 2) - ihl;
  if (icmp + icmpLen > off + len) return false;
  b[icmp] = 0;
  put16(b, icmp + 2, 0);
  put16(b, icmp + 2, checksum(sum16(b, icmp, icmpLen)));
  return true;
}

export interface UdpSpec {
  srcMac: Uint8Array;
  dstMac: Uint8Array;
  srcIp: Uint8Array;
  dstIp: Uint8Array;
  sport: number;
  dport: number;
  payload: Uint8Array;
  vid?: number;
}

/** A UDP datagram with full checksums at `off`; returns the frame length. */
export function writeUdp(b: Uint8Array, off: number, s: UdpSpec): number {
  const ip = writeEth(b, off, s.dstMac, s.srcMac, ETH_IPV4, s.vid ?? -1);
  const udpLen = 8 + s.payload.length;
  writeIpv4(b, ip, s.srcIp, s.dstIp, IPPROTO_UDP, udpLen);
  const u = ip + 20;
  put16(b, u, s.sport);
  put16(b, u + 2, s.dport);
  put16(b, u + 4, udpLen);
  put16(b, u + 6, 0);
  b.set(s.payload, u + 8);
  put16(b, u + 6, checksum(sum16(b, u, udpLen, pseudoSum(b, ip, IPPROTO_UDP, udpLen))) || 0xffff);
  return u + udpLen - off;
}

export interface TcpSpec {
  srcMac: Uint8Array;
  dstMac: Uint8Array;
  srcIp: Uint8Array;
  dstIp: Uint8Array;
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  /** TCP options, a multiple of 4 bytes. */
  options?: Uint8Array;
  payloadLen?: number;
  /** Payload byte i (0-based within this segment's stream offset `streamOff`). */
  fill?: (i: number) => number;
  streamOff?: number;
  /**
   * 'full': a correct checksum. 'partial': the pseudo-header sum only, as the kernel leaves it for CHECKSUM_PARTIAL
   * (NEEDS_CSUM) — someone else folds in the segment.
   */
  csum?: 'full' | 'partial';
}

export const TCP_HDR_NO_OPTS = 20;

/** A TCP segment over IPv4 at `off`; returns the frame length. */
export function writeTcp(b: Uint8Array, off: number, s: TcpSpec): number {
  const ip = writeEth(b, off, s.dstMac, s.srcMac, ETH_IPV4);
  const opts = s.options ?? new Uint8Array(0);
  const thl = TCP_HDR_NO_OPTS + opts.length;
  const plen = s.payloadLen ?? 0;
  writeIpv4(b, ip, s.srcIp, s.dstIp, IPPROTO_TCP, thl + plen);
  const t = ip + 20;
  put16(b, t, s.sport);
  put16(b, t + 2, s.dport);
  put32(b, t + 4, s.seq >>> 0);
  put32(b, t + 8, s.ack >>> 0);
  b[t + 12] = (thl / 4) << 4;
  b[t + 13] = s.flags;
  put16(b, t + 14, s.window);
  put16(b, t + 16, 0);
  put16(b, t + 18, 0);
  b.set(opts, t + 20);
  const fill = s.fill ?? (() => 0);
  const base = s.streamOff ?? 0;
  for (let i = 0; i < plen; i++) b[t + thl + i] = fill(base + i);
  const pseudo = pseudoSum(b, ip, IPPROTO_TCP, thl + plen);
  put16(b, t + 16, s.csum === 'partial' ? fold(pseudo) : checksum(sum16(b, t, thl + plen, pseudo)));
  return t + thl + plen - off;
}

export interface TcpInfo {
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  flags: number;
  /** Offset and length of the payload in the buffer. */
  payloadOff: number;
  payloadLen: number;
}

/** Parses an IPv4/TCP frame at `off` of length `len`, or null. */
export function parseTcp(b: Uint8Array, off: number, len: number): TcpInfo | null {
  const l2 = parseL2(b, off);
  if (l2.ethertype !== ETH_IPV4) return null;
  const ip = l2.l3;
  if (b[ip + 9] !== IPPROTO_TCP) return null;
  const ihl = (b[ip]! & 0x0f) * 4;
  const t = ip + ihl;
  const thl = (b[t + 12]! >> 4) * 4;
  // The IP total length covers the whole super-frame for GSO; use the frame length as the bound.
  const payloadLen = Math.min(get16(b, ip + 2), off + len - ip) - ihl - thl;
  return {
    sport: get16(b, t),
    dport: get16(b, t + 2),
    seq: get32(b, t + 4),
    ack: get32(b, t + 8),
    flags: b[t + 13]!,
    payloadOff: t + thl,
    payloadLen,
  };
}
