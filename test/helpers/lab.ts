/**
 * Test labs: network namespaces, veth pairs and processes that a test creates and is guaranteed to remove, pass or
 * fail. Every name carries a random tag, so parallel test files (and parallel CI runs) never collide, and cleanup
 * deletes only what this Lab made. Traffic stays inside the lab's own namespaces.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
/** Why a lab test did not run, for `describe.skipIf(!isRoot)` titles. */
export const NEEDS_ROOT = isRoot ? '' : ' [skipped: needs root for namespaces/TAP]';

export interface ExecResult {
  stdout: string;
  stderr: string;
}

export async function sh(cmd: string, args: string[], opts: { timeoutMs?: number } = {}): Promise<ExecResult> {
  try {
    const r = await execFileP(cmd, args, { timeout: opts.timeoutMs ?? 20_000, maxBuffer: 64 << 20 });
    return { stdout: r.stdout.toString(), stderr: r.stderr.toString() };
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${e.stderr?.toString().trim() || e.message}`);
  }
}

export class Lab {
  /** Short random tag: interface names are limited to 15 characters. */
  readonly tag = randomBytes(3).toString('hex');
  private readonly namespaces: string[] = [];
  private readonly links: string[] = [];
  private readonly procs: ChildProcess[] = [];

  constructor(readonly prefix = 'wfpt') {}

  /** A name unique to this lab, at most 15 characters when `suffix` is short. */
  name(suffix: string): string {
    return `${this.prefix.slice(0, 4)}${this.tag}${suffix}`.slice(0, 15);
  }

  async addNamespace(suffix: string): Promise<string> {
    const ns = this.name(suffix);
    await sh('ip', ['netns', 'add', ns]);
    this.namespaces.push(ns);
    await this.nsExec(ns, 'ip', ['link', 'set', 'lo', 'up']);
    return ns;
  }

  /** A veth pair in the root namespace; either end may then be moved. Offloads off so frames are plain. */
  async addVeth(a: string, b: string): Promise<void> {
    await sh('ip', ['link', 'add', a, 'type', 'veth', 'peer', 'name', b]);
    this.links.push(a);
    for (const dev of [a, b]) await disableOffloads(null, dev);
  }

  /** Remember a link this test created by other means (a TAP made by the addon, a bridge), to delete on cleanup. */
  trackLink(name: string): void {
    this.links.push(name);
  }

  nsExec(ns: string, cmd: string, args: string[], opts: { timeoutMs?: number } = {}): Promise<ExecResult> {
    return sh('ip', ['netns', 'exec', ns, cmd, ...args], opts);
  }

  /** A long-running process inside a namespace (a server, tcpdump); killed by PID on cleanup. */
  spawnIn(ns: string, cmd: string, args: string[]): ChildProcess {
    const p = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.procs.push(p);
    return p;
  }

  async cleanup(): Promise<void> {
    for (const p of this.procs) {
      if (p.exitCode === null && p.signalCode === null && p.pid) {
        try {
          process.kill(p.pid, 'SIGTERM');
        } catch {
          /* already gone */
        }
      }
    }
    await Promise.all(this.procs.map((p) => waitExit(p, 2000)));
    for (const l of this.links) await sh('ip', ['link', 'del', l]).catch(() => undefined);
    for (const ns of this.namespaces) await sh('ip', ['netns', 'del', ns]).catch(() => undefined);
  }
}

export async function disableOffloads(ns: string | null, dev: string): Promise<void> {
  const args = ['-K', dev, 'tso', 'off', 'gso', 'off', 'gro', 'off', 'tx', 'off', 'rx', 'off'];
  const run = ns ? sh('ip', ['netns', 'exec', ns, 'ethtool', ...args]) : sh('ethtool', args);
  await run.catch(() => undefined); // some features are fixed on some devices; what can be turned off is
}

function waitExit(p: ChildProcess, ms: number): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      try {
        if (p.pid) process.kill(p.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      resolve();
    }, ms);
    p.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
  });
}
