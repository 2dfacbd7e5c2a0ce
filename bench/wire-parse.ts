/**
 * Frame dissector throughput over a realistic mix (TCP with options, UDP, ICMP and ICMP errors, IPv6 with
 * extension headers, VLAN and QinQ tags, ARP), or over frames the caller supplies (e.g. read from a capture).
 * Run alone: `tsc -p bench/tsconfig.json && node .bench-build/bench/wire-parse.js`.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { LINKTYPE_ETHERNET, openCaptureFileSync } from '../src/pcap/index.js';
import {
  buildArpFrame,
  buildEchoFrame,
  buildIcmpErrorFrame,
  buildNeighborSolicitFrame,
  buildTcpFrame,
  buildUdpFrame,
  checkL4Checksum,
  ipPacketOf,
  ParsedFrame,
  TcpFlags,
  TPID_8021AD,
  TPID_8021Q,
} from '../src/wire/index.js';

export interface BenchOptions {
  /** Frames to dissect, round-robin; default: the built-in mix. */
  frames?: Uint8Array[];
  /** Measuring time per case (default 2000 ms), after an equal warm-up of at most 500 ms. */
  durationMs?: number;
  /** Do not print the table. */
  quiet?: boolean;
}

export interface BenchCase {
  name: string;
  frames: number;
  seconds: number;
  framesPerSec: number;
  /** Wire bytes per second through the dissector (frames' lengths, not just headers). */
  bytesPerSec: number;
}

export interface BenchResult {
  name: 'wire-parse';
  /** Distinct frames in the mix. */
  mixSize: number;
  cases: BenchCase[];
}

/** One of each shape the bridge sees, weighted towards TCP data as real traffic is. */
export function defaultMix(): Uint8Array[] {
  const ts = [{ kind: 'nop' as const }, { kind: 'nop' as const }, { kind: 'timestamps' as const, tsVal: 123456, tsEcr: 654321 }];
  const data1k = new Uint8Array(1000);
  // Public addresses and sequence numbers above 2^31, as half of real ones are: both must not cost allocations.
  const tcpData = buildTcpFrame({ src: '203.0.113.5', dst: '10.0.0.2', sport: 443, dport: 51000, flags: TcpFlags.ACK | TcpFlags.PSH, seq: 0xd3f1a2b4, ack: 0x9e3779b9, options: ts, payload: data1k });
  const tcpAck = buildTcpFrame({ src: '10.0.0.2', dst: '203.0.113.5', sport: 51000, dport: 443, flags: TcpFlags.ACK, seq: 0x9e3779b9, ack: 0xd3f1a69c, options: ts });
  const syn = buildTcpFrame({
    src: '10.0.0.2',
    dst: '10.0.0.1',
    sport: 51001,
    dport: 443,
    flags: TcpFlags.SYN,
    options: [{ kind: 'mss', mss: 1460 }, { kind: 'sackPermitted' }, { kind: 'timestamps', tsVal: 1, tsEcr: 0 }, { kind: 'nop' }, { kind: 'windowScale', shift: 7 }],
  });
  const tcp6 = buildTcpFrame({ src: '2001:db8::1', dst: '2001:db8::2', sport: 22, dport: 60000, flags: TcpFlags.ACK, options: ts, payload: new Uint8Array(500) });
  const tcpVlan = buildTcpFrame({ src: '192.168.1.10', dst: '192.168.1.20', sport: 3306, dport: 40000, vlan: 100, options: ts, payload: new Uint8Array(200) });
  const udpDns = buildUdpFrame({ src: '10.0.0.1', dst: '10.0.0.53', sport: 40001, dport: 53, payload: new Uint8Array(40) });
  const udpQinQ = buildUdpFrame({
    src: '172.16.0.1',
    dst: '172.16.0.2',
    sport: 5000,
    dport: 5001,
    payload: new Uint8Array(1200),
    vlan: [
      { tpid: TPID_8021AD, pcp: 0, dei: false, vid: 10 },
      { tpid: TPID_8021Q, pcp: 0, dei: false, vid: 20 },
    ],
  });
  const udp6Ext = buildUdpFrame({
    src: 'fe80::1',
    dst: 'ff02::fb',
    sport: 5353,
    dport: 5353,
    payload: new Uint8Array(100),
    extHeaders: [
      { kind: 'hopByHop', options: [{ type: 5, data: new Uint8Array(2) }] },
      { kind: 'destOpts', options: [{ type: 0x1e, data: new Uint8Array(4) }] },
    ],
  });
  const frag6 = buildUdpFrame({ src: '2001:db8::1', dst: '2001:db8::2', sport: 1, dport: 2, payload: new Uint8Array(64), extHeaders: [{ kind: 'fragment', offset: 0, more: true, ident: 9 }] });
  const ping = buildEchoFrame({ src: '10.0.0.1', dst: '10.0.0.2', ident: 1, seq: 1, data: new Uint8Array(56) });
  const ping6 = buildEchoFrame({ src: '2001:db8::1', dst: '2001:db8::2', ident: 1, seq: 1, data: new Uint8Array(56) });
  const unreach = buildIcmpErrorFrame({ src: '10.0.0.53', offending: ipPacketOf(udpDns), kind: 'destUnreachable', code: 3 });
  const ptb6 = buildIcmpErrorFrame({ src: '2001:db8::fe', offending: ipPacketOf(tcp6), kind: 'packetTooBig', mtu: 1280 });
  const arp = buildArpFrame({ senderMac: '02:00:00:00:00:01', senderIp: '10.0.0.1', targetIp: '10.0.0.2' });
  const ns = buildNeighborSolicitFrame({ src: 'fe80::1', target: 'fe80::2' });
  return [tcpData, tcpAck, tcpData, tcpAck, tcpData, tcpAck, syn, tcp6, tcp6, tcpVlan, udpDns, udpQinQ, udp6Ext, frag6, ping, ping6, unreach, ptb6, arp, ns];
}

function measure(name: string, frames: Uint8Array[], durationMs: number, perFrame: (pf: ParsedFrame, f: Uint8Array) => number): BenchCase {
  const pf = new ParsedFrame();
  let sink = 0;
  const lengths = frames.map((f) => f.length);
  const loop = (ms: number) => {
    const deadline = process.hrtime.bigint() + BigInt(Math.round(ms * 1e6));
    let n = 0;
    let bytes = 0;
    const start = process.hrtime.bigint();
    let now = start;
    // Check the clock once per pass over the mix, not per frame, so the clock is not what is measured.
    while (now < deadline) {
      for (let i = 0; i < frames.length; i++) {
        sink += perFrame(pf, frames[i]);
        bytes += lengths[i];
      }
      n += frames.length;
      now = process.hrtime.bigint();
    }
    return { n, bytes, seconds: Number(now - start) / 1e9 };
  };
  loop(Math.min(durationMs, 500));
  const r = loop(durationMs);
  if (sink === 0.5) console.log(sink); // keeps the work observable, so the JIT cannot drop it
  return { name, frames: r.n, seconds: r.seconds, framesPerSec: r.n / r.seconds, bytesPerSec: r.bytes / r.seconds };
}

/**
 * Every Ethernet frame of the real lab captures in test/captures (made by scripts/capture-lab-traffic.sh): the
 * rate on traffic as the kernel really emits it, next to the synthetic mix.
 */
export function captureFrames(dir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'captures')): Uint8Array[] {
  const frames: Uint8Array[] = [];
  for (const name of readdirSync(dir).filter((f) => /\.pcap(ng)?$/.test(f)).sort()) {
    const reader = openCaptureFileSync(join(dir, name));
    try {
      for (let rec = reader.read(); rec !== null; rec = reader.read()) {
        if (rec.linkType === LINKTYPE_ETHERNET) frames.push(rec.data.slice());
      }
    } finally {
      reader.close();
    }
  }
  return frames;
}

export async function run(opts: BenchOptions = {}): Promise<BenchResult> {
  if (!opts.frames) {
    const real = captureFrames();
    if (real.length > 0) {
      const r = await run({ ...opts, frames: real, quiet: true });
      if (!opts.quiet) printCases(`wire-parse: ${real.length} frames of the real captures in test/captures`, r.cases);
    }
  }
  const frames = opts.frames && opts.frames.length > 0 ? opts.frames : defaultMix();
  const durationMs = opts.durationMs ?? 2000;
  const cases = [
    measure('dissect', frames, durationMs, (pf, f) => pf.dissect(f, 0, f.length) + pf.srcPort),
    measure('dissect + verify L4 checksum', frames, durationMs, (pf, f) => pf.dissect(f, 0, f.length) + checkL4Checksum(pf)),
  ];
  if (!opts.quiet) printCases(opts.frames ? `wire-parse: ${frames.length} given frames` : `wire-parse: synthetic mix of ${frames.length} distinct frames`, cases);
  return { name: 'wire-parse', mixSize: frames.length, cases };
}

function printCases(title: string, cases: BenchCase[]): void {
  console.log(title);
  for (const c of cases) {
    const mfps = (c.framesPerSec / 1e6).toFixed(2);
    const gbps = ((c.bytesPerSec * 8) / 1e9).toFixed(1);
    console.log(`  ${c.name.padEnd(30)} ${mfps.padStart(7)} M frames/s  (${gbps} Gbit/s of frames)`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
