/**
 * The dissector on frames with known contents: every field the engine reads, and the verdict for each kind of
 * malformed input.
 */
import { describe, expect, it } from 'vitest';
import {
  ARP_SENDER_MAC_OFF,
  buildArpFrame,
  buildEchoFrame,
  buildEthernetFrame,
  buildIcmpErrorFrame,
  buildIcmpv4Frame,
  buildIpFrame,
  buildNeighborSolicitFrame,
  buildTcpFrame,
  buildUdpFrame,
  checkL3Checksum,
  checkL4Checksum,
  ChecksumStatus,
  dissectFrame,
  findNdpLinkAddr,
  formatIpv6Addr,
  formatMac,
  ipPacketOf,
  ParsedFrame,
  ParseError,
  parseIpv4Addr,
  parseIpv6Addr,
  TcpFlags,
  WireLayer,
} from '../../src/wire/index.js';

const A = '02:00:00:00:00:0a';
const B = '02:00:00:00:00:0b';
const v4 = (s: string) => parseIpv4Addr(s)!;
const v6text = (pf: ParsedFrame, off: number) => formatIpv6Addr(pf.buf, off);

/** Fields as a plain object, so one frame's dissection can be compared with another's. */
function snapshot(pf: ParsedFrame): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(pf)) {
    if (k === 'buf') continue;
    o[k] = v instanceof Uint16Array ? Array.from(v.subarray(0, pf.vlanCount)) : typeof v === 'object' ? { ...v } : v;
  }
  return o;
}

describe('dissecting well-formed frames', () => {
  it('TCP/IPv4 SYN in an 802.1Q tag: L2, L3, L4 fields and payload', () => {
    const payload = new TextEncoder().encode('hello');
    const f = buildTcpFrame({
      srcMac: A,
      dstMac: B,
      vlan: { tpid: 0x8100, pcp: 5, dei: true, vid: 100 },
      src: '10.0.0.1',
      dst: '10.0.0.2',
      sport: 40000,
      dport: 443,
      flags: TcpFlags.SYN | TcpFlags.ECE | TcpFlags.CWR,
      seq: 0xfffffff0,
      ack: 0,
      window: 64240,
      ttl: 63,
      tos: 0x2e << 2,
      ipId: 0x1234,
      dontFragment: true,
      options: [{ kind: 'mss', mss: 1460 }, { kind: 'sackPermitted' }, { kind: 'timestamps', tsVal: 5, tsEcr: 0 }, { kind: 'nop' }, { kind: 'windowScale', shift: 7 }],
      payload,
    });
    const pf = dissectFrame(f);
    expect(pf.error).toBe(ParseError.OK);
    expect(pf.errorLayer).toBe(WireLayer.NONE);
    expect(pf.depth).toBe(WireLayer.L4);
    expect(formatMac(f, pf.srcMacOff)).toBe(A);
    expect(formatMac(f, pf.dstMacOff)).toBe(B);
    expect([pf.vlanCount, pf.vlanId(), pf.vlanTpid[0], pf.vlanTci[0] >> 13, (pf.vlanTci[0] >> 12) & 1]).toEqual([1, 100, 0x8100, 5, 1]);
    expect([pf.etherType, pf.l3Off]).toEqual([0x0800, 18]);
    expect(pf).toMatchObject({
      ipVersion: 4,
      l3HeaderLen: 20,
      l3TotalLen: 20 + 40 + 5,
      ipProto: 6,
      srcV4: v4('10.0.0.1'),
      dstV4: v4('10.0.0.2'),
      srcAddrOff: 18 + 12,
      dstAddrOff: 18 + 16,
      ttl: 63,
      tos: 0xb8,
      dontFragment: true,
      isFragment: false,
      fragId: 0x1234,
      l4Off: 38,
      l4Len: 45,
      l4HeaderLen: 40,
      srcPort: 40000,
      dstPort: 443,
      tcpFlags: 0xc2,
      tcpSeq: 0xfffffff0,
      tcpAck: 0,
      tcpWindow: 64240,
      payloadOff: 78,
      payloadLen: 5,
      isIcmpError: false,
    });
    expect(new TextDecoder().decode(f.subarray(pf.payloadOff, pf.payloadOff + pf.payloadLen))).toBe('hello');
    expect(checkL3Checksum(pf)).toBe(ChecksumStatus.GOOD);
    expect(checkL4Checksum(pf)).toBe(ChecksumStatus.GOOD);
  });

  it('UDP/IPv6 through hop-by-hop, destination options and a routing header: the chain is walked to UDP', () => {
    const finalDst = parseIpv6Addr('2001:db8::99')!;
    const f = buildUdpFrame({
      src: '2001:db8::1',
      dst: '2001:db8::2',
      sport: 5353,
      dport: 53,
      payload: new Uint8Array(11),
      flowLabel: 0xabcde,
      extHeaders: [
        { kind: 'hopByHop', options: [{ type: 5, data: new Uint8Array(2) }] },
        { kind: 'destOpts', options: [{ type: 0x1e, data: new Uint8Array(12) }] },
        // Segment routing header with segments left: the checksum covers Segment List[0], the final destination.
        { kind: 'routing', routingType: 4, segmentsLeft: 1, data: new Uint8Array([0, 0, 0, 0, ...finalDst, ...parseIpv6Addr('2001:db8::2')!]) },
      ],
    });
    const pf = dissectFrame(f);
    expect(pf.error).toBe(ParseError.OK);
    expect(pf).toMatchObject({ ipVersion: 6, ipProto: 17, ipv6ExtCount: 3, l3HeaderLen: 40 + 8 + 16 + 40, flowLabel: 0xabcde, ttl: 64 });
    expect(v6text(pf, pf.srcAddrOff)).toBe('2001:db8::1');
    expect(v6text(pf, pf.dstAddrOff)).toBe('2001:db8::2');
    expect(pf.ipv6RoutingHdrOff).toBe(14 + 40 + 8 + 16);
    expect(v6text(pf, pf.pseudoDstOff)).toBe('2001:db8::99');
    expect([pf.srcPort, pf.dstPort, pf.l4Len, pf.payloadLen]).toEqual([5353, 53, 19, 11]);
    // The builder summed over the IPv6 destination field; relative to the final destination it is wrong.
    expect(checkL4Checksum(pf)).toBe(ChecksumStatus.BAD);
    expect(checkL3Checksum(pf)).toBe(ChecksumStatus.UNVERIFIABLE);
  });

  it('QinQ: an 802.1ad S-tag outside an 802.1Q C-tag, then ARP', () => {
    const f = buildArpFrame({
      senderMac: A,
      senderIp: '192.0.2.1',
      targetIp: '192.0.2.2',
      vlan: [
        { tpid: 0x88a8, pcp: 0, dei: false, vid: 10 },
        { tpid: 0x8100, pcp: 3, dei: false, vid: 4094 },
      ],
    });
    const pf = dissectFrame(f);
    expect(pf.error).toBe(ParseError.OK);
    expect([pf.vlanCount, pf.vlanId(0), pf.vlanId(1), pf.vlanId(2), pf.vlanTpid[0], pf.vlanTpid[1]]).toEqual([2, 10, 4094, 0, 0x88a8, 0x8100]);
    expect([pf.etherType, pf.l3Off, pf.depth, pf.ipVersion]).toEqual([0x0806, 22, WireLayer.L3, 0]);
    expect([pf.arpOp, pf.arpSenderIp, pf.arpTargetIp]).toEqual([1, v4('192.0.2.1'), v4('192.0.2.2')]);
    expect(formatMac(f, pf.dstMacOff)).toBe('ff:ff:ff:ff:ff:ff');
    expect(formatMac(f, pf.l3Off + ARP_SENDER_MAC_OFF)).toBe(A);
  });

  it('ICMP echo in both families: type, code, identifier, sequence', () => {
    const e4 = dissectFrame(buildEchoFrame({ src: '10.0.0.1', dst: '10.0.0.2', ident: 0x4242, seq: 7, data: new Uint8Array(56) }));
    expect(e4).toMatchObject({ error: 0, ipProto: 1, icmpType: 8, icmpCode: 0, icmpId: 0x4242, icmpSeq: 7, l4HeaderLen: 8, payloadLen: 56, isIcmpError: false });
    expect(checkL4Checksum(e4)).toBe(ChecksumStatus.GOOD);
    const e6 = dissectFrame(buildEchoFrame({ src: 'fe80::1', dst: 'fe80::2', ident: 1, seq: 0xffff, reply: true }));
    expect(e6).toMatchObject({ error: 0, ipProto: 58, icmpType: 129, icmpId: 1, icmpSeq: 0xffff, payloadLen: 0 });
    expect(checkL4Checksum(e6)).toBe(ChecksumStatus.GOOD);
  });

  it('ICMPv4 port unreachable quoting a UDP datagram: the inner 5-tuple', () => {
    const offending = ipPacketOf(buildUdpFrame({ src: '10.0.0.1', dst: '10.0.0.2', sport: 33434, dport: 53, ttl: 1, payload: new Uint8Array(600) }));
    const f = buildIcmpErrorFrame({ src: '10.0.0.2', offending, kind: 'destUnreachable', code: 3 });
    const pf = dissectFrame(f);
    expect(pf.error).toBe(ParseError.OK);
    expect(pf.depth).toBe(WireLayer.INNER_L4);
    expect(pf).toMatchObject({ srcV4: v4('10.0.0.2'), dstV4: v4('10.0.0.1'), icmpType: 3, icmpCode: 3, isIcmpError: true });
    // Quoted up to the 576-byte limit, although the datagram was longer.
    expect(pf.l3TotalLen).toBe(576);
    expect(pf.inner).toMatchObject({
      ipVersion: 4,
      l3Off: 14 + 20 + 8,
      l3HeaderLen: 20,
      totalLen: 628,
      proto: 17,
      srcV4: v4('10.0.0.1'),
      dstV4: v4('10.0.0.2'),
      ttl: 1,
      l4Off: 14 + 20 + 8 + 20,
      l4Avail: 576 - 20 - 8 - 20,
      hasPorts: true,
      srcPort: 33434,
      dstPort: 53,
    });
    expect(checkL4Checksum(pf)).toBe(ChecksumStatus.GOOD);
  });

  it('ICMPv4 time exceeded quoting only 8 bytes of TCP (the RFC 792 minimum), and a quoted ping', () => {
    const tcp = ipPacketOf(buildTcpFrame({ src: '10.0.0.1', dst: '8.8.8.8', sport: 1234, dport: 80, seq: 99, payload: new Uint8Array(100) }));
    const pf = dissectFrame(buildIcmpErrorFrame({ src: '10.9.9.9', offending: tcp.subarray(0, 28), kind: 'timeExceeded' }));
    expect(pf.error).toBe(ParseError.OK);
    expect(pf.inner).toMatchObject({ proto: 6, l4Avail: 8, hasPorts: true, srcPort: 1234, dstPort: 80, tcpSeq: 99, totalLen: 20 + 20 + 100 });
    const ping = ipPacketOf(buildEchoFrame({ src: '10.0.0.1', dst: '8.8.8.8', ident: 77, seq: 3 }));
    const pp = dissectFrame(buildIcmpErrorFrame({ src: '10.9.9.9', offending: ping, kind: 'timeExceeded' }));
    expect(pp.inner).toMatchObject({ proto: 1, hasIcmp: true, icmpType: 8, icmpId: 77, icmpSeq: 3, hasPorts: false });
  });

  it('ICMP error whose quote runs past the quoted packet (RFC 4884 extensions): transport bytes end with the packet', () => {
    const udp = ipPacketOf(buildUdpFrame({ src: '10.0.0.1', dst: '10.0.0.2', sport: 7, dport: 9 }));
    const quoted = new Uint8Array(udp.length + 20);
    quoted.set(udp);
    const pf = dissectFrame(buildIcmpErrorFrame({ src: '10.0.0.9', offending: quoted, kind: 'destUnreachable' }));
    expect([pf.error, pf.inner.totalLen, pf.inner.l4Avail, pf.inner.dstPort]).toEqual([ParseError.OK, 28, 8, 9]);
  });

  it('ICMP redirect quotes the packet too (an error message by RFC 1122)', () => {
    const udp = ipPacketOf(buildUdpFrame({ src: '10.0.0.1', dst: '192.0.2.1', sport: 7, dport: 9 }));
    const pf = dissectFrame(buildIcmpv4Frame({ src: '10.0.0.254', dst: '10.0.0.1', icmp: { kind: 'redirect', code: 1, gateway: v4('10.0.0.253'), quoted: udp } }));
    expect(pf).toMatchObject({ error: 0, icmpType: 5, icmpRest: v4('10.0.0.253'), isIcmpError: true });
    expect(pf.inner).toMatchObject({ dstV4: v4('192.0.2.1'), dstPort: 9 });
  });

  it('ICMPv6 packet too big quoting TCP over a destination options header', () => {
    const offending = ipPacketOf(
      buildTcpFrame({ src: '2001:db8::1', dst: '2001:db8::2', sport: 22, dport: 50000, payload: new Uint8Array(1400), extHeaders: [{ kind: 'destOpts', options: [] }] }),
    );
    const pf = dissectFrame(buildIcmpErrorFrame({ src: '2001:db8::fe', offending, kind: 'packetTooBig', mtu: 1280 }));
    expect(pf.error).toBe(ParseError.OK);
    expect(pf).toMatchObject({ icmpType: 2, icmpRest: 1280, isIcmpError: true, l3TotalLen: 1280 });
    expect(pf.inner).toMatchObject({ ipVersion: 6, proto: 6, l3HeaderLen: 48, hasPorts: true, srcPort: 22, dstPort: 50000 });
    expect(v6text(pf, pf.inner.dstAddrOff)).toBe('2001:db8::2');
    expect(checkL4Checksum(pf)).toBe(ChecksumStatus.GOOD);
  });

  it('neighbour solicitation: ICMPv6 type 135 to the solicited-node group, with the source link-layer option', () => {
    const f = buildNeighborSolicitFrame({ srcMac: A, src: 'fe80::a', target: 'fe80::1:2:3' });
    const pf = dissectFrame(f);
    expect(pf).toMatchObject({ error: 0, icmpType: 135, ttl: 255 });
    expect(formatMac(f, pf.dstMacOff)).toBe('33:33:ff:02:00:03');
    expect(v6text(pf, pf.dstAddrOff)).toBe('ff02::1:ff02:3');
    expect(v6text(pf, pf.l4Off + 8)).toBe('fe80::1:2:3');
    const mac = findNdpLinkAddr(f, pf.l4Off + 24, pf.l4Off + pf.l4Len, 1);
    expect(formatMac(f, mac)).toBe(A);
    expect(checkL4Checksum(pf)).toBe(ChecksumStatus.GOOD);
  });

  it('IPv4 fragments: the first carries the transport header, later ones do not', () => {
    const first = dissectFrame(buildIpFrame({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 17, ipId: 9, moreFragments: true, payload: new Uint8Array([0x04, 0xd2, 0x00, 0x35, 0x05, 0xdc, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]) }));
    // The UDP length (1500) counts the whole datagram, not this fragment: not an error in a first fragment.
    expect(first).toMatchObject({ error: 0, isFragment: true, moreFragments: true, fragOffset: 0, fragId: 9, depth: WireLayer.L4, srcPort: 1234, dstPort: 53, l4Len: 16, payloadLen: 8 });
    expect(checkL4Checksum(first)).toBe(ChecksumStatus.UNVERIFIABLE);
    const later = dissectFrame(buildIpFrame({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 17, ipId: 9, fragmentOffset: 1480, payload: new Uint8Array(20) }));
    expect(later).toMatchObject({ error: 0, isFragment: true, moreFragments: false, fragOffset: 1480, depth: WireLayer.L3, l4Off: 34, payloadOff: 34, payloadLen: 20, srcPort: 0 });
    expect(checkL4Checksum(later)).toBe(ChecksumStatus.UNVERIFIABLE);
  });

  it('IPv6 fragments: first fragment parses TCP, a later one reports the fragment protocol and no ports', () => {
    const first = dissectFrame(
      buildTcpFrame({ src: '2001:db8::1', dst: '2001:db8::2', sport: 1, dport: 2, extHeaders: [{ kind: 'fragment', offset: 0, more: true, ident: 0xcafe }] }),
    );
    expect(first).toMatchObject({ error: 0, ipProto: 6, isFragment: true, moreFragments: true, fragId: 0xcafe, ipv6FragHdrOff: 54, depth: WireLayer.L4, srcPort: 1 });
    const later = dissectFrame(
      buildIpFrame({ src: '2001:db8::1', dst: '2001:db8::2', protocol: 6, payload: new Uint8Array(24), extHeaders: [{ kind: 'fragment', offset: 8, more: false, ident: 0xcafe }] }),
    );
    expect(later).toMatchObject({ error: 0, ipProto: 6, isFragment: true, fragOffset: 8, depth: WireLayer.L3, l3HeaderLen: 48, payloadLen: 24, srcPort: 0 });
  });

  it('ignores Ethernet padding after a short IP packet', () => {
    const f = new Uint8Array(60);
    f.set(buildUdpFrame({ src: '10.0.0.1', dst: '10.0.0.2', sport: 7, dport: 7, payload: new Uint8Array([1, 2]) }));
    f.fill(0xee, 44);
    const pf = dissectFrame(f);
    expect(pf).toMatchObject({ error: 0, length: 60, l3TotalLen: 30, l4Len: 10, payloadLen: 2 });
    expect(checkL4Checksum(pf)).toBe(ChecksumStatus.GOOD);
  });

  it('reports a non-IP EtherType at L2 without error, and a UDP length shorter than the IP payload wins', () => {
    const lldp = dissectFrame(buildEthernetFrame({ etherType: 0x88cc, payload: new Uint8Array(30) }));
    expect([lldp.error, lldp.depth, lldp.etherType, lldp.l3Off]).toEqual([ParseError.OK, WireLayer.L2, 0x88cc, 14]);
    const f = buildUdpFrame({ src: '10.0.0.1', dst: '10.0.0.2', sport: 1, dport: 2, payload: new Uint8Array(10), noChecksum: true });
    f[14 + 20 + 5] = 12; // UDP length 12 of the 18 bytes carried
    const pf = dissectFrame(f);
    expect([pf.error, pf.l4Len, pf.payloadLen]).toEqual([ParseError.OK, 12, 4]);
    expect(checkL4Checksum(pf)).toBe(ChecksumStatus.NONE);
  });

  it('leaves ICMPv4 inside IPv6 (and ICMPv6 inside IPv4) undecoded, and a zero UDP checksum is bad over IPv6', () => {
    const odd = dissectFrame(buildIpFrame({ src: '::1', dst: '::2', protocol: 1, payload: new Uint8Array([8, 0, 0, 0, 0, 1, 0, 1]) }));
    expect([odd.error, odd.depth, odd.ipProto, odd.icmpType, odd.payloadLen]).toEqual([ParseError.OK, WireLayer.L3, 1, 0, 8]);
    const odd4 = dissectFrame(buildIpFrame({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 58, payload: new Uint8Array([128, 0, 0, 0, 0, 1, 0, 1]) }));
    expect([odd4.depth, odd4.icmpType]).toEqual([WireLayer.L3, 0]);
    const u6 = dissectFrame(buildUdpFrame({ src: '::1', dst: '::2', sport: 1, dport: 2 }));
    u6.buf[u6.l4Off + 6] = u6.buf[u6.l4Off + 7] = 0;
    expect(checkL4Checksum(u6)).toBe(ChecksumStatus.BAD);
  });

  it('dissects a frame at an offset inside a larger buffer (a slab slot)', () => {
    const f = buildTcpFrame({ src: '10.0.0.1', dst: '10.0.0.2', sport: 1, dport: 2, payload: new Uint8Array(3) });
    const slab = new Uint8Array(4096).fill(0xaa);
    slab.set(f, 1000);
    const pf = new ParsedFrame();
    expect(pf.dissect(slab, 1000, f.length)).toBe(ParseError.OK);
    expect([pf.frameOff, pf.l3Off, pf.srcAddrOff, pf.l4Off, pf.payloadOff, pf.srcPort, pf.payloadLen]).toEqual([1000, 1014, 1026, 1034, 1054, 1, 3]);
    expect(checkL4Checksum(pf)).toBe(ChecksumStatus.GOOD);
  });

  it('leaves nothing behind from the previous frame when reused', () => {
    const big = buildIcmpErrorFrame({ src: '10.0.0.2', offending: ipPacketOf(buildTcpFrame({ src: '10.0.0.1', dst: '10.0.0.2', sport: 5, dport: 6, vlan: 3 })), kind: 'destUnreachable', vlan: [{ tpid: 0x88a8, pcp: 1, dei: false, vid: 2 }, { tpid: 0x8100, pcp: 0, dei: false, vid: 3 }] });
    const small = buildArpFrame({ senderMac: A, senderIp: '10.0.0.1', targetIp: '10.0.0.2' });
    const pf = new ParsedFrame();
    pf.dissect(big, 0, big.length);
    pf.dissect(small, 0, small.length);
    expect(snapshot(pf)).toEqual(snapshot(dissectFrame(small)));
    pf.dissect(new Uint8Array(5), 0, 5);
    expect(snapshot(pf)).toEqual(snapshot(dissectFrame(new Uint8Array(5))));
  });
});

describe('verdicts on malformed frames', () => {
  const tcp4 = () => buildTcpFrame({ src: '10.0.0.1', dst: '10.0.0.2', sport: 1, dport: 2, vlan: 7, payload: new Uint8Array(8) });
  const L3 = 18;
  const L4 = 38;

  function verdict(f: Uint8Array, len = f.length) {
    const pf = dissectFrame(f, 0, len);
    return [ParseError[pf.error], WireLayer[pf.errorLayer], WireLayer[pf.depth]];
  }

  it('L2: runt frames, truncated tags, too many tags', () => {
    expect(verdict(new Uint8Array(13))).toEqual(['TRUNCATED', 'L2', 'NONE']);
    expect(verdict(tcp4(), 17)).toEqual(['TRUNCATED', 'L2', 'NONE']);
    const five = buildEthernetFrame({ etherType: 0x0800, payload: new Uint8Array(20), vlan: [1, 2, 3, 4, 5].map((vid) => ({ tpid: 0x8100, pcp: 0, dei: false, vid })) });
    expect(verdict(five)).toEqual(['TOO_MANY_VLAN_TAGS', 'L2', 'NONE']);
    const pf = dissectFrame(five);
    expect([pf.vlanCount, pf.vlanId(3)]).toEqual([4, 4]);
  });

  it('IPv4: version, IHL, lengths, options, fragment overflow; L2 stays reported', () => {
    let f = tcp4();
    f[L3] = 0x65;
    expect(verdict(f)).toEqual(['BAD_VERSION', 'L3', 'L2']);
    expect(dissectFrame(f)).toMatchObject({ vlanCount: 1, etherType: 0x0800, l3Off: L3 });
    f = tcp4();
    f[L3] = 0x44;
    expect(verdict(f)).toEqual(['BAD_IHL', 'L3', 'L2']);
    f = tcp4();
    f[L3] = 0x4f; // 60-byte header in a 48-byte packet
    f[L3 + 3] = 48;
    expect(verdict(f.subarray(0, L3 + 48))).toEqual(['TRUNCATED', 'L3', 'L2']);
    f = tcp4();
    f[L3 + 3] = 19; // total length below the header
    expect(verdict(f)).toEqual(['BAD_LENGTH', 'L3', 'L2']);
    f = tcp4();
    f[L3 + 3] += 1; // one byte more than the frame has
    expect(verdict(f)).toEqual(['TRUNCATED', 'L3', 'L2']);
    f = tcp4();
    f[L3 + 6] = 0x1f; // offset 8191*8 + 48 bytes > 65535
    f[L3 + 7] = 0xff;
    expect(verdict(f)).toEqual(['BAD_FRAGMENT', 'L3', 'L2']);
    for (const opt of [[7, 0, 0, 0], [7, 1, 0, 0], [7, 5, 0, 0], [1, 1, 1, 0x44]]) {
      const g = buildTcpFrame({ src: '10.0.0.1', dst: '10.0.0.2', sport: 1, dport: 2, ipOptions: [{ type: 1, data: new Uint8Array(0) }, { type: 1, data: new Uint8Array(0) }, { type: 1, data: new Uint8Array(0) }, { type: 1, data: new Uint8Array(0) }] });
      g.set(opt, 34);
      expect(verdict(g)).toEqual(['BAD_OPTION', 'L3', 'L2']);
    }
  });

  it('IPv6: truncated header or payload, hop-by-hop out of place, long chains, bad option TLVs', () => {
    const udp6 = (ext: Parameters<typeof buildUdpFrame>[0]['extHeaders']) => buildUdpFrame({ src: '::1', dst: '::2', sport: 1, dport: 2, extHeaders: ext });
    let f = udp6([]);
    expect(verdict(f, 14 + 39)).toEqual(['TRUNCATED', 'L3', 'L2']);
    expect(verdict(f, f.length - 1)).toEqual(['TRUNCATED', 'L3', 'L2']);
    f[14] = 0x45;
    expect(verdict(f)).toEqual(['BAD_VERSION', 'L3', 'L2']);
    f = udp6([{ kind: 'destOpts', options: [] }, { kind: 'hopByHop', options: [] }]);
    expect(verdict(f)).toEqual(['BAD_EXT_HEADER', 'L3', 'L2']);
    f = udp6(new Array(9).fill({ kind: 'destOpts', options: [] }));
    expect(verdict(f)).toEqual(['TOO_MANY_EXT_HEADERS', 'L3', 'L2']);
    f = udp6([{ kind: 'destOpts', options: [{ type: 0x1e, data: new Uint8Array(4) }] }]);
    f[54 + 3] = 5; // option data length running past the header
    expect(verdict(f)).toEqual(['BAD_OPTION', 'L3', 'L2']);
    f = udp6([{ kind: 'destOpts', options: [] }]);
    f[54 + 1] = 200; // extension header length past the packet
    expect(verdict(f)).toEqual(['TRUNCATED', 'L3', 'L2']);
  });

  it('TCP and UDP: short headers, bad data offset, bad UDP length; L3 stays reported', () => {
    let f = tcp4();
    f[L4 + 12] = 0x40;
    expect(verdict(f)).toEqual(['BAD_DATA_OFFSET', 'L4', 'L3']);
    expect(dissectFrame(f)).toMatchObject({ ipVersion: 4, ipProto: 6, l4Off: L4, srcV4: parseIpv4Addr('10.0.0.1') });
    f = tcp4();
    f[L4 + 12] = 0xf0; // 60-byte header in a 28-byte segment
    expect(verdict(f)).toEqual(['TRUNCATED', 'L4', 'L3']);
    const short = buildIpFrame({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 6, payload: new Uint8Array(19) });
    expect(verdict(short)).toEqual(['TRUNCATED', 'L4', 'L3']);
    const u = buildUdpFrame({ src: '10.0.0.1', dst: '10.0.0.2', sport: 1, dport: 2, payload: new Uint8Array(4) });
    u[14 + 20 + 5] = 7;
    expect(verdict(u)).toEqual(['BAD_LENGTH', 'L4', 'L3']);
    u[14 + 20 + 5] = 13;
    expect(verdict(u)).toEqual(['TRUNCATED', 'L4', 'L3']);
    const icmp = buildIpFrame({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 1, payload: new Uint8Array([8, 0, 0, 0, 0, 1, 0]) });
    expect(verdict(icmp)).toEqual(['TRUNCATED', 'L4', 'L3']);
  });

  it('ICMP errors: a quote shorter than an IP header, or of the other family, fails at INNER_L3 with L4 intact', () => {
    const offending = ipPacketOf(buildUdpFrame({ src: '10.0.0.1', dst: '10.0.0.2', sport: 1, dport: 2 }));
    const f = buildIcmpErrorFrame({ src: '10.0.0.2', offending: offending.subarray(0, 19), kind: 'destUnreachable', code: 1 });
    expect(verdict(f)).toEqual(['TRUNCATED', 'INNER_L3', 'L4']);
    expect(dissectFrame(f)).toMatchObject({ isIcmpError: true, icmpType: 3, icmpCode: 1 });
    const v6 = ipPacketOf(buildUdpFrame({ src: '::1', dst: '::2', sport: 1, dport: 2 }));
    // The builder picks the error's family from the quote; force an IPv4 error around an IPv6 quote.
    const mixed = buildIcmpErrorFrame({ src: '10.0.0.2', offending: offending, kind: 'timeExceeded' });
    mixed.set(v6.subarray(0, mixed.length - 42), 42);
    expect(verdict(mixed)).toEqual(['BAD_VERSION', 'INNER_L3', 'L4']);
    // A quote that ends inside the transport header is normal: ports are simply absent.
    const q = dissectFrame(buildIcmpErrorFrame({ src: '10.0.0.2', offending: offending.subarray(0, 23), kind: 'timeExceeded' }));
    expect([q.error, WireLayer[q.depth], q.inner.hasPorts, q.inner.l4Avail]).toEqual([ParseError.OK, 'INNER_L3', false, 3]);
    // Four bytes are enough for the ports.
    const q4 = dissectFrame(buildIcmpErrorFrame({ src: '10.0.0.2', offending: offending.subarray(0, 24), kind: 'timeExceeded' }));
    expect([WireLayer[q4.depth], q4.inner.hasPorts, q4.inner.srcPort, q4.inner.dstPort]).toEqual(['INNER_L4', true, 1, 2]);
  });

  it('ICMPv6 error whose quote ends inside the extension chain: addresses known, transport not (INNER_L4)', () => {
    const offending = ipPacketOf(
      buildUdpFrame({ src: '2001:db8::1', dst: '2001:db8::2', sport: 1, dport: 2, extHeaders: [{ kind: 'destOpts', options: [{ type: 0x1e, data: new Uint8Array(20) }] }] }),
    );
    const pf = dissectFrame(buildIcmpErrorFrame({ src: '2001:db8::fe', offending: offending.subarray(0, 50), kind: 'timeExceeded' }));
    expect([ParseError[pf.error], WireLayer[pf.errorLayer], WireLayer[pf.depth]]).toEqual(['TRUNCATED', 'INNER_L4', 'INNER_L3']);
    expect(v6text(pf, pf.inner.srcAddrOff)).toBe('2001:db8::1');
    expect([pf.inner.proto, pf.inner.hasPorts, pf.inner.l3HeaderLen]).toEqual([60, false, 40]);
  });

  it('ARP: truncated, or for other hardware (not an error: just not decoded)', () => {
    const f = buildArpFrame({ senderMac: A, senderIp: '10.0.0.1', targetIp: '10.0.0.2' });
    expect(verdict(f, 14 + 27)).toEqual(['TRUNCATED', 'L3', 'L2']);
    f[15] = 6;
    expect(verdict(f)).toEqual(['OK', 'NONE', 'L2']);
  });
});
