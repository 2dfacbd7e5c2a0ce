/**
 * pcapng writer: one section (SHB with shb_userappl and friends), any number of interfaces each with its own link
 * type, name and timestamp resolution (nanoseconds unless told otherwise), and EPBs with per-packet comments and
 * direction flags. This is what replay writes its verdicts into, so output depends only on the inputs: no clock, no
 * host name, no OS string unless the caller passes one.
 */
import { openSync } from 'node:fs';
import { PcapError, ioError } from './errors.js';
import {
  BLK_TOTAL_LENGTH,
  BLK_TYPE,
  BT_EPB,
  BT_IDB,
  BT_ISB,
  BT_SHB,
  BYTE_ORDER_MAGIC,
  EPB_CAPLEN,
  EPB_DATA,
  EPB_DROPCOUNT,
  EPB_FLAGS,
  EPB_INTERFACE_ID,
  EPB_ORIGLEN,
  EPB_TS_HIGH,
  EPB_TS_LOW,
  IDB_LINKTYPE,
  IDB_OPTIONS,
  IDB_RESERVED,
  IDB_SNAPLEN,
  IF_DESCRIPTION,
  IF_FCSLEN,
  IF_FILTER,
  IF_HARDWARE,
  IF_NAME,
  IF_OS,
  IF_TSOFFSET,
  IF_TSRESOL,
  ISB_ENDTIME,
  ISB_IFDROP,
  ISB_IFRECV,
  ISB_INTERFACE_ID,
  ISB_OPTIONS,
  ISB_TS_HIGH,
  ISB_TS_LOW,
  OPT_COMMENT,
  OPT_ENDOFOPT,
  OPT_HEADER_LEN,
  PCAPNG_VERSION_MAJOR,
  PCAPNG_VERSION_MINOR,
  SHB_BYTE_ORDER_MAGIC,
  SHB_HARDWARE,
  SHB_OPTIONS,
  SHB_OS,
  SHB_SECTION_LENGTH,
  SHB_USERAPPL,
  SHB_VERSION_MAJOR,
  SHB_VERSION_MINOR,
  TSRESOL_POW2,
} from './pcapng-format.js';
import { NS_PER_SECOND, flagsOfDirection, type PacketDirection } from './record.js';
import { BufferedOutput, checkUint, littleEndianFor, type ByteOrderOption, type ByteSink } from './writer-sink.js';

export interface PcapngWriterOptions {
  /** shb_userappl; default 'wfp-bridge'. */
  userAppl?: string;
  /** shb_os, shb_hardware: omitted unless given, so output does not depend on the machine. */
  os?: string;
  hardware?: string;
  /** Section comments (opt_comment in the SHB). */
  comments?: readonly string[];
  byteOrder?: ByteOrderOption;
  bufferSize?: number;
}

export interface PcapngInterfaceOptions {
  linkType: number;
  /** 0 means "no limit" (the default); packets longer than a non-zero snaplen are truncated to it. */
  snaplen?: number;
  name?: string;
  description?: string;
  os?: string;
  hardware?: string;
  /** A libpcap filter expression that was applied. */
  filter?: string;
  /**
   * The raw if_tsresol byte: k for 10^-k seconds, or 0x80|k for 2^-k. Default 9 (nanoseconds), so timestamps
   * round-trip exactly.
   */
  tsresol?: number;
  /** if_tsoffset: whole seconds subtracted from every timestamp before it is written (and added back on read). */
  tsOffsetSeconds?: bigint;
  /** if_fcslen, written as given. */
  fcsLen?: number;
  comments?: readonly string[];
}

export interface PcapngPacketToWrite {
  interfaceId: number;
  timestampNs: bigint;
  data: Uint8Array;
  origlen?: number;
  /** Per-packet opt_comment values (UTF-8, each at most 65535 bytes encoded). */
  comments?: readonly string[];
  /** Sets epb_flags bits 0-1; combined with `flags` when both are given. */
  direction?: PacketDirection;
  /** Raw epb_flags (reception type, FCS length, link errors). */
  flags?: number;
  dropCount?: bigint;
}

interface Option {
  code: number;
  value: Uint8Array;
}

const U32_MAX = 0xffffffff;
const U64_MAX = (1n << 64n) - 1n;
const OPT_VALUE_MAX = 0xffff;

function pad4(n: number): number {
  return (n + 3) & ~3;
}

function textOption(code: number, text: string, what: string): Option {
  const value = Buffer.from(text, 'utf8');
  if (value.length > OPT_VALUE_MAX) {
    throw new PcapError('BAD_ARGUMENT', `${what} is ${value.length} bytes of UTF-8; an option holds at most ${OPT_VALUE_MAX}`);
  }
  return { code, value };
}

function optionsSize(opts: readonly Option[]): number {
  if (opts.length === 0) return 0;
  let n = OPT_HEADER_LEN; // opt_endofopt
  for (const o of opts) n += OPT_HEADER_LEN + pad4(o.value.length);
  return n;
}

interface IfaceScale {
  linkType: number;
  snaplen: number;
  pow2: boolean;
  k: bigint;
  offsetNs: bigint;
}

export class PcapngWriter {
  private readonly out: BufferedOutput;
  private readonly le: boolean;
  private readonly ifaces: IfaceScale[] = [];
  private count = 0;

  constructor(sink: ByteSink, opts: PcapngWriterOptions = {}, ownsFd = false) {
    this.le = littleEndianFor(opts.byteOrder);
    this.out = new BufferedOutput(sink, opts.bufferSize, ownsFd);
    const options: Option[] = [];
    for (const c of opts.comments ?? []) options.push(textOption(OPT_COMMENT, c, 'a section comment'));
    if (opts.hardware !== undefined) options.push(textOption(SHB_HARDWARE, opts.hardware, 'shb_hardware'));
    if (opts.os !== undefined) options.push(textOption(SHB_OS, opts.os, 'shb_os'));
    options.push(textOption(SHB_USERAPPL, opts.userAppl ?? 'wfp-bridge', 'shb_userappl'));
    const len = SHB_OPTIONS + optionsSize(options) + 4;
    const at = this.beginBlock(BT_SHB, len);
    const dv = this.out.dv;
    dv.setUint32(at + SHB_BYTE_ORDER_MAGIC, BYTE_ORDER_MAGIC, this.le);
    dv.setUint16(at + SHB_VERSION_MAJOR, PCAPNG_VERSION_MAJOR, this.le);
    dv.setUint16(at + SHB_VERSION_MINOR, PCAPNG_VERSION_MINOR, this.le);
    // -1: unknown. A streaming writer cannot know the section length when it writes the header.
    dv.setBigInt64(at + SHB_SECTION_LENGTH, -1n, this.le);
    this.endBlock(at, len, this.writeOptions(at + SHB_OPTIONS, options));
  }

  static openSync(path: string, opts: PcapngWriterOptions = {}): PcapngWriter {
    let fd: number;
    try {
      fd = openSync(path, 'w');
    } catch (err) {
      throw ioError(`cannot create ${path}`, err);
    }
    return new PcapngWriter(fd, opts, true);
  }

  get packetsWritten(): number {
    return this.count;
  }

  get interfaceCount(): number {
    return this.ifaces.length;
  }

  get bytesWritten(): number {
    return this.out.written;
  }

  /** Reserves a whole block of `len` bytes and writes its type and leading length; returns the block's offset. */
  private beginBlock(type: number, len: number): number {
    const at = this.out.reserve(len);
    this.out.dv.setUint32(at + BLK_TYPE, type, this.le);
    this.out.dv.setUint32(at + BLK_TOTAL_LENGTH, len, this.le);
    return at;
  }

  /** Writes the trailing length (after checking the body ended where the length said) and commits the block. */
  private endBlock(at: number, len: number, bodyEnd: number): void {
    if (bodyEnd !== at + len - 4) throw new Error(`pcapng writer internal error: block body ends at ${bodyEnd - at} of ${len}`);
    this.out.dv.setUint32(at + len - 4, len, this.le);
    this.out.commit(len);
  }

  private writeOptions(at: number, options: readonly Option[]): number {
    if (options.length === 0) return at;
    const { buf, dv } = this.out;
    for (const o of options) {
      dv.setUint16(at, o.code, this.le);
      dv.setUint16(at + 2, o.value.length, this.le);
      buf.set(o.value, at + OPT_HEADER_LEN);
      const padded = pad4(o.value.length);
      buf.fill(0, at + OPT_HEADER_LEN + o.value.length, at + OPT_HEADER_LEN + padded);
      at += OPT_HEADER_LEN + padded;
    }
    dv.setUint16(at, OPT_ENDOFOPT, this.le);
    dv.setUint16(at + 2, 0, this.le);
    return at + OPT_HEADER_LEN;
  }

  private u64Option(code: number, v: bigint, signed = false): Option {
    const value = new Uint8Array(8);
    const dv = new DataView(value.buffer);
    if (signed) dv.setBigInt64(0, v, this.le);
    else dv.setBigUint64(0, v, this.le);
    return { code, value };
  }

  /** Writes an IDB and returns the new interface's id (0, 1, 2, … in the order added). */
  addInterface(opts: PcapngInterfaceOptions): number {
    checkUint('linkType', opts.linkType, 0xffff);
    const snaplen = opts.snaplen ?? 0;
    checkUint('snaplen', snaplen, U32_MAX);
    const tsresol = opts.tsresol ?? 9;
    checkUint('tsresol', tsresol, 0xff);
    const k = tsresol & 0x7f;
    const pow2 = (tsresol & TSRESOL_POW2) !== 0;
    if (pow2 ? k > 63 : k > 19) {
      throw new PcapError('BAD_ARGUMENT', `tsresol 0x${tsresol.toString(16)} is finer than a 64-bit timestamp can usefully count`);
    }
    const offset = opts.tsOffsetSeconds ?? 0n;
    const options: Option[] = [];
    for (const c of opts.comments ?? []) options.push(textOption(OPT_COMMENT, c, 'an interface comment'));
    if (opts.name !== undefined) options.push(textOption(IF_NAME, opts.name, 'if_name'));
    if (opts.description !== undefined) options.push(textOption(IF_DESCRIPTION, opts.description, 'if_description'));
    options.push({ code: IF_TSRESOL, value: Uint8Array.of(tsresol) });
    if (offset !== 0n) options.push(this.u64Option(IF_TSOFFSET, offset, true));
    if (opts.fcsLen !== undefined) {
      checkUint('fcsLen', opts.fcsLen, 0xff);
      options.push({ code: IF_FCSLEN, value: Uint8Array.of(opts.fcsLen) });
    }
    if (opts.filter !== undefined) {
      const f = textOption(IF_FILTER, `\0${opts.filter}`, 'if_filter'); // leading 0: "libpcap filter string"
      options.push(f);
    }
    if (opts.os !== undefined) options.push(textOption(IF_OS, opts.os, 'if_os'));
    if (opts.hardware !== undefined) options.push(textOption(IF_HARDWARE, opts.hardware, 'if_hardware'));
    const len = IDB_OPTIONS + optionsSize(options) + 4;
    const at = this.beginBlock(BT_IDB, len);
    const dv = this.out.dv;
    dv.setUint16(at + IDB_LINKTYPE, opts.linkType, this.le);
    dv.setUint16(at + IDB_RESERVED, 0, this.le);
    dv.setUint32(at + IDB_SNAPLEN, snaplen, this.le);
    this.endBlock(at, len, this.writeOptions(at + IDB_OPTIONS, options));
    this.ifaces.push({ linkType: opts.linkType, snaplen, pow2, k: BigInt(k), offsetNs: offset * NS_PER_SECOND });
    return this.ifaces.length - 1;
  }

  /** ns since the epoch → the interface's 64-bit units (truncating when the resolution is coarser than 1 ns). */
  private units(s: IfaceScale, ts: bigint): bigint {
    if (typeof ts !== 'bigint') throw new PcapError('BAD_ARGUMENT', `timestamp must be a bigint of nanoseconds, got ${typeof ts}`);
    const rel = ts - s.offsetNs;
    if (rel < 0n) throw new PcapError('BAD_ARGUMENT', `timestamp ${ts} ns is before the interface's time offset`);
    let u: bigint;
    if (s.pow2) u = (rel << s.k) / NS_PER_SECOND;
    else if (s.k <= 9n) u = rel / 10n ** (9n - s.k);
    else u = rel * 10n ** (s.k - 9n);
    if (u > U64_MAX) throw new PcapError('BAD_ARGUMENT', `timestamp ${ts} ns does not fit 64 bits at this resolution`);
    return u;
  }

  private iface(id: number): IfaceScale {
    const s = this.ifaces[id];
    if (!s) throw new PcapError('BAD_ARGUMENT', `interface ${id} was not added (have ${this.ifaces.length})`);
    return s;
  }

  /** Buffers one EPB. Returns false when a stream sink wants the caller to `await drain()`. */
  writePacket(p: PcapngPacketToWrite): boolean {
    const s = this.iface(p.interfaceId);
    const units = this.units(s, p.timestampNs);
    const caplen = s.snaplen !== 0 ? Math.min(p.data.length, s.snaplen) : p.data.length;
    const origlen = Math.max(p.origlen ?? p.data.length, caplen);
    checkUint('origlen', origlen, U32_MAX);
    let options: Option[] | null = null;
    if (p.comments && p.comments.length) {
      options = p.comments.map((c) => textOption(OPT_COMMENT, c, 'a packet comment'));
    }
    const flags = ((p.flags ?? 0) | flagsOfDirection(p.direction)) >>> 0;
    if (p.flags !== undefined || (p.direction !== undefined && p.direction !== 'unknown')) {
      checkUint('flags', p.flags ?? 0, U32_MAX);
      const value = new Uint8Array(4);
      new DataView(value.buffer).setUint32(0, flags, this.le);
      (options ??= []).push({ code: EPB_FLAGS, value });
    }
    if (p.dropCount !== undefined) {
      if (p.dropCount < 0n || p.dropCount > U64_MAX) throw new PcapError('BAD_ARGUMENT', `dropCount ${p.dropCount} is not a u64`);
      (options ??= []).push(this.u64Option(EPB_DROPCOUNT, p.dropCount));
    }
    const padded = pad4(caplen);
    const len = EPB_DATA + padded + (options ? optionsSize(options) : 0) + 4;
    const at = this.beginBlock(BT_EPB, len);
    const { buf, dv } = this.out;
    dv.setUint32(at + EPB_INTERFACE_ID, p.interfaceId, this.le);
    dv.setUint32(at + EPB_TS_HIGH, Number(units >> 32n), this.le);
    dv.setUint32(at + EPB_TS_LOW, Number(units & 0xffffffffn), this.le);
    dv.setUint32(at + EPB_CAPLEN, caplen, this.le);
    dv.setUint32(at + EPB_ORIGLEN, origlen, this.le);
    buf.set(caplen === p.data.length ? p.data : p.data.subarray(0, caplen), at + EPB_DATA);
    buf.fill(0, at + EPB_DATA + caplen, at + EPB_DATA + padded);
    const end = options ? this.writeOptions(at + EPB_DATA + padded, options) : at + EPB_DATA + padded;
    this.endBlock(at, len, end);
    this.count++;
    return this.out.ready;
  }

  /** Writes an ISB for an interface (counters the caller kept, e.g. replay's drops). */
  writeInterfaceStatistics(interfaceId: number, s: { timestampNs: bigint; endTimeNs?: bigint; ifRecv?: bigint; ifDrop?: bigint; comments?: readonly string[] }): void {
    const sc = this.iface(interfaceId);
    const options: Option[] = [];
    for (const c of s.comments ?? []) options.push(textOption(OPT_COMMENT, c, 'a statistics comment'));
    if (s.endTimeNs !== undefined) options.push(this.tsOption(ISB_ENDTIME, this.units(sc, s.endTimeNs)));
    if (s.ifRecv !== undefined) options.push(this.u64Option(ISB_IFRECV, s.ifRecv));
    if (s.ifDrop !== undefined) options.push(this.u64Option(ISB_IFDROP, s.ifDrop));
    const units = this.units(sc, s.timestampNs);
    const len = ISB_OPTIONS + optionsSize(options) + 4;
    const at = this.beginBlock(BT_ISB, len);
    const dv = this.out.dv;
    dv.setUint32(at + ISB_INTERFACE_ID, interfaceId, this.le);
    dv.setUint32(at + ISB_TS_HIGH, Number(units >> 32n), this.le);
    dv.setUint32(at + ISB_TS_LOW, Number(units & 0xffffffffn), this.le);
    this.endBlock(at, len, this.writeOptions(at + ISB_OPTIONS, options));
  }

  /** ISB timestamps are stored high word first, like the block's own timestamp, not as one u64. */
  private tsOption(code: number, units: bigint): Option {
    const value = new Uint8Array(8);
    const dv = new DataView(value.buffer);
    dv.setUint32(0, Number(units >> 32n), this.le);
    dv.setUint32(4, Number(units & 0xffffffffn), this.le);
    return { code, value };
  }

  flush(): boolean {
    return this.out.flush();
  }

  drain(): Promise<void> {
    return this.out.drain();
  }

  closeSync(): void {
    this.out.closeSync();
  }

  close(): Promise<void> {
    return this.out.close();
  }
}

