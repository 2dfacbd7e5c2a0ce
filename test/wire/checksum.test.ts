import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  csumUpdate16,
  csumUpdate32,
  csumUpdateBytes,
  fillIpv4HeaderChecksum,
  fold,
  icmpv4Checksum,
  icmpv6ChecksumOk,
  internetChecksum,
  ipv4HeaderChecksum,
  ipv4HeaderChecksumOk,
  parseIpv6Addr,
  pseudoSum,
  sum16,
  tcpChecksum,
  tcpChecksumOk,
  udpChecksum,
  udpChecksumOk,
} from '../../src/wire/index.js';
import { naiveChecksum, pseudoBytes } from './helpers.js';

const hex = (s: string) => Uint8Array.from(s.replace(/\s+/g, '').match(/../g)!.map((h) => parseInt(h, 16)));

describe('RFC 1071 sum', () => {
  it('matches the worked example of RFC 1071 §3', () => {
    // 00 01 f2 03 f4 f5 f6 f7: the RFC adds these to ddf2 (after the end-around carry).
    const b = hex('0001f203f4f5f6f7');
    expect(fold(sum16(b, 0, b.length))).toBe(0xddf2);
    expect(internetChecksum(b, 0, b.length)).toBe(0x220d);
  });

  it('computes the well-known checksum of a real IPv4 header (b861) and verifies it', () => {
    const h = hex('4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7');
    expect(ipv4HeaderChecksum(h, 0, 20)).toBe(0xb861);
    expect(ipv4HeaderChecksumOk(h, 0, 20)).toBe(true);
    h[11] ^= 1;
    expect(ipv4HeaderChecksumOk(h, 0, 20)).toBe(false);
    fillIpv4HeaderChecksum(h, 0, 20);
    expect(h[10]).toBe(0xb8);
    expect(h[11]).toBe(0x61);
  });

  it('pads an odd final byte on the right, not the left', () => {
    expect(internetChecksum(hex('01'), 0, 1)).toBe(0xfeff);
    expect(internetChecksum(hex('0001 02'), 0, 3)).toBe(naiveChecksum([0, 1, 2]));
  });

  it('agrees with a naive word-by-word sum at any offset and length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.nat(), fc.nat(), (b, x, y) => {
        const off = b.length ? x % b.length : 0;
        const len = b.length - off ? y % (b.length - off + 1) : 0;
        expect(internetChecksum(b, off, len)).toBe(naiveChecksum(b.subarray(off, off + len)));
      }),
    );
  });

  it('stays exact for sums beyond 2^32 (fold handles large accumulators)', () => {
    const b = new Uint8Array(140000).fill(0xff);
    // 70000 words of 0xffff: one's-complement sum is 0xffff.
    expect(fold(sum16(b, 0, b.length))).toBe(0xffff);
    expect(fold(2 ** 40 + 5)).toBe(fold((2 ** 40) % 0xffff + 5));
  });
});

describe('transport checksums with pseudo-headers', () => {
  const arbSeg = fc.uint8Array({ minLength: 8, maxLength: 400 });

  it('TCP and UDP over IPv4 match a naive sum over pseudo-header + segment', () => {
    fc.assert(
      fc.property(arbSeg, fc.nat(0xffffffff), fc.nat(0xffffffff), (seg, src, dst) => {
        const ph = { src, dst };
        const tcp = seg.length >= 20 ? seg.slice() : new Uint8Array(20);
        tcp[16] = tcp[17] = 0;
        expect(tcpChecksum(tcp, 0, tcp.length, ph)).toBe(naiveChecksum([...pseudoBytes(src, dst, 6, tcp.length), ...tcp]));
        const udp = seg.slice();
        udp[6] = udp[7] = 0;
        const want = naiveChecksum([...pseudoBytes(src, dst, 17, udp.length), ...udp]);
        expect(udpChecksum(udp, 0, udp.length, ph)).toBe(want === 0 ? 0xffff : want);
      }),
    );
  });

  it('TCP over IPv6 matches a naive sum, and verifies once stored (even when the field was non-zero)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 20, maxLength: 400 }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        (seg, src, dst) => {
          const ph = { src, dst };
          const zeroed = seg.slice();
          zeroed[16] = zeroed[17] = 0;
          const c = tcpChecksum(seg, 0, seg.length, ph);
          expect(c).toBe(naiveChecksum([...pseudoBytes(src, dst, 6, seg.length), ...zeroed]));
          seg[16] = c >> 8;
          seg[17] = c & 0xff;
          expect(tcpChecksumOk(seg, 0, seg.length, ph)).toBe(true);
          seg[seg.length - 1] ^= 0x10;
          expect(tcpChecksumOk(seg, 0, seg.length, ph)).toBe(false);
        },
      ),
    );
  });

  it('UDP: a computed 0 is sent as 0xffff; a zero field means "none" over IPv4 only', () => {
    // Find a datagram whose checksum computes to 0 by fixing its last word.
    const ph = { src: 0x0a000001, dst: 0x0a000002 };
    const d = new Uint8Array([0x12, 0x34, 0x56, 0x78, 0, 10, 0, 0, 0, 0]);
    const c = udpChecksum(d, 0, 10, ph);
    // Adding c to the data makes the sum all-ones, so the checksum of the new data is 0.
    d[8] = c >> 8;
    d[9] = c & 0xff;
    expect(naiveChecksum([...pseudoBytes(ph.src, ph.dst, 17, 10), ...d])).toBe(0);
    expect(udpChecksum(d, 0, 10, ph)).toBe(0xffff);
    d[6] = d[7] = 0xff;
    expect(udpChecksumOk(d, 0, 10, ph)).toBe(true);
    d[6] = d[7] = 0;
    expect(udpChecksumOk(d, 0, 10, ph)).toBe(true);
    const v6 = { src: parseIpv6Addr('fe80::1')!, dst: parseIpv6Addr('fe80::2')! };
    expect(udpChecksumOk(d, 0, 10, v6)).toBe(false);
  });

  it('ICMPv4 has no pseudo-header; ICMPv6 does', () => {
    const echo = hex('0800 0000 0001 0001 6162 6364');
    expect(icmpv4Checksum(echo, 0, echo.length)).toBe(naiveChecksum(echo));
    const ph = { src: parseIpv6Addr('2001:db8::1')!, dst: parseIpv6Addr('2001:db8::2')! };
    const e6 = hex('8000 0000 0001 0001');
    const c = naiveChecksum([...pseudoBytes(ph.src, ph.dst, 58, 8), ...e6]);
    e6[2] = c >> 8;
    e6[3] = c & 0xff;
    expect(icmpv6ChecksumOk(e6, 0, 8, ph)).toBe(true);
    expect(pseudoSum(ph, 58, 8)).toBe(pseudoSum({ src: ph.src, dst: ph.dst }, 58, 8));
  });
});

describe('RFC 1624 incremental update', () => {
  /** A random region with a valid checksum at `csAt`, as a header would have. */
  function withChecksum(b: Uint8Array, csAt: number): Uint8Array {
    b[csAt] = b[csAt + 1] = 0;
    const c = naiveChecksum(b);
    b[csAt] = c >> 8;
    b[csAt + 1] = c & 0xff;
    return b;
  }

  const region = fc.uint8Array({ minLength: 40, maxLength: 120 }).map((b) => b.subarray(0, b.length & ~1));

  it('16-bit: equals recomputing from scratch, for any word and value', () => {
    fc.assert(
      fc.property(region, fc.nat(), fc.nat(0xffff), (b0, w, v) => {
        const b = withChecksum(b0.slice(), 0);
        const at = 2 + 2 * (w % ((b.length - 2) / 2));
        const old = (b[at] << 8) | b[at + 1];
        const hc = (b[0] << 8) | b[1];
        b[at] = v >> 8;
        b[at + 1] = v & 0xff;
        const full = withChecksum(b.slice(), 0);
        expect(csumUpdate16(hc, old, v)).toBe((full[0] << 8) | full[1]);
      }),
      { numRuns: 500 },
    );
  });

  it('32-bit and byte ranges: equal recomputing from scratch', () => {
    fc.assert(
      fc.property(region, fc.nat(), fc.nat(0xffffffff), fc.uint8Array({ minLength: 16, maxLength: 16 }), (b0, w, v, a6) => {
        const b = withChecksum(b0.slice(), 0);
        const hc = (b[0] << 8) | b[1];
        const at = 2 + 2 * (w % ((b.length - 18) / 2));
        const old32 = ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
        const c32 = b.slice();
        c32.set([v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff], at);
        const full32 = withChecksum(c32.slice(), 0);
        expect(csumUpdate32(hc, old32, v)).toBe((full32[0] << 8) | full32[1]);
        const c16 = b.slice();
        c16.set(a6, at);
        const full16 = withChecksum(c16.slice(), 0);
        expect(csumUpdateBytes(hc, b, at, a6, 0, 16)).toBe((full16[0] << 8) | full16[1]);
      }),
      { numRuns: 500 },
    );
  });

  it('reproduces the RFC 1624 §4 example: eqn. 3 gives 0x0000 where eqn. 2 gives the -0 0xffff', () => {
    // Other header words sum to 0xcd7a; m = 0x5555 changes to m' = 0x3285; HC = ~(0xcd7a + 0x5555) = 0xdd2f.
    expect(csumUpdate16(0xdd2f, 0x5555, 0x3285)).toBe(0x0000);
    expect(csumUpdate16(0x0000, 0x3285, 0x5555)).toBe(0xdd2f);
  });
});
