/**
 * The frame builders: deterministic output, emit-into-buffer equals build, quoting limits, ND conventions, and
 * refusals of bad input. Plus a smoke run of the benchmark's frame mix (no timing is asserted).
 */
import { describe, expect, it } from 'vitest';
import { defaultMix, run } from '../../bench/wire-parse.js';
import {
  buildEchoFrame,
  buildIcmpErrorFrame,
  buildNeighborAdvertFrame,
  buildNeighborSolicitFrame,
  buildTcpFrame,
  buildUdpFrame,
  checkL4Checksum,
  ChecksumStatus,
  dissectFrame,
  emitIpv4,
  emitTcp,
  emitTcpFrame,
  ipPacketOf,
  NaFlags,
  ParseError,
  parseIcmpv6,
  TcpFlags,
  WireLayer,
} from '../../src/wire/index.js';

const tcpSpec = {
  src: '10.0.0.1',
  dst: '10.0.0.2',
  sport: 1000,
  dport: 80,
  flags: TcpFlags.SYN,
  vlan: 5,
  options: [{ kind: 'mss' as const, mss: 1400 }],
  payload: new Uint8Array([1, 2, 3]),
};

describe('builders', () => {
  it('are deterministic: the shared scratch buffer leaks nothing between builds', () => {
    const a = buildTcpFrame(tcpSpec);
    buildUdpFrame({ src: '2001:db8::1', dst: '2001:db8::2', sport: 1, dport: 2, payload: new Uint8Array(1400).fill(0xff) });
    expect(Array.from(buildTcpFrame(tcpSpec))).toEqual(Array.from(a));
  });

  it('emit into a caller buffer at an offset, returning the length, with the same bytes as build', () => {
    const buf = new Uint8Array(200).fill(0xaa);
    const n = emitTcpFrame(tcpSpec, buf, 50);
    const built = buildTcpFrame(tcpSpec);
    expect(n).toBe(built.length);
    expect(Array.from(buf.subarray(50, 50 + n))).toEqual(Array.from(built));
    expect(buf[49]).toBe(0xaa);
    expect(buf[50 + n]).toBe(0xaa);
  });

  it('refuse to write past the caller buffer, and reject bad addresses and mixed families', () => {
    expect(() => emitTcpFrame(tcpSpec, new Uint8Array(60), 0)).toThrow(RangeError);
    expect(() => emitTcp({ srcPort: 0, dstPort: 0, seq: 0, ack: 0, flags: 0, window: 0, urgent: 0, options: [], payload: new Uint8Array(0) }, new Uint8Array(30), 11, { src: 0, dst: 0 })).toThrow(RangeError);
    const opts = new Array(11).fill({ type: 7, data: new Uint8Array(2) });
    expect(() => emitIpv4({ src: 0, dst: 0, protocol: 0, payloadLength: 0, ttl: 0, dscp: 0, ecn: 0, ident: 0, dontFragment: false, moreFragments: false, fragmentOffset: 0, options: opts }, new Uint8Array(80), 0)).toThrow(RangeError);
    expect(() => buildTcpFrame({ ...tcpSpec, src: '10.0.0.256' })).toThrow(TypeError);
    expect(() => buildTcpFrame({ ...tcpSpec, dst: '::1' })).toThrow(TypeError);
    expect(() => buildTcpFrame({ ...tcpSpec, srcMac: '02:00:00:00:00' })).toThrow(TypeError);
  });

  it('quote as much of the offending packet as the family allows: 576 bytes in all for IPv4, 1280 for IPv6', () => {
    const big4 = ipPacketOf(buildUdpFrame({ src: '10.0.0.1', dst: '10.0.0.2', sport: 1, dport: 2, payload: new Uint8Array(1400) }));
    const e4 = dissectFrame(buildIcmpErrorFrame({ src: '10.0.0.9', offending: big4, kind: 'timeExceeded' }));
    expect([e4.l3TotalLen, e4.dstV4]).toEqual([576, 0x0a000001]);
    const small = ipPacketOf(buildUdpFrame({ src: '10.0.0.1', dst: '10.0.0.2', sport: 1, dport: 2 }));
    expect(dissectFrame(buildIcmpErrorFrame({ src: '10.0.0.9', offending: small, kind: 'timeExceeded' })).l3TotalLen).toBe(20 + 8 + 28);
    const big6 = ipPacketOf(buildUdpFrame({ src: '2001:db8::1', dst: '2001:db8::2', sport: 1, dport: 2, payload: new Uint8Array(1400) }));
    const e6 = dissectFrame(buildIcmpErrorFrame({ src: '2001:db8::9', offending: big6, kind: 'destUnreachable', code: 4 }));
    expect([e6.l3TotalLen, e6.icmpType, e6.icmpCode, e6.inner.dstPort]).toEqual([1280, 1, 4, 2]);
  });

  it('follow neighbour discovery conventions: hop limit 255, no source link-layer option from ::, NA flags', () => {
    const dad = dissectFrame(buildNeighborSolicitFrame({ src: '::', target: 'fe80::1' }));
    const ns = parseIcmpv6(dad.buf, dad.l4Off, dad.l4Len);
    expect(ns.ok && ns.value.kind === 'neighborSolicit' && ns.value.options).toEqual([]);
    expect(dad.ttl).toBe(255);
    const na = dissectFrame(buildNeighborAdvertFrame({ srcMac: '02:00:00:00:00:0b', src: 'fe80::b', dst: 'fe80::a' }));
    const p = parseIcmpv6(na.buf, na.l4Off, na.l4Len);
    expect(p.ok && p.value.kind === 'neighborAdvert' && [p.value.flags, p.value.options[0]]).toEqual([
      NaFlags.SOLICITED | NaFlags.OVERRIDE,
      { kind: 'targetLinkAddr', mac: new Uint8Array([2, 0, 0, 0, 0, 0x0b]) },
    ]);
    expect(checkL4Checksum(na)).toBe(ChecksumStatus.GOOD);
  });

  it('echo builder picks the family from the addresses', () => {
    expect(dissectFrame(buildEchoFrame({ src: '10.0.0.1', dst: '10.0.0.2', ident: 1, seq: 1 })).ipProto).toBe(1);
    expect(dissectFrame(buildEchoFrame({ src: '::1', dst: '::2', ident: 1, seq: 1 })).ipProto).toBe(58);
  });
});

describe('benchmark mix (smoke; its timing is not a test)', () => {
  it('is made of frames that all dissect cleanly, and run() accepts frames from a caller', async () => {
    const mix = defaultMix();
    for (const f of mix) {
      const pf = dissectFrame(f);
      expect(ParseError[pf.error]).toBe('OK');
      expect(pf.depth).toBeGreaterThanOrEqual(WireLayer.L3);
    }
    const r = await run({ frames: mix.slice(0, 3), durationMs: 5, quiet: true });
    expect(r.mixSize).toBe(3);
    expect(r.cases.every((c) => c.frames > 0)).toBe(true);
  });
});
