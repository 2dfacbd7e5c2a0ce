/**
 * Format features one by one, on hand-assembled files (test/pcap/build.ts, independent of our writers): both classic
 * magics in both byte orders, the FCS bits of the link-type field, and every pcapng block and option the reader
 * interprets, including the ones Wireshark's tools rarely write (power-of-two resolutions, if_tsoffset, SPB, the
 * obsolete PB, NRB, ISB, custom blocks, several sections of different byte orders).
 */
import { closeSync, mkdtempSync, openSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import {
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_RAW,
  PcapError,
  formatEpochNs,
  openCaptureFdSync,
  openCaptureFileSync,
  openCaptureStream,
  type ReaderOptions,
} from '../../src/pcap/index.js';
import {
  block,
  concat,
  epb,
  frame,
  idb,
  isb,
  nrb,
  opt,
  pb,
  pcapHeader,
  pcapRecord,
  shb,
  spb,
  strOpt,
  u32Opt,
  u64Opt,
  utf8,
  type Order,
} from './build.js';
import { collect, hex, type Collected } from './tools.js';

const dir = mkdtempSync(join(tmpdir(), 'pcap-formats-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

function file(bytes: Uint8Array): string {
  const p = join(dir, `f${n++}`);
  writeFileSync(p, bytes);
  return p;
}

function readBytes(bytes: Uint8Array, opts?: ReaderOptions) {
  const r = openCaptureFileSync(file(bytes), opts);
  const recs: Collected[] = [...r].map(collect);
  return { r, recs };
}

describe('classic pcap', () => {
  for (const order of ['LE', 'BE'] as Order[]) {
    for (const nano of [false, true]) {
      it(`${order} ${nano ? 'nanosecond' : 'microsecond'} magic: header fields and records`, () => {
        const a = frame(1, 60);
        const b = frame(2, 1514);
        const bytes = concat(
          pcapHeader(order, nano, LINKTYPE_ETHERNET, 1600),
          pcapRecord(order, 1700000000, nano ? 123456789 : 123456, a),
          pcapRecord(order, 1700000001, nano ? 999999999 : 999999, b, 9000, 1514),
        );
        const { r, recs } = readBytes(bytes);
        expect(r.format).toBe('pcap');
        expect(r.classicHeader).toMatchObject({ byteOrder: order, resolution: nano ? 'ns' : 'us', snaplen: 1600, linkType: 1 });
        expect(r.interfaces).toHaveLength(1);
        expect(r.interfaces[0]!.unitsPerSecond).toBe(nano ? 1_000_000_000n : 1_000_000n);
        expect(recs.map((x) => formatEpochNs(x.timestampNs))).toEqual(
          nano ? ['1700000000.123456789', '1700000001.999999999'] : ['1700000000.123456000', '1700000001.999999000'],
        );
        expect(recs[1]).toMatchObject({ caplen: 1514, origlen: 9000, linkType: 1, interfaceIndex: 0, recordIndex: 1 });
        expect(hex(recs[0]!.data)).toBe(hex(a));
        expect(hex(recs[1]!.data)).toBe(hex(b));
      });
    }
  }

  it('link-type field: the FCS bits are decoded and masked off the link type', () => {
    // LINKTYPE_ETHERNET with "4 bytes of FCS": 2 words in bits 28-31, the P bit 0x04000000.
    const field = (2 << 28) | 0x04000000 | LINKTYPE_ETHERNET;
    const { r } = readBytes(pcapHeader('LE', false, field >>> 0));
    expect(r.classicHeader!.linkType).toBe(LINKTYPE_ETHERNET);
    expect(r.classicHeader!.fcsLen).toBe(4);
    expect(r.classicHeader!.linkTypeField).toBe(field >>> 0);
    expect(r.interfaces[0]!.fcsLen).toBe(4);
    const { r: plain } = readBytes(pcapHeader('LE', false, LINKTYPE_RAW));
    expect(plain.classicHeader!.fcsLen).toBeUndefined();
    expect(plain.classicHeader!.linkType).toBe(LINKTYPE_RAW);
  });

  it('a record longer than the snaplen but within libpcap\'s 262144 allowance is read', () => {
    const big = frame(3, 2000);
    const { recs } = readBytes(concat(pcapHeader('LE', false, 1, 1500), pcapRecord('LE', 1, 0, big)));
    expect(recs[0]!.caplen).toBe(2000);
  });

  it('an empty capture (header only) has no records and no errors', () => {
    const { r, recs } = readBytes(pcapHeader('BE', true, LINKTYPE_IPV4));
    expect(recs).toEqual([]);
    expect(r.stats.errorCount).toBe(0);
  });

  it('unknown link types are refused with the number, or accepted when asked', () => {
    const bytes = pcapHeader('LE', false, 4242);
    const err = (() => {
      try {
        readBytes(bytes);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(PcapError);
    expect((err as PcapError).code).toBe('UNKNOWN_LINK_TYPE');
    expect((err as PcapError).linkType).toBe(4242);
    expect((err as PcapError).message).toContain('4242');
    expect(readBytes(bytes, { allowUnknownLinkTypes: true }).r.classicHeader!.linkType).toBe(4242);
  });

  it('reads from a descriptor the caller owns, leaving it open', () => {
    const p = file(concat(pcapHeader('LE', false, 1), pcapRecord('LE', 5, 6, frame(4, 42))));
    const fd = openSync(p, 'r');
    const r = openCaptureFdSync(fd);
    expect([...r].length).toBe(1);
    r.close();
    closeSync(fd); // still ours to close: would throw EBADF if the reader had closed it
  });
});

describe('pcapng', () => {
  it('SHB options, IDB options (name, description, tsresol, tsoffset, fcslen), EPB options', () => {
    for (const order of ['LE', 'BE'] as Order[]) {
      const data = frame(5, 74);
      const bytes = concat(
        shb(order, [strOpt(1, 'section comment'), strOpt(2, 'hw'), strOpt(3, 'Linux'), strOpt(4, 'hand-built')]),
        idb(order, LINKTYPE_ETHERNET, 262144, [
          strOpt(2, 'veth0'),
          strOpt(3, 'lab side A'),
          opt(9, [9]),
          u64Opt(14, 100n, order),
          opt(13, [32]),
          strOpt(1, 'interface comment'),
        ]),
        epb(order, 0, 1_700_000_000_123_456_789n, data, [
          strOpt(1, 'first ✓'),
          strOpt(1, 'second'),
          u32Opt(2, 0x2 | (3 << 2), order),
          u64Opt(4, 7n, order),
          opt(3, [2, 0xde, 0xad, 0xbe, 0xef]),
          u64Opt(5, 99n, order),
          u32Opt(6, 3, order),
        ]),
      );
      const { r, recs } = readBytes(bytes);
      expect(r.format).toBe('pcapng');
      expect(r.sections[0]).toMatchObject({
        byteOrder: order,
        versionMajor: 1,
        sectionLength: -1n,
        hardware: 'hw',
        os: 'Linux',
        userAppl: 'hand-built',
        comments: ['section comment'],
      });
      expect(r.interfaces[0]).toMatchObject({
        linkType: 1,
        snaplen: 262144,
        name: 'veth0',
        description: 'lab side A',
        tsresol: 9,
        unitsPerSecond: 1_000_000_000n,
        tsOffsetSeconds: 100n,
        fcsLen: 32,
        comments: ['interface comment'],
      });
      const rec = recs[0]!;
      expect(formatEpochNs(rec.timestampNs)).toBe('1700000100.123456789'); // + if_tsoffset
      expect(rec.comments).toEqual(['first ✓', 'second']);
      expect(rec.flags).toBe(0x2 | (3 << 2));
      expect(rec.dropCount).toBe(7n);
      expect(hex(rec.data)).toBe(hex(data));
      const live = openCaptureFileSync(file(bytes));
      const first = live.read()!;
      expect(first.direction).toBe('outbound');
      expect(first.hashes!.map((h) => hex(h))).toEqual(['02deadbeef']);
      expect(first.packetId).toBe(99n);
      expect(first.queue).toBe(3);
      live.close();
    }
  });

  it('if_tsresol: powers of ten (coarser and finer than ns) and powers of two', () => {
    const cases: [number, bigint, string][] = [
      [6, 1_700_000_000_123_456n, '1700000000.123456000'], // default spelled out
      [3, 1_700_000_000_123n, '1700000000.123000000'],
      [0, 1_700_000_000n, '1700000000.000000000'],
      [12, 5_123_456_789_012n, '5.123456789'], // picoseconds truncate to ns (a u64 of ps spans only ~213 days)
      [0x80 | 10, (1_700_000_000n << 10n) + 512n, '1700000000.500000000'], // 2^-10 s units: 512/1024 = .5
      [0x80 | 30, (1_700_000_000n << 30n) + (1n << 28n), '1700000000.250000000'],
    ];
    for (const [tsresol, units, want] of cases) {
      const bytes = concat(shb('LE'), idb('LE', 1, 0, [opt(9, [tsresol])]), epb('LE', 0, units, frame(6, 20)));
      const { r, recs } = readBytes(bytes);
      expect(formatEpochNs(recs[0]!.timestampNs), `tsresol 0x${tsresol.toString(16)}`).toBe(want);
      expect(r.interfaces[0]!.tsresol).toBe(tsresol);
    }
    // No if_tsresol at all: microseconds.
    const { recs } = readBytes(concat(shb('LE'), idb('LE', 1, 0), epb('LE', 0, 1_700_000_000_000_001n, frame(7, 20))));
    expect(formatEpochNs(recs[0]!.timestampNs)).toBe('1700000000.000001000');
  });

  it('SPB: interface 0, origlen, caplen = min(origlen, snaplen, what the block holds)', () => {
    const data = frame(8, 100);
    const bytes = concat(
      shb('BE'),
      idb('BE', LINKTYPE_RAW, 62),
      spb('BE', 100, data.subarray(0, 62)), // truncated to snaplen by the writer; the block pads it to 64
      spb('BE', 30, data.subarray(0, 32)), // 30-byte packet, padded to 32
    );
    const { recs } = readBytes(bytes);
    expect(recs.map((x) => [x.caplen, x.origlen, x.interfaceId, x.linkType, x.timestampNs])).toEqual([
      [62, 100, 0, LINKTYPE_RAW, 0n], // not 64: the padding is not packet
      [30, 30, 0, LINKTYPE_RAW, 0n],
    ]);
    expect(hex(recs[1]!.data)).toBe(hex(data.subarray(0, 30)));
  });

  it('obsolete Packet Block: 16-bit interface id and drop count, flags', () => {
    const bytes = concat(shb('LE'), idb('LE', 1, 0), idb('LE', LINKTYPE_RAW, 0), pb('LE', 1, 3, 1_000_000n, frame(9, 40), [u32Opt(2, 1, 'LE')]));
    const { recs } = readBytes(bytes);
    expect(recs[0]).toMatchObject({ interfaceId: 1, linkType: LINKTYPE_RAW, dropCount: 3n, flags: 1, timestampNs: 1_000_000_000n });
  });

  it('NRB and ISB are parsed; custom, DSB, local-use and unknown blocks are stepped over by length', () => {
    const bytes = concat(
      shb('LE'),
      idb('LE', 1, 0),
      nrb(
        'LE',
        [
          { type: 1, value: concat(Uint8Array.of(10, 77, 0, 1), utf8('a.lab\0alias.lab\0')) },
          { type: 2, value: concat(new Uint8Array(15), Uint8Array.of(1), utf8('v6.lab\0')) },
        ],
        [strOpt(2, 'dns.lab'), strOpt(1, 'names comment')],
      ),
      block('LE', 0x00000bad, concat(Uint8Array.of(0, 0, 0x7e, 0x9d), utf8('private enterprise data'))),
      block('LE', 0x40000bad, utf8('do not copy')),
      block('LE', 0x0000000a, utf8('TLSK....secrets')),
      block('LE', 0x80001234, utf8('local use')),
      block('LE', 0x00000077, new Uint8Array(0)), // unknown, empty body
      epb('LE', 0, 5n, frame(10, 60)),
      isb('LE', 0, 6n, [u64Opt(4, 1000n, 'LE'), u64Opt(5, 2n, 'LE'), strOpt(1, 'stats')]),
    );
    const { r, recs } = readBytes(bytes);
    expect(recs).toHaveLength(1);
    expect(r.stats.ignoredBlocks).toBe(5);
    expect(r.stats.errorCount).toBe(0);
    expect(r.names.map((x) => [x.family, hex(x.address), x.names, x.comments])).toEqual([
      ['ipv4', '0a4d0001', ['a.lab', 'alias.lab'], ['names comment']],
      ['ipv6', '00000000000000000000000000000001', ['v6.lab'], ['names comment']],
    ]);
    expect(r.interfaces[0]!.statistics).toMatchObject({ timestampNs: 6000n, ifRecv: 1000n, ifDrop: 2n, comments: ['stats'] });
  });

  it('several sections, each with its own byte order and interface numbering', () => {
    const bytes = concat(
      shb('LE', [strOpt(4, 'first')]),
      idb('LE', LINKTYPE_ETHERNET, 0, [strOpt(2, 'eth0')]),
      idb('LE', LINKTYPE_RAW, 0, [strOpt(2, 'tun0')]),
      epb('LE', 1, 1n, frame(11, 20)),
      shb('BE', [strOpt(4, 'second')], 1, 123n),
      idb('BE', LINKTYPE_LINUX_SLL2, 0, [strOpt(2, 'any'), opt(9, [9])]),
      epb('BE', 0, 2n, frame(12, 20)),
      epb('BE', 0, 3n, frame(13, 20)),
    );
    const { r, recs } = readBytes(bytes);
    expect(r.sections.map((s) => [s.byteOrder, s.userAppl, s.sectionLength])).toEqual([
      ['LE', 'first', -1n],
      ['BE', 'second', 123n],
    ]);
    expect(r.interfaces.map((i) => [i.index, i.sectionIndex, i.id, i.name])).toEqual([
      [0, 0, 0, 'eth0'],
      [1, 0, 1, 'tun0'],
      [2, 1, 0, 'any'],
    ]);
    expect(recs.map((x) => [x.interfaceIndex, x.interfaceId, x.sectionIndex, x.linkType, x.timestampNs])).toEqual([
      [1, 1, 0, LINKTYPE_RAW, 1000n],
      [2, 0, 1, LINKTYPE_LINUX_SLL2, 2n],
      [2, 0, 1, LINKTYPE_LINUX_SLL2, 3n],
    ]);
  });

  it('an option list without opt_endofopt is accepted (the block end ends it)', () => {
    const body = (order: Order) => {
      const e = epb(order, 0, 1n, frame(14, 8), [strOpt(1, 'no end marker')]);
      return e;
    };
    const { recs } = readBytes(concat(shb('LE'), idb('LE', 1, 0), body('LE')));
    expect(recs[0]!.comments).toEqual(['no end marker']);
  });

  it('the stream reader handles sections, NRB and custom blocks the same way', async () => {
    const bytes = concat(shb('BE'), idb('BE', 1, 0), block('BE', 0xbad, new Uint8Array(8)), epb('BE', 0, 1n, frame(15, 33)), shb('LE'), idb('LE', 101, 0), epb('LE', 0, 2n, frame(16, 7)));
    const sync = readBytes(bytes).recs;
    const r = await openCaptureStream(Readable.from([Buffer.from(bytes.subarray(0, 5)), Buffer.from(bytes.subarray(5))]));
    const got: Collected[] = [];
    for await (const rec of r) got.push(collect(rec));
    expect(got).toEqual(sync);
    expect(r.sections).toHaveLength(2);
  });
});
