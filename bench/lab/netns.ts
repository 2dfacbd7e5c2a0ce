/**
 * The two-host lab that every joiner connects: namespaces A and B with fixed addresses, unique names per run, and
 * the link-level probes the harness needs (readiness, counters, offload settings).
 */
import { randomBytes } from 'node:crypto';
import { Cleanup, run, runIn, sh, shIn, shSyncQuiet } from './proc.js';

export interface HostSpec {
  /** Network namespace name. */
  ns: string;
  ipv4: string;
  prefix4: number;
  ipv6: string;
  prefix6: number;
}

/** One host's end of the joined lab: the interface inside its namespace. */
export interface LinkRef {
  ns: string;
  ifname: string;
}

export interface Lab {
  /** Random per-run tag shared by every name this run creates. */
  readonly tag: string;
  readonly a: HostSpec;
  readonly b: HostSpec;
  readonly cleanup: Cleanup;
  /** A name unique to this run, ≤ 15 characters (interface-name limit) for suffixes of up to 4 characters. */
  name(suffix: string): string;
  log(msg: string): void;
}

export const NAME_PREFIX = 'wbl'; // "wfp bridge lab"; tests use "wfpt"

export function newTag(): string {
  return randomBytes(3).toString('hex');
}

/**
 * Create the two namespaces of one lab (loopback up, nothing else). Each joiner gets a fresh pair, so no neighbour
 * cache, socket or sysctl state carries over from the previous joiner's run.
 */
export async function createLab(opts: { tag: string; joinerSuffix: string; cleanup: Cleanup; log: (m: string) => void }): Promise<Lab> {
  const { tag, joinerSuffix, cleanup, log } = opts;
  const name = (suffix: string): string => {
    const n = `${NAME_PREFIX}${tag}${joinerSuffix}${suffix}`;
    if (n.length > 15) throw new Error(`lab name ${n} is longer than 15 characters`);
    return n;
  };
  const a: HostSpec = { ns: name('A'), ipv4: '10.88.0.1', prefix4: 24, ipv6: 'fd88::1', prefix6: 64 };
  const b: HostSpec = { ns: name('B'), ipv4: '10.88.0.2', prefix4: 24, ipv6: 'fd88::2', prefix6: 64 };
  for (const h of [a, b]) {
    await sh('ip', ['netns', 'add', h.ns]);
    cleanup.addSync(`netns ${h.ns}`, () => void shSyncQuiet('ip', ['netns', 'del', h.ns]));
    await shIn(h.ns, 'ip', ['link', 'set', 'lo', 'up']);
    // No router solicitations / DAD noise in the measurements.
    await shIn(h.ns, 'sysctl', ['-q', '-w', 'net.ipv6.conf.default.accept_ra=0', 'net.ipv6.conf.all.accept_ra=0']).catch(() => undefined);
  }
  return { tag, a, b, cleanup, name, log };
}

/** Addresses and link up for one host (the kernel joiner does this; the WFP bridge does it itself from its policy). */
export async function configureHost(h: HostSpec, ifname: string): Promise<void> {
  await shIn(h.ns, 'ip', ['addr', 'add', `${h.ipv4}/${h.prefix4}`, 'dev', ifname]);
  await shIn(h.ns, 'ip', ['-6', 'addr', 'add', `${h.ipv6}/${h.prefix6}`, 'dev', ifname, 'nodad']);
  await shIn(h.ns, 'ip', ['link', 'set', ifname, 'up']);
}

/** Set a per-device sysctl in the root namespace, quietly (the device may not support it). */
export async function rootDevSysctl(key: string, value: string): Promise<void> {
  await sh('sysctl', ['-q', '-w', `${key}=${value}`]).catch(() => undefined);
}

interface IpAddrJson {
  ifname: string;
  flags?: string[];
  operstate?: string;
  addr_info?: { family: string; local: string; prefixlen: number }[];
}

/** Why `link` is not yet usable (missing, down, no carrier, address missing), or null when it is. */
export async function linkProblem(link: LinkRef, host: HostSpec): Promise<string | null> {
  const r = await runIn(link.ns, 'ip', ['-j', 'addr', 'show', 'dev', link.ifname], { timeoutMs: 5000 });
  if (r.code !== 0) return `${link.ifname} not present in namespace ${link.ns}`;
  let info: IpAddrJson | undefined;
  try {
    info = (JSON.parse(r.stdout) as IpAddrJson[])[0];
  } catch {
    return `could not parse 'ip -j addr' output for ${link.ifname} in ${link.ns}`;
  }
  if (!info) return `${link.ifname} not present in namespace ${link.ns}`;
  const flags = info.flags ?? [];
  if (!flags.includes('UP')) return `${link.ifname} in ${link.ns} is not up (flags ${flags.join(',')})`;
  if (!flags.includes('LOWER_UP')) return `${link.ifname} in ${link.ns} has no carrier (flags ${flags.join(',')}; is the TAP open?)`;
  const addrs = (info.addr_info ?? []).map((x) => `${x.local}/${x.prefixlen}`);
  for (const want of [`${host.ipv4}/${host.prefix4}`, `${host.ipv6}/${host.prefix6}`]) {
    if (!addrs.includes(want)) return `${link.ifname} in ${link.ns} lacks address ${want} (has ${addrs.join(', ') || 'none'})`;
  }
  return null;
}

/**
 * Poll until both links are up with their addresses and A pings B over IPv4 and IPv6, or fail after `timeoutMs`
 * with the last reason. `stillRunning` lets a joiner abort early (its process died).
 */
export async function waitReady(
  lab: Lab,
  links: { a: LinkRef; b: LinkRef },
  timeoutMs: number,
  stillRunning: () => string | null = () => null,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'not checked yet';
  while (Date.now() < deadline) {
    const dead = stillRunning();
    if (dead) throw new Error(`not ready: ${dead}`);
    const problem = (await linkProblem(links.a, lab.a)) ?? (await linkProblem(links.b, lab.b));
    if (problem) last = problem;
    else {
      const p4 = await runIn(lab.a.ns, 'ping', ['-n', '-c', '1', '-W', '1', lab.b.ipv4], { timeoutMs: 3000 });
      const p6 = p4.code === 0 ? await runIn(lab.a.ns, 'ping', ['-6', '-n', '-c', '1', '-W', '1', lab.b.ipv6], { timeoutMs: 3000 }) : p4;
      if (p4.code === 0 && p6.code === 0) return;
      last = p4.code !== 0 ? `links up, but ${lab.a.ns} cannot ping ${lab.b.ipv4}` : `IPv4 works, but ${lab.a.ns} cannot ping ${lab.b.ipv6}`;
    }
    await sleep(150);
  }
  throw new Error(`not ready after ${timeoutMs} ms: ${last}`);
}

export interface LinkCounters {
  rxPackets: number;
  txPackets: number;
  rxBytes: number;
  txBytes: number;
  rxDropped: number;
  txDropped: number;
}

export async function linkCounters(link: LinkRef): Promise<LinkCounters> {
  const out = await shIn(link.ns, 'ip', ['-j', '-s', 'link', 'show', 'dev', link.ifname], { timeoutMs: 5000 });
  const j = (JSON.parse(out) as { stats64?: { rx: Record<string, number>; tx: Record<string, number> } }[])[0];
  const s = j?.stats64;
  if (!s) throw new Error(`no counters for ${link.ifname} in ${link.ns}`);
  return {
    rxPackets: s.rx.packets ?? 0,
    txPackets: s.tx.packets ?? 0,
    rxBytes: s.rx.bytes ?? 0,
    txBytes: s.tx.bytes ?? 0,
    rxDropped: s.rx.dropped ?? 0,
    txDropped: s.tx.dropped ?? 0,
  };
}

/** The offload features that change what a bridge sees, as `ethtool -k` reports them ("on", "off [fixed]", …). */
const OFFLOAD_KEYS = [
  'rx-checksumming',
  'tx-checksumming',
  'scatter-gather',
  'tcp-segmentation-offload',
  'generic-segmentation-offload',
  'generic-receive-offload',
  'large-receive-offload',
  'rx-gro-list',
  'rx-udp-gro-forwarding',
];

export async function offloadSettings(ns: string | null, ifname: string): Promise<Record<string, string>> {
  const r = ns ? await runIn(ns, 'ethtool', ['-k', ifname]) : await run('ethtool', ['-k', ifname]);
  if (r.code !== 0) return { error: r.stderr.trim() || `ethtool exit ${r.code}` };
  const out: Record<string, string> = {};
  for (const line of r.stdout.split('\n')) {
    const m = /^([a-z0-9-]+): (.+)$/.exec(line.trim());
    if (m && OFFLOAD_KEYS.includes(m[1]!)) out[m[1]!] = m[2]!.trim();
  }
  return out;
}

/** MTU and qdisc of a link, for the record. */
export async function linkInfo(link: LinkRef): Promise<{ mtu?: number; qdisc?: string; txqlen?: number; kind?: string }> {
  const out = await shIn(link.ns, 'ip', ['-j', '-d', 'link', 'show', 'dev', link.ifname]).catch(() => '[]');
  const j = (JSON.parse(out) as { mtu?: number; qdisc?: string; txqlen?: number; linkinfo?: { info_kind?: string } }[])[0];
  return { mtu: j?.mtu, qdisc: j?.qdisc, txqlen: j?.txqlen, kind: j?.linkinfo?.info_kind };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
