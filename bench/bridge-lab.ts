/**
 * Bridge lab benchmark: the same two-namespace lab (A 10.88.0.1 / fd88::1, B 10.88.0.2 / fd88::2) joined once by
 * the Linux kernel bridge and once by our bridge (`node dist/bridge.js`), measured the same way in one run:
 * iperf3 TCP 1 and 4 streams, 64-byte UDP delivered packets/s, ping RTT p50/p99, bridge CPU per frame; each as a
 * ratio wfp/kernel, with the project's floors evaluated (TCP 1-stream ≥ 0.5× kernel; added RTT p50 ≤ 250 µs).
 *
 *   npm run bench bridge-lab                                 (as root; configure with BRIDGE_LAB_* env variables)
 *   tsc -p bench/tsconfig.json && node .bench-build/bench/bridge-lab.js --seconds 2 [--only kernel] [--strict]
 *
 * Writes bench-results/bridge-lab.json. Needs root (namespaces, veth, bridge, TAP), iperf3, ping, ethtool, ss.
 * Everything it creates carries a random tag and is removed on success, failure, SIGINT/SIGTERM/SIGHUP and exit;
 * only processes it started are killed, by PID. If dist/bridge.js does not exist, the kernel baseline is reported
 * and the wfp run is reported as not possible: no number is ever made up.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JoinerUnavailable, KernelBridgeJoiner, WfpBridgeJoiner, type Joiner } from './lab/joiners.js';
import { clockTicks, pingRtt, tcpThroughput, udpSmallPackets, withCpu } from './lab/measure.js';
import { createLab, newTag, NAME_PREFIX, sleep } from './lab/netns.js';
import { Cleanup, guardSignals, run as runCmd } from './lab/proc.js';
import { floorLines, floors, headline, joinerTable, ratios, ratioTable, type Floor, type JoinerResult, type Ratio } from './lab/report.js';

export interface BridgeLabOptions {
  /** Seconds per iperf3 run (TCP 1, TCP 4, UDP). */
  seconds: number;
  pingCount: number;
  pingIntervalS: number;
  udpPayload: number;
  /** iperf3 -b for the UDP run; "0" = unlimited. */
  udpRate: string;
  only: ('kernel' | 'wfp')[];
  bridgeJs: string;
  outFile: string;
  readyTimeoutMs: number;
  /** Print progress to stderr. */
  verbose: boolean;
}

export interface BridgeLabResult {
  schema: 'bridge-lab/1';
  startedAt: string;
  finishedAt: string;
  skipped?: string;
  machine: Record<string, unknown>;
  options: BridgeLabOptions;
  joiners: JoinerResult[];
  ratios: Ratio[] | null;
  floors: Floor[];
  /** Anything of this run found still present after cleanup (should be empty). */
  leftovers: string[];
  cleanupErrors: string[];
}

const here = dirname(fileURLToPath(import.meta.url));

/** The repository root: the nearest directory upwards with the project's package.json. */
function repoRoot(): string {
  for (let d = here; ; d = dirname(d)) {
    const pj = join(d, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'wfp-bridge') return d;
      } catch {
        /* keep looking */
      }
    }
    if (dirname(d) === d) return process.cwd();
  }
}

function num(v: string | undefined, fallback: number, name: string): number {
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}: expected a positive number, got ${JSON.stringify(v)}`);
  return n;
}

function parseOnly(v: string | undefined): ('kernel' | 'wfp')[] {
  if (!v) return ['kernel', 'wfp'];
  const parts = v.split(',').map((s) => s.trim());
  for (const p of parts) if (p !== 'kernel' && p !== 'wfp') throw new Error(`--only/BRIDGE_LAB_ONLY: expected kernel, wfp or kernel,wfp; got ${v}`);
  return parts as ('kernel' | 'wfp')[];
}

/** Defaults, overridden by BRIDGE_LAB_* environment variables (the way to configure it under `npm run bench`). */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): BridgeLabOptions {
  const root = repoRoot();
  return {
    seconds: num(env.BRIDGE_LAB_SECONDS, 5, 'BRIDGE_LAB_SECONDS'),
    pingCount: Math.round(num(env.BRIDGE_LAB_PING_COUNT, 500, 'BRIDGE_LAB_PING_COUNT')),
    pingIntervalS: num(env.BRIDGE_LAB_PING_INTERVAL, 0.004, 'BRIDGE_LAB_PING_INTERVAL'),
    udpPayload: Math.round(num(env.BRIDGE_LAB_UDP_LEN, 64, 'BRIDGE_LAB_UDP_LEN')),
    udpRate: env.BRIDGE_LAB_UDP_RATE ?? '0',
    only: parseOnly(env.BRIDGE_LAB_ONLY),
    bridgeJs: resolve(root, env.BRIDGE_LAB_BRIDGE ?? 'dist/bridge.js'),
    outFile: resolve(root, env.BRIDGE_LAB_OUT ?? 'bench-results/bridge-lab.json'),
    readyTimeoutMs: num(env.BRIDGE_LAB_READY_TIMEOUT, 20, 'BRIDGE_LAB_READY_TIMEOUT') * 1000,
    verbose: env.BRIDGE_LAB_QUIET !== '1',
  };
}

const USAGE = `usage: node .bench-build/bench/bridge-lab.js [options]   (as root)
  --seconds N          seconds per iperf3 run (default 5; env BRIDGE_LAB_SECONDS)
  --ping-count N       ping replies to collect (default 500; env BRIDGE_LAB_PING_COUNT)
  --ping-interval S    seconds between pings (default 0.004; env BRIDGE_LAB_PING_INTERVAL)
  --udp-len N          UDP payload bytes (default 64; env BRIDGE_LAB_UDP_LEN)
  --udp-rate R         iperf3 -b for UDP, 0 = unlimited (default 0; env BRIDGE_LAB_UDP_RATE)
  --only kernel|wfp    run one joiner only (default both; env BRIDGE_LAB_ONLY)
  --bridge PATH        bridge entry point (default dist/bridge.js; env BRIDGE_LAB_BRIDGE)
  --out PATH           JSON summary (default bench-results/bridge-lab.json; env BRIDGE_LAB_OUT)
  --ready-timeout S    how long to wait for the wfp bridge to be ready (default 20; env BRIDGE_LAB_READY_TIMEOUT)
  --quiet              no progress lines
  --strict             exit 1 if a floor FAILs (floors never gate tests)`;

export function optionsFromArgs(argv: string[], base = optionsFromEnv()): BridgeLabOptions & { strict: boolean } {
  const o = { ...base, strict: false };
  const root = repoRoot();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const val = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value\n${USAGE}`);
      return v;
    };
    switch (a) {
      case '--seconds': o.seconds = num(val(), 5, a); break;
      case '--ping-count': o.pingCount = Math.round(num(val(), 500, a)); break;
      case '--ping-interval': o.pingIntervalS = num(val(), 0.004, a); break;
      case '--udp-len': o.udpPayload = Math.round(num(val(), 64, a)); break;
      case '--udp-rate': o.udpRate = val(); break;
      case '--only': o.only = parseOnly(val()); break;
      case '--bridge': o.bridgeJs = resolve(root, val()); break;
      case '--out': o.outFile = resolve(val()); break;
      case '--ready-timeout': o.readyTimeoutMs = num(val(), 20, a) * 1000; break;
      case '--quiet': o.verbose = false; break;
      case '--strict': o.strict = true; break;
      case '-h':
      case '--help':
        console.log(USAGE);
        process.exit(0);
      default:
        throw new Error(`unknown argument ${a}\n${USAGE}`);
    }
  }
  return o;
}

async function missingTools(): Promise<string[]> {
  const missing: string[] = [];
  for (const t of ['ip', 'iperf3', 'ping', 'ethtool', 'ss', 'sysctl']) {
    const r = await runCmd('sh', ['-c', `command -v ${t}`]).catch(() => undefined);
    if (!r || r.code !== 0) missing.push(t);
  }
  return missing;
}

async function machineInfo(): Promise<Record<string, unknown>> {
  const sysctl = async (k: string): Promise<string> => {
    const r = await runCmd('sysctl', ['-n', k]).catch(() => undefined);
    return r && r.code === 0 ? r.stdout.trim() : 'n/a';
  };
  const iperf = await runCmd('iperf3', ['--version']).catch(() => undefined);
  return {
    kernel: release(),
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    node: process.version,
    iperf3: iperf?.stdout.split('\n')[0]?.trim(),
    clkTck: await clockTicks(),
    loadavgAtStart: loadavg().map((x) => Number(x.toFixed(2))),
    'net.core.default_qdisc': await sysctl('net.core.default_qdisc'),
    'net.bridge.bridge-nf-call-iptables': await sysctl('net.bridge.bridge-nf-call-iptables'),
    note: 'single run; the machine may be shared with other work, so treat small differences as noise',
  };
}

/** Names of this run's namespaces and links still present (after cleanup this must be empty). */
async function leftovers(tag: string): Promise<string[]> {
  const mark = `${NAME_PREFIX}${tag}`;
  const out: string[] = [];
  const ns = await runCmd('ip', ['netns', 'list']).catch(() => undefined);
  for (const l of ns?.stdout.split('\n') ?? []) if (l.includes(mark)) out.push(`netns ${l.split(' ')[0]}`);
  const links = await runCmd('ip', ['-br', 'link']).catch(() => undefined);
  for (const l of links?.stdout.split('\n') ?? []) if (l.includes(mark)) out.push(`link ${l.split(/\s+/)[0]}`);
  return out;
}

async function measureJoiner(joiner: Joiner, tag: string, o: BridgeLabOptions, cleanup: Cleanup, log: (m: string) => void): Promise<JoinerResult> {
  const res: JoinerResult = { id: joiner.id, label: joiner.label, status: 'ok', errors: {} };
  if (joiner instanceof WfpBridgeJoiner) {
    const why = joiner.unavailableReason();
    if (why) return { ...res, status: 'not-run', reason: `wfp-bridge run not possible: ${why}` };
  }
  const lab = await createLab({ tag, joinerSuffix: joiner.nameSuffix, cleanup, log });
  let links;
  try {
    log(`${joiner.id}: setting up ${lab.a.ns} <-> ${lab.b.ns}`);
    links = await joiner.setup(lab);
  } catch (err) {
    const msg = (err as Error).message;
    return { ...res, status: err instanceof JoinerUnavailable ? 'not-run' : 'failed', reason: msg };
  }
  res.settings = await joiner.describe().catch((e: Error) => ({ error: e.message }));

  const alive = (): boolean => joiner.forwarderPid() !== undefined || joiner.id === 'kernel';
  const step = async (name: string, fn: () => Promise<void>): Promise<void> => {
    if (!alive()) {
      res.errors[name] = 'skipped: the forwarding process is gone';
      return;
    }
    log(`${joiner.id}: ${name}`);
    try {
      await fn();
    } catch (err) {
      res.errors[name] = (err as Error).message;
      if (joiner instanceof WfpBridgeJoiner && joiner.output()) res.errors[name] += ` (bridge output: ${joiner.output()})`;
    }
    await sleep(300); // let TIME_WAIT, queues and caches settle between measurements
  };

  const load0 = loadavg()[0]!;
  // Latency first, on a quiet lab.
  await step('ping', async () => {
    res.ping = await pingRtt(lab, o.pingCount, o.pingIntervalS);
  });
  await step('tcp1', async () => {
    const { result, cpu } = await withCpu(links, joiner.forwarderPid(), () => tcpThroughput(lab, 1, o.seconds));
    res.tcp1 = { ...result, cpu };
  });
  await step('tcp4', async () => {
    const { result, cpu } = await withCpu(links, joiner.forwarderPid(), () => tcpThroughput(lab, 4, o.seconds));
    res.tcp4 = { ...result, cpu };
  });
  await step('udp', async () => {
    const { result, cpu } = await withCpu(links, joiner.forwarderPid(), () => udpSmallPackets(lab, o.udpPayload, o.seconds, o.udpRate));
    res.udp = { ...result, cpu };
  });
  res.loadavg = [load0, loadavg()[0]!];
  if (Object.keys(res.errors).length > 0) res.status = 'partial';
  return res;
}

export async function run(overrides: Partial<BridgeLabOptions> = {}): Promise<BridgeLabResult> {
  const o: BridgeLabOptions = { ...optionsFromEnv(), ...overrides };
  const log = (m: string): void => {
    if (o.verbose) process.stderr.write(`  [bridge-lab] ${m}\n`);
  };
  const startedAt = new Date().toISOString();
  const result: BridgeLabResult = {
    schema: 'bridge-lab/1',
    startedAt,
    finishedAt: startedAt,
    machine: {},
    options: o,
    joiners: [],
    ratios: null,
    floors: [],
    leftovers: [],
    cleanupErrors: [],
  };

  const skip = process.getuid?.() !== 0 ? 'needs root (network namespaces, veth, bridge, TAP)' : (await missingTools()).map((t) => `missing tool: ${t}`).join(', ');
  if (skip) {
    console.log(`bridge-lab: SKIPPED — ${skip}`);
    result.skipped = skip;
    result.floors = floors(null, null, skip);
    writeJson(o.outFile, result);
    return result;
  }

  result.machine = await machineInfo();
  const tag = newTag();
  const cleanup = new Cleanup();
  const unguard = guardSignals(cleanup, log);
  try {
    const joiners: Joiner[] = [];
    if (o.only.includes('kernel')) joiners.push(new KernelBridgeJoiner());
    if (o.only.includes('wfp')) joiners.push(new WfpBridgeJoiner({ bridgeJs: o.bridgeJs, cwd: repoRoot(), readyTimeoutMs: o.readyTimeoutMs }));
    for (const j of joiners) {
      try {
        result.joiners.push(await measureJoiner(j, tag, o, cleanup, log));
      } catch (err) {
        result.joiners.push({ id: j.id, label: j.label, status: 'failed', reason: (err as Error).message, errors: {} });
      } finally {
        await j.teardown().catch((e: Error) => cleanup.errors.push(`${j.id} teardown: ${e.message}`));
        await cleanup.runAll();
      }
    }
  } finally {
    await cleanup.runAll();
    unguard();
  }
  result.leftovers = await leftovers(tag);
  result.cleanupErrors = cleanup.errors;
  result.finishedAt = new Date().toISOString();
  result.machine.loadavgAtEnd = loadavg().map((x) => Number(x.toFixed(2)));

  const k = result.joiners.find((j) => j.id === 'kernel');
  const w = result.joiners.find((j) => j.id === 'wfp');
  const kh = k && (k.status === 'ok' || k.status === 'partial') ? headline(k) : null;
  const wh = w && (w.status === 'ok' || w.status === 'partial') ? headline(w) : null;
  const wfpWhy = !w ? 'wfp joiner not selected (--only)' : !wh ? short(w.reason ?? `wfp run ${w.status}`) : !kh ? 'kernel baseline not measured' : null;
  result.ratios = kh && wh ? ratios(kh, wh) : null;
  result.floors = floors(kh, wh, wfpWhy);

  print(result);
  writeJson(o.outFile, result);
  console.log(`\nJSON summary: ${o.outFile}`);
  return result;
}

function short(s: string, max = 160): string {
  return s.length > max ? s.slice(0, max - 3) + '...' : s;
}

function print(r: BridgeLabResult): void {
  const m = r.machine;
  console.log(
    `machine: Linux ${m.kernel}, ${m.cpus} CPU(s), load ${(m.loadavgAtStart as number[]).join('/')} → ${(m.loadavgAtEnd as number[]).join('/')}; ` +
      `${r.options.seconds} s per iperf3 run, ${r.options.pingCount} pings every ${r.options.pingIntervalS * 1000} ms; ${m.note}`,
  );
  for (const j of r.joiners) {
    console.log('');
    console.log(joinerTable(j));
    const s = j.settings;
    if (s?.offloadsA) console.log(`  offloads (A's link): ${Object.entries(s.offloadsA as Record<string, string>).map(([k, v]) => `${k}=${v}`).join(', ')}`);
    if (s?.warning) console.log(`  WARNING: ${String(s.warning)}`);
    if (s && 'net.bridge.bridge-nf-call-iptables' in s) console.log(`  bridge-nf-call-iptables=${String(s['net.bridge.bridge-nf-call-iptables'])}`);
  }
  console.log('');
  if (r.ratios) console.log(ratioTable(r.ratios));
  else console.log('ratios wfp/kernel: not available (both joiners must be measured)');
  console.log('');
  console.log('floors:');
  console.log(floorLines(r.floors));
  if (r.leftovers.length > 0) console.log(`WARNING: still present after cleanup: ${r.leftovers.join(', ')}`);
  if (r.cleanupErrors.length > 0) console.log(`cleanup errors: ${r.cleanupErrors.join('; ')}`);
}

function writeJson(file: string, r: BridgeLabResult): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(r, null, 2) + '\n');
}

// Runnable alone: node .bench-build/bench/bridge-lab.js [options]
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let opts: BridgeLabOptions & { strict: boolean };
  try {
    opts = optionsFromArgs(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
  const { strict, ...rest } = opts;
  const r = await run(rest);
  process.exitCode = strict && r.floors.some((f) => f.status === 'FAIL') ? 1 : 0;
}
