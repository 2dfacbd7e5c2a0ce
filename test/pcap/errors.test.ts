/**
 * Damaged input: the reader throws nothing but PcapError, says which record/block and where, and in lenient mode
 * skips what it can and counts it. Truncation is tried at every byte offset of small valid files; fast-check throws
 * random mutations at both formats and both readers.
 */
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  PcapError,
  openCaptureFileSync,
  openCaptureStream,
  type PcapErrorCode,
  type ReaderOptions,
  type ReaderStats,
} from '../../src/pcap/index.js';
import {
  Bytes,
  block,
  concat,
  epb,
  frame,
  idb,
  isb,
  nrb,
  opt,
  pcapHeader,
  pcapRecord,
  shb,
  spb,
  strOpt,
  u32Opt,
  u64Opt,
  utf8,
} from './build.js';
import { collect, hex, type Collected } from './tools.js';

const dir = mkdtempSync(join(tmpdir(), 'pcap-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let seq = 0;

interface Outcome {
  recs: Collected[];
  error: unknown;
  stats: ReaderStats | undefined;
}

/** Reads a whole file, keeping what came out before any error. */
function attempt(bytes: Uint8Array, opts?: ReaderOptions): Outcome {
  const p = join(dir, `e${seq++}`);
  writeFileSync(p, bytes);
  const recs: Collected[] = [];
  let stats: ReaderStats | undefined;
  try {
    const r = openCaptureFileSync(p, { bufferSize: 64, ...opts });
    stats = r.stats as ReaderStats;
    for (const rec of r) recs.push(collect(rec));
    return { recs, error: undefined, stats };
  } catch (error) {
    return { recs, error, stats };
  }
}

async function attemptStream(bytes: Uint8Array, opts?: ReaderOptions, chunk = 7): Promise<Outcome> {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) chunks.push(Buffer.from(bytes.subarray(i, i + chunk)));
  const recs: Collected[] = [];
  let stats: ReaderStats | undefined;
  try {
    const r = await openCaptureStream(Readable.from(chunks), { bufferSize: 64, ...opts });
    stats = r.stats as ReaderStats;
    for await (const rec of r) recs.push(collect(rec));
    return { recs, error: undefined, stats };
  } catch (error) {
    return { recs, error, stats };
  }
}

function pcapErr(o: Outcome): PcapError {
  expect(o.error, 'expected a PcapError').toBeInstanceOf(PcapError);
  return o.error as PcapError;
}

// A small classic file: header + 4 records of varied sizes (record ends are the only valid cut points).
const classicRecords = [frame(1, 60), frame(2, 1), frame(3, 0), frame(4, 133)];
const classicParts = [pcapHeader('LE', false, 1), ...classicRecords.map((d, i) => pcapRecord('LE', 1_700_000_000 + i, i, d))];
const CLASSIC = concat(...classicParts);
const classicBoundaries = classicParts.reduce<number[]>((acc, p) => [...acc, (acc.at(-1) ?? 0) + p.length], []);

// A small pcapng file with most block kinds; packet blocks are EPBs and one SPB.
const ngParts = [
  shb('LE', [strOpt(4, 'errors test')]),
  idb('LE', 1, 0, [strOpt(2, 'eth0'), opt(9, [9])]),
  idb('LE', 101, 0),
  epb('LE', 0, 1_700_000_000_000_000_001n, frame(5, 60), [strOpt(1, 'hello ✓'), u32Opt(2, 1, 'LE')]),
  nrb('LE', [{ type: 1, value: concat(Uint8Array.of(10, 0, 0, 1), utf8('host\0')) }]),
  epb('LE', 1, 2n, frame(6, 21)),
  block('LE', 0x00000bad, new Uint8Array(12)),
  spb('LE', 40, frame(7, 40)),
  isb('LE', 0, 3n, [u64Opt(4, 2n, 'LE')]),
  epb('LE', 0, 1_700_000_000_000_000_009n, frame(8, 3)),
];
const PCAPNG = concat(...ngParts);
const ngBoundaries = ngParts.reduce<number[]>((acc, p) => [...acc, (acc.at(-1) ?? 0) + p.length], []);
const ngRecordsBefore = (end: number): number =>
  [3, 5, 7, 9].filter((i) => ngBoundaries[i]! <= end).length;

const TRUNCATED: PcapErrorCode[] = ['TRUNCATED_HEADER', 'TRUNCATED_RECORD', 'TRUNCATED_BLOCK'];

describe('truncation at every byte offset', () => {
  it('classic pcap: a valid prefix at record ends, else a TRUNCATED error naming the record and its offset', () => {
    const full = attempt(CLASSIC).recs;
    expect(full).toHaveLength(4);
    for (let cut = 0; cut < CLASSIC.length; cut++) {
      const bytes = CLASSIC.subarray(0, cut);
      const strict = attempt(bytes);
      const lenient = attempt(bytes, { lenient: true });
      const complete = classicBoundaries.slice(1).filter((b) => b <= cut).length;
      if (cut < 24) {
        expect(pcapErr(strict).code, `cut ${cut}`).toBe('TRUNCATED_HEADER');
        expect(pcapErr(lenient).code).toBe('TRUNCATED_HEADER'); // no header: nothing to be lenient about
        continue;
      }
      expect(strict.recs.map((r) => hex(r.data))).toEqual(full.slice(0, complete).map((r) => hex(r.data)));
      expect(lenient.recs).toEqual(strict.recs);
      if (classicBoundaries.includes(cut)) {
        expect(strict.error, `cut ${cut}`).toBeUndefined();
        expect(lenient.stats!.errorCount).toBe(0);
      } else {
        const e = pcapErr(strict);
        expect(e.code).toBe('TRUNCATED_RECORD');
        expect(e.recordIndex).toBe(complete);
        expect(e.offset).toBe(classicBoundaries[complete]);
        expect(lenient.error).toBeUndefined();
        expect(lenient.stats!.stoppedBy!.code).toBe('TRUNCATED_RECORD');
        expect(lenient.stats!.errorCount).toBe(1);
      }
    }
  });

  it('pcapng: a valid prefix at block ends, else a TRUNCATED error naming the block and its offset', () => {
    const full = attempt(PCAPNG).recs;
    expect(full).toHaveLength(4);
    for (let cut = 0; cut < PCAPNG.length; cut++) {
      const bytes = PCAPNG.subarray(0, cut);
      const strict = attempt(bytes);
      const lenient = attempt(bytes, { lenient: true });
      if (cut < ngBoundaries[0]!) {
        expect(TRUNCATED, `cut ${cut}`).toContain(pcapErr(strict).code);
        expect(pcapErr(lenient).code).toBe(pcapErr(strict).code);
        continue;
      }
      const complete = ngRecordsBefore(cut);
      expect(strict.recs.map((r) => hex(r.data)), `cut ${cut}`).toEqual(full.slice(0, complete).map((r) => hex(r.data)));
      expect(lenient.recs).toEqual(strict.recs);
      if (ngBoundaries.includes(cut)) {
        expect(strict.error, `cut ${cut}`).toBeUndefined();
      } else {
        const e = pcapErr(strict);
        expect(e.code, `cut ${cut}`).toBe('TRUNCATED_BLOCK');
        const blockNo = ngBoundaries.findIndex((b) => b > cut);
        expect(e.blockIndex).toBe(blockNo);
        expect(e.offset).toBe(ngBoundaries[blockNo - 1]);
        expect(e.recordIndex).toBe(complete);
        expect(lenient.error).toBeUndefined();
        expect(lenient.stats!.stoppedBy!.code).toBe('TRUNCATED_BLOCK');
      }
    }
  });

  it('the stream reader agrees with the sync reader on every cut', async () => {
    for (const file of [CLASSIC, PCAPNG]) {
      for (let cut = 0; cut < file.length; cut += 3) {
        for (const lenient of [false, true]) {
          const a = attempt(file.subarray(0, cut), { lenient });
          const b = await attemptStream(file.subarray(0, cut), { lenient });
          expect(b.recs).toEqual(a.recs);
          expect((b.error as PcapError | undefined)?.code).toBe((a.error as PcapError | undefined)?.code);
        }
      }
    }
  });
});

/** Overwrites a u32 (LE) at `at` in a copy. */
function patch32(bytes: Uint8Array, at: number, v: number): Uint8Array {
  const out = bytes.slice();
  new DataView(out.buffer).setUint32(at, v >>> 0, true);
  return out;
}

describe('corrupted lengths', () => {
  const rec2 = classicBoundaries[1]!; // offset of record #1 (0-based)

  it('classic: an absurd caplen stops the file (no resync is possible) with the record number', () => {
    const bad = patch32(CLASSIC, rec2 + 8, 0x7fffffff);
    const e = pcapErr(attempt(bad));
    expect(e.code).toBe('ABSURD_LENGTH');
    expect(e.recordIndex).toBe(1);
    expect(e.offset).toBe(rec2);
    const lenient = attempt(bad, { lenient: true });
    expect(lenient.error).toBeUndefined();
    expect(lenient.recs).toHaveLength(1);
    expect(lenient.stats!.stoppedBy!.code).toBe('ABSURD_LENGTH');
    expect(lenient.stats!.errorCount).toBe(1);
  });

  it('classic: a caplen over the 256 MiB hard cap is absurd even with a huge snaplen', () => {
    const bytes = concat(pcapHeader('LE', false, 1, 0xffffffff), new Bytes('LE').u32(0).u32(0).u32(300 << 20).u32(300 << 20).build());
    expect(pcapErr(attempt(bytes)).code).toBe('ABSURD_LENGTH');
  });

  it('classic: a caplen slightly wrong misframes the rest, which fails as a PcapError', () => {
    for (const delta of [1, 4, 17, -1]) {
      const o = attempt(patch32(CLASSIC, rec2 + 8, classicRecords[1]!.length + delta));
      expect(o.error === undefined || o.error instanceof PcapError).toBe(true);
    }
  });

  const epbAt = ngBoundaries[2]!; // the first EPB (block #3)
  const epbLen = ngParts[3]!.length;

  it('pcapng: leading ≠ trailing length is BLOCK_LENGTH_MISMATCH; lenient resyncs on the next block', () => {
    const bad = patch32(PCAPNG, epbAt + epbLen - 4, epbLen + 8);
    const e = pcapErr(attempt(bad));
    expect(e.code).toBe('BLOCK_LENGTH_MISMATCH');
    expect(e.blockIndex).toBe(3);
    expect(e.offset).toBe(epbAt);
    const lenient = attempt(bad, { lenient: true });
    expect(lenient.error).toBeUndefined();
    expect(lenient.recs).toHaveLength(3); // the damaged EPB is lost, the rest is found again
    expect(lenient.stats!.skipped).toBe(1);
    expect(lenient.stats!.resyncBytes).toBe(epbLen);
  });

  it('pcapng: a leading length that is not a multiple of 4, too small, or absurd', () => {
    for (const [len, code] of [
      [epbLen + 2, 'BAD_BLOCK_LENGTH'],
      [8, 'BAD_BLOCK_LENGTH'],
      [0xfffffff0, 'ABSURD_LENGTH'],
      [epbLen + 4, 'BLOCK_LENGTH_MISMATCH'],
    ] as const) {
      const bad = patch32(PCAPNG, epbAt + 4, len);
      const e = pcapErr(attempt(bad));
      expect(e.code, `length ${len}`).toBe(code);
      expect(e.blockIndex).toBe(3);
      const lenient = attempt(bad, { lenient: true });
      expect(lenient.error).toBeUndefined();
      expect(lenient.recs.length, `length ${len}`).toBe(3);
    }
  });

  it('pcapng: an EPB whose caplen exceeds its block is skipped in lenient mode', () => {
    const bad = patch32(PCAPNG, epbAt + 20, 1000);
    expect(pcapErr(attempt(bad)).code).toBe('BAD_BLOCK');
    const lenient = attempt(bad, { lenient: true });
    expect(lenient.recs).toHaveLength(3);
    expect(lenient.stats!.skipped).toBe(1);
    expect(lenient.stats!.resyncBytes).toBe(0); // framing was fine: only that block is dropped
  });

  it('pcapng: an option running past its block is BAD_BLOCK', () => {
    const at = epbAt + 28 + 60; // first option header after the 60-byte packet
    const bad = PCAPNG.slice();
    new DataView(bad.buffer).setUint16(at + 2, 500, true);
    const e = pcapErr(attempt(bad));
    expect(e.code).toBe('BAD_BLOCK');
    expect(e.blockIndex).toBe(3);
  });
});

describe('bad magic, versions, link types, interface ids', () => {
  it('empty and tiny files, unknown magic, gzip, Kuznetzov, bad pcapng byte-order magic', () => {
    expect(pcapErr(attempt(new Uint8Array(0))).code).toBe('TRUNCATED_HEADER');
    expect(pcapErr(attempt(Uint8Array.of(0xd4, 0xc3))).code).toBe('TRUNCATED_HEADER');
    expect(pcapErr(attempt(utf8('GET / HTTP/1.1\r\n\r\nnot a capture'))).code).toBe('BAD_MAGIC');
    expect(pcapErr(attempt(Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0))).message).toContain('gzip');
    expect(pcapErr(attempt(concat(Uint8Array.of(0x34, 0xcd, 0xb2, 0xa1), new Uint8Array(20)))).message).toContain('Kuznetzov');
    const badBom = patch32(PCAPNG, 8, 0x12345678);
    expect(pcapErr(attempt(badBom)).code).toBe('BAD_MAGIC');
    expect(pcapErr(attempt(badBom, { lenient: true })).code).toBe('BAD_MAGIC');
  });

  it('unsupported versions', () => {
    expect(pcapErr(attempt(pcapHeader('LE', false, 1, 65535, 3, 0))).code).toBe('UNSUPPORTED_VERSION');
    expect(pcapErr(attempt(shb('BE', [], 2))).code).toBe('UNSUPPORTED_VERSION');
    // A later section of an unknown version ends the file in lenient mode: its blocks cannot be placed.
    const later = concat(shb('LE'), idb('LE', 1, 0), epb('LE', 0, 1n, frame(1, 10)), shb('LE', [], 2), idb('LE', 1, 0));
    expect(pcapErr(attempt(later)).code).toBe('UNSUPPORTED_VERSION');
    const l = attempt(later, { lenient: true });
    expect(l.recs).toHaveLength(1);
    expect(l.stats!.stoppedBy!.code).toBe('UNSUPPORTED_VERSION');
  });

  it('an IDB with an unknown link type: strict error with the number; lenient skips its packets only', () => {
    const bytes = concat(shb('LE'), idb('LE', 1, 0), idb('LE', 3333, 0), epb('LE', 1, 1n, frame(1, 10)), epb('LE', 0, 2n, frame(2, 10)));
    const e = pcapErr(attempt(bytes));
    expect(e.code).toBe('UNKNOWN_LINK_TYPE');
    expect(e.linkType).toBe(3333);
    expect(e.message).toContain('3333');
    expect(e.blockIndex).toBe(2);
    const l = attempt(bytes, { lenient: true });
    expect(l.recs.map((r) => r.interfaceId)).toEqual([0]);
    expect(l.stats!.skipped).toBe(2); // the IDB's error and its one packet
    expect(l.stats!.errorCount).toBe(1);
    expect(attempt(bytes, { allowUnknownLinkTypes: true }).recs).toHaveLength(2);
  });

  it('a packet naming an interface the section does not have: BAD_INTERFACE_ID with block and record numbers', () => {
    const bytes = concat(shb('LE'), idb('LE', 1, 0), epb('LE', 0, 1n, frame(1, 10)), epb('LE', 7, 2n, frame(2, 10)), epb('LE', 0, 3n, frame(3, 10)));
    const e = pcapErr(attempt(bytes));
    expect(e.code).toBe('BAD_INTERFACE_ID');
    expect(e.blockIndex).toBe(3);
    expect(e.recordIndex).toBe(1);
    expect(e.message).toContain('7');
    const l = attempt(bytes, { lenient: true });
    expect(l.recs.map((r) => r.timestampNs)).toEqual([1000n, 3000n]);
    expect(l.stats!.skipped).toBe(1);
    // An SPB before any IDB has no interface 0 either.
    expect(pcapErr(attempt(concat(shb('LE'), spb('LE', 4, frame(1, 4))))).code).toBe('BAD_INTERFACE_ID');
  });

  it('unknown block types are not errors', () => {
    const bytes = concat(shb('LE'), block('LE', 0x12345, utf8('whatever')), idb('LE', 1, 0), block('LE', 0x7fffffff, new Uint8Array(0)), epb('LE', 0, 1n, frame(1, 10)));
    const o = attempt(bytes);
    expect(o.error).toBeUndefined();
    expect(o.recs).toHaveLength(1);
    expect(o.stats!.ignoredBlocks).toBe(2);
  });
});

describe('I/O failures are PcapErrors too', () => {
  it('a missing file', () => {
    expect(() => openCaptureFileSync(join(dir, 'does-not-exist.pcap'))).toThrow(PcapError);
  });

  it('a stream that fails midway, and one that yields strings', async () => {
    async function* failing() {
      yield Buffer.from(CLASSIC.subarray(0, 50));
      throw new Error('disk on fire');
    }
    const r = await openCaptureStream(failing());
    const out = await (async () => {
      try {
        for await (const _ of r) void _;
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(out).toBeInstanceOf(PcapError);
    expect((out as PcapError).code).toBe('IO');
    expect((out as PcapError).message).toContain('disk on fire');
    const s = await attemptStreamOf(Readable.from(['not', 'bytes'], { objectMode: true }));
    expect((s as PcapError).code).toBe('IO');
  });
});

async function attemptStreamOf(stream: Readable): Promise<unknown> {
  try {
    const r = await openCaptureStream(stream);
    for await (const _ of r) void _;
  } catch (e) {
    return e;
  }
  return undefined;
}

/** Mutations: flip bytes, overwrite u32s with nasty values, cut, splice. */
const mutation = (len: number) =>
  fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(len - 1), v: fc.integer({ min: 0, max: 255 }) }),
    fc.record({
      kind: fc.constant('u32' as const),
      at: fc.nat(Math.max(0, len - 4)),
      v: fc.constantFrom(0, 1, 3, 4, 8, 12, 0x7fffffff, 0xffffffff, 0x0a0d0d0a, 0x1a2b3c4d, 6, 0xa1b2c3d4, 65536),
    }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat(len), v: fc.constant(0) }),
    fc.record({ kind: fc.constant('dup' as const), at: fc.nat(len - 1), v: fc.integer({ min: 1, max: 64 }) }),
  );

type Mutation = { kind: 'flip' | 'u32' | 'cut' | 'dup'; at: number; v: number };

function mutate(bytes: Uint8Array, muts: Mutation[]): Uint8Array {
  let b: Uint8Array = bytes.slice();
  for (const m of muts) {
    const at = Math.min(m.at, Math.max(0, b.length - 1));
    if (m.kind === 'flip' && b.length) b[at] = m.v;
    else if (m.kind === 'u32' && b.length >= at + 4) new DataView(b.buffer).setUint32(at, m.v >>> 0, true);
    else if (m.kind === 'cut') b = b.slice(0, at);
    else if (m.kind === 'dup') b = concat(b.subarray(0, at), b.subarray(at, at + m.v), b.subarray(at));
  }
  return b;
}

/** A lenient reader may only throw about the file header (nothing after it is fatal). */
function headerLevel(e: PcapError, bytes: Uint8Array): boolean {
  if (e.code === 'TRUNCATED_HEADER' || e.code === 'BAD_MAGIC' || e.code === 'UNSUPPORTED_VERSION') return true;
  const isNg = bytes.length >= 4 && bytes[0] === 0x0a && bytes[1] === 0x0d;
  return isNg ? e.blockIndex === 0 : (e.offset ?? 0) < 24;
}

describe('fast-check: random damage never escapes as anything but PcapError', () => {
  for (const [name, base] of [
    ['classic', CLASSIC],
    ['pcapng', PCAPNG],
  ] as const) {
    it(`${name}, sync reader, strict and lenient`, () => {
      fc.assert(
        fc.property(fc.array(mutation(base.length), { minLength: 1, maxLength: 4 }), (muts) => {
          const bytes = mutate(base, muts);
          const strict = attempt(bytes, { bufferSize: 64 + (muts.length % 3) * 100 });
          if (strict.error !== undefined && !(strict.error instanceof PcapError)) return false;
          if (strict.error instanceof PcapError && strict.error.code !== 'TRUNCATED_HEADER' && strict.error.code !== 'BAD_MAGIC') {
            // Past the header every error says where: a record or block number and an offset.
            if (strict.error.offset === undefined) return false;
            if (strict.error.recordIndex === undefined && strict.error.blockIndex === undefined && strict.error.offset >= 28) return false;
          }
          const lenient = attempt(bytes, { lenient: true });
          if (lenient.error !== undefined) {
            if (!(lenient.error instanceof PcapError) || !headerLevel(lenient.error, bytes)) return false;
          } else {
            // Lenient gives at least what strict gave before failing.
            if (lenient.recs.length < strict.recs.length) return false;
            if (lenient.stats!.errorCount !== lenient.stats!.errors.length && lenient.stats!.errors.length < 100) return false;
          }
          return true;
        }),
        { numRuns: 400, seed: 20261122 },
      );
    });

    it(`${name}, stream reader agrees with the sync reader`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(mutation(base.length), { minLength: 1, maxLength: 3 }), fc.integer({ min: 1, max: 40 }), async (muts, chunk) => {
          const bytes = mutate(base, muts);
          for (const lenient of [false, true]) {
            const a = attempt(bytes, { lenient });
            const b = await attemptStream(bytes, { lenient }, chunk);
            if (b.error !== undefined && !(b.error instanceof PcapError)) return false;
            expect(b.recs).toEqual(a.recs);
            expect((b.error as PcapError | undefined)?.code).toBe((a.error as PcapError | undefined)?.code);
          }
          return true;
        }),
        { numRuns: 100, seed: 42 },
      );
    });
  }
});
