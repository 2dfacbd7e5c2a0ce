/**
 * Classic libpcap format ("pcap-savefile"): a 24-byte file header, then records of a 16-byte header and the packet.
 * The magic number gives both the byte order of every later field and the timestamp resolution.
 */
import { Decoder, type ResolvedOptions } from './decoder.js';
import { PcapError } from './errors.js';
import { isKnownLinkType } from './linktype.js';
import { NS_PER_SECOND, PcapRecord, type CaptureInterface } from './record.js';
import type { ByteWindow } from './window.js';

export const MAGIC_MICROSECONDS = 0xa1b2c3d4;
export const MAGIC_NANOSECONDS = 0xa1b23c4d;
/** Alexey Kuznetzov's patched-libpcap format: a longer record header; recognised only to say so. */
export const MAGIC_KUZNETZOV = 0xa1b2cd34;
export const VERSION_MAJOR = 2;
export const VERSION_MINOR = 4;

// File header fields (byte offsets).
export const FH_MAGIC = 0;
export const FH_VERSION_MAJOR = 4;
export const FH_VERSION_MINOR = 6;
export const FH_THISZONE = 8;
export const FH_SIGFIGS = 12;
export const FH_SNAPLEN = 16;
export const FH_LINKTYPE = 20;
export const FILE_HEADER_LEN = 24;

// Record header fields (byte offsets from the record start).
export const RH_TS_SEC = 0;
export const RH_TS_FRAC = 4; // microseconds or nanoseconds, by the magic
export const RH_CAPLEN = 8;
export const RH_ORIGLEN = 12;
export const RECORD_HEADER_LEN = 16;

// The link-type field's upper 16 bits (libpcap's LT_* macros): an FCS length in 16-bit words, valid when P is set.
export const LT_LINKTYPE_MASK = 0x0000ffff;
export const LT_FCS_PRESENT = 0x04000000;
export const LT_FCS_WORDS_SHIFT = 28;
export const LT_FCS_WORDS_MASK = 0xf;

/**
 * libpcap refuses records longer than this regardless of the header's snaplen (MAXIMUM_SNAPLEN): writers are known to
 * put a smaller snaplen in the header than they then capture, so the header alone is not a reliable bound.
 */
export const LIBPCAP_MAXIMUM_SNAPLEN = 262144;

export interface ClassicHeader {
  byteOrder: 'LE' | 'BE';
  resolution: 'us' | 'ns';
  versionMajor: number;
  versionMinor: number;
  thiszone: number;
  sigfigs: number;
  snaplen: number;
  linkType: number;
  /** FCS bytes per frame when the link-type field says so, else undefined. */
  fcsLen: number | undefined;
  /** The whole 32-bit link-type field, for callers that care about the reserved bits. */
  linkTypeField: number;
}

export function encodeLinkTypeField(linkType: number, fcsLenBytes?: number): number {
  if (fcsLenBytes === undefined) return linkType & LT_LINKTYPE_MASK;
  return ((((fcsLenBytes >>> 1) & LT_FCS_WORDS_MASK) << LT_FCS_WORDS_SHIFT) | LT_FCS_PRESENT | (linkType & LT_LINKTYPE_MASK)) >>> 0;
}

export class ClassicDecoder extends Decoder {
  readonly format = 'pcap' as const;
  header: ClassicHeader | undefined;
  private le = true;
  private nano = false;
  private linkType = 0;
  private maxCaplen = 0;

  constructor(opts: ResolvedOptions) {
    super(opts);
  }

  start(w: ByteWindow): boolean {
    if (w.available < FILE_HEADER_LEN) {
      if (!w.eof) {
        this.need = FILE_HEADER_LEN;
        return false;
      }
      throw new PcapError('TRUNCATED_HEADER', `file ends after ${w.available} of the ${FILE_HEADER_LEN}-byte pcap header`, {
        offset: w.offsetAt(w.pos),
      });
    }
    const p = w.pos;
    const dv = w.dv;
    const be = dv.getUint32(p + FH_MAGIC, false);
    const le = dv.getUint32(p + FH_MAGIC, true);
    if (be === MAGIC_MICROSECONDS || be === MAGIC_NANOSECONDS) {
      this.le = false;
      this.nano = be === MAGIC_NANOSECONDS;
    } else if (le === MAGIC_MICROSECONDS || le === MAGIC_NANOSECONDS) {
      this.le = true;
      this.nano = le === MAGIC_NANOSECONDS;
    } else {
      const hint = be === MAGIC_KUZNETZOV || le === MAGIC_KUZNETZOV ? ' (Kuznetzov modified pcap is not supported)' : '';
      throw new PcapError('BAD_MAGIC', `0x${be.toString(16).padStart(8, '0')} is not a pcap magic number${hint}`, {
        offset: w.offsetAt(p),
      });
    }
    const major = dv.getUint16(p + FH_VERSION_MAJOR, this.le);
    const minor = dv.getUint16(p + FH_VERSION_MINOR, this.le);
    if (major !== VERSION_MAJOR) {
      throw new PcapError('UNSUPPORTED_VERSION', `pcap version ${major}.${minor} (only 2.x is defined)`, {
        offset: w.offsetAt(p + FH_VERSION_MAJOR),
      });
    }
    const snaplen = dv.getUint32(p + FH_SNAPLEN, this.le);
    const field = dv.getUint32(p + FH_LINKTYPE, this.le);
    const linkType = field & LT_LINKTYPE_MASK;
    if (!this.opts.allowUnknownLinkTypes && !isKnownLinkType(linkType)) {
      throw new PcapError('UNKNOWN_LINK_TYPE', `link type ${linkType} is not in the LINKTYPE registry`, {
        offset: w.offsetAt(p + FH_LINKTYPE),
        linkType,
      });
    }
    const fcsLen = field & LT_FCS_PRESENT ? ((field >>> LT_FCS_WORDS_SHIFT) & LT_FCS_WORDS_MASK) * 2 : undefined;
    this.header = {
      byteOrder: this.le ? 'LE' : 'BE',
      resolution: this.nano ? 'ns' : 'us',
      versionMajor: major,
      versionMinor: minor,
      thiszone: dv.getInt32(p + FH_THISZONE, this.le),
      sigfigs: dv.getUint32(p + FH_SIGFIGS, this.le),
      snaplen,
      linkType,
      fcsLen,
      linkTypeField: field,
    };
    this.linkType = linkType;
    this.maxCaplen = Math.min(this.opts.maxUnitBytes - RECORD_HEADER_LEN, Math.max(snaplen, LIBPCAP_MAXIMUM_SNAPLEN));
    const iface: CaptureInterface = {
      index: 0,
      sectionIndex: 0,
      id: 0,
      linkType,
      snaplen,
      unitsPerSecond: this.nano ? NS_PER_SECOND : 1_000_000n,
      tsresol: this.nano ? 9 : 6,
      tsOffsetSeconds: 0n,
      ...(fcsLen !== undefined ? { fcsLen } : {}),
      comments: [],
    };
    this.interfaces.push(iface);
    w.pos = p + FILE_HEADER_LEN;
    return true;
  }

  step(w: ByteWindow): PcapRecord | null {
    if (this.done) return null;
    const p = w.pos;
    const avail = w.end - p;
    const pos = { recordIndex: this.stats.records, offset: w.offsetAt(p) };
    if (avail < RECORD_HEADER_LEN) {
      if (!w.eof) {
        this.need = RECORD_HEADER_LEN;
        return null;
      }
      if (avail === 0) {
        this.done = true;
        return null;
      }
      w.pos = w.end;
      return this.stop(
        new PcapError('TRUNCATED_RECORD', `file ends ${avail} bytes into a ${RECORD_HEADER_LEN}-byte record header`, pos),
      );
    }
    const dv = w.dv;
    const le = this.le;
    const caplen = dv.getUint32(p + RH_CAPLEN, le);
    if (caplen > this.maxCaplen) {
      // Nothing marks where the next record starts, so a bad length ends the file (lenient: counted).
      w.pos = w.end;
      return this.stop(
        new PcapError(
          'ABSURD_LENGTH',
          `captured length ${caplen} exceeds the allowance ${this.maxCaplen} (snaplen ${this.header!.snaplen})`,
          pos,
        ),
      );
    }
    const total = RECORD_HEADER_LEN + caplen;
    if (avail < total) {
      if (!w.eof) {
        this.need = total;
        return null;
      }
      w.pos = w.end;
      return this.stop(
        new PcapError('TRUNCATED_RECORD', `file ends ${avail - RECORD_HEADER_LEN} bytes into a ${caplen}-byte packet`, pos),
      );
    }
    const sec = dv.getUint32(p + RH_TS_SEC, le);
    const frac = dv.getUint32(p + RH_TS_FRAC, le);
    // µs: sec*1e6+frac stays below 2^53 for any u32 pair, so one BigInt conversion per record suffices.
    const ts = this.nano ? BigInt(sec) * NS_PER_SECOND + BigInt(frac) : BigInt(sec * 1_000_000 + frac) * 1000n;
    const origlen = dv.getUint32(p + RH_ORIGLEN, le);
    const data = w.buf.subarray(p + RECORD_HEADER_LEN, p + total);
    w.pos = p + total;
    this.stats.blocks++;
    return new PcapRecord(this.stats.records++, 0, 0, 0, this.linkType, ts, caplen, origlen, data, pos.offset);
  }
}
