/**
 * io-tap: raw frame rate through the addon. Two namespaces, each with a TAP; this process forwards every frame
 * from one TAP to the other (zero-copy: a received batch is written out of its slab with one writeBatch call),
 * while iperf3 sends 64-byte UDP datagrams as fast as it can from A to B. Baseline in the same run: the same
 * namespaces joined by veths to a Linux bridge (in a third namespace). Prints one table; needs root.
 *
 *   npm run bench io-tap          (all benches: npm run bench)
 *   node .bench-build/bench/io-tap.js   after tsc -p bench/tsconfig.json
 *
 * Traffic stays inside namespaces this run creates (198.18.0.0/15, the benchmarking range); all are removed at
 * the end, pass or fail. IO_TAP_SECONDS sets the length of each iperf3 run (default 5).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

import { TapPort } from '../src/io/tap.js';

const execFileP = promisify(execFile);

const IP_A = '198.18.0.1';
const IP_B = '198.18.0.2';
const PAYLOAD = 64;

export interface PathResult {
  path: string;
  /** Datagrams iperf3 sent per second. */
  sentPps: number;
  /** Datagrams the iperf3 server received per second. */
  deliveredPps: number;
  lossPercent: number;
  /** Frames per second through the addon forwarder (both directions), when it is the path. */
  forwardedPps?: number;
  framesPerBatch?: number;
  /** CPU time of this process per forwarded frame. */
  cpuNsPerFrame?: number;
  /** Frames the forwarder could not write (EAGAIN or errors). */
  forwardDrops?: number;
}

export interface IoTapResult {
  seconds: number;
  payloadBytes: number;
  results: PathResult[];
  /** writeBatch alone: 60-byte frames into a TAP, dropped by the kernel right after the Ethernet header. */
  txOnlyFps: number;
  txOnlyCpuNsPerFrame: number;
}

async function sh(cmd: string, args: string[], timeoutMs = 30_000): Promise<string> {
  try {
    return (await execFileP(cmd, args, { timeout: timeoutMs, maxBuffer: 64 << 20 })).stdout.toString();
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${e.stderr?.toString().trim() || e.message}`);
  }
}

const inNs = (ns: string, cmd: string, args: string[], timeoutMs?: number): Promise<string> =>
  sh('ip', ['netns', 'exec', ns, cmd, ...args], timeoutMs);

class Scratch {
  private readonly namespaces: string[] = [];
  private readonly procs: ChildProcess[] = [];
  readonly tag = randomBytes(3).toString('hex');

  name(suffix: string): string {
    return `wbio${this.tag}${suffix}`; // 4 + 6 + suffix <= 15
  }

  async namespace(suffix: string): Promise<string> {
    const ns = this.name(suffix);
    await sh('ip', ['netns', 'add', ns]);
    this.namespaces.push(ns);
    await inNs(ns, 'ip', ['link', 'set', 'lo', 'up']);
    await inNs(ns, 'sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
    return ns;
  }

  spawnIn(ns: string, cmd: string, args: string[]): ChildProcess {
    const p = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: 'ignore' });
    this.procs.push(p);
    return p;
  }

  async cleanup(): Promise<void> {
    for (const p of this.procs) {
      if (p.exitCode === null && p.signalCode === null && p.pid) {
        try {
          process.kill(p.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
    // Deleting a namespace deletes the links in it (TAPs, veths, the bridge).
    for (const ns of this.namespaces) await sh('ip', ['netns', 'del', ns]).catch(() => undefined);
  }
}

async function offloadsOff(ns: string, dev: string): Promise<void> {
  await inNs(ns, 'ethtool', ['-K', dev, 'tso', 'off', 'gso', 'off', 'gro', 'off', 'tx', 'off', 'rx', 'off']).catch(() => undefined);
}

async function addAddress(ns: string, dev: string, ip: string): Promise<void> {
  await inNs(ns, 'ip', ['addr', 'add', `${ip}/24`, 'dev', dev]);
  await inNs(ns, 'ip', ['link', 'set', 'dev', dev, 'up']);
}

interface IperfUdp {
  sentPps: number;
  deliveredPps: number;
  lossPercent: number;
}

/** iperf3 UDP, unlimited rate, PAYLOAD-byte datagrams, from nsA to a one-shot server in nsB. */
async function iperfUdp(s: Scratch, nsA: string, nsB: string, seconds: number): Promise<IperfUdp> {
  const server = s.spawnIn(nsB, 'iperf3', ['-s', '-1', '-B', IP_B]);
  try {
    await sleep(300);
    const out = await inNs(nsA, 'iperf3', ['-c', IP_B, '-u', '-l', String(PAYLOAD), '-b', '0', '-t', String(seconds), '-J'], (seconds + 20) * 1000);
    const end = (JSON.parse(out) as { end: Record<string, { seconds: number; packets: number; bytes: number; lost_percent: number }> }).end;
    const sent = end.sum_sent!;
    const recv = end.sum_received!;
    return {
      sentPps: sent.packets / sent.seconds,
      deliveredPps: recv.bytes / PAYLOAD / recv.seconds,
      lossPercent: 100 * (1 - recv.bytes / Math.max(1, sent.bytes)),
    };
  } finally {
    if (server.exitCode === null && server.pid) process.kill(server.pid, 'SIGKILL');
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function viaAddon(s: Scratch, nsA: string, nsB: string, seconds: number): Promise<PathResult> {
  const tapA = TapPort.open({ name: s.name('ta') });
  const tapB = TapPort.open({ name: s.name('tb') });
  try {
    for (const [tap, ns, ip] of [
      [tapA, nsA, IP_A],
      [tapB, nsB, IP_B],
    ] as const) {
      await sh('ip', ['link', 'set', 'dev', tap.name, 'netns', ns]);
      await inNs(ns, 'ip', ['link', 'set', 'dev', tap.name, 'txqueuelen', '4096']);
      await addAddress(ns, tap.name, ip);
    }
    const qa = tapA.queues[0]!;
    const qb = tapB.queues[0]!;
    // The forwarder: a received batch goes out of the same slab, untouched, in one call.
    qa.start((n, rx) => void qb.writeBatch(rx.bytes, rx.offsets, rx.lengths, n), { maxBatch: 256, mtu: 1500 });
    qb.start((n, rx) => void qa.writeBatch(rx.bytes, rx.offsets, rx.lengths, n), { maxBatch: 256, mtu: 1500 });
    await inNs(nsA, 'ping', ['-c', '2', '-i', '0.2', '-W', '2', IP_B]);

    const before = [qa.counters(), qb.counters()];
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const iperf = await iperfUdp(s, nsA, nsB, seconds);
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    const after = [qa.counters(), qb.counters()];
    const d = (k: 'rxFrames' | 'rxBatches' | 'txEagain' | 'txErrors'): number => after[0]![k] - before[0]![k] + after[1]![k] - before[1]![k];
    const frames = d('rxFrames');
    return {
      path: 'addon TAP forwarder',
      ...iperf,
      forwardedPps: frames / wall,
      framesPerBatch: frames / Math.max(1, d('rxBatches')),
      cpuNsPerFrame: ((cpu.user + cpu.system) * 1000) / Math.max(1, frames),
      forwardDrops: d('txEagain') + d('txErrors'),
    };
  } finally {
    tapA.close();
    tapB.close();
  }
}

async function viaLinuxBridge(s: Scratch, nsA: string, nsB: string, seconds: number): Promise<PathResult> {
  const nsBr = await s.namespace('br');
  const br = s.name('br');
  await inNs(nsBr, 'ip', ['link', 'add', br, 'type', 'bridge']);
  await inNs(nsBr, 'ip', ['link', 'set', br, 'up']);
  for (const [ns, ip, side] of [
    [nsA, IP_A, 'a'],
    [nsB, IP_B, 'b'],
  ] as const) {
    const host = s.name(`v${side}`);
    const port = s.name(`p${side}`);
    await inNs(nsBr, 'ip', ['link', 'add', port, 'type', 'veth', 'peer', 'name', host]);
    await inNs(nsBr, 'ip', ['link', 'set', host, 'netns', ns]);
    await inNs(nsBr, 'ip', ['link', 'set', port, 'master', br]);
    await inNs(nsBr, 'ip', ['link', 'set', port, 'up']);
    // Like the TAP path: no offloads, every datagram a frame.
    await offloadsOff(nsBr, port);
    await offloadsOff(ns, host);
    await addAddress(ns, host, ip);
  }
  await inNs(nsA, 'ping', ['-c', '2', '-i', '0.2', '-W', '2', IP_B]);
  return { path: 'Linux bridge + veth', ...(await iperfUdp(s, nsA, nsB, seconds)) };
}

/** The cost of the write path alone: batches of 256 frames the kernel drops as not for this host. */
async function txOnly(s: Scratch, ns: string): Promise<{ fps: number; cpuNsPerFrame: number }> {
  const tap = TapPort.open({ name: s.name('tx') });
  try {
    await sh('ip', ['link', 'set', 'dev', tap.name, 'netns', ns]);
    await inNs(ns, 'ip', ['link', 'set', 'dev', tap.name, 'up']);
    const n = 256;
    const buf = new Uint8Array(n * 64);
    const offsets = new Uint32Array(n);
    const lengths = new Uint32Array(n).fill(60);
    for (let i = 0; i < n; i++) {
      buf.set([2, 0, 0, 0, 0, 9, 2, 0, 0, 0, 0, 8, 0x88, 0xb5], i * 64); // unicast to a MAC that is not the TAP's
      offsets[i] = i * 64;
    }
    const q = tap.queues[0]!;
    const rounds = 2000;
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (let r = 0; r < rounds; r++) q.writeBatch(buf, offsets, lengths, n);
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    const frames = q.counters().txFrames;
    return { fps: frames / wall, cpuNsPerFrame: ((cpu.user + cpu.system) * 1000) / frames };
  } finally {
    tap.close();
  }
}

function table(r: IoTapResult): string {
  const fmt = (n: number | undefined, digits = 0): string => (n === undefined ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: digits }));
  const rows = [
    ['path', 'sent pps', 'delivered pps', 'loss %', 'forwarded fps', 'frames/batch', 'CPU ns/frame', 'fwd drops'],
    ...r.results.map((x) => [
      x.path,
      fmt(x.sentPps),
      fmt(x.deliveredPps),
      fmt(x.lossPercent, 1),
      fmt(x.forwardedPps),
      fmt(x.framesPerBatch, 1),
      fmt(x.cpuNsPerFrame),
      fmt(x.forwardDrops),
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}

export async function run(): Promise<IoTapResult | null> {
  if (process.getuid?.() !== 0) {
    console.log('io-tap: skipped (needs root for namespaces and TAP devices)');
    return null;
  }
  const seconds = Number(process.env.IO_TAP_SECONDS ?? 5);
  const s = new Scratch();
  const onSignal = (): void => void s.cleanup().then(() => process.exit(130));
  process.once('SIGINT', onSignal);
  try {
    const nsA = await s.namespace('A');
    const nsB = await s.namespace('B');
    const tx = await txOnly(s, nsA);
    const results = [await viaAddon(s, nsA, nsB, seconds), await viaLinuxBridge(s, nsA, nsB, seconds)];
    const out: IoTapResult = { seconds, payloadBytes: PAYLOAD, results, txOnlyFps: tx.fps, txOnlyCpuNsPerFrame: tx.cpuNsPerFrame };
    console.log(`io-tap: iperf3 UDP ${PAYLOAD}-byte datagrams, unlimited rate, ${seconds} s per path, A -> B`);
    console.log(table(out));
    console.log(
      `addon TAP write only (writeBatch of 256 x 60 B, dropped by the kernel on arrival): ` +
        `${Math.round(tx.fps).toLocaleString('en-US')} frames/s, ${Math.round(tx.cpuNsPerFrame)} ns CPU/frame`,
    );
    return out;
  } finally {
    process.removeListener('SIGINT', onSignal);
    await s.cleanup();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
