/**
 * Streaming: a 200,000-record capture is read through one bounded buffer. The assertion is structural (the buffer
 * never grows past its initial size when no single record needs more, and never past its bound when one does);
 * resident memory is only checked loosely, because GC timing is not the reader's to control. No timing is asserted.
 */
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LINKTYPE_ETHERNET,
  PcapWriter,
  PcapngWriter,
  openCaptureFileSync,
  openCaptureStream,
} from '../../src/pcap/index.js';
import { frame } from './build.js';

const COUNT = 200_000;
const BUFFER = 64 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'pcap-stream-'));
const classicPath = join(dir, 'big.pcap');
const ngPath = join(dir, 'big.pcapng');
const frames = Array.from({ length: 64 }, (_, i) => frame(i, 60 + i * 7));
const T0 = 1_700_000_000_000_000_000n;

beforeAll(() => {
  const w = PcapWriter.openSync(classicPath, { linkType: LINKTYPE_ETHERNET, resolution: 'ns' });
  const ng = PcapngWriter.openSync(ngPath);
  ng.addInterface({ linkType: LINKTYPE_ETHERNET, name: 'a' });
  ng.addInterface({ linkType: LINKTYPE_ETHERNET, name: 'b' });
  for (let i = 0; i < COUNT; i++) {
    const data = frames[i % 64]!;
    w.writePacket({ timestampNs: T0 + BigInt(i) * 1000n, data });
    ng.writePacket({ interfaceId: i & 1, timestampNs: T0 + BigInt(i) * 1000n, data, ...(i % 1000 === 0 ? { comments: [`#${i}`] } : {}) });
  }
  w.closeSync();
  ng.closeSync();
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('reading 200k records keeps memory bounded', () => {
  for (const [name, path] of [
    ['classic pcap', classicPath],
    ['pcapng', ngPath],
  ] as const) {
    it(`${name}: sync reader over a descriptor`, () => {
      const size = statSync(path).size;
      expect(size).toBeGreaterThan(20 * BUFFER); // the file is far bigger than the buffer
      const rss0 = process.memoryUsage().rss;
      const r = openCaptureFileSync(path, { bufferSize: BUFFER });
      let n = 0;
      let bytes = 0;
      let lastTs = 0n;
      let ordered = true;
      for (const rec of r) {
        if (rec.timestampNs < lastTs) ordered = false;
        lastTs = rec.timestampNs;
        bytes += rec.caplen;
        if (rec.data.length !== frames[n % 64]!.length) ordered = false;
        n++;
      }
      expect(n).toBe(COUNT);
      expect(ordered).toBe(true);
      expect(lastTs).toBe(T0 + BigInt(COUNT - 1) * 1000n);
      expect(bytes).toBeLessThan(size);
      expect(r.peakBufferCapacity).toBe(BUFFER);
      expect(r.bufferCapacity).toBeLessThanOrEqual(r.maxBufferCapacity);
      const growth = process.memoryUsage().rss - rss0;
      expect(growth).toBeLessThan(Math.max(size, 64 << 20));
    });

    it(`${name}: async reader over a file stream`, async () => {
      const r = await openCaptureStream(createReadStream(path, { highWaterMark: 16 * 1024 }), { bufferSize: BUFFER });
      let n = 0;
      for await (const rec of r) {
        if (n === 123_456) expect(rec.timestampNs).toBe(T0 + 123_456_000n);
        n++;
      }
      expect(n).toBe(COUNT);
      expect(r.peakBufferCapacity).toBe(BUFFER);
    });
  }

  it('one jumbo record grows the buffer to fit it (doubling), within the bound, and no further', () => {
    const path = join(dir, 'jumbo.pcapng');
    const w = PcapngWriter.openSync(path);
    w.addInterface({ linkType: LINKTYPE_ETHERNET });
    const jumbo = frame(99, 200_000);
    for (let i = 0; i < 100; i++) w.writePacket({ interfaceId: 0, timestampNs: BigInt(i), data: i === 50 ? jumbo : frames[i % 64]! });
    w.closeSync();
    const r = openCaptureFileSync(path, { bufferSize: 4096 });
    const sizes = [...r].map((x) => x.caplen);
    expect(sizes[50]).toBe(200_000);
    expect(r.peakBufferCapacity).toBeGreaterThanOrEqual(200_000 + 32);
    expect(r.peakBufferCapacity).toBeLessThanOrEqual(4096 * 64); // the next power-of-two step, not the whole file
    expect(r.peakBufferCapacity).toBeLessThanOrEqual(r.maxBufferCapacity);
  });

  it('a record view is only valid until the next read; copyData() outlives it', () => {
    const r = openCaptureFileSync(classicPath, { bufferSize: 4096 });
    const first = r.read()!;
    const copy = first.copyData();
    expect(copy).toEqual(new Uint8Array(frames[0]!));
    for (let i = 0; i < 500; i++) r.read(); // the buffer is compacted and refilled many times over
    expect(copy).toEqual(new Uint8Array(frames[0]!));
    expect(copy.buffer).not.toBe(first.data.buffer);
    r.close();
  });
});
