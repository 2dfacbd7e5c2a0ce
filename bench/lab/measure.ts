/**
 * Measurements over a joined lab, each with a bounded duration: iperf3 TCP (1 and N streams), iperf3 UDP with small
 * datagrams, ping RTT percentiles, and CPU per forwarded frame.
 */
import { readFileSync } from 'node:fs';
import { linkCounters, sleep, type Lab, type LinkRef } from './netns.js';
import { run, runIn, spawnTracked, stopChild, waitExit } from './proc.js';

const IPERF_PORT = 5201;

export interface TcpResult {
  streams: number;
  seconds: number;
  /** Receiver-side goodput. */
  bitsPerSecond: number;
  retransmits: number | null;
  senderCpuPct: number | null;
  receiverCpuPct: number | null;
}

export interface UdpResult {
  payloadBytes: number;
  seconds: number;
  sentPackets: number;
  lostPackets: number;
  deliveredPackets: number;
  /** Packets the iperf3 receiver got, per second of the test. */
  deliveredPps: number;
  lostPercent: number;
  offeredRate: string;
}

export interface PingResult {
  sent: number;
  received: number;
  intervalS: number;
  /** Microseconds. */
  p50: number;
  p99: number;
  min: number;
  max: number;
  mean: number;
}

export interface CpuResult {
  /** Frames delivered by the joiner in the window: Δ rx_packets of A's and B's links (both directions). */
  frames: number;
  wallSeconds: number;
  /** The forwarding process (utime+stime, all threads), ns per frame; null when there is no process. */
  processNsPerFrame: number | null;
  processCpuPct: number | null;
  /** Machine-wide softirq time (/proc/stat), ns per frame: includes the endpoints' own receive path. */
  softirqNsPerFrame: number;
  /** Machine-wide busy time (everything but idle/iowait), ns per frame: noisy on a shared machine. */
  busyNsPerFrame: number;
}

interface IperfEndSum {
  bits_per_second?: number;
  retransmits?: number;
  packets?: number;
  lost_packets?: number;
  lost_percent?: number;
  seconds?: number;
}

interface IperfJson {
  error?: string;
  end?: {
    sum?: IperfEndSum;
    sum_sent?: IperfEndSum;
    sum_received?: IperfEndSum;
    cpu_utilization_percent?: { host_total?: number; remote_total?: number };
  };
}

/** Start a one-off iperf3 server in B, tracked by PID; resolves once it listens. */
async function startServer(lab: Lab): Promise<{ stop: () => Promise<void> }> {
  const p = spawnTracked('ip', ['netns', 'exec', lab.b.ns, 'iperf3', '-s', '--one-off', '-B', lab.b.ipv4, '-p', String(IPERF_PORT)]);
  p.stdout?.resume();
  let err = '';
  p.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const stop = async (): Promise<void> => {
    if (!(await waitExit(p, 3000))) await stopChild(p, 1000);
  };
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    if (p.exitCode !== null || p.signalCode !== null) throw new Error(`iperf3 server exited: ${err.trim() || p.exitCode}`);
    const ss = await runIn(lab.b.ns, 'ss', ['-Hltn', `sport = :${IPERF_PORT}`], { timeoutMs: 3000 });
    if (ss.stdout.trim().length > 0) return { stop };
    await sleep(50);
  }
  await stopChild(p, 500);
  throw new Error('iperf3 server did not start listening within 5 s');
}

async function iperfClient(lab: Lab, args: string[], seconds: number): Promise<IperfJson> {
  const server = await startServer(lab);
  try {
    const r = await runIn(
      lab.a.ns,
      'iperf3',
      ['-c', lab.b.ipv4, '-p', String(IPERF_PORT), '-t', String(seconds), '-J', '--connect-timeout', '3000', ...args],
      { timeoutMs: (seconds + 20) * 1000 },
    );
    if (r.timedOut) throw new Error(`iperf3 client did not finish within ${seconds + 20} s`);
    let j: IperfJson;
    try {
      j = JSON.parse(r.stdout) as IperfJson;
    } catch {
      throw new Error(`iperf3 client (exit ${r.code}) gave no JSON: ${(r.stderr || r.stdout).trim().slice(0, 300)}`);
    }
    if (j.error) throw new Error(`iperf3: ${j.error}`);
    if (r.code !== 0) throw new Error(`iperf3 client exit ${r.code}`);
    return j;
  } finally {
    await server.stop();
  }
}

export async function tcpThroughput(lab: Lab, streams: number, seconds: number): Promise<TcpResult> {
  const j = await iperfClient(lab, ['-P', String(streams)], seconds);
  const recv = j.end?.sum_received;
  if (!recv?.bits_per_second) throw new Error('iperf3 JSON has no end.sum_received.bits_per_second');
  return {
    streams,
    seconds,
    bitsPerSecond: recv.bits_per_second,
    retransmits: j.end?.sum_sent?.retransmits ?? null,
    senderCpuPct: j.end?.cpu_utilization_percent?.host_total ?? null,
    receiverCpuPct: j.end?.cpu_utilization_percent?.remote_total ?? null,
  };
}

/** UDP with `payloadBytes`-byte datagrams at `rate` ("0" = as fast as the sender can); delivered = sent − lost. */
export async function udpSmallPackets(lab: Lab, payloadBytes: number, seconds: number, rate = '0'): Promise<UdpResult> {
  const j = await iperfClient(lab, ['-u', '-l', String(payloadBytes), '-b', rate, '--udp-counters-64bit'], seconds);
  // iperf3 ≥ 3.13 has sum_received for UDP; 3.12 has only `sum`, whose lost/packets come from the receiver.
  const s = j.end?.sum_received ?? j.end?.sum;
  if (!s || s.packets === undefined || s.lost_packets === undefined) throw new Error('iperf3 JSON has no end.sum packets/lost_packets');
  const delivered = s.packets - s.lost_packets;
  const secs = s.seconds && s.seconds > 0 ? s.seconds : seconds;
  return {
    payloadBytes,
    seconds: secs,
    sentPackets: s.packets,
    lostPackets: s.lost_packets,
    deliveredPackets: delivered,
    deliveredPps: delivered / secs,
    lostPercent: s.lost_percent ?? (100 * s.lost_packets) / Math.max(1, s.packets),
    offeredRate: rate === '0' ? 'unlimited (-b 0)' : rate,
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  // nearest-rank
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** ping A→B `count` times every `intervalS` seconds (root may go below 0.2 s); RTTs in µs, first reply dropped. */
export async function pingRtt(lab: Lab, count: number, intervalS: number): Promise<PingResult> {
  const r = await runIn(lab.a.ns, 'ping', ['-n', '-c', String(count + 1), '-i', String(intervalS), '-W', '1', lab.b.ipv4], {
    timeoutMs: Math.ceil((count + 1) * intervalS * 1000) + 15_000,
  });
  const rtts: number[] = [];
  for (const line of r.stdout.split('\n')) {
    const m = /icmp_seq=(\d+) .*time=([\d.]+) ms/.exec(line);
    if (m && m[1] !== '1') rtts.push(Number(m[2]) * 1000);
  }
  if (rtts.length === 0) throw new Error(`ping got no replies: ${(r.stderr || r.stdout).trim().slice(0, 300)}`);
  const sorted = [...rtts].sort((x, y) => x - y);
  return {
    sent: count,
    received: rtts.length,
    intervalS,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
    mean: rtts.reduce((s, x) => s + x, 0) / rtts.length,
  };
}

let clkTck: number | undefined;
export async function clockTicks(): Promise<number> {
  if (clkTck === undefined) {
    const r = await run('getconf', ['CLK_TCK']).catch(() => undefined);
    const n = Number(r?.stdout.trim());
    clkTck = Number.isFinite(n) && n > 0 ? n : 100;
  }
  return clkTck;
}

/** /proc/stat "cpu" line: user nice system idle iowait irq softirq steal … (jiffies, all CPUs). */
function readStat(): { softirq: number; busy: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n').find((l) => l.startsWith('cpu '));
  const f = (line ?? '').trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
  return { softirq, busy: user + nice + system + irq + softirq + steal };
}

/** utime+stime (jiffies) of a process, all threads; null if it is gone. */
function readProcJiffies(pid: number): number | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // fields after "(comm) ": state(3) … utime(14) stime(15) → indexes 11, 12 in `rest`
    return Number(rest[11]) + Number(rest[12]);
  } catch {
    return null;
  }
}

async function framesDelivered(links: { a: LinkRef; b: LinkRef }): Promise<number> {
  const [a, b] = await Promise.all([linkCounters(links.a), linkCounters(links.b)]);
  return a.rxPackets + b.rxPackets;
}

/** Run `fn` and account the CPU spent per frame the joiner delivered meanwhile. */
export async function withCpu<T>(links: { a: LinkRef; b: LinkRef }, pid: number | undefined, fn: () => Promise<T>): Promise<{ result: T; cpu: CpuResult }> {
  const tck = await clockTicks();
  const nsPerJiffy = 1e9 / tck;
  const f0 = await framesDelivered(links);
  const s0 = readStat();
  const p0 = pid !== undefined ? readProcJiffies(pid) : null;
  const t0 = process.hrtime.bigint();
  const result = await fn();
  const t1 = process.hrtime.bigint();
  const p1 = pid !== undefined ? readProcJiffies(pid) : null;
  const s1 = readStat();
  const f1 = await framesDelivered(links);
  const frames = Math.max(1, f1 - f0);
  const wall = Number(t1 - t0) / 1e9;
  const procJ = p0 !== null && p1 !== null ? p1 - p0 : null;
  return {
    result,
    cpu: {
      frames: f1 - f0,
      wallSeconds: wall,
      processNsPerFrame: procJ === null ? null : (procJ * nsPerJiffy) / frames,
      processCpuPct: procJ === null ? null : (100 * procJ * nsPerJiffy) / 1e9 / wall,
      softirqNsPerFrame: ((s1.softirq - s0.softirq) * nsPerJiffy) / frames,
      busyNsPerFrame: ((s1.busy - s0.busy) * nsPerJiffy) / frames,
    },
  };
}
