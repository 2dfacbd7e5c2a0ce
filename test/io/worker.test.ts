/**
 * Test 6: the same port API from a worker_threads Worker. The addon polls on the env's own event loop, so a port
 * opened in a Worker is served by that Worker's loop; closing it lets the Worker end by itself, and terminating a
 * Worker with a port still open closes the fds (env cleanup hook) — the TAP disappears, nothing crashes.
 *
 * Workers cannot run TypeScript, so the test transpiles src/io and the fixture into a scratch directory under
 * node_modules/.cache (inside the package, so the addon loader still finds native/build by walking up).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { Worker } from 'node:worker_threads';

import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { findPackageRoot } from '../../src/io/addon.js';
import type { PortCounters } from '../../src/io/port.js';
import { isRoot, Lab, NEEDS_ROOT, sh } from '../helpers/lab.js';
import { moveLink, quietNamespace, waitFor } from './io-lab.js';
import type { ResponderStats } from './responder.js';

type FromWorker =
  | { type: 'opened'; name: string; ifindex: number; threadId: number }
  | { type: 'batch'; count: number }
  | { type: 'closed'; counters: PortCounters; stats: ResponderStats };

const root = findPackageRoot();

function transpileTree(outDir: string): string {
  const files = [
    ...readdirSync(join(root, 'src/io')).filter((f) => f.endsWith('.ts')).map((f) => join(root, 'src/io', f)),
    join(root, 'test/io/frames.ts'),
    join(root, 'test/io/responder.ts'),
    join(root, 'test/io/fixtures/tap-worker.ts'),
  ];
  for (const file of files) {
    const js = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    const out = join(outDir, relative(root, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, js);
  }
  // Below node_modules no outer package.json applies: say that these .js files are ES modules.
  writeFileSync(join(outDir, 'package.json'), '{"type":"module"}\n');
  return join(outDir, 'test/io/fixtures/tap-worker.js');
}

describe.skipIf(!isRoot)(`ports in a worker thread${NEEDS_ROOT}`, () => {
  const lab = new Lab('wio6');
  const outDir = join(root, 'node_modules', '.cache', `wfp-io-worker-${lab.tag}`);
  let workerFile = '';
  beforeAll(() => {
    workerFile = transpileTree(outDir);
  });
  afterAll(async () => {
    rmSync(outDir, { recursive: true, force: true });
    await lab.cleanup();
  });

  it('a Worker opens a TAP, answers ping from a namespace (0% loss), closes it and exits on its own', async () => {
    const ns = await lab.addNamespace('n');
    await quietNamespace(lab, ns);
    const name = lab.name('w');
    lab.trackLink(name);
    const worker = new Worker(workerFile, { workerData: { name } });
    const msgs: FromWorker[] = [];
    worker.on('message', (m: FromWorker) => msgs.push(m));
    const exitCode = new Promise<number>((r) => worker.once('exit', r));
    try {
      await waitFor('the worker to open the TAP', () => msgs.some((m) => m.type === 'opened'));
      const opened = msgs.find((m) => m.type === 'opened') as Extract<FromWorker, { type: 'opened' }>;
      expect(opened.name).toBe(name);
      expect(opened.threadId).toBe(worker.threadId);
      await moveLink(lab, name, ns, '192.0.2.1/24');
      const ping = await lab.nsExec(ns, 'ping', ['-n', '-c', '3', '-i', '0.2', '-W', '2', '192.0.2.2'], { timeoutMs: 15_000 });
      expect(ping.stdout).toMatch(/3 packets transmitted, 3 received, 0% packet loss/);

      worker.postMessage('close');
      expect(await exitCode).toBe(0); // the closed port no longer holds the Worker's loop
      const closed = msgs.find((m) => m.type === 'closed') as Extract<FromWorker, { type: 'closed' }>;
      const batches = msgs.filter((m) => m.type === 'batch') as Extract<FromWorker, { type: 'batch' }>[];
      expect(closed.stats.echoRequests).toBe(3);
      expect(closed.stats.arpRequests).toBeGreaterThanOrEqual(1);
      expect(closed.counters.rxBatches).toBe(batches.length);
      expect(closed.counters.rxFrames).toBe(batches.reduce((n, b) => n + b.count, 0));
      expect(closed.counters.txFrames).toBe(closed.stats.arpRequests + 3);
      await expect(lab.nsExec(ns, 'ip', ['link', 'show', name])).rejects.toThrow(/does not exist/);
    } finally {
      await worker.terminate();
    }
  });

  it('terminating a Worker with a started port closes its fds: the TAP goes away and the process lives on', async () => {
    const name = lab.name('x');
    lab.trackLink(name);
    const worker = new Worker(workerFile, { workerData: { name } });
    const msgs: FromWorker[] = [];
    worker.on('message', (m: FromWorker) => msgs.push(m));
    await waitFor('the worker to open the TAP', () => msgs.some((m) => m.type === 'opened'));
    expect((await sh('ip', ['link', 'show', name])).stdout).toContain(name);
    await worker.terminate();
    await waitFor('the TAP to disappear', () => {
      try {
        readFileSync(`/sys/class/net/${name}/ifindex`);
        return false;
      } catch {
        return true;
      }
    });
  });
});
