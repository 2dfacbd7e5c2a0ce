/**
 * Incremental checksum patching on rewrites equals recomputing every checksum from scratch.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildEchoFrame,
  buildIpFrame,
  buildTcpFrame,
  buildUdpFrame,
  checkL3Checksum,
  checkL4Checksum,
  ChecksumStatus,
  dissectFrame,
  fillFrameChecksums,
  Ipv4Packet,
  ParsedFrame,
  rewriteDstIpv4,
  rewriteDstIpv6,
  rewriteDstPort,
  rewriteSrcIpv4,
  rewriteSrcIpv6,
  rewriteSrcPort,
  rewriteTtl,
} from '../../src/wire/index.js';
import { arbV4, arbV6 } from './helpers.js';

type Edit =
  | { f: 'sport' | 'dport' | 'ttl'; v: number }
  | { f: 'src4' | 'dst4'; v: number }
  | { f: 'src6' | 'dst6'; v: Uint8Array };

const arbEdit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ f: fc.constantFrom('sport' as const, 'dport' as const), v: fc.nat(0xffff) }),
  fc.record({ f: fc.constant('ttl' as const), v: fc.nat(255) }),
  fc.record({ f: fc.constantFrom('src4' as const, 'dst4' as const), v: arbV4 }),
  fc.record({ f: fc.constantFrom('src6' as const, 'dst6' as const), v: arbV6 }),
);

function applyIncremental(pf: ParsedFrame, e: Edit): boolean {
  switch (e.f) {
    case 'sport':
      return rewriteSrcPort(pf, e.v);
    case 'dport':
      return rewriteDstPort(pf, e.v);
    case 'ttl':
      return rewriteTtl(pf, e.v);
    case 'src4':
      return rewriteSrcIpv4(pf, e.v);
    case 'dst4':
      return rewriteDstIpv4(pf, e.v);
    case 'src6':
      return rewriteSrcIpv6(pf, e.v);
    case 'dst6':
      return rewriteDstIpv6(pf, e.v);
  }
}

/** The same edit by plain byte writes, for the from-scratch side. */
function applyRaw(pf: ParsedFrame, e: Edit): void {
  const b = pf.buf;
  const w16 = (at: number, v: number) => b.set([v >> 8, v & 0xff], at);
  const w32 = (at: number, v: number) => b.set([v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff], at);
  switch (e.f) {
    case 'sport':
      return w16(pf.l4Off, e.v);
    case 'dport':
      return w16(pf.l4Off + 2, e.v);
    case 'ttl':
      b[pf.l3Off + (pf.ipVersion === 4 ? 8 : 7)] = e.v;
      return;
    case 'src4':
      return w32(pf.srcAddrOff, e.v);
    case 'dst4':
      return w32(pf.dstAddrOff, e.v);
    case 'src6':
      return b.set(e.v, pf.srcAddrOff);
    case 'dst6':
      return b.set(e.v, pf.dstAddrOff);
  }
}

const u16 = fc.nat(0xffff);
const arbFrame = fc.oneof(
  fc.record({ src: arbV4, dst: arbV4, sport: u16, dport: u16, payload: fc.uint8Array({ maxLength: 64 }) }).map(buildTcpFrame),
  fc.record({ src: arbV6, dst: arbV6, sport: u16, dport: u16, payload: fc.uint8Array({ maxLength: 64 }) }).map(buildTcpFrame),
  fc.record({ src: arbV4, dst: arbV4, sport: u16, dport: u16, payload: fc.uint8Array({ maxLength: 64 }), noChecksum: fc.boolean() }).map(buildUdpFrame),
  fc.record({ src: arbV6, dst: arbV6, sport: u16, dport: u16, payload: fc.uint8Array({ maxLength: 64 }) }).map(buildUdpFrame),
  fc.record({ src: arbV4, dst: arbV4, ident: u16, seq: u16 }).map(buildEchoFrame),
  fc.record({ src: arbV6, dst: arbV6, ident: u16, seq: u16, data: fc.uint8Array({ maxLength: 64 }) }).map(buildEchoFrame),
);

describe('incremental rewrites', () => {
  it('patch checksums to exactly what a full recomputation gives, and keep the ParsedFrame current', () => {
    fc.assert(
      fc.property(arbFrame, fc.array(arbEdit, { minLength: 1, maxLength: 6 }), (frame, edits) => {
        const inc = dissectFrame(frame.slice());
        const full = dissectFrame(frame.slice());
        const udpNone = inc.ipProto === 17 && inc.ipVersion === 4 && inc.buf[inc.l4Off + 6] === 0 && inc.buf[inc.l4Off + 7] === 0;
        for (const e of edits) {
          if (applyIncremental(inc, e)) applyRaw(full, e);
        }
        fillFrameChecksums(full);
        expect(Buffer.from(inc.buf).toString('hex')).toBe(Buffer.from(full.buf).toString('hex'));
        expect(checkL3Checksum(inc)).not.toBe(ChecksumStatus.BAD);
        expect(checkL4Checksum(inc)).toBe(udpNone ? ChecksumStatus.NONE : ChecksumStatus.GOOD);
        const again = dissectFrame(inc.buf);
        expect([inc.srcPort, inc.dstPort, inc.srcV4, inc.dstV4, inc.ttl]).toEqual([again.srcPort, again.dstPort, again.srcV4, again.dstV4, again.ttl]);
      }),
      { numRuns: 1000 },
    );
  });

  it('send a UDP checksum that computes to 0 as 0xffff, since 0 would mean "none"', () => {
    const f = buildUdpFrame({ src: '10.0.0.1', dst: '10.0.0.2', sport: 1000, dport: 53, payload: new Uint8Array([1, 2, 3, 4]) });
    // Find the destination port for which the full checksum computes to 0 (and so is sent as 0xffff).
    const probe = dissectFrame(f.slice());
    let port = -1;
    for (let p = 0; p <= 0xffff && port < 0; p++) {
      probe.buf.set([p >> 8, p & 0xff], probe.l4Off + 2);
      fillFrameChecksums(probe);
      if (probe.buf[probe.l4Off + 6] === 0xff && probe.buf[probe.l4Off + 7] === 0xff) port = p;
    }
    expect(port).toBeGreaterThanOrEqual(0);
    const pf = dissectFrame(f);
    expect(rewriteDstPort(pf, port)).toBe(true);
    expect([pf.buf[pf.l4Off + 6], pf.buf[pf.l4Off + 7]]).toEqual([0xff, 0xff]);
    expect(checkL4Checksum(pf)).toBe(ChecksumStatus.GOOD);
  });

  it('leave the transport checksum alone when the destination rewritten is not the final one (routing header)', () => {
    const f = buildUdpFrame({
      src: '2001:db8::1',
      dst: '2001:db8::2',
      sport: 1,
      dport: 2,
      payload: new Uint8Array(9),
      extHeaders: [{ kind: 'routing', routingType: 4, segmentsLeft: 1, data: new Uint8Array([0, 0, 0, 0, ...new Uint8Array(16).fill(0x99), ...new Uint8Array(16)]) }],
    });
    const pf = dissectFrame(f);
    fillFrameChecksums(pf); // summed over the final destination, Segment List[0]
    expect(checkL4Checksum(pf)).toBe(ChecksumStatus.GOOD);
    const csum = Array.from(f.subarray(pf.l4Off + 6, pf.l4Off + 8));
    expect(rewriteDstIpv6(pf, new Uint8Array(16).fill(0x42))).toBe(true);
    expect(Array.from(f.subarray(pf.l4Off + 6, pf.l4Off + 8))).toEqual(csum);
    expect(checkL4Checksum(pf)).toBe(ChecksumStatus.GOOD);
    expect(rewriteSrcIpv6(pf, new Uint8Array(16).fill(0x43))).toBe(true);
    expect(checkL4Checksum(pf)).toBe(ChecksumStatus.GOOD);
  });

  it('refuse what the frame does not have, changing nothing', () => {
    const echo = dissectFrame(buildEchoFrame({ src: '10.0.0.1', dst: '10.0.0.2', ident: 1, seq: 1 }));
    const before = echo.buf.slice();
    expect(rewriteSrcPort(echo, 9)).toBe(false);
    expect(rewriteSrcIpv6(echo, new Uint8Array(16))).toBe(false);
    const later = dissectFrame(buildIpFrame({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 6, fragmentOffset: 8, payload: new Uint8Array(8) }));
    expect(rewriteDstPort(later, 9)).toBe(false);
    expect(Array.from(echo.buf)).toEqual(Array.from(before));
    const arp = dissectFrame(new Uint8Array(60).fill(0, 12).map((v, i) => (i === 12 ? 8 : i === 13 ? 6 : v)));
    expect(rewriteTtl(arp, 1)).toBe(false);
  });

  it('patches a first fragment\'s transport checksum by the same delta (it covers the whole datagram)', () => {
    const whole = buildUdpFrame({ src: '10.0.0.1', dst: '10.0.0.2', sport: 1000, dport: 53, payload: new Uint8Array(32).fill(7) });
    const frag = whole.slice(0, 14 + 20 + 16);
    frag[14 + 3] = 36; // total length 36
    frag[14 + 6] = 0x20; // MF
    new Ipv4Packet(frag, 14, 20).fillChecksum();
    const pf = dissectFrame(frag);
    expect(pf.isFragment).toBe(true);
    expect(rewriteDstPort(pf, 5353)).toBe(true);
    const ref = dissectFrame(whole);
    rewriteDstPort(ref, 5353);
    expect(Array.from(frag.subarray(14 + 20, 14 + 28))).toEqual(Array.from(whole.subarray(14 + 20, 14 + 28)));
    expect(checkL3Checksum(pf)).toBe(ChecksumStatus.GOOD);
  });
});
