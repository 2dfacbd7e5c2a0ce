/**
 * The dissector is total: random bytes, and valid frames that are bit-flipped, truncated at every length or have
 * their length fields corrupted, never make it throw, always yield a verdict, and every offset it reports stays
 * inside the frame. Valid frames dissect to exactly the fields they were built from.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildArpFrame,
  buildEchoFrame,
  buildIcmpErrorFrame,
  buildIpFrame,
  buildNeighborSolicitFrame,
  buildTcpFrame,
  buildUdpFrame,
  checkL4Checksum,
  ChecksumStatus,
  dissectFrame,
  formatIpv6Addr,
  ipPacketOf,
  ParsedFrame,
  ParseError,
  parseIpv4,
  parseIpv6,
  parseTcp,
  parseUdp,
  WireLayer,
  type Ipv6ExtHeader,
  type TcpOption,
  type VlanTag,
} from '../../src/wire/index.js';
import { arbExtChain, arbMac, arbTcpOptions, arbV4, arbV6, arbVlanTag } from './helpers.js';

const pf = new ParsedFrame();
const PARSE_ERRORS = new Set(Object.values(ParseError).filter((v) => typeof v === 'number'));

/** Dissects buf[off, off+len) and checks every invariant a consumer relies on. */
function dissectChecked(buf: Uint8Array, off: number, len: number): ParsedFrame {
  let r: ParseError | undefined;
  expect(() => {
    r = pf.dissect(buf, off, len);
  }).not.toThrow();
  expect(r).toBe(pf.error);
  expect(PARSE_ERRORS.has(pf.error)).toBe(true);
  expect(pf.error === ParseError.OK).toBe(pf.errorLayer === WireLayer.NONE);
  if (pf.error !== ParseError.OK) expect(pf.depth).toBe(pf.errorLayer - 1);
  const end = off + len;
  const within = (o: number, n: number) => {
    expect(n).toBeGreaterThanOrEqual(0);
    expect(o).toBeGreaterThanOrEqual(off);
    expect(o + n).toBeLessThanOrEqual(end);
  };
  if (pf.depth >= WireLayer.L2) {
    expect(pf.vlanCount).toBeLessThanOrEqual(4);
    expect(pf.l3Off).toBe(off + 14 + 4 * pf.vlanCount);
    within(pf.l3Off, 0);
  }
  expect([0, 4, 6]).toContain(pf.ipVersion);
  if (pf.depth >= WireLayer.L3 && pf.ipVersion !== 0) {
    const al = pf.ipVersion === 4 ? 4 : 16;
    within(pf.l3Off, pf.l3TotalLen);
    within(pf.srcAddrOff, al);
    within(pf.dstAddrOff, al);
    within(pf.pseudoDstOff, al);
    expect(pf.l3HeaderLen).toBeLessThanOrEqual(pf.l3TotalLen);
    expect(pf.l4Off).toBe(pf.l3Off + pf.l3HeaderLen);
    within(pf.l4Off, pf.l4Len);
    expect(pf.payloadOff).toBeGreaterThanOrEqual(pf.l4Off);
    expect(pf.payloadOff + pf.payloadLen).toBeLessThanOrEqual(pf.l4Off + pf.l4Len);
    expect(pf.payloadLen).toBeGreaterThanOrEqual(0);
    if (pf.ipv6FragHdrOff >= 0) within(pf.ipv6FragHdrOff, 8);
  }
  if (pf.depth >= WireLayer.L4) expect(pf.l4HeaderLen).toBeLessThanOrEqual(pf.l4Len);
  if (pf.depth >= WireLayer.INNER_L3) {
    const i = pf.inner;
    expect(pf.isIcmpError).toBe(true);
    expect(i.l3Off).toBe(pf.l4Off + 8);
    within(i.l3Off, i.l3HeaderLen);
    within(i.l4Off, i.l4Avail);
    within(i.srcAddrOff, i.ipVersion === 4 ? 4 : 16);
    if (i.hasPorts) expect(i.l4Avail).toBeGreaterThanOrEqual(4);
  }
  // Whatever was checked must also be safe to verify.
  expect(() => checkL4Checksum(pf)).not.toThrow();
  return pf;
}

// --- valid frames with known contents ---

const arbVlan = fc.oneof(
  fc.constant(undefined),
  fc.integer({ min: 0, max: 4095 }),
  fc.array(arbVlanTag, { minLength: 1, maxLength: 4 }),
) as fc.Arbitrary<undefined | number | VlanTag[]>;
const arbPair = fc.oneof(
  fc.record({ src: arbV4, dst: arbV4 }),
  fc.record({ src: arbV6, dst: arbV6 }),
) as fc.Arbitrary<{ src: number | Uint8Array; dst: number | Uint8Array }>;
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
/** Extension headers that keep a transport header in the packet (no non-first fragment). */
const arbExtFirst = arbExtChain.map((c) => c.filter((h) => h.kind !== 'fragment' || h.offset === 0));

interface TcpCase {
  kind: 'tcp';
  l2: { srcMac: Uint8Array; dstMac: Uint8Array; vlan: undefined | number | VlanTag[] };
  ip: { src: number | Uint8Array; dst: number | Uint8Array };
  ext: Ipv6ExtHeader[];
  sport: number;
  dport: number;
  flags: number;
  seq: number;
  ack: number;
  window: number;
  options: TcpOption[];
  payload: Uint8Array;
}

const arbL2 = fc.record({ srcMac: arbMac, dstMac: arbMac, vlan: arbVlan });

const arbTcpCase: fc.Arbitrary<TcpCase> = fc.record({
  kind: fc.constant('tcp' as const),
  l2: arbL2,
  ip: arbPair,
  ext: arbExtFirst,
  sport: u16,
  dport: u16,
  flags: fc.integer({ min: 0, max: 0x1ff }),
  seq: u32,
  ack: u32,
  window: u16,
  options: arbTcpOptions,
  payload: fc.uint8Array({ maxLength: 100 }),
});

function buildTcpCase(c: TcpCase): Uint8Array {
  return buildTcpFrame({ ...c.l2, ...c.ip, extHeaders: typeof c.ip.src === 'number' ? undefined : c.ext, ...c });
}

const arbUdpFrame = fc
  .record({ l2: arbL2, ip: arbPair, ext: arbExtFirst, sport: u16, dport: u16, payload: fc.uint8Array({ maxLength: 100 }) })
  .map((c) => buildUdpFrame({ ...c.l2, ...c.ip, extHeaders: typeof c.ip.src === 'number' ? undefined : c.ext, sport: c.sport, dport: c.dport, payload: c.payload }));

const arbEchoFrame = fc
  .record({ l2: arbL2, ip: arbPair, ident: u16, seq: u16, data: fc.uint8Array({ maxLength: 64 }), reply: fc.boolean() })
  .map((c) => buildEchoFrame({ ...c.l2, ...c.ip, ...c }));

const arbErrorFrame = fc
  .record({
    inner: fc.oneof(arbTcpCase.map(buildTcpCase), arbUdpFrame, arbEchoFrame),
    cut: fc.nat(),
    kind: fc.constantFrom('destUnreachable' as const, 'timeExceeded' as const, 'paramProblem' as const, 'packetTooBig' as const),
    code: fc.integer({ min: 0, max: 255 }),
    l2: arbL2,
    router: arbPair,
  })
  .map((c) => {
    const offending = ipPacketOf(c.inner);
    const v4 = offending[0] >> 4 === 4;
    return buildIcmpErrorFrame({
      ...c.l2,
      src: v4 ? (c.router.src as number) & 0xffffffff : new Uint8Array(16).fill(0x20),
      // Cut anywhere after the IP header (and IPv6 extension headers), as real quotes are.
      offending: offending.subarray(0, Math.max(dissectFrame(c.inner).l3HeaderLen, c.cut % (offending.length + 1))),
      kind: c.kind,
      code: c.code,
    });
  });

const arbMiscFrame = fc.oneof(
  fc.record({ senderMac: arbMac, senderIp: arbV4, targetIp: arbV4, op: fc.constantFrom(1, 2), vlan: arbVlan }).map(buildArpFrame),
  fc.record({ srcMac: arbMac, src: arbV6, target: arbV6, vlan: arbVlan }).map(buildNeighborSolicitFrame),
  // Non-first fragments: the payload is the middle of a datagram, valid whatever its bytes.
  fc
    .record({ ip: arbPair, protocol: fc.integer({ min: 0, max: 255 }), off: fc.integer({ min: 1, max: 100 }), more: fc.boolean(), payload: fc.uint8Array({ maxLength: 60 }) })
    .map((c) =>
      typeof c.ip.src === 'number'
        ? buildIpFrame({ ...c.ip, protocol: c.protocol, fragmentOffset: c.off * 8, moreFragments: c.more, payload: c.payload })
        : buildIpFrame({ ...c.ip, protocol: c.protocol, payload: c.payload, extHeaders: [{ kind: 'fragment', offset: c.off * 8, more: c.more, ident: 1 }] }),
    ),
);

const arbValidFrame = fc.oneof(arbTcpCase.map(buildTcpCase), arbUdpFrame, arbEchoFrame, arbErrorFrame, arbMiscFrame);

describe('dissector on valid frames', () => {
  it('TCP frames dissect to the fields they were built from, checksums good, in agreement with the repr parsers', () => {
    fc.assert(
      fc.property(arbTcpCase, (c) => {
        const f = buildTcpCase(c);
        const p = dissectChecked(f, 0, f.length);
        expect(p.error).toBe(ParseError.OK);
        const vlans = c.l2.vlan === undefined ? [] : typeof c.l2.vlan === 'number' ? [c.l2.vlan] : c.l2.vlan.map((t) => t.vid);
        expect(Array.from({ length: p.vlanCount }, (_, i) => p.vlanId(i))).toEqual(vlans);
        expect([p.srcPort, p.dstPort, p.tcpSeq, p.tcpAck, p.tcpFlags, p.tcpWindow, p.payloadLen]).toEqual([c.sport, c.dport, c.seq, c.ack, c.flags, c.window, c.payload.length]);
        if (typeof c.ip.src === 'number') {
          expect([p.ipVersion, p.srcV4, p.dstV4]).toEqual([4, c.ip.src, c.ip.dst]);
          const ip = parseIpv4(f, p.l3Off, p.length - (p.l3Off - p.frameOff));
          expect(ip.ok && ip.value.protocol).toBe(6);
        } else {
          expect([p.ipVersion, formatIpv6Addr(f, p.srcAddrOff)]).toEqual([6, formatIpv6Addr(c.ip.src)]);
          const ip = parseIpv6(f, p.l3Off);
          expect(ip.ok && [ip.value.protocol, ip.value.extHeaders.length]).toEqual([6, c.ext.length]);
        }
        const t = parseTcp(f, p.l4Off, p.l4Len);
        expect(t.ok && [t.value.srcPort, t.value.options.length]).toEqual([c.sport, c.options.length]);
        if (!p.isFragment && p.pseudoDstOff === p.dstAddrOff) expect(checkL4Checksum(p)).toBe(ChecksumStatus.GOOD);
      }),
      { numRuns: 300 },
    );
  });

  it('every kind of valid frame dissects without error', () => {
    fc.assert(
      fc.property(arbValidFrame, (f) => {
        const p = dissectChecked(f, 0, f.length);
        expect(ParseError[p.error]).toBe('OK');
        if (p.ipProto === 17 && p.depth >= WireLayer.L4) {
          const u = parseUdp(f, p.l4Off, p.l3Off + p.l3TotalLen - p.l4Off);
          expect(u.ok && u.value.payload.length).toBe(p.payloadLen);
        }
      }),
      { numRuns: 400 },
    );
  });
});

describe('dissector totality', () => {
  it('random bytes, raw and behind a plausible Ethernet header and IP version nibble', () => {
    const arbBytes = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc
        .record({
          type: fc.constantFrom(0x0800, 0x86dd, 0x0806, 0x8100, 0x88a8, 0x9100),
          body: fc.uint8Array({ maxLength: 200 }),
          nibble: fc.constantFrom(0x40, 0x45, 0x46, 0x4f, 0x60),
        })
        .map(({ type, body, nibble }) => {
          const f = new Uint8Array(14 + body.length);
          f.set(body, 14);
          f[12] = type >> 8;
          f[13] = type & 0xff;
          if (body.length) f[14] = (body[0] & 0x0f) | (nibble & 0xf0);
          if (body.length > 9 && (type === 0x0800 || type === 0x86dd)) f[14 + (type === 0x0800 ? 9 : 6)] = [1, 6, 17, 58, 0, 43, 44, 60][body[1] & 7];
          return f;
        }),
    );
    fc.assert(
      fc.property(arbBytes, fc.nat(5), (f, pad) => {
        const buf = new Uint8Array(pad + f.length + 3);
        buf.set(f, pad);
        dissectChecked(buf, pad, f.length);
      }),
      { numRuns: 3000 },
    );
  });

  it('valid frames with random bit flips', () => {
    fc.assert(
      fc.property(arbValidFrame, fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), (f, flips) => {
        for (const x of flips) f[(x >> 3) % f.length] ^= 1 << (x & 7);
        dissectChecked(f, 0, f.length);
      }),
      { numRuns: 2000 },
    );
  });

  it('valid frames truncated at every length', () => {
    fc.assert(
      fc.property(arbValidFrame, (f) => {
        for (let n = 0; n <= f.length; n++) {
          const p = dissectChecked(f, 0, n);
          if (n < f.length && p.error === ParseError.OK && p.ipVersion !== 0) {
            // A shorter frame can only pass when what was cut was outside the IP packet or inside an ICMP quote.
            expect(p.l3Off + p.l3TotalLen <= n || p.isIcmpError).toBe(true);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('valid frames with a length field (or any header byte) overwritten', () => {
    fc.assert(
      fc.property(arbValidFrame, fc.nat(), fc.nat(0xffff), fc.nat(9), (f, where, value, which) => {
        const p = dissectChecked(f, 0, f.length);
        const l3 = p.l3Off;
        const targets: Array<[number, number]> = [];
        if (p.ipVersion === 4) targets.push([l3 + 2, 2], [l3, 1]);
        if (p.ipVersion === 6) targets.push([l3 + 4, 2], [l3 + 41, 1]);
        if (p.ipProto === 17 && p.depth >= WireLayer.L4) targets.push([p.l4Off + 4, 2]);
        if (p.ipProto === 6 && p.depth >= WireLayer.L4) targets.push([p.l4Off + 12, 1], [p.l4Off + 21, 1]);
        if (p.inner.depth >= WireLayer.INNER_L3) targets.push([p.inner.l3Off + (p.inner.ipVersion === 4 ? 2 : 4), 2], [p.inner.l3Off, 1]);
        // Any byte of the headers, which covers option and extension lengths.
        targets.push([where % Math.max(1, p.payloadOff || f.length), 1]);
        const [at, size] = targets[which % targets.length];
        if (size === 2) {
          f[at] = value >> 8;
          f[at + 1] = value & 0xff;
        } else {
          f[at] = value & 0xff;
        }
        dissectChecked(f, 0, f.length);
      }),
      { numRuns: 3000 },
    );
  });
});
