/**
 * Cross-check against a real dissector: frames built here are written to a pcap, and tshark must decode the
 * same fields our dissector reports and find every checksum good.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ARP_SENDER_MAC_OFF,
  buildArpFrame,
  buildEchoFrame,
  buildIcmpErrorFrame,
  buildIpFrame,
  buildNeighborAdvertFrame,
  buildNeighborSolicitFrame,
  buildTcpFrame,
  buildUdpFrame,
  dissectFrame,
  findNdpLinkAddr,
  formatIpv4Addr,
  formatIpv6Addr,
  formatMac,
  ipPacketOf,
  ParseError,
  scanTcpOptions,
  TcpFlags,
  TcpOptionsSummary,
  TPID_8021AD,
  TPID_8021Q,
  WireLayer,
} from '../../src/wire/index.js';
import { arbMac, arbTcpOptions, arbV4, arbV6, pcapFile } from './helpers.js';

const haveTshark = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;
const SKIP_NOTE = haveTshark ? '' : ' [skipped: tshark is not installed]';

const FIELDS = [
  'frame.len',
  'eth.src',
  'eth.dst',
  'vlan.id',
  'ieee8021ad.id',
  'ip.src',
  'ip.dst',
  'ip.proto',
  'ip.ttl',
  'ip.len',
  'ip.hdr_len',
  'ip.id',
  'ip.flags.mf',
  'ip.frag_offset',
  'ip.checksum.status',
  'ipv6.src',
  'ipv6.dst',
  'ipv6.plen',
  'ipv6.hlim',
  'ipv6.flow',
  'ipv6.fraghdr.offset',
  'ipv6.fraghdr.more',
  'ipv6.fraghdr.ident',
  'tcp.srcport',
  'tcp.dstport',
  'tcp.seq_raw',
  'tcp.ack_raw',
  'tcp.flags',
  'tcp.hdr_len',
  'tcp.len',
  'tcp.window_size_value',
  'tcp.checksum.status',
  'tcp.options.mss_val',
  'tcp.options.wscale.shift',
  'tcp.options.timestamp.tsval',
  'tcp.options.timestamp.tsecr',
  'udp.srcport',
  'udp.dstport',
  'udp.length',
  'udp.checksum.status',
  'icmp.type',
  'icmp.code',
  'icmp.checksum.status',
  'icmp.ident',
  'icmp.seq',
  'icmpv6.type',
  'icmpv6.code',
  'icmpv6.checksum.status',
  'icmpv6.echo.identifier',
  'icmpv6.echo.sequence_number',
  'icmpv6.mtu',
  'icmpv6.nd.ns.target_address',
  'icmpv6.nd.na.target_address',
  'icmpv6.opt.linkaddr',
  'arp.opcode',
  'arp.src.hw_mac',
  'arp.src.proto_ipv4',
  'arp.dst.proto_ipv4',
] as const;
type Row = Record<(typeof FIELDS)[number], string[]>;

function tsharkRows(frames: Uint8Array[], dir: string): Row[] {
  const file = join(dir, 'frames.pcap');
  writeFileSync(file, pcapFile(frames));
  const args = ['-n', '-r', file, '-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE'];
  args.push('-o', 'tcp.relative_sequence_numbers:FALSE', '-T', 'fields', '-E', 'separator=\t', '-E', 'aggregator=,', '-E', 'occurrence=a');
  for (const f of FIELDS) args.push('-e', f);
  const out = execFileSync('tshark', args, { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'] });
  return out
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => {
      const cols = line.split('\t');
      return Object.fromEntries(FIELDS.map((f, i) => [f, cols[i] ? cols[i].split(',') : []])) as Row;
    });
}

const num = (s: string | undefined) => (s === undefined ? undefined : Number(s));

/** Compares one frame's dissection with tshark's row; returns how many checksums tshark verified. */
function compare(f: Uint8Array, row: Row, what: string): number {
  const pf = dissectFrame(f);
  const ctx = `${what}: ${Buffer.from(f).toString('hex')}`;
  const eq = (a: unknown, b: unknown, field: string) => expect(a, `${field} in ${ctx}`).toEqual(b);
  eq(pf.error, ParseError.OK, 'verdict');
  eq(num(row['frame.len'][0]), f.length, 'frame.len');
  eq(row['eth.src'][0], formatMac(f, pf.srcMacOff), 'eth.src');
  eq(row['eth.dst'][0], formatMac(f, pf.dstMacOff), 'eth.dst');
  const tags = Array.from({ length: pf.vlanCount }, (_, i) => [pf.vlanTpid[i], pf.vlanId(i)] as const);
  eq(row['ieee8021ad.id'].map(Number), tags.filter(([t]) => t === TPID_8021AD).map(([, v]) => v), 'ieee8021ad.id');
  eq(row['vlan.id'].map(Number), tags.filter(([t]) => t === TPID_8021Q).map(([, v]) => v), 'vlan.id');

  // Every checksum tshark verified must be good; except a quoted transport header's, which tshark sums over
  // the truncated quote as if it were the whole segment.
  const protos = pf.isIcmpError ? ['ip', 'icmp', 'icmpv6'] : ['ip', 'tcp', 'udp', 'icmp', 'icmpv6'];
  const statuses = protos.flatMap((p) => row[`${p}.checksum.status` as keyof Row]);
  for (const s of statuses) expect(s, `a checksum tshark found bad in ${ctx}`).not.toBe('0');
  const whole = pf.ipVersion !== 0 && !pf.isFragment;

  if (pf.etherType === 0x0806) {
    eq(num(row['arp.opcode'][0]), pf.arpOp, 'arp.opcode');
    eq(row['arp.src.proto_ipv4'][0], formatIpv4Addr(pf.arpSenderIp), 'arp.src.proto_ipv4');
    eq(row['arp.dst.proto_ipv4'][0], formatIpv4Addr(pf.arpTargetIp), 'arp.dst.proto_ipv4');
    eq(row['arp.src.hw_mac'][0], formatMac(f, pf.l3Off + ARP_SENDER_MAC_OFF), 'arp.src.hw_mac');
  }
  if (pf.ipVersion === 4) {
    eq(row['ip.src'][0], formatIpv4Addr(pf.srcV4), 'ip.src');
    eq(row['ip.dst'][0], formatIpv4Addr(pf.dstV4), 'ip.dst');
    eq(num(row['ip.proto'][0]), pf.ipProto, 'ip.proto');
    eq(num(row['ip.ttl'][0]), pf.ttl, 'ip.ttl');
    eq(num(row['ip.len'][0]), pf.l3TotalLen, 'ip.len');
    eq(num(row['ip.hdr_len'][0]), pf.l3HeaderLen, 'ip.hdr_len');
    eq(num(row['ip.id'][0]), pf.fragId, 'ip.id');
    eq(num(row['ip.flags.mf'][0]), pf.moreFragments ? 1 : 0, 'ip.flags.mf');
    eq(num(row['ip.frag_offset'][0]), pf.fragOffset / 8, 'ip.frag_offset'); // tshark counts 8-byte units
    eq(row['ip.checksum.status'][0], '1', 'ip.checksum.status');
  }
  if (pf.ipVersion === 6) {
    eq(row['ipv6.src'][0], formatIpv6Addr(f, pf.srcAddrOff), 'ipv6.src');
    eq(row['ipv6.dst'][0], formatIpv6Addr(f, pf.dstAddrOff), 'ipv6.dst');
    eq(num(row['ipv6.plen'][0]), pf.l3TotalLen - 40, 'ipv6.plen');
    eq(num(row['ipv6.hlim'][0]), pf.ttl, 'ipv6.hlim');
    eq(num(row['ipv6.flow'][0]), pf.flowLabel, 'ipv6.flow');
    if (pf.ipv6FragHdrOff >= 0) {
      eq(num(row['ipv6.fraghdr.offset'][0]), pf.fragOffset / 8, 'ipv6.fraghdr.offset');
      eq(num(row['ipv6.fraghdr.more'][0]), pf.moreFragments ? 1 : 0, 'ipv6.fraghdr.more');
      eq(num(row['ipv6.fraghdr.ident'][0]), pf.fragId, 'ipv6.fraghdr.ident');
    }
  }
  if (whole && pf.ipProto === 6) {
    eq(num(row['tcp.srcport'][0]), pf.srcPort, 'tcp.srcport');
    eq(num(row['tcp.dstport'][0]), pf.dstPort, 'tcp.dstport');
    eq(num(row['tcp.seq_raw'][0]), pf.tcpSeq, 'tcp.seq_raw');
    eq(num(row['tcp.ack_raw'][0]), pf.tcpAck, 'tcp.ack_raw');
    eq(num(row['tcp.flags'][0]), pf.tcpFlags, 'tcp.flags');
    eq(num(row['tcp.hdr_len'][0]), pf.l4HeaderLen, 'tcp.hdr_len');
    eq(num(row['tcp.len'][0]), pf.payloadLen, 'tcp.len');
    eq(num(row['tcp.window_size_value'][0]), pf.tcpWindow, 'tcp.window_size_value');
    eq(row['tcp.checksum.status'][0], '1', 'tcp.checksum.status');
    const o = new TcpOptionsSummary();
    scanTcpOptions(f, pf.l4Off + 20, pf.l4Off + pf.l4HeaderLen, o);
    // A repeated option: the last one counts, as in Linux's tcp_parse_options.
    eq(num(row['tcp.options.mss_val'].at(-1)) ?? -1, o.mss, 'tcp.options.mss_val');
    eq(num(row['tcp.options.wscale.shift'].at(-1)) ?? -1, o.windowScale, 'tcp.options.wscale.shift');
    eq(num(row['tcp.options.timestamp.tsval'].at(-1)) ?? 0, o.tsVal, 'tcp.options.timestamp.tsval');
    eq(num(row['tcp.options.timestamp.tsecr'].at(-1)) ?? 0, o.tsEcr, 'tcp.options.timestamp.tsecr');
  }
  if (whole && pf.ipProto === 17) {
    eq(num(row['udp.srcport'][0]), pf.srcPort, 'udp.srcport');
    eq(num(row['udp.dstport'][0]), pf.dstPort, 'udp.dstport');
    eq(num(row['udp.length'][0]), pf.l4Len, 'udp.length');
    const none = f[pf.l4Off + 6] === 0 && f[pf.l4Off + 7] === 0;
    // tshark: 1 good, 3 not present.
    eq(row['udp.checksum.status'][0], none ? '3' : '1', 'udp.checksum.status');
  }
  const icmpPrefix = pf.ipProto === 1 ? 'icmp' : 'icmpv6';
  if (whole && (pf.ipProto === 1 || pf.ipProto === 58)) {
    eq(num(row[`${icmpPrefix}.type` as keyof Row][0]), pf.icmpType, `${icmpPrefix}.type`);
    eq(num(row[`${icmpPrefix}.code` as keyof Row][0]), pf.icmpCode, `${icmpPrefix}.code`);
    eq(row[`${icmpPrefix}.checksum.status` as keyof Row][0], '1', `${icmpPrefix}.checksum.status`);
  }
  if (whole && pf.ipProto === 1 && (pf.icmpType === 0 || pf.icmpType === 8)) {
    eq(num(row['icmp.ident'][0]), pf.icmpId, 'icmp.ident');
    eq(num(row['icmp.seq'][0]), pf.icmpSeq, 'icmp.seq');
  }
  if (whole && pf.ipProto === 58 && (pf.icmpType === 128 || pf.icmpType === 129)) {
    eq(num(row['icmpv6.echo.identifier'][0]), pf.icmpId, 'icmpv6.echo.identifier');
    eq(num(row['icmpv6.echo.sequence_number'][0]), pf.icmpSeq, 'icmpv6.echo.sequence_number');
  }
  if (whole && pf.ipProto === 58 && pf.icmpType === 2) eq(num(row['icmpv6.mtu'][0]), pf.icmpRest, 'icmpv6.mtu');
  if (whole && pf.ipProto === 58 && (pf.icmpType === 135 || pf.icmpType === 136)) {
    const t = formatIpv6Addr(f, pf.l4Off + 8);
    eq(row[pf.icmpType === 135 ? 'icmpv6.nd.ns.target_address' : 'icmpv6.nd.na.target_address'][0], t, 'nd target');
    const mac = findNdpLinkAddr(f, pf.l4Off + 24, pf.l4Off + pf.l4Len, pf.icmpType === 135 ? 1 : 2);
    eq(row['icmpv6.opt.linkaddr'][0], mac < 0 ? undefined : formatMac(f, mac), 'icmpv6.opt.linkaddr');
  }
  if (pf.isIcmpError && pf.inner.depth >= WireLayer.INNER_L3) {
    const i = pf.inner;
    if (i.ipVersion === 4) {
      eq(row['ip.src'][1], formatIpv4Addr(i.srcV4), 'inner ip.src');
      eq(row['ip.dst'][1], formatIpv4Addr(i.dstV4), 'inner ip.dst');
      eq(num(row['ip.proto'][1]), i.proto, 'inner ip.proto');
      eq(num(row['ip.len'][1]), i.totalLen, 'inner ip.len');
    } else {
      eq(row['ipv6.src'][1], formatIpv6Addr(f, i.srcAddrOff), 'inner ipv6.src');
      eq(row['ipv6.dst'][1], formatIpv6Addr(f, i.dstAddrOff), 'inner ipv6.dst');
    }
    if (i.hasPorts) {
      const p = i.proto === 6 ? 'tcp' : 'udp';
      eq(num(row[`${p}.srcport` as keyof Row][0]), i.srcPort, `inner ${p}.srcport`);
      eq(num(row[`${p}.dstport` as keyof Row][0]), i.dstPort, `inner ${p}.dstport`);
    }
    if (i.hasIcmp) eq(num(row[`${icmpPrefix}.type` as keyof Row][1]), i.icmpType, 'inner icmp type');
  }
  return statuses.filter((s) => s === '1').length;
}

// --- the frames ---

const A = '02:00:00:00:00:0a';
const B = '02:00:00:00:00:0b';

function handPicked(): Array<[string, Uint8Array]> {
  const syn = buildTcpFrame({
    srcMac: A,
    dstMac: B,
    src: '192.0.2.1',
    dst: '198.51.100.7',
    sport: 51000,
    dport: 443,
    flags: TcpFlags.SYN,
    seq: 0xdeadbeef,
    window: 64240,
    dontFragment: true,
    ipId: 0x1c46,
    options: [{ kind: 'mss', mss: 1460 }, { kind: 'sackPermitted' }, { kind: 'timestamps', tsVal: 3907236578, tsEcr: 0 }, { kind: 'nop' }, { kind: 'windowScale', shift: 7 }],
  });
  const udp4 = buildUdpFrame({ src: '10.1.2.3', dst: '10.3.2.1', sport: 5353, dport: 5353, payload: new Uint8Array(37).fill(0x41) });
  const tcp6 = buildTcpFrame({ src: '2001:db8:1::10', dst: '2001:db8:2::20', sport: 22, dport: 60000, flags: TcpFlags.PSH | TcpFlags.ACK, seq: 1, ack: 2, payload: new Uint8Array(100), flowLabel: 0x9abcd });
  return [
    ['TCP SYN with Linux options', syn],
    ['TCP in 802.1Q', buildTcpFrame({ src: '10.0.0.1', dst: '10.0.0.2', sport: 1, dport: 2, vlan: 42, flags: TcpFlags.FIN | TcpFlags.ACK | TcpFlags.ECE | TcpFlags.CWR | TcpFlags.AE })],
    ['UDP in QinQ', buildUdpFrame({ src: '10.0.0.1', dst: '10.0.0.2', sport: 3, dport: 4, vlan: [{ tpid: TPID_8021AD, pcp: 3, dei: false, vid: 100 }, { tpid: TPID_8021Q, pcp: 0, dei: true, vid: 200 }] })],
    ['IPv4 with options', buildTcpFrame({ src: '10.0.0.1', dst: '10.0.0.2', sport: 1, dport: 2, ipOptions: [{ type: 148, data: new Uint8Array(2) }, { type: 1, data: new Uint8Array(0) }, { type: 7, data: new Uint8Array([4, 0, 0, 0, 0]) }] })],
    ['UDP/IPv4', udp4],
    ['UDP/IPv4 without checksum', buildUdpFrame({ src: '10.1.2.3', dst: '10.3.2.1', sport: 68, dport: 67, payload: new Uint8Array(20), noChecksum: true })],
    ['TCP/IPv6', tcp6],
    ['UDP/IPv6 through hop-by-hop and destination options', buildUdpFrame({ src: 'fe80::1', dst: 'ff02::fb', sport: 5353, dport: 5353, extHeaders: [{ kind: 'hopByHop', options: [{ type: 5, data: new Uint8Array(2) }] }, { kind: 'destOpts', options: [{ type: 0x1e, data: new Uint8Array(3) }] }] })],
    ['ICMP echo request', buildEchoFrame({ src: '10.0.0.1', dst: '10.0.0.2', ident: 0x1234, seq: 9, data: new TextEncoder().encode('abcdefghijklmnopqrstuvwabcdefghi') })],
    ['ICMPv6 echo reply', buildEchoFrame({ src: '2001:db8::1', dst: '2001:db8::2', ident: 7, seq: 65535, reply: true, data: new Uint8Array(56) })],
    ['ICMP port unreachable quoting UDP', buildIcmpErrorFrame({ src: '10.3.2.1', offending: ipPacketOf(udp4), kind: 'destUnreachable', code: 3 })],
    ['ICMP fragmentation needed quoting TCP (28 bytes)', buildIcmpErrorFrame({ src: '10.9.9.9', offending: ipPacketOf(syn).subarray(0, 28), kind: 'packetTooBig', mtu: 1400 })],
    ['ICMP time exceeded quoting a ping', buildIcmpErrorFrame({ src: '10.9.9.9', offending: ipPacketOf(buildEchoFrame({ src: '10.0.0.1', dst: '8.8.8.8', ident: 1, seq: 1, ttl: 1 })), kind: 'timeExceeded' })],
    ['ICMPv6 packet too big quoting TCP', buildIcmpErrorFrame({ src: '2001:db8::fe', offending: ipPacketOf(tcp6), kind: 'packetTooBig', mtu: 1280 })],
    ['ICMPv6 port unreachable quoting UDP', buildIcmpErrorFrame({ src: '2001:db8::2', offending: ipPacketOf(buildUdpFrame({ src: '2001:db8::1', dst: '2001:db8::2', sport: 9, dport: 33434 })), kind: 'destUnreachable', code: 4 })],
    ['ICMPv6 parameter problem', buildIcmpErrorFrame({ src: '2001:db8::2', offending: ipPacketOf(tcp6).subarray(0, 60), kind: 'paramProblem', code: 1, pointer: 40 })],
    ['neighbour solicitation', buildNeighborSolicitFrame({ srcMac: A, src: 'fe80::a', target: 'fe80::b' })],
    ['neighbour solicitation for DAD', buildNeighborSolicitFrame({ srcMac: A, src: '::', target: 'fe80::a' })],
    ['neighbour advertisement', buildNeighborAdvertFrame({ srcMac: B, dstMac: A, src: 'fe80::b', dst: 'fe80::a' })],
    ['ARP request', buildArpFrame({ senderMac: A, senderIp: '10.0.0.1', targetIp: '10.0.0.2' })],
    ['ARP reply', buildArpFrame({ op: 2, senderMac: B, senderIp: '10.0.0.2', targetMac: A, targetIp: '10.0.0.1' })],
    // The UDP header (length 80) in the first 64 bytes, the last 16 in the next fragment.
    ['IPv4 first fragment', buildIpFrame({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 17, ipId: 77, moreFragments: true, payload: Uint8Array.of(4, 210, 0, 53, 0, 80, 0, 0, ...new Array(56).fill(1)) })],
    ['IPv4 last fragment', buildIpFrame({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 17, ipId: 77, fragmentOffset: 64, payload: new Uint8Array(16) })],
    ['IPv6 later fragment', buildIpFrame({ src: '2001:db8::1', dst: '2001:db8::2', protocol: 17, payload: new Uint8Array(16), extHeaders: [{ kind: 'fragment', offset: 1232, more: true, ident: 0xabcdef01 }] })],
  ];
}

const u16 = fc.nat(0xffff);
const u32 = fc.nat(0xffffffff);
const arbPair = fc.oneof(fc.record({ src: arbV4, dst: arbV4 }), fc.record({ src: arbV6, dst: arbV6 }));
const arbVlan = fc.oneof(fc.constant(undefined), fc.integer({ min: 1, max: 4094 }));

function randomFrames(): Array<[string, Uint8Array]> {
  const tcp = fc
    .record({ pair: arbPair, srcMac: arbMac, dstMac: arbMac, vlan: arbVlan, sport: u16, dport: u16, seq: u32, ack: u32, flags: fc.nat(0x1ff), window: u16, options: arbTcpOptions, payload: fc.uint8Array({ maxLength: 300 }), ttl: fc.nat(255) })
    .map((c) => buildTcpFrame({ ...c, ...c.pair }));
  const udp = fc
    .record({ pair: arbPair, vlan: arbVlan, sport: u16, dport: u16, payload: fc.uint8Array({ maxLength: 300 }) })
    // Stay off ports whose dissectors re-decode the payload as another protocol with its own checksums.
    .filter((c) => c.sport > 1024 && c.dport > 1024 && c.sport !== 4789 && c.dport !== 4789)
    .map((c) => buildUdpFrame({ ...c, ...c.pair }));
  const echo = fc
    .record({ pair: arbPair, ident: u16, seq: u16, data: fc.uint8Array({ maxLength: 100 }), reply: fc.boolean() })
    .map((c) => buildEchoFrame({ ...c, ...c.pair }));
  const frames = fc.sample(fc.oneof(tcp, udp, echo), { numRuns: 300, seed: 1071 });
  return frames.map((f, i) => [`random frame ${i}`, f]);
}

describe.skipIf(!haveTshark)(`cross-check with tshark${SKIP_NOTE}`, () => {
  const dir = haveTshark ? mkdtempSync(join(tmpdir(), 'wire-tshark-')) : '';
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('agrees on every field of hand-picked frames of every protocol, and finds their checksums good', () => {
    const frames = handPicked();
    const rows = tsharkRows(frames.map(([, f]) => f), dir);
    expect(rows).toHaveLength(frames.length);
    let verified = 0;
    frames.forEach(([what, f], i) => {
      verified += compare(f, rows[i], what);
    });
    // Guard against a tshark that verifies nothing: most of these frames carry two checksums.
    expect(verified).toBeGreaterThan(frames.length);
  });

  it('agrees on 300 random TCP, UDP and echo frames over IPv4 and IPv6', () => {
    const frames = randomFrames();
    const rows = tsharkRows(frames.map(([, f]) => f), dir);
    expect(rows).toHaveLength(frames.length);
    let verified = 0;
    frames.forEach(([what, f], i) => {
      verified += compare(f, rows[i], what);
    });
    expect(verified).toBeGreaterThan(frames.length);
  });
});
