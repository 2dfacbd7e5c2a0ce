/**
 * parse(emit(x)) == x for every protocol's repr, plus known byte layouts and the view accessors.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  emitArp,
  emitEthernet,
  emitIcmpv4,
  emitIcmpv6,
  emitIpv4,
  emitIpv6,
  emitTcp,
  emitUdp,
  ethernetHeaderLength,
  icmpv4ChecksumOk,
  icmpv4Length,
  icmpv6ChecksumOk,
  icmpv6Length,
  Ipv4Packet,
  ipv4HeaderLength,
  Ipv6Packet,
  ipv6HeaderLength,
  parseArp,
  parseEthernet,
  parseIcmpv4,
  parseIcmpv6,
  parseIpv4,
  parseIpv4Addr,
  parseIpv6,
  parseIpv6Addr,
  parseMac,
  parseNdpOptions,
  parseTcp,
  parseTcpOptions,
  parseUdp,
  ParseError,
  scanTcpOptions,
  TcpFlags,
  tcpHeaderLength,
  TcpOptionsSummary,
  TcpSegment,
  UdpDatagram,
  type Icmpv6Repr,
  type TcpRepr,
} from '../../src/wire/index.js';
import {
  arbArp,
  arbEthernet,
  arbIcmpv4,
  arbIcmpv6,
  arbIpv4,
  arbIpv6,
  arbTcp,
  arbUdp,
  arbV4,
  arbV6,
  naiveChecksum,
  norm,
  pseudoBytes,
} from './helpers.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
/** Emits at a random offset inside a larger buffer, so no codec may assume it starts at 0. */
const arbOff = fc.nat(7);

describe('round trips: parse(emit(x)) == x', () => {
  it('Ethernet with up to four VLAN tags', () => {
    fc.assert(
      fc.property(arbEthernet, arbOff, (r, off) => {
        const buf = new Uint8Array(off + 40);
        const n = emitEthernet(r, buf, off);
        expect(n).toBe(ethernetHeaderLength(r));
        const p = parseEthernet(buf, off, n);
        expect(p.ok && norm(p.value)).toEqual(norm(r));
      }),
    );
  });

  it('ARP', () => {
    fc.assert(
      fc.property(arbArp, arbOff, (r, off) => {
        const buf = new Uint8Array(off + 28);
        expect(emitArp(r, buf, off)).toBe(28);
        const p = parseArp(buf, off, 28);
        expect(p.ok && norm(p.value)).toEqual(norm(r));
      }),
    );
  });

  it('IPv4 with options and fragment fields; the emitted checksum verifies', () => {
    fc.assert(
      fc.property(arbIpv4, arbOff, (r, off) => {
        const hl = ipv4HeaderLength(r);
        fc.pre(r.fragmentOffset + hl + r.payloadLength <= 65535);
        const buf = new Uint8Array(off + hl + r.payloadLength);
        expect(emitIpv4(r, buf, off)).toBe(hl);
        expect(new Ipv4Packet(buf, off, hl).checksumOk()).toBe(true);
        const p = parseIpv4(buf, off, buf.length - off);
        expect(p.ok && norm(p.value)).toEqual(norm(r));
      }),
    );
  });

  it('IPv6 with extension header chains', () => {
    fc.assert(
      fc.property(arbIpv6, arbOff, (r, off) => {
        const hl = ipv6HeaderLength(r);
        const buf = new Uint8Array(off + hl + r.payloadLength);
        expect(emitIpv6(r, buf, off)).toBe(hl);
        const p = parseIpv6(buf, off, buf.length - off);
        if (!p.ok) throw new Error(`parse failed: ${ParseError[p.error]}`);
        expect(norm(p.value)).toEqual(norm(r));
      }),
    );
  });

  it('TCP with options; the emitted checksum verifies over both pseudo-header families', () => {
    fc.assert(
      fc.property(arbTcp, arbOff, fc.oneof(arbV4, arbV6), (r, off, a) => {
        const ph = typeof a === 'number' ? { src: a, dst: ~a >>> 0 } : { src: a, dst: a.map((x) => x ^ 0x5a) };
        const n = tcpHeaderLength(r) + r.payload.length;
        const buf = new Uint8Array(off + n);
        expect(emitTcp(r, buf, off, ph)).toBe(n);
        const seg = buf.subarray(off);
        const zeroed = seg.slice();
        zeroed[16] = zeroed[17] = 0;
        expect((seg[16] << 8) | seg[17]).toBe(naiveChecksum([...pseudoBytes(ph.src, ph.dst, 6, n), ...zeroed]));
        expect(new TcpSegment(buf, off, n).checksumOk(ph)).toBe(true);
        const p = parseTcp(buf, off, n);
        expect(p.ok && norm(p.value)).toEqual(norm(r));
      }),
    );
  });

  it('UDP; the emitted checksum verifies', () => {
    fc.assert(
      fc.property(arbUdp, arbOff, arbV4, arbV4, (r, off, src, dst) => {
        const n = 8 + r.payload.length;
        const buf = new Uint8Array(off + n);
        expect(emitUdp(r, buf, off, { src, dst })).toBe(n);
        expect(new UdpDatagram(buf, off, n).checksumOk({ src, dst })).toBe(true);
        const p = parseUdp(buf, off, n);
        expect(p.ok && norm(p.value)).toEqual(norm(r));
      }),
    );
  });

  it('ICMPv4 messages of every kind', () => {
    fc.assert(
      fc.property(arbIcmpv4, arbOff, (r, off) => {
        const n = icmpv4Length(r);
        const buf = new Uint8Array(off + n);
        expect(emitIcmpv4(r, buf, off)).toBe(n);
        expect(icmpv4ChecksumOk(buf, off, n)).toBe(true);
        const p = parseIcmpv4(buf, off, n);
        expect(p.ok && norm(p.value)).toEqual(norm(r));
      }),
    );
  });

  it('ICMPv6 messages of every kind, neighbour discovery options included', () => {
    fc.assert(
      fc.property(arbIcmpv6, arbOff, arbV6, arbV6, (r, off, src, dst) => {
        const n = icmpv6Length(r);
        const buf = new Uint8Array(off + n);
        expect(emitIcmpv6(r, buf, off, { src, dst })).toBe(n);
        expect(icmpv6ChecksumOk(buf, off, n, { src, dst })).toBe(true);
        const p = parseIcmpv6(buf, off, n);
        if (!p.ok) throw new Error(`parse failed: ${ParseError[p.error]}`);
        expect(norm(p.value)).toEqual(norm(r));
      }),
    );
  });
});

describe('known layouts', () => {
  it('emits an ARP request byte for byte as RFC 826 lays it out', () => {
    const buf = new Uint8Array(28);
    emitArp(
      {
        op: 1,
        senderMac: parseMac('02:00:00:00:00:01')!,
        senderIp: parseIpv4Addr('10.0.0.1')!,
        targetMac: new Uint8Array(6),
        targetIp: parseIpv4Addr('10.0.0.2')!,
      },
      buf,
      0,
    );
    expect(hex(buf)).toBe('0001' + '0800' + '06' + '04' + '0001' + '020000000001' + '0a000001' + '000000000000' + '0a000002');
  });

  it('emits a TCP SYN header with MSS, SACK-permitted, timestamps, NOP, window scale as Linux orders them', () => {
    const r: TcpRepr = {
      srcPort: 40000,
      dstPort: 80,
      seq: 0x01020304,
      ack: 0,
      flags: TcpFlags.SYN,
      window: 64240,
      urgent: 0,
      options: [
        { kind: 'mss', mss: 1460 },
        { kind: 'sackPermitted' },
        { kind: 'timestamps', tsVal: 1, tsEcr: 0 },
        { kind: 'nop' },
        { kind: 'windowScale', shift: 7 },
      ],
      payload: new Uint8Array(0),
    };
    const buf = new Uint8Array(40);
    emitTcp(r, buf, 0, { src: 0x0a000001, dst: 0x0a000002 });
    const h = hex(buf);
    expect(h.slice(0, 24)).toBe('9c400050' + '01020304' + '00000000');
    expect(h.slice(24, 28)).toBe('a002'); // data offset 10 words, SYN
    expect(h.slice(28, 32)).toBe('faf0');
    expect(h.slice(40)).toBe('020405b4' + '0402' + '080a0000000100000000' + '01' + '030307');
  });

  it('pads TCP options with EOL to a word boundary, and parsing stops at EOL', () => {
    const buf = new Uint8Array(24);
    emitTcp({ srcPort: 1, dstPort: 2, seq: 0, ack: 0, flags: 0, window: 0, urgent: 0, options: [{ kind: 'windowScale', shift: 2 }], payload: new Uint8Array(0) }, buf, 0, { src: 0, dst: 0 });
    expect(buf[12] >> 4).toBe(6);
    expect(Array.from(buf.subarray(20))).toEqual([3, 3, 2, 0]);
    // Garbage after EOL is padding, not options.
    const o = new Uint8Array([1, 0, 0xff, 0xff]);
    expect(parseTcpOptions(o, 0, 4)).toEqual({ ok: true, value: [{ kind: 'nop' }] });
  });

  it('keeps unknown TCP options and known kinds of the wrong length verbatim', () => {
    const o = new Uint8Array([0xfd, 4, 0xaa, 0xbb, 2, 3, 0x05, 1, 1, 1, 0, 0]);
    const p = parseTcpOptions(o, 0, o.length);
    expect(norm(p)).toEqual({
      ok: true,
      value: [
        { kind: 'unknown', type: 0xfd, data: [0xaa, 0xbb] },
        { kind: 'unknown', type: 2, data: [5] },
        { kind: 'nop' },
        { kind: 'nop' },
        { kind: 'nop' },
      ],
    });
  });

  it('refuses malformed TCP options: length 0, 1, or overrunning the header', () => {
    for (const bad of [[2, 0, 0, 0], [2, 1, 0, 0], [8, 12, 0, 0], [1, 1, 1, 2]]) {
      const o = new Uint8Array(bad);
      expect(parseTcpOptions(o, 0, 4)).toEqual({ ok: false, error: ParseError.BAD_OPTION });
      expect(scanTcpOptions(o, 0, 4, new TcpOptionsSummary())).toBe(ParseError.BAD_OPTION);
    }
  });

  it('summarises TCP options without allocating a list', () => {
    const o = new Uint8Array([2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9, 1, 3, 3, 14, 5, 18, ...new Array(16).fill(1), 0, 0]);
    const s = new TcpOptionsSummary();
    expect(scanTcpOptions(o, 0, o.length, s)).toBe(ParseError.OK);
    expect(s).toMatchObject({ mss: 1460, windowScale: 14, sackPermitted: true, sackBlocks: 2, hasTimestamps: true, tsVal: 7, tsEcr: 9 });
    expect(scanTcpOptions(o, 0, 0, s)).toBe(ParseError.OK);
    expect(s).toMatchObject({ mss: -1, windowScale: -1, sackPermitted: false, hasTimestamps: false });
  });

  it('emits IPv6 option headers padded with Pad1/PadN and chains next-header fields', () => {
    const r = {
      src: parseIpv6Addr('2001:db8::1')!,
      dst: parseIpv6Addr('2001:db8::2')!,
      protocol: 17,
      payloadLength: 0,
      hopLimit: 64,
      trafficClass: 0,
      flowLabel: 0x12345,
      extHeaders: [
        { kind: 'hopByHop' as const, options: [{ type: 5, data: new Uint8Array([0, 0]) }] },
        { kind: 'fragment' as const, offset: 0, more: true, ident: 0xdeadbeef },
      ],
    };
    const buf = new Uint8Array(56);
    expect(emitIpv6(r, buf, 0)).toBe(56);
    expect(hex(buf.subarray(0, 8))).toBe('60012345' + '0010' + '00' + '40');
    // Hop-by-hop: next = fragment (44), length 0 (8 bytes), router alert, PadN of 0 data bytes.
    expect(hex(buf.subarray(40, 48))).toBe('2c00' + '05020000' + '0100');
    expect(hex(buf.subarray(48, 56))).toBe('1100' + '0001' + 'deadbeef');
  });

  it('refuses a hop-by-hop header anywhere but first, and chains longer than eight headers', () => {
    const base = { src: new Uint8Array(16), dst: new Uint8Array(16), protocol: 59, payloadLength: 0, hopLimit: 1, trafficClass: 0, flowLabel: 0 };
    const dest = { kind: 'destOpts' as const, options: [] };
    const hbh = { kind: 'hopByHop' as const, options: [] };
    const parseOf = (extHeaders: (typeof dest | typeof hbh)[]) => {
      const r = { ...base, extHeaders };
      const buf = new Uint8Array(ipv6HeaderLength(r));
      emitIpv6(r, buf, 0);
      return parseIpv6(buf);
    };
    expect(parseOf([dest, hbh])).toEqual({ ok: false, error: ParseError.BAD_EXT_HEADER });
    expect(parseOf(new Array(8).fill(dest)).ok).toBe(true);
    expect(parseOf(new Array(9).fill(dest))).toEqual({ ok: false, error: ParseError.TOO_MANY_EXT_HEADERS });
  });

  it('stops the IPv6 chain at a non-first fragment and at ESP', () => {
    const r = {
      src: new Uint8Array(16),
      dst: new Uint8Array(16),
      protocol: 6,
      payloadLength: 16,
      hopLimit: 1,
      trafficClass: 0,
      flowLabel: 0,
      extHeaders: [{ kind: 'fragment' as const, offset: 1480, more: false, ident: 7 }],
    };
    const buf = new Uint8Array(64);
    emitIpv6(r, buf, 0);
    // What follows a non-first fragment header looks like a hop-by-hop header; it is fragment data.
    buf[48] = 0;
    const p = parseIpv6(buf);
    expect(p.ok && p.value.protocol).toBe(6);
    expect(p.ok && p.value.payloadLength).toBe(16);
    const esp = { ...r, protocol: 50, extHeaders: [] };
    const b2 = new Uint8Array(56);
    emitIpv6(esp, b2, 0);
    const p2 = parseIpv6(b2);
    expect(p2.ok && [p2.value.protocol, p2.value.payloadLength]).toEqual([50, 16]);
  });

  it('rejects ND options of length 0 or overrunning the message, and keeps odd-length known types verbatim', () => {
    expect(parseNdpOptions(new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0]), 0, 8)).toEqual({ ok: false, error: ParseError.BAD_OPTION });
    expect(parseNdpOptions(new Uint8Array([1, 2, 0, 0, 0, 0, 0, 0]), 0, 8)).toEqual({ ok: false, error: ParseError.BAD_OPTION });
    expect(parseNdpOptions(new Uint8Array([1]), 0, 1)).toEqual({ ok: false, error: ParseError.BAD_OPTION });
    const twoUnits = new Uint8Array(16);
    twoUnits[0] = 1;
    twoUnits[1] = 2;
    expect(norm(parseNdpOptions(twoUnits, 0, 16))).toEqual({ ok: true, value: [{ kind: 'unknown', type: 1, data: new Array(14).fill(0) }] });
  });

  it('parses echo with a non-zero code, and ND with a non-zero code, as "other"', () => {
    const buf = new Uint8Array(24);
    const ph = { src: new Uint8Array(16), dst: new Uint8Array(16) };
    const ns: Icmpv6Repr = { kind: 'neighborSolicit', target: new Uint8Array(16), options: [] };
    emitIcmpv6(ns, buf, 0, ph);
    buf[1] = 1;
    expect(parseIcmpv6(buf).ok && (parseIcmpv6(buf) as { value: Icmpv6Repr }).value.kind).toBe('other');
    const e4 = new Uint8Array(8);
    emitIcmpv4({ kind: 'echoRequest', ident: 1, seq: 2, data: new Uint8Array(0) }, e4, 0);
    e4[1] = 3;
    const p = parseIcmpv4(e4);
    expect(norm(p)).toEqual({ ok: true, value: { kind: 'other', type: 8, code: 3, body: [0, 1, 0, 2] } });
  });
});

describe('views', () => {
  it('read and write every IPv4 field in place', () => {
    const buf = new Uint8Array(24);
    const p = new Ipv4Packet(buf, 0, 24);
    p.headerLength = 24;
    p.tos = 0xb9;
    p.totalLength = 24;
    p.ident = 0xbeef;
    p.setFragment(true, true, 0xfff8);
    p.ttl = 7;
    p.protocol = 17;
    p.src = 0xc0000201;
    p.dst = 0xffffffff;
    buf[20] = 1; // NOP, then EOL
    p.fillChecksum();
    expect([p.version, p.headerLength, p.dscp, p.ecn, p.ident, p.dontFragment, p.moreFragments]).toEqual([4, 24, 0x2e, 1, 0xbeef, true, true]);
    expect([p.fragmentOffset, p.isFragment, p.ttl, p.protocol, p.src, p.dst, p.checksumOk()]).toEqual([0xfff8, true, 7, 17, 0xc0000201, 0xffffffff, true]);
    // The last possible fragment offset plus 24 bytes would reassemble past 65535.
    expect(p.check()).toBe(ParseError.BAD_FRAGMENT);
    p.setFragment(false, false, 65535 - 24 - 7);
    expect([p.fragmentOffset, p.isFragment, p.dontFragment, p.checksumOk()]).toEqual([65504, true, false, false]);
    expect(p.check()).toBe(ParseError.OK);
    p.reset(buf, 0, 23);
    expect(p.check()).toBe(ParseError.TRUNCATED);
  });

  it('read and write IPv6, TCP and UDP fields in place', () => {
    const buf = new Uint8Array(60);
    const p = new Ipv6Packet(buf);
    p.setVersionClassFlow(0xab, 0xfffff);
    p.payloadLength = 20;
    p.nextHeader = 6;
    p.hopLimit = 255;
    p.src = parseIpv6Addr('::1')!;
    expect([p.version, p.trafficClass, p.flowLabel, p.payloadLength, p.nextHeader, p.hopLimit, p.src[15]]).toEqual([6, 0xab, 0xfffff, 20, 6, 255, 1]);
    const t = new TcpSegment(buf, 40, 20);
    t.headerLength = 20;
    t.flags = TcpFlags.AE | TcpFlags.CWR | TcpFlags.SYN;
    t.seq = 0xffffffff;
    t.ack = 0x80000000;
    expect([t.headerLength, t.flags, t.seq, t.ack]).toEqual([20, 0x182, 0xffffffff, 0x80000000]);
    expect(buf[52]).toBe(0x51);
    const u = new UdpDatagram(buf, 40, 20);
    u.length = 7;
    expect(u.check()).toBe(ParseError.BAD_LENGTH);
    u.length = 21;
    expect(u.check()).toBe(ParseError.TRUNCATED);
    u.length = 20;
    expect(u.check()).toBe(ParseError.OK);
  });

  it('never throw when read out of bounds without check()', () => {
    const t = new TcpSegment(new Uint8Array(3), 2, 1);
    expect(() => [t.srcPort, t.dstPort, t.seq, t.flags, t.headerLength, t.window]).not.toThrow();
    expect(t.check()).toBe(ParseError.TRUNCATED);
  });
});
