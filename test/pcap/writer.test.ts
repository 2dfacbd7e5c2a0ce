/**
 * Files we write are files Wireshark reads: capinfos and tshark agree on count, timestamps, bytes, comments,
 * interfaces and direction flags. Writing then reading gives back exactly what went in, and writing the same input
 * twice gives the same bytes (replay's output must be reproducible).
 */
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_RAW,
  PcapError,
  PcapWriter,
  PcapngWriter,
  formatEpochNs,
  openCaptureFileSync,
  openCaptureStream,
  type PacketDirection,
} from '../../src/pcap/index.js';
import { frame } from './build.js';
import { NEEDS_WIRESHARK, capinfos, capinfosCount, hasWireshark, hex, readAll, tsharkFrames } from './tools.js';

const dir = mkdtempSync(join(tmpdir(), 'pcap-writer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let seq = 0;
const tmp = (ext: string): string => join(dir, `w${seq++}.${ext}`);

interface Pkt {
  ts: bigint;
  data: Uint8Array;
  origlen?: number;
}

/** Real-looking timestamps with every nanosecond digit in use, plus the epoch itself and a far (2100) one. */
function packets(count: number): Pkt[] {
  const out: Pkt[] = [{ ts: 0n, data: frame(0, 60) }];
  let ts = 1_700_000_000_000_000_000n;
  for (let i = 1; i < count - 1; i++) {
    ts += BigInt(1 + ((i * 7919) % 3_000_000)) * 337n;
    out.push({ ts, data: frame(i, 14 + ((i * 131) % 1500)), ...(i % 5 === 0 ? { origlen: 9000 } : {}) });
  }
  out.push({ ts: 4_102_444_800_999_999_999n, data: frame(count, 64) });
  return out;
}

function writePcap(path: string, pkts: Pkt[], resolution: 'us' | 'ns', byteOrder?: 'LE' | 'BE'): void {
  const w = PcapWriter.openSync(path, { linkType: LINKTYPE_ETHERNET, resolution, ...(byteOrder ? { byteOrder } : {}) });
  for (const p of pkts) w.writePacket({ timestampNs: p.ts, data: p.data, ...(p.origlen ? { origlen: p.origlen } : {}) });
  w.closeSync();
}

const LINKS = [LINKTYPE_ETHERNET, LINKTYPE_RAW, LINKTYPE_LINUX_SLL2];
const NAMES = ['veth-a', 'tun0', 'any'];
const DIRS: PacketDirection[] = ['inbound', 'outbound', 'unknown'];
const commentsFor = (i: number): string[] =>
  i % 4 === 0 ? [] : i % 4 === 1 ? [`frame ${i}`] : i % 4 === 2 ? [`règle ${i} → BLOCK ✓`, 'second, with a comma'] : ['日本語のコメント'];

function writeNg(path: string, pkts: Pkt[], byteOrder?: 'LE' | 'BE'): void {
  const w = PcapngWriter.openSync(path, { userAppl: 'wfp-bridge test', comments: ['section comment'], ...(byteOrder ? { byteOrder } : {}) });
  LINKS.forEach((linkType, i) => w.addInterface({ linkType, name: NAMES[i]!, description: `interface ${i}` }));
  pkts.forEach((p, i) =>
    w.writePacket({
      interfaceId: i % 3,
      timestampNs: p.ts,
      data: p.data,
      ...(p.origlen ? { origlen: p.origlen } : {}),
      comments: commentsFor(i),
      direction: DIRS[i % 3]!,
    }),
  );
  w.closeSync();
}

const PKTS = packets(40);

describe('round trip: what we write, we read back exactly', () => {
  for (const resolution of ['us', 'ns'] as const) {
    for (const order of ['LE', 'BE'] as const) {
      it(`classic pcap, ${resolution}, ${order}`, () => {
        const p = tmp('pcap');
        writePcap(p, PKTS, resolution, order);
        const recs = readAll(p);
        expect(recs).toHaveLength(PKTS.length);
        recs.forEach((r, i) => {
          const want = resolution === 'ns' ? PKTS[i]!.ts : (PKTS[i]!.ts / 1000n) * 1000n;
          expect(r.timestampNs).toBe(want);
          expect(hex(r.data)).toBe(hex(PKTS[i]!.data));
          expect(r.origlen).toBe(PKTS[i]!.origlen ?? PKTS[i]!.data.length);
        });
        const h = openCaptureFileSync(p).classicHeader!;
        expect(h).toMatchObject({ byteOrder: order, resolution, linkType: LINKTYPE_ETHERNET, snaplen: 262144 });
      });
    }
  }

  it('pcapng with three interfaces of different link types, comments and directions', () => {
    const p = tmp('pcapng');
    writeNg(p, PKTS);
    const r = openCaptureFileSync(p);
    const recs = [...r].map((x) => ({ ...x, data: x.copyData(), comments: [...x.comments], direction: x.direction }));
    expect(r.sections[0]).toMatchObject({ userAppl: 'wfp-bridge test', comments: ['section comment'] });
    expect(r.interfaces.map((i) => [i.linkType, i.name, i.description, i.tsresol])).toEqual(
      LINKS.map((l, i) => [l, NAMES[i], `interface ${i}`, 9]),
    );
    expect(recs).toHaveLength(PKTS.length);
    recs.forEach((x, i) => {
      expect(x.timestampNs).toBe(PKTS[i]!.ts);
      expect(x.interfaceId).toBe(i % 3);
      expect(x.linkType).toBe(LINKS[i % 3]);
      expect(hex(x.data)).toBe(hex(PKTS[i]!.data));
      expect(x.comments).toEqual(commentsFor(i));
      expect(x.direction).toBe(DIRS[i % 3]);
    });
  });

  it('coarser and power-of-two resolutions truncate, never round up', () => {
    for (const tsresol of [6, 3, 0x80 | 20, 0x80 | 32]) {
      const p = tmp('pcapng');
      const w = PcapngWriter.openSync(p);
      w.addInterface({ linkType: LINKTYPE_IPV4, tsresol, tsOffsetSeconds: 1_600_000_000n });
      for (const pk of PKTS.slice(1)) w.writePacket({ interfaceId: 0, timestampNs: pk.ts, data: pk.data });
      w.closeSync();
      const recs = readAll(p);
      recs.forEach((x, i) => {
        const ts = PKTS[i + 1]!.ts;
        expect(x.timestampNs).toBeLessThanOrEqual(ts);
        expect(ts - x.timestampNs).toBeLessThan(1_000_000n); // within one unit (≤ 1 ms here)
      });
    }
  });

  it('snaplen truncates what is written and keeps origlen', () => {
    const p = tmp('pcap');
    const w = PcapWriter.openSync(p, { linkType: 1, snaplen: 100 });
    w.writePacket({ timestampNs: 1n, data: frame(1, 300) });
    w.closeSync();
    const [x] = readAll(p);
    expect([x!.caplen, x!.origlen]).toEqual([100, 300]);
    expect(hex(x!.data)).toBe(hex(frame(1, 300).subarray(0, 100)));
  });
});

describe('read → write gives back the same file, byte for byte', () => {
  it('classic pcap (µs and ns, both byte orders)', () => {
    for (const resolution of ['us', 'ns'] as const) {
      for (const byteOrder of ['LE', 'BE'] as const) {
        const a = tmp('pcap');
        writePcap(a, PKTS, resolution, byteOrder);
        const r = openCaptureFileSync(a);
        const h = r.classicHeader!;
        const b = tmp('pcap');
        const w = PcapWriter.openSync(b, { linkType: h.linkType, snaplen: h.snaplen, resolution: h.resolution, byteOrder: h.byteOrder });
        for (const rec of r) w.writePacket({ timestampNs: rec.timestampNs, data: rec.data, origlen: rec.origlen });
        w.closeSync();
        expect(readFileSync(b).equals(readFileSync(a)), `${resolution} ${byteOrder}`).toBe(true);
      }
    }
  });

  it('pcapng: section, interfaces, packets, comments and flags', () => {
    const a = tmp('pcapng');
    writeNg(a, PKTS, 'BE');
    const r = openCaptureFileSync(a);
    const s = r.sections[0]!;
    const b = tmp('pcapng');
    const w = PcapngWriter.openSync(b, { userAppl: s.userAppl!, comments: s.comments, byteOrder: s.byteOrder });
    let added = 0;
    for (const rec of r) {
      // IDBs are read as the reader reaches them; all three precede the first packet here.
      for (; added < r.interfaces.length; added++) {
        const i = r.interfaces[added]!;
        w.addInterface({ linkType: i.linkType, snaplen: i.snaplen, name: i.name!, description: i.description!, tsresol: i.tsresol });
      }
      w.writePacket({ interfaceId: rec.interfaceId, timestampNs: rec.timestampNs, data: rec.data, origlen: rec.origlen, comments: rec.comments, ...(rec.flags !== undefined ? { flags: rec.flags } : {}) });
    }
    w.closeSync();
    expect(readFileSync(b).equals(readFileSync(a))).toBe(true);
  });

  it('fast-check: any packets (any u64 ns time, any bytes, any Unicode comments, any direction) round-trip', () => {
    const pkt = fc.record({
      ts: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      data: fc.uint8Array({ maxLength: 300 }),
      extra: fc.nat(100),
      // Trailing NULs are the one thing not kept: the reader drops them (some writers terminate strings).
      comments: fc.array(fc.string({ unit: 'grapheme', maxLength: 40 }).map((c) => c.replace(/\0+$/, '')), { maxLength: 3 }),
      direction: fc.constantFrom<PacketDirection>('inbound', 'outbound', 'unknown'),
      iface: fc.nat(2),
    });
    fc.assert(
      fc.property(fc.array(pkt, { maxLength: 30 }), fc.constantFrom<'LE' | 'BE'>('LE', 'BE'), (pkts, byteOrder) => {
        const p = tmp('pcapng');
        const w = PcapngWriter.openSync(p, { byteOrder });
        for (const l of LINKS) w.addInterface({ linkType: l });
        for (const k of pkts) {
          w.writePacket({ interfaceId: k.iface, timestampNs: k.ts, data: k.data, origlen: k.data.length + k.extra, comments: k.comments, direction: k.direction });
        }
        w.closeSync();
        const back = openCaptureFileSync(p);
        let i = 0;
        for (const rec of back) {
          const k = pkts[i++]!;
          expect(rec.timestampNs).toBe(k.ts);
          expect(hex(rec.data)).toBe(hex(k.data));
          expect(rec.origlen).toBe(k.data.length + k.extra);
          expect(rec.comments).toEqual(k.comments);
          expect(rec.direction).toBe(k.direction);
          expect(rec.linkType).toBe(LINKS[k.iface]);
        }
        expect(i).toBe(pkts.length);
      }),
      { numRuns: 150, seed: 7 },
    );
  });
});

describe('determinism', () => {
  it('the same input gives byte-identical files (pcap µs, pcap ns, pcapng)', () => {
    for (const kind of ['us', 'ns', 'ng'] as const) {
      const a = tmp('x');
      const b = tmp('x');
      for (const p of [a, b]) {
        if (kind === 'ng') writeNg(p, PKTS);
        else writePcap(p, PKTS, kind);
      }
      expect(readFileSync(a).equals(readFileSync(b)), kind).toBe(true);
    }
  });

  it('a Writable sink gets the same bytes as a descriptor', async () => {
    const viaFd = tmp('pcapng');
    writeNg(viaFd, PKTS);
    const viaStream = tmp('pcapng');
    const w = new PcapngWriter(createWriteStream(viaStream), { userAppl: 'wfp-bridge test', comments: ['section comment'], bufferSize: 512 });
    LINKS.forEach((linkType, i) => w.addInterface({ linkType, name: NAMES[i]!, description: `interface ${i}` }));
    for (const [i, p] of PKTS.entries()) {
      const ok = w.writePacket({ interfaceId: i % 3, timestampNs: p.ts, data: p.data, ...(p.origlen ? { origlen: p.origlen } : {}), comments: commentsFor(i), direction: DIRS[i % 3]! });
      if (!ok) await w.drain();
    }
    await w.close();
    expect(readFileSync(viaStream).equals(readFileSync(viaFd))).toBe(true);
  });

  it('writer → PassThrough → stream reader', async () => {
    const pipe = new PassThrough();
    const w = new PcapWriter(pipe, { linkType: 1, resolution: 'ns', bufferSize: 256 });
    const reading = (async () => {
      const r = await openCaptureStream(pipe, { bufferSize: 128 });
      const got: bigint[] = [];
      for await (const rec of r) got.push(rec.timestampNs);
      return got;
    })();
    for (const p of PKTS) if (!w.writePacket({ timestampNs: p.ts, data: p.data })) await w.drain();
    await w.close();
    expect(await reading).toEqual(PKTS.map((p) => p.ts));
  });
});

describe('bad arguments are PcapErrors', () => {
  it('negative or non-bigint timestamps, unknown interfaces, oversized comments, bad link types, closed writers', () => {
    const w = PcapngWriter.openSync(tmp('pcapng'));
    w.addInterface({ linkType: 1 });
    const bad: (() => unknown)[] = [
      () => w.writePacket({ interfaceId: 0, timestampNs: -1n, data: new Uint8Array(1) }),
      () => w.writePacket({ interfaceId: 0, timestampNs: 5 as unknown as bigint, data: new Uint8Array(1) }),
      () => w.writePacket({ interfaceId: 3, timestampNs: 1n, data: new Uint8Array(1) }),
      () => w.writePacket({ interfaceId: 0, timestampNs: 1n, data: new Uint8Array(1), comments: ['x'.repeat(70000)] }),
      () => w.addInterface({ linkType: 70000 }),
      () => w.addInterface({ linkType: 1, tsresol: 0x80 | 100 }),
      () => new PcapWriter(1, { linkType: -1 }),
      () => new PcapWriter(1, { linkType: 1, fcsLen: 3 }),
      () => PcapWriter.openSync(join(dir, 'no', 'such', 'dir.pcap'), { linkType: 1 }),
      () => {
        const c = PcapWriter.openSync(tmp('pcap'), { linkType: 1 });
        c.writePacket({ timestampNs: (1n << 32n) * 1_000_000_000n, data: new Uint8Array(1) });
      },
    ];
    for (const f of bad) expect(f).toThrow(PcapError);
    w.closeSync();
    expect(() => w.writePacket({ interfaceId: 0, timestampNs: 1n, data: new Uint8Array(1) })).toThrow(PcapError);
  });
});

describe.skipIf(!hasWireshark)(`Wireshark reads what we write${NEEDS_WIRESHARK}`, () => {
  for (const resolution of ['us', 'ns'] as const) {
    for (const order of ['LE', 'BE'] as const) {
      it(`classic pcap ${resolution} ${order}: capinfos count, tshark timestamps, lengths and bytes`, () => {
        const p = tmp('pcap');
        writePcap(p, PKTS, resolution, order);
        expect(capinfosCount(p)).toBe(PKTS.length);
        const t = tsharkFrames(p);
        expect(t).toHaveLength(PKTS.length);
        t.forEach((f, i) => {
          const ts = resolution === 'ns' ? PKTS[i]!.ts : (PKTS[i]!.ts / 1000n) * 1000n;
          expect(f.timeEpoch).toBe(formatEpochNs(ts));
          expect(f.hex).toBe(hex(PKTS[i]!.data));
          expect(f.len).toBe(PKTS[i]!.origlen ?? PKTS[i]!.data.length);
        });
        expect(capinfos(p)).toContain(resolution === 'ns' ? 'nanoseconds' : 'microseconds');
      });
    }
  }

  for (const order of ['LE', 'BE'] as const) {
    it(`pcapng ${order}: 3 interfaces, per-packet UTF-8 comments, direction flags, interface ids`, () => {
      const p = tmp('pcapng');
      writeNg(p, PKTS, order);
      expect(capinfosCount(p)).toBe(PKTS.length);
      const info = capinfos(p);
      expect(info).toContain('Number of interfaces in file: 3');
      for (const n of NAMES) expect(info).toContain(`Name = ${n}`);
      expect(info).toContain('Ethernet');
      expect(info).toContain('Raw IP');
      expect(info).toContain('Linux cooked-mode capture v2');
      expect(info).toContain('Capture application: wfp-bridge test');
      const t = tsharkFrames(p);
      expect(t).toHaveLength(PKTS.length);
      t.forEach((f, i) => {
        expect(f.timeEpoch).toBe(formatEpochNs(PKTS[i]!.ts));
        expect(f.hex).toBe(hex(PKTS[i]!.data));
        expect(f.interfaceId).toBe(i % 3);
        expect(f.comments).toEqual(commentsFor(i));
        const dir = DIRS[i % 3]!;
        expect(f.direction).toBe(dir === 'inbound' ? 1 : dir === 'outbound' ? 2 : undefined);
      });
    });
  }

  it('a classic pcap with the FCS bits set is read by tshark as Ethernet with FCS', () => {
    const p = tmp('pcap');
    const w = PcapWriter.openSync(p, { linkType: LINKTYPE_ETHERNET, fcsLen: 4 });
    w.writePacket({ timestampNs: 1n, data: frame(1, 64) });
    w.closeSync();
    expect(capinfosCount(p)).toBe(1);
    const r = openCaptureFileSync(p);
    expect(r.classicHeader!.fcsLen).toBe(4);
    expect(r.classicHeader!.linkType).toBe(LINKTYPE_ETHERNET);
  });
});
