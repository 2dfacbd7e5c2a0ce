/**
 * Processes and cleanup for the bridge lab. Every process the harness starts goes through `spawnTracked`, so that it
 * can be killed by its own PID (never by name); every namespace, link and file it creates registers an undo step in
 * a `Cleanup`, run last-in first-out in a `finally`, on SIGINT/SIGTERM/SIGHUP, and (synchronously) on process exit.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Every child this module started that has not been seen to exit: killed by PID on cleanup. */
const live = new Set<ChildProcess>();

function alive(p: ChildProcess): boolean {
  return p.exitCode === null && p.signalCode === null;
}

/** Send a signal to a child we started, by its PID, only if we have not yet seen it exit. */
export function signalChild(p: ChildProcess, sig: NodeJS.Signals): void {
  if (!alive(p) || p.pid === undefined) return;
  try {
    process.kill(p.pid, sig);
  } catch {
    /* already gone */
  }
}

/** Resolve once `p` has exited; SIGTERM, then SIGKILL after `graceMs`. */
export function stopChild(p: ChildProcess, graceMs = 2000): Promise<void> {
  if (!alive(p)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(t);
      resolve();
    };
    const t = setTimeout(() => {
      signalChild(p, 'SIGKILL');
      // a SIGKILLed child always exits; don't hang if 'exit' was somehow missed
      setTimeout(resolve, 1000).unref();
    }, graceMs);
    p.once('exit', done);
    signalChild(p, 'SIGTERM');
  });
}

/** Wait for a child to exit by itself, up to `ms`; true if it did. */
export function waitExit(p: ChildProcess, ms: number): Promise<boolean> {
  if (!alive(p)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    p.once('exit', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

/** A bounded tail of a stream, for error messages. */
export class Tail {
  private text = '';
  constructor(private readonly max = 16_384) {}
  push(chunk: Buffer | string): void {
    this.text += chunk.toString();
    if (this.text.length > this.max * 2) this.text = this.text.slice(-this.max);
  }
  toString(): string {
    return this.text.slice(-this.max);
  }
}

/** Start a process and track it until it exits. stdout/stderr are piped (collect them or they are discarded). */
export function spawnTracked(cmd: string, args: string[], opts: { cwd?: string } = {}): ChildProcess {
  const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: opts.cwd });
  live.add(p);
  p.once('exit', () => live.delete(p));
  p.once('error', () => live.delete(p));
  return p;
}

/** Run a command to completion with a hard time limit; never throws for a non-zero exit (look at `code`). */
export function run(cmd: string, args: string[], opts: { timeoutMs?: number } = {}): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  return new Promise((resolve, reject) => {
    const p = spawnTracked(cmd, args);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    p.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const t = setTimeout(() => {
      timedOut = true;
      void stopChild(p, 1000);
    }, timeoutMs);
    p.once('error', (err) => {
      clearTimeout(t);
      reject(new Error(`${cmd}: ${err.message}`));
    });
    p.once('close', (code, signal) => {
      clearTimeout(t);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

/** Run a command that must succeed; throws with its stderr otherwise. */
export async function sh(cmd: string, args: string[], opts: { timeoutMs?: number } = {}): Promise<string> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    const why = r.timedOut ? `timed out after ${opts.timeoutMs ?? 20_000} ms` : r.stderr.trim() || `exit ${r.code ?? r.signal}`;
    throw new Error(`${cmd} ${args.join(' ')}: ${why}`);
  }
  return r.stdout;
}

/** `ip netns exec <ns> cmd args…` (ip execs the command, so the PID is the command's own). */
export function inNs(ns: string, cmd: string, args: string[]): [string, string[]] {
  return ['ip', ['netns', 'exec', ns, cmd, ...args]];
}

export function shIn(ns: string, cmd: string, args: string[], opts: { timeoutMs?: number } = {}): Promise<string> {
  return sh(...inNs(ns, cmd, args), opts);
}

export function runIn(ns: string, cmd: string, args: string[], opts: { timeoutMs?: number } = {}): Promise<RunResult> {
  return run(...inNs(ns, cmd, args), opts);
}

/** Synchronous, quiet: for undo steps, which must also work from an 'exit' handler. */
export function shSyncQuiet(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

export interface UndoStep {
  label: string;
  /** The normal path (may wait for a process to exit gracefully). */
  undo(): Promise<void>;
  /** The emergency path, from an 'exit' handler: synchronous only. */
  undoSync(): void;
}

/** Undo steps, run last-in first-out exactly once each. */
export class Cleanup {
  private steps: UndoStep[] = [];
  readonly errors: string[] = [];

  add(step: UndoStep): void {
    this.steps.push(step);
  }

  /** An undo step that is the same synchronous action on both paths (deleting a link, a namespace, a file). */
  addSync(label: string, fn: () => void): void {
    this.add({ label, undo: async () => fn(), undoSync: fn });
  }

  /** A process we started: SIGTERM then SIGKILL by PID; SIGKILL on the emergency path. */
  addProcess(label: string, p: ChildProcess, graceMs = 2000): void {
    this.add({ label, undo: () => stopChild(p, graceMs), undoSync: () => signalChild(p, 'SIGKILL') });
  }

  get pending(): number {
    return this.steps.length;
  }

  async runAll(): Promise<void> {
    while (this.steps.length > 0) {
      const s = this.steps.pop()!;
      try {
        await s.undo();
      } catch (err) {
        this.errors.push(`${s.label}: ${(err as Error).message}`);
      }
    }
  }

  runAllSync(): void {
    while (this.steps.length > 0) {
      const s = this.steps.pop()!;
      try {
        s.undoSync();
      } catch (err) {
        this.errors.push(`${s.label}: ${(err as Error).message}`);
      }
    }
  }
}

/** Kill (SIGKILL, by PID) every process this module started that is still running. Synchronous. */
export function killAllTrackedSync(): void {
  for (const p of live) signalChild(p, 'SIGKILL');
}

/**
 * Make `cleanup` run on SIGINT/SIGTERM/SIGHUP (then exit 128+n) and on process exit (synchronous path, for an
 * uncaught exception or an explicit process.exit elsewhere). Returns the function that removes the handlers, so a
 * module imported by the bench runner leaves nothing installed after it returns.
 */
export function guardSignals(cleanup: Cleanup, log: (msg: string) => void): () => void {
  const codes: Record<string, number> = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 };
  let handling = false;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (handling) return; // a second Ctrl-C while cleaning up: keep cleaning up
    handling = true;
    log(`caught ${sig}: cleaning up (namespaces, links, processes started by this run)`);
    const hard = setTimeout(() => {
      cleanup.runAllSync();
      killAllTrackedSync();
      process.exit(128 + (codes[sig] ?? 1));
    }, 15_000);
    void cleanup.runAll().finally(() => {
      clearTimeout(hard);
      killAllTrackedSync();
      process.exit(128 + (codes[sig] ?? 1));
    });
  };
  const onExit = (): void => {
    cleanup.runAllSync();
    killAllTrackedSync();
  };
  const sigs: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of sigs) process.on(s, onSignal);
  process.on('exit', onExit);
  return () => {
    for (const s of sigs) process.off(s, onSignal);
    process.off('exit', onExit);
  };
}
