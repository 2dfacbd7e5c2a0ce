/**
 * A second, independent reader: npm's pcap-parser (classic microsecond pcap only) must see exactly what ours sees in
 * tcpdump's files: the committed lab captures, and fresh ones that this test captures itself in its own namespaces
 * (full frames and a 96-byte snaplen, so caplen < origlen is covered).
 */
import { once } from 'node:events';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as pcapParser from 'pcap-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCaptureFileSync } from '../../src/pcap/index.js';
import { Lab, NEEDS_ROOT, isRoot, sh } from '../helpers/lab.js';
import { hex, readAll } from './tools.js';

interface Seen {
  ts: bigint;
  caplen: number;
  origlen: number;
  hex: string;
}

async function viaPcapParser(path: string): Promise<{ header: pcapParser.GlobalHeader; packets: Seen[] }> {
  const parser = pcapParser.parse(path);
  const packets: Seen[] = [];
  let header: pcapParser.GlobalHeader | undefined;
  parser.on('globalHeader', (h: pcapParser.GlobalHeader) => (header = h));
  parser.on('packet', (p: pcapParser.Packet) =>
    packets.push({
      ts: (BigInt(p.header.timestampSeconds) * 1_000_000n + BigInt(p.header.timestampMicroseconds)) * 1000n,
      caplen: p.header.capturedLength,
      origlen: p.header.originalLength,
      hex: p.data.toString('hex'),
    }),
  );
  const failed = once(parser, 'error').then(([e]) => Promise.reject(e as Error));
  await Promise.race([once(parser, 'end'), failed]);
  return { header: header!, packets };
}

function viaOurs(path: string): Seen[] {
  return readAll(path).map((r) => ({ ts: r.timestampNs, caplen: r.caplen, origlen: r.origlen, hex: hex(r.data) }));
}

async function expectSame(path: string): Promise<number> {
  const theirs = await viaPcapParser(path);
  const ours = viaOurs(path);
  expect(ours).toEqual(theirs.packets);
  const h = openCaptureFileSync(path).classicHeader!;
  expect(h.snaplen).toBe(theirs.header.snapshotLength);
  expect(h.linkType).toBe(theirs.header.linkLayerType);
  return ours.length;
}

const CAPTURES = join(import.meta.dirname, '..', 'captures');

describe('our reader and pcap-parser agree on the committed tcpdump captures', () => {
  const files = readdirSync(CAPTURES).filter((f) => f.endsWith('.pcap') && !f.endsWith('-ns.pcap'));
  it('there are µs captures to compare', () => expect(files.length).toBeGreaterThanOrEqual(10));
  for (const f of files) {
    it(f, async () => {
      expect(await expectSame(join(CAPTURES, f))).toBeGreaterThan(0);
    });
  }
});

describe.skipIf(!isRoot)(`fresh tcpdump captures in a lab namespace${NEEDS_ROOT}`, () => {
  const lab = new Lab('pcpr');
  const out = mkdtempSync(join(tmpdir(), 'pcap-lab-'));
  const full = join(out, 'full.pcap');
  const snap = join(out, 'snap96.pcap');

  beforeAll(async () => {
    const nsA = await lab.addNamespace('a');
    const nsB = await lab.addNamespace('b');
    const [a, b] = [lab.name('x'), lab.name('y')];
    await lab.addVeth(a, b);
    for (const [dev, ns, ip] of [
      [a, nsA, '10.78.0.1/24'],
      [b, nsB, '10.78.0.2/24'],
    ] as const) {
      await sh('ip', ['link', 'set', dev, 'netns', ns]);
      await lab.nsExec(ns, 'ip', ['addr', 'add', ip, 'dev', dev]);
      await lab.nsExec(ns, 'ip', ['link', 'set', dev, 'up']);
    }
    const dumps = [
      lab.spawnIn(nsA, 'tcpdump', ['-U', '--immediate-mode', '-n', '-s', '0', '-i', a, '-w', full]),
      lab.spawnIn(nsA, 'tcpdump', ['-U', '--immediate-mode', '-n', '-s', '96', '-i', a, '-w', snap]),
    ];
    await Promise.all(
      dumps.map(
        (p) =>
          new Promise<void>((resolve, reject) => {
            let err = '';
            const t = setTimeout(() => reject(new Error(`tcpdump did not start: ${err}`)), 10_000);
            p.stderr!.on('data', (d: Buffer) => {
              err += d.toString();
              if (err.includes('listening on')) {
                clearTimeout(t);
                resolve();
              }
            });
          }),
      ),
    );
    // Real traffic between the two namespaces only: ARP, echoes with payloads up to 1400 bytes.
    await lab.nsExec(nsA, 'ping', ['-c', '4', '-i', '0.2', '-s', '1400', '10.78.0.2']);
    await lab.nsExec(nsA, 'ping', ['-c', '2', '-i', '0.2', '10.78.0.2']);
    await new Promise((r) => setTimeout(r, 300));
    for (const p of dumps) {
      const exited = once(p, 'exit');
      p.kill('SIGINT');
      await exited;
    }
  }, 60_000);

  afterAll(async () => {
    await lab.cleanup();
    rmSync(out, { recursive: true, force: true });
  });

  it('full frames: same count, timestamps, lengths and bytes', async () => {
    expect(statSync(full).size).toBeGreaterThan(24);
    const n = await expectSame(full);
    expect(n).toBeGreaterThanOrEqual(12); // 6 echoes and 6 replies, plus ARP
  });

  it('96-byte snaplen: caplen < origlen read the same way by both', async () => {
    const n = await expectSame(snap);
    expect(n).toBeGreaterThanOrEqual(12);
    const recs = readAll(snap);
    expect(recs.some((r) => r.caplen === 96 && r.origlen === 1442)).toBe(true);
    expect(openCaptureFileSync(snap).classicHeader!.snaplen).toBe(96);
  });
});
