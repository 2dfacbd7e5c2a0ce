/**
 * Reader throughput: records/s over a generated 200,000-frame capture (classic ns pcap and pcapng), through the
 * synchronous descriptor reader (what replay uses) and the asynchronous stream reader. Prints numbers; asserts none.
 * Run alone: `npx tsc -p bench/tsconfig.json && node .bench-build/bench/pcap-read.js`, or via `npm run bench pcap-read`.
 */
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  LINKTYPE_ETHERNET,
  PcapWriter,
  PcapngWriter,
  openCaptureFileSync,
  openCaptureStream,
} from '../src/pcap/index.js';

const COUNT = 200_000;

function frames(): Uint8Array[] {
  // Sizes like real traffic: mostly small (ACKs, DNS), some full-size.
  const sizes = [60, 66, 74, 98, 142, 590, 1514, 66];
  return sizes.map((n, i) => {
    const b = new Uint8Array(n);
    for (let j = 0; j < n; j++) b[j] = (i * 31 + j * 7) & 0xff;
    return b;
  });
}

function generate(dir: string): { pcap: string; pcapng: string } {
  const pcap = join(dir, 'bench.pcap');
  const pcapng = join(dir, 'bench.pcapng');
  const fs = frames();
  const w = PcapWriter.openSync(pcap, { linkType: LINKTYPE_ETHERNET, resolution: 'ns' });
  const ng = PcapngWriter.openSync(pcapng);
  ng.addInterface({ linkType: LINKTYPE_ETHERNET, name: 'a' });
  ng.addInterface({ linkType: LINKTYPE_ETHERNET, name: 'b' });
  const t0 = 1_700_000_000_000_000_000n;
  for (let i = 0; i < COUNT; i++) {
    const data = fs[i % fs.length]!;
    const ts = t0 + BigInt(i) * 12_345n;
    w.writePacket({ timestampNs: ts, data });
    ng.writePacket({ interfaceId: i & 1, timestampNs: ts, data, ...(i % 100 === 0 ? { comments: ['sampled'] } : {}), direction: i & 1 ? 'outbound' : 'inbound' });
  }
  w.closeSync();
  ng.closeSync();
  return { pcap, pcapng };
}

function line(what: string, n: number, bytes: number, ms: number): string {
  const rps = (n / ms) * 1000;
  const mbps = (bytes / ms / 1000).toFixed(0);
  return `${what.padEnd(34)} ${String(n).padStart(7)} records  ${ms.toFixed(1).padStart(7)} ms  ${(rps / 1e6).toFixed(2)} M records/s  ${mbps} MB/s`;
}

export async function run(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'pcap-bench-'));
  const results: Record<string, number> = {};
  try {
    const files = generate(dir);
    for (const [name, path] of Object.entries(files)) {
      const size = statSync(path).size;
      for (let round = 0; round < 3; round++) {
        // Three rounds: the first warms the JIT; the best of the last two is reported.
        let t = performance.now();
        let n = 0;
        let sum = 0;
        const r = openCaptureFileSync(path);
        for (const rec of r) {
          n++;
          sum += rec.data[12]! + Number(rec.timestampNs & 1n);
        }
        const syncMs = performance.now() - t;
        t = performance.now();
        let m = 0;
        const s = await openCaptureStream(createReadStream(path, { highWaterMark: 256 * 1024 }));
        for await (const rec of s) {
          m++;
          sum += rec.caplen;
        }
        const asyncMs = performance.now() - t;
        if (round === 0 || sum < 0) continue;
        const kS = `${name} sync`;
        const kA = `${name} stream`;
        results[kS] = Math.max(results[kS] ?? 0, (n / syncMs) * 1000);
        results[kA] = Math.max(results[kA] ?? 0, (m / asyncMs) * 1000);
        if (round === 2) {
          console.log(line(`${name} sync (fd, 256 KiB buffer)`, n, size, (n / results[kS]!) * 1000));
          console.log(line(`${name} stream (Readable)`, m, size, (m / results[kA]!) * 1000));
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
