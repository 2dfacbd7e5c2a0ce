/**
 * Joiners: what connects host A to host B in the lab. The kernel bridge (veth pairs on a Linux bridge) is the
 * baseline; the WFP bridge (`node dist/bridge.js`, two TAP ports) is what is measured against it.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { configureHost, linkInfo, offloadSettings, rootDevSysctl, waitReady, type Lab, type LinkRef } from './netns.js';
import { sh, shSyncQuiet, spawnTracked, stopChild, Tail } from './proc.js';
import { defaultContract, wfpBridgePolicy, type WfpBridgeContract, type WfpPolicyOptions } from './wfp-policy.js';

export interface JoinedLinks {
  a: LinkRef;
  b: LinkRef;
}

export interface Joiner {
  /** Short id used in names and JSON keys: "kernel", "wfp". */
  readonly id: string;
  readonly label: string;
  /** One or two characters that go into this joiner's namespace and link names. */
  readonly nameSuffix: string;
  /** Join lab.a and lab.b; when it resolves, A pings B. Registers its own undo steps in lab.cleanup as well. */
  setup(lab: Lab): Promise<JoinedLinks>;
  /** Undo what setup did (idempotent; lab.cleanup is the backstop). */
  teardown(): Promise<void>;
  /** PID of the process that forwards frames, when there is one (its CPU is the joiner's CPU). */
  forwarderPid(): number | undefined;
  /** Settings worth recording next to the numbers (offloads, MTU, sysctls, policy size…). */
  describe(): Promise<Record<string, unknown>>;
}

/** Thrown by a joiner that cannot run at all on this checkout/machine; the harness reports it and moves on. */
export class JoinerUnavailable extends Error {
  override name = 'JoinerUnavailable';
}

/** The baseline: each namespace's veth peer on one Linux bridge in the root namespace, default offloads. */
export class KernelBridgeJoiner implements Joiner {
  readonly id = 'kernel';
  readonly label = 'Linux kernel bridge (veth)';
  readonly nameSuffix = 'k';
  private lab: Lab | undefined;
  private links: JoinedLinks | undefined;
  private bridge = '';
  private rootEnds: string[] = [];

  async setup(lab: Lab): Promise<JoinedLinks> {
    this.lab = lab;
    this.bridge = lab.name('br');
    await sh('ip', ['link', 'add', this.bridge, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0']);
    const br = this.bridge;
    lab.cleanup.addSync(`bridge ${br}`, () => void shSyncQuiet('ip', ['link', 'del', br]));
    await rootDevSysctl(`net.ipv6.conf.${br}.disable_ipv6`, '1');

    const ends: LinkRef[] = [];
    for (const [side, host] of [['a', lab.a], ['b', lab.b]] as const) {
      const rootEnd = lab.name(`r${side}`);
      const nsEnd = lab.name(`e${side}`);
      await sh('ip', ['link', 'add', rootEnd, 'type', 'veth', 'peer', 'name', nsEnd, 'netns', host.ns]);
      lab.cleanup.addSync(`veth ${rootEnd}`, () => void shSyncQuiet('ip', ['link', 'del', rootEnd]));
      this.rootEnds.push(rootEnd);
      await rootDevSysctl(`net.ipv6.conf.${rootEnd}.disable_ipv6`, '1');
      await sh('ip', ['link', 'set', rootEnd, 'master', br]);
      await sh('ip', ['link', 'set', rootEnd, 'up']);
      await configureHost(host, nsEnd);
      ends.push({ ns: host.ns, ifname: nsEnd });
    }
    await sh('ip', ['link', 'set', br, 'up']);
    this.links = { a: ends[0]!, b: ends[1]! };
    await waitReady(lab, this.links, 10_000);
    return this.links;
  }

  async teardown(): Promise<void> {
    for (const l of this.rootEnds) shSyncQuiet('ip', ['link', 'del', l]);
    if (this.bridge) shSyncQuiet('ip', ['link', 'del', this.bridge]);
    this.rootEnds = [];
  }

  forwarderPid(): number | undefined {
    return undefined;
  }

  async describe(): Promise<Record<string, unknown>> {
    if (!this.links || !this.lab) return {};
    const sysctl = async (k: string): Promise<string> => (await sh('sysctl', ['-n', k]).catch(() => 'n/a')).trim();
    return {
      topology: 'A[veth] <-> [veth]br0[veth] <-> [veth]B, Linux bridge in the root namespace, STP off',
      offloads: 'kernel defaults (not changed)',
      offloadsA: await offloadSettings(this.links.a.ns, this.links.a.ifname),
      offloadsB: await offloadSettings(this.links.b.ns, this.links.b.ifname),
      offloadsBridgePortA: await offloadSettings(null, this.rootEnds[0]!),
      linkA: await linkInfo(this.links.a),
      'net.bridge.bridge-nf-call-iptables': await sysctl('net.bridge.bridge-nf-call-iptables'),
      'net.bridge.bridge-nf-call-ip6tables': await sysctl('net.bridge.bridge-nf-call-ip6tables'),
      cpuNote: 'no forwarding process: kernel-side CPU is approximated by /proc/stat softirq time (machine-wide)',
    };
  }
}

export interface WfpBridgeJoinerOptions {
  /** Path to the built bridge entry point (dist/bridge.js). */
  bridgeJs: string;
  /** Working directory for the bridge (the repository root). */
  cwd: string;
  readyTimeoutMs: number;
  contract?: WfpBridgeContract;
  policy?: Partial<Omit<WfpPolicyOptions, 'path' | 'ifnameA' | 'ifnameB'>>;
}

/** Our bridge: `node dist/bridge.js --config <policy>`, which creates the TAPs and puts them into A and B. */
export class WfpBridgeJoiner implements Joiner {
  readonly id = 'wfp';
  readonly label: string;
  readonly nameSuffix = 'w';
  private child: ChildProcess | undefined;
  private dir: string | undefined;
  private links: JoinedLinks | undefined;
  private readonly stdout = new Tail(8192);
  private readonly stderr = new Tail(8192);
  private policySummary: Record<string, unknown> = {};

  constructor(private readonly opts: WfpBridgeJoinerOptions) {
    const rel = relative(opts.cwd, opts.bridgeJs);
    this.label = `wfp-bridge (${rel === 'dist/bridge.js' ? 'node dist/bridge.js' : opts.bridgeJs}, TAP)`;
  }

  /** Why this joiner cannot run here, or null. */
  unavailableReason(): string | null {
    if (!existsSync(this.opts.bridgeJs)) return `${this.opts.bridgeJs} does not exist (the bridge CLI is not built or not written yet)`;
    return null;
  }

  async setup(lab: Lab): Promise<JoinedLinks> {
    const why = this.unavailableReason();
    if (why) throw new JoinerUnavailable(why);
    const dir = mkdtempSync(join(tmpdir(), `wbl-${lab.tag}-`));
    this.dir = dir;
    lab.cleanup.addSync(`policy dir ${dir}`, () => rmSync(dir, { recursive: true, force: true }));

    const ifnameA = lab.name('ta');
    const ifnameB = lab.name('tb');
    const { path, policy } = wfpBridgePolicy(lab.a, lab.b, { path: join(dir, 'policy.json'), ifnameA, ifnameB, ...this.opts.policy });
    this.policySummary = {
      policyFile: '(temporary, deleted after the run)',
      filters: policy.filters.length,
      layers: [...new Set(policy.filters.map((f) => f.layer))].length,
      callouts: policy.callouts.map((c) => `${c.name} (${c.builtin}) at ${c.layers.join(', ')}`),
      portsOffloads: policy.ports.map((p) => p.offloads),
    };

    // A .js entry point runs under this Node; anything else (a wrapper, another implementation) is executed as is
    // and must keep its PID (exec), since that PID's CPU is what gets measured.
    const viaNode = /\.[cm]?js$/.test(this.opts.bridgeJs);
    const cmd = viaNode ? process.execPath : this.opts.bridgeJs;
    const args = [...(viaNode ? [this.opts.bridgeJs] : []), ...(this.opts.contract ?? defaultContract).bridgeArgs(path)];
    lab.log(`starting ${cmd} ${args.join(' ')}`);
    const child = spawnTracked(cmd, args, { cwd: this.opts.cwd });
    this.child = child;
    lab.cleanup.addProcess(`wfp bridge pid ${child.pid}`, child, 3000);
    child.stdout?.on('data', (d: Buffer) => this.stdout.push(d));
    child.stderr?.on('data', (d: Buffer) => this.stderr.push(d));
    let spawnError: string | null = null;
    child.once('error', (e) => (spawnError = e.message));

    // The bridge makes the TAPs; if it dies, the TAPs die with it. Backstop: a TAP left in the root namespace.
    for (const n of [ifnameA, ifnameB]) lab.cleanup.addSync(`tap ${n} (if left in root ns)`, () => void shSyncQuiet('ip', ['link', 'del', n]));

    this.links = { a: { ns: lab.a.ns, ifname: ifnameA }, b: { ns: lab.b.ns, ifname: ifnameB } };
    try {
      await waitReady(lab, this.links, this.opts.readyTimeoutMs, () => {
        if (spawnError) return `could not start the bridge: ${spawnError}`;
        if (child.exitCode !== null || child.signalCode !== null) {
          return `the bridge exited (${child.exitCode ?? child.signalCode}) before it was ready`;
        }
        return null;
      });
    } catch (err) {
      const detail = tailLines(this.stderr.toString()) || tailLines(this.stdout.toString());
      throw new Error(`wfp-bridge ${(err as Error).message}${detail ? ` (bridge output: ${detail})` : ''}`);
    }
    return this.links;
  }

  async teardown(): Promise<void> {
    if (this.child) await stopChild(this.child, 3000);
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }

  forwarderPid(): number | undefined {
    const c = this.child;
    return c && c.exitCode === null && c.signalCode === null ? c.pid : undefined;
  }

  /** Recent bridge output (for a report when a measurement fails). */
  output(): string {
    return tailLines(this.stderr.toString()) || tailLines(this.stdout.toString());
  }

  async describe(): Promise<Record<string, unknown>> {
    if (!this.links) return this.policySummary;
    const offloadsA = await offloadSettings(this.links.a.ns, this.links.a.ifname);
    const offloadsB = await offloadSettings(this.links.b.ns, this.links.b.ifname);
    const wanted = this.opts.policy?.offloads ?? true;
    const tsoOn = [offloadsA, offloadsB].every((o) => (o['tcp-segmentation-offload'] ?? '').startsWith('on'));
    return {
      topology: `A[tap] <-> ${this.label} <-> [tap]B`,
      ...this.policySummary,
      ...(wanted && !tsoOn ? { warning: 'the policy asks for offloads, but TSO is off on the TAPs (is IFF_VNET_HDR + TUNSETOFFLOAD set?)' } : {}),
      offloadsA,
      offloadsB,
      linkA: await linkInfo(this.links.a),
      cpuNote: 'bridge process utime+stime from /proc/<pid>/stat (all threads)',
    };
  }
}

function tailLines(s: string, n = 6): string {
  return s.trim().split('\n').slice(-n).join(' | ');
}
