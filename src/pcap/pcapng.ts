/**
 * pcapng (draft-ietf-opsawg-pcapng): a file of blocks, each framed as type, total length, body, total length again.
 * Sections (SHB) set the byte order and scope interface ids; IDBs describe interfaces (link type, snaplen, timestamp
 * resolution); packet blocks (EPB, SPB, and the obsolete PB) refer to them. Every block is read whole before it is
 * parsed, which is what lets the trailing length be checked and an unknown block be skipped without understanding it.
 */
import { LIBPCAP_MAXIMUM_SNAPLEN } from './classic.js';
import { Decoder, type ResolvedOptions } from './decoder.js';
import { PcapError } from './errors.js';
import { isKnownLinkType } from './linktype.js';
import { NO_COMMENTS, NS_PER_SECOND, PcapRecord, type CaptureInterface, type InterfaceStatistics } from './record.js';
import type { ByteWindow } from './window.js';
import {
  BT_SHB, BT_IDB, BT_PB, BT_SPB, BT_NRB, BT_ISB, BT_EPB, BT_SJE, BT_DSB, BT_CUSTOM, BT_CUSTOM_NOCOPY,
  BYTE_ORDER_MAGIC, PCAPNG_VERSION_MAJOR, BLK_TYPE, BLK_TOTAL_LENGTH, BLK_BODY, BLK_OVERHEAD, BLK_TRAILER,
  SHB_BYTE_ORDER_MAGIC, SHB_VERSION_MAJOR, SHB_VERSION_MINOR, SHB_SECTION_LENGTH, SHB_OPTIONS, SHB_MIN_LEN,
  IDB_LINKTYPE, IDB_SNAPLEN, IDB_OPTIONS, IDB_MIN_LEN, EPB_INTERFACE_ID, EPB_TS_HIGH, EPB_TS_LOW, EPB_CAPLEN,
  EPB_ORIGLEN, EPB_DATA, EPB_MIN_LEN, PB_INTERFACE_ID, PB_DROPS_COUNT, PB_TS_HIGH, PB_TS_LOW, PB_CAPLEN, PB_ORIGLEN,
  PB_DATA, PB_MIN_LEN, SPB_ORIGLEN, SPB_DATA, SPB_MIN_LEN, ISB_INTERFACE_ID, ISB_TS_HIGH, ISB_TS_LOW, ISB_OPTIONS,
  ISB_MIN_LEN, NRB_RECORDS, NRB_RECORD_END, NRB_RECORD_IPV4, NRB_RECORD_IPV6, OPT_HEADER_LEN, OPT_ENDOFOPT,
  OPT_COMMENT, SHB_HARDWARE, SHB_OS, SHB_USERAPPL, IF_NAME, IF_DESCRIPTION, IF_TSRESOL, IF_FILTER, IF_OS, IF_FCSLEN,
  IF_TSOFFSET, IF_HARDWARE, EPB_FLAGS, EPB_HASH, EPB_DROPCOUNT, EPB_PACKETID, EPB_QUEUE, PB_FLAGS, PB_HASH,
  ISB_STARTTIME, ISB_ENDTIME, ISB_IFRECV, ISB_IFDROP, ISB_FILTERACCEPT, ISB_OSDROP, ISB_USRDELIV, TSRESOL_POW2,
  DEFAULT_TSRESOL
} from './pcapng-format.js';

export * from './pcapng-format.js';

const KNOWN_BLOCK_TYPES = new Set([BT_SHB, BT_IDB, BT_PB, BT_SPB, BT_NRB, BT_ISB, BT_EPB, BT_SJE, BT_DSB, BT_CUSTOM, BT_CUSTOM_NOCOPY]);

/** As in the classic reader: a record longer than this and than its snaplen is a corrupt length. */
const SNAPLEN_ALLOWANCE = LIBPCAP_MAXIMUM_SNAPLEN;

export interface SectionInfo {
  index: number;
  byteOrder: 'LE' | 'BE';
  versionMajor: number;
  versionMinor: number;
  /** -1n when the writer did not know (streaming writers). */
  sectionLength: bigint;
  hardware?: string;
  os?: string;
  userAppl?: string;
  comments: string[];
  /** File offset of the SHB. */
  offset: number;
}

export interface NameRecord {
  sectionIndex: number;
  family: 'ipv4' | 'ipv6';
  address: Uint8Array;
  names: string[];
  /** opt_comment values of the NRB this record came from (shared by its records). */
  comments: readonly string[];
}

/** Converts an interface's timestamp units to ns: one of three shapes, chosen once per IDB. */
interface TimeScale {
  /** units × mul / div, or (units × 1e9) >> shift for a power-of-two resolution. */
  mul: bigint;
  div: bigint;
  shift: bigint;
  pow2: boolean;
  offsetNs: bigint;
  /** For the common µs case: units × 1000 fits a double exactly while units < 2^53 / 1000. */
  smallMul: number;
}

interface IfaceState {
  info: CaptureInterface & { statistics?: InterfaceStatistics };
  scale: TimeScale;
  /** Lenient mode: an interface with an unknown link type whose packets are skipped. */
  usable: boolean;
}

interface SectionState {
  info: SectionInfo;
  le: boolean;
  ifaces: IfaceState[];
}

export function unitsPerSecondOf(tsresol: number): bigint {
  const v = tsresol & 0x7f;
  return tsresol & TSRESOL_POW2 ? 1n << BigInt(v) : 10n ** BigInt(v);
}

function timeScale(tsresol: number, offsetSeconds: bigint): TimeScale {
  const v = tsresol & 0x7f;
  const offsetNs = offsetSeconds * NS_PER_SECOND;
  if (tsresol & TSRESOL_POW2) return { mul: 1n, div: 1n, shift: BigInt(v), pow2: true, offsetNs, smallMul: 0 };
  if (v <= 9) {
    const mul = 10n ** BigInt(9 - v);
    return { mul, div: 1n, shift: 0n, pow2: false, offsetNs, smallMul: Number(mul) };
  }
  return { mul: 1n, div: 10n ** BigInt(v - 9), shift: 0n, pow2: false, offsetNs, smallMul: 0 };
}

function toNs(s: TimeScale, hi: number, lo: number): bigint {
  const units = hi * 4294967296 + lo;
  if (s.smallMul !== 0 && units * s.smallMul <= Number.MAX_SAFE_INTEGER) {
    // Fast path for µs/ms/… resolutions: one BigInt conversion, exact because the product is a safe integer.
    const ns = BigInt(units * s.smallMul);
    return s.offsetNs === 0n ? ns : ns + s.offsetNs;
  }
  const u = units <= Number.MAX_SAFE_INTEGER ? BigInt(units) : (BigInt(hi) << 32n) | BigInt(lo);
  const ns = s.pow2 ? (u * NS_PER_SECOND) >> s.shift : (u * s.mul) / s.div;
  return ns + s.offsetNs;
}

/** Strings in pcapng are UTF-8 without a terminator; some writers add NULs anyway, which are not part of the text. */
function readString(w: ByteWindow, at: number, len: number): string {
  let end = at + len;
  while (end > at && w.buf[end - 1] === 0) end--;
  return w.buf.toString('utf8', at, end);
}

function readU64(w: ByteWindow, at: number, le: boolean): bigint {
  return w.dv.getBigUint64(at, le);
}

export class PcapngDecoder extends Decoder {
  readonly format = 'pcapng' as const;
  readonly sections: SectionInfo[] = [];
  readonly names: NameRecord[] = [];
  private section: SectionState | undefined;
  private blockIndex = 0;
  private resyncing = false;
  /** Kept name records are capped so a file of NRBs cannot grow memory without bound. */
  private static readonly MAX_NAME_RECORDS = 10_000;

  constructor(opts: ResolvedOptions) {
    super(opts);
  }

  private pos(w: ByteWindow, at: number): { blockIndex: number; recordIndex: number; offset: number } {
    return { blockIndex: this.blockIndex, recordIndex: this.stats.records, offset: w.offsetAt(at) };
  }

  /** The first block must be a whole, valid SHB; anything else is not a pcapng file (thrown in either mode). */
  start(w: ByteWindow): boolean {
    const p = w.pos;
    const avail = w.end - p;
    if (avail < SHB_MIN_LEN) {
      if (!w.eof) {
        this.need = SHB_MIN_LEN;
        return false;
      }
      throw new PcapError('TRUNCATED_HEADER', `file ends after ${avail} bytes of the first section header block`, this.pos(w, p));
    }
    const type = w.dv.getUint32(p + BLK_TYPE, false);
    if (type !== BT_SHB) {
      throw new PcapError('BAD_MAGIC', `0x${type.toString(16).padStart(8, '0')} is not a section header block`, this.pos(w, p));
    }
    const le = this.byteOrderOf(w, p);
    if (le === undefined) {
      throw new PcapError('BAD_MAGIC', 'the byte-order magic is neither 0x1a2b3c4d nor its swap', this.pos(w, p + SHB_BYTE_ORDER_MAGIC));
    }
    const len = w.dv.getUint32(p + BLK_TOTAL_LENGTH, le);
    const framing = this.framingError(len, BT_SHB, SHB_MIN_LEN, w, p);
    if (framing) throw framing;
    if (avail < len) {
      if (!w.eof) {
        this.need = len;
        return false;
      }
      throw new PcapError('TRUNCATED_HEADER', `file ends ${avail} bytes into the ${len}-byte first section header`, this.pos(w, p));
    }
    const trailing = w.dv.getUint32(p + len - BLK_TRAILER, le);
    if (trailing !== len) {
      throw new PcapError('BLOCK_LENGTH_MISMATCH', `section header leading length ${len} ≠ trailing length ${trailing}`, this.pos(w, p));
    }
    this.parseShb(w, p, len, le); // throws on a bad version or options: the file header is unusable
    w.pos = p + len;
    this.blockIndex++;
    this.stats.blocks++;
    return true;
  }

  private byteOrderOf(w: ByteWindow, p: number): boolean | undefined {
    const bom = w.dv.getUint32(p + SHB_BYTE_ORDER_MAGIC, true);
    if (bom === BYTE_ORDER_MAGIC) return true;
    if (w.dv.getUint32(p + SHB_BYTE_ORDER_MAGIC, false) === BYTE_ORDER_MAGIC) return false;
    return undefined;
  }

  private minLength(type: number): number {
    switch (type) {
      case BT_SHB:
        return SHB_MIN_LEN;
      case BT_IDB:
        return IDB_MIN_LEN;
      case BT_EPB:
        return EPB_MIN_LEN;
      case BT_PB:
        return PB_MIN_LEN;
      case BT_SPB:
        return SPB_MIN_LEN;
      case BT_ISB:
        return ISB_MIN_LEN;
      default:
        return BLK_OVERHEAD;
    }
  }

  private framingError(len: number, type: number, min: number, w: ByteWindow, p: number): PcapError | undefined {
    if (len > this.opts.maxUnitBytes) {
      return new PcapError('ABSURD_LENGTH', `block length ${len} exceeds the ${this.opts.maxUnitBytes}-byte cap`, this.pos(w, p));
    }
    if (len % 4 !== 0 || len < min) {
      return new PcapError(
        'BAD_BLOCK_LENGTH',
        `block type 0x${type.toString(16)} has total length ${len} (must be a multiple of 4, at least ${min})`,
        this.pos(w, p),
      );
    }
    return undefined;
  }

  step(w: ByteWindow): PcapRecord | null {
    for (;;) {
      if (this.done) return null;
      if (this.resyncing && !this.resync(w)) return null;
      const p = w.pos;
      const avail = w.end - p;
      if (avail < BLK_BODY + 4) {
        // 12 bytes: an SHB needs its byte-order magic before its length can be read.
        if (!w.eof) {
          this.need = BLK_BODY + 4;
          return null;
        }
        if (avail === 0) {
          this.done = true;
          return null;
        }
        if (avail >= BLK_BODY && this.section) {
          // Fewer than 12 bytes left is still a truncated block when it starts like one; report it as such.
          const len = w.dv.getUint32(p + BLK_TOTAL_LENGTH, this.section.le);
          w.pos = w.end;
          return this.stop(new PcapError('TRUNCATED_BLOCK', `file ends ${avail} bytes into a ${len}-byte block`, this.pos(w, p)));
        }
        w.pos = w.end;
        return this.stop(new PcapError('TRUNCATED_BLOCK', `file ends ${avail} bytes into a block header`, this.pos(w, p)));
      }
      let le = this.section!.le; // start() guarantees a section
      const type = w.dv.getUint32(p + BLK_TYPE, le);
      if (type === BT_SHB) {
        const order = this.byteOrderOf(w, p);
        if (order === undefined) {
          this.beginResync(
            w,
            new PcapError('BAD_MAGIC', 'section header byte-order magic is neither order', this.pos(w, p + SHB_BYTE_ORDER_MAGIC)),
          );
          continue;
        }
        le = order;
      }
      const len = w.dv.getUint32(p + BLK_TOTAL_LENGTH, le);
      const framing = this.framingError(len, type, this.minLength(type), w, p);
      if (framing) {
        this.beginResync(w, framing);
        continue;
      }
      if (avail < len) {
        if (!w.eof) {
          this.need = len;
          return null;
        }
        w.pos = w.end;
        return this.stop(new PcapError('TRUNCATED_BLOCK', `file ends ${avail} bytes into a ${len}-byte block`, this.pos(w, p)));
      }
      const trailing = w.dv.getUint32(p + len - BLK_TRAILER, le);
      if (trailing !== len) {
        this.beginResync(
          w,
          new PcapError('BLOCK_LENGTH_MISMATCH', `leading length ${len} ≠ trailing length ${trailing}`, this.pos(w, p)),
        );
        continue;
      }
      // The block is framed correctly: consume it whole, then interpret it. A bad body skips just this block.
      w.pos = p + len;
      this.stats.blocks++;
      try {
        const rec = this.parseBlock(w, p, type, len, le);
        if (rec) {
          this.blockIndex++;
          return rec;
        }
      } catch (err) {
        if (!(err instanceof PcapError)) throw err;
        if (err.code === 'UNSUPPORTED_VERSION') {
          this.blockIndex++;
          return this.stop(err); // a section we cannot read: its blocks cannot be placed
        }
        this.skip(err);
      }
      this.blockIndex++;
    }
  }

  /** Strict: throw. Lenient: count, and look for the next plausible block 4 bytes further on. */
  private beginResync(w: ByteWindow, err: PcapError): void {
    if (!this.opts.lenient) throw err;
    this.count(err);
    this.stats.skipped++;
    this.resyncing = true;
    w.pos += 4;
    this.stats.resyncBytes += 4;
  }

  /**
   * Lenient recovery after framing damage: blocks are 4-byte aligned and carry their length at both ends, so a
   * position where a known block type is followed by a length that the trailing copy confirms is almost certainly a
   * real block. Bytes ruled out are dropped from the window so it stays bounded. Candidates longer than the current
   * buffer are not considered: a jumbo block after damage is given up rather than growing memory on a guess.
   * Returns false when more bytes are needed.
   */
  private resync(w: ByteWindow): boolean {
    const le = this.section!.le;
    for (;;) {
      const p = w.pos;
      const avail = w.end - p;
      if (avail < BLK_BODY + 4) {
        if (!w.eof) {
          this.need = BLK_BODY + 4;
          return false;
        }
        this.stats.resyncBytes += avail;
        w.pos = w.end;
        this.resyncing = false;
        this.done = true;
        return false;
      }
      const type = w.dv.getUint32(p + BLK_TYPE, le);
      let order: boolean | undefined = le;
      if (type === BT_SHB) order = this.byteOrderOf(w, p);
      if (KNOWN_BLOCK_TYPES.has(type) && order !== undefined) {
        const len = w.dv.getUint32(p + BLK_TOTAL_LENGTH, order);
        if (len % 4 === 0 && len >= this.minLength(type) && len <= w.capacity) {
          if (avail < len && !w.eof) {
            this.need = len;
            return false;
          }
          if (avail >= len && w.dv.getUint32(p + len - BLK_TRAILER, order) === len) {
            this.resyncing = false;
            return true;
          }
        }
      }
      w.pos = p + 4;
      this.stats.resyncBytes += 4;
    }
  }

  private parseBlock(w: ByteWindow, p: number, type: number, len: number, le: boolean): PcapRecord | null {
    switch (type) {
      case BT_EPB:
        return this.parseEpb(w, p, len, le);
      case BT_SPB:
        return this.parseSpb(w, p, len, le);
      case BT_PB:
        return this.parsePb(w, p, len, le);
      case BT_IDB:
        this.parseIdb(w, p, len, le);
        return null;
      case BT_SHB:
        this.parseShb(w, p, len, le);
        return null;
      case BT_ISB:
        this.parseIsb(w, p, len, le);
        return null;
      case BT_NRB:
        this.parseNrb(w, p, len, le);
        return null;
      default:
        // Custom blocks, decryption secrets, journal entries, local-use and future types: stepped over by length.
        this.stats.ignoredBlocks++;
        return null;
    }
  }

  /**
   * Walks an option list in [start, end). Calls `fn` for every option but the end marker; opt_comment is collected
   * into `comments` for every block type. A length that runs past the block is a BAD_BLOCK.
   */
  private options(
    w: ByteWindow,
    p: number,
    start: number,
    end: number,
    le: boolean,
    comments: string[] | null,
    fn: (code: number, at: number, len: number) => void,
  ): void {
    let at = start;
    while (at < end) {
      if (end - at < OPT_HEADER_LEN) {
        throw new PcapError('BAD_BLOCK', `${end - at} stray bytes after the last option`, this.pos(w, p));
      }
      const code = w.dv.getUint16(at, le);
      const olen = w.dv.getUint16(at + 2, le);
      if (code === OPT_ENDOFOPT) return;
      const v = at + OPT_HEADER_LEN;
      const padded = (olen + 3) & ~3;
      if (v + olen > end) {
        throw new PcapError('BAD_BLOCK', `option ${code} of length ${olen} runs past the end of its block`, this.pos(w, p));
      }
      if (code === OPT_COMMENT) comments?.push(readString(w, v, olen));
      else fn(code, v, olen);
      at = v + padded;
    }
  }

  private parseShb(w: ByteWindow, p: number, len: number, le: boolean): void {
    const major = w.dv.getUint16(p + SHB_VERSION_MAJOR, le);
    const minor = w.dv.getUint16(p + SHB_VERSION_MINOR, le);
    if (major !== PCAPNG_VERSION_MAJOR) {
      throw new PcapError('UNSUPPORTED_VERSION', `pcapng section version ${major}.${minor} (only 1.x is defined)`, this.pos(w, p));
    }
    const info: SectionInfo = {
      index: this.sections.length,
      byteOrder: le ? 'LE' : 'BE',
      versionMajor: major,
      versionMinor: minor,
      sectionLength: w.dv.getBigInt64(p + SHB_SECTION_LENGTH, le),
      comments: [],
      offset: w.offsetAt(p),
    };
    this.options(w, p, p + SHB_OPTIONS, p + len - BLK_TRAILER, le, info.comments, (code, at, olen) => {
      if (code === SHB_HARDWARE) info.hardware = readString(w, at, olen);
      else if (code === SHB_OS) info.os = readString(w, at, olen);
      else if (code === SHB_USERAPPL) info.userAppl = readString(w, at, olen);
    });
    this.sections.push(info);
    this.section = { info, le, ifaces: [] };
  }

  private parseIdb(w: ByteWindow, p: number, len: number, le: boolean): void {
    const section = this.section!;
    const linkType = w.dv.getUint16(p + IDB_LINKTYPE, le);
    const snaplen = w.dv.getUint32(p + IDB_SNAPLEN, le);
    const comments: string[] = [];
    let name: string | undefined;
    let description: string | undefined;
    let os: string | undefined;
    let hardware: string | undefined;
    let filter: string | undefined;
    let tsresol = DEFAULT_TSRESOL;
    let tsoffset = 0n;
    let fcsLen: number | undefined;
    this.options(w, p, p + IDB_OPTIONS, p + len - BLK_TRAILER, le, comments, (code, at, olen) => {
      switch (code) {
        case IF_NAME:
          name = readString(w, at, olen);
          break;
        case IF_DESCRIPTION:
          description = readString(w, at, olen);
          break;
        case IF_OS:
          os = readString(w, at, olen);
          break;
        case IF_HARDWARE:
          hardware = readString(w, at, olen);
          break;
        case IF_FILTER:
          // First byte 0: a libpcap filter string; 1: BPF bytecode (kept out: not text).
          if (olen >= 1 && w.buf[at] === 0) filter = readString(w, at + 1, olen - 1);
          break;
        case IF_TSRESOL:
          if (olen !== 1) throw new PcapError('BAD_BLOCK', `if_tsresol has length ${olen}, not 1`, this.pos(w, p));
          tsresol = w.buf[at]!;
          break;
        case IF_TSOFFSET:
          if (olen !== 8) throw new PcapError('BAD_BLOCK', `if_tsoffset has length ${olen}, not 8`, this.pos(w, p));
          tsoffset = w.dv.getBigInt64(at, le);
          break;
        case IF_FCSLEN:
          if (olen !== 1) throw new PcapError('BAD_BLOCK', `if_fcslen has length ${olen}, not 1`, this.pos(w, p));
          fcsLen = w.buf[at]!;
          break;
      }
    });
    const usable = this.opts.allowUnknownLinkTypes || isKnownLinkType(linkType);
    const info: CaptureInterface = {
      index: this.interfaces.length,
      sectionIndex: section.info.index,
      id: section.ifaces.length,
      linkType,
      snaplen,
      ...(name !== undefined ? { name } : {}),
      ...(description !== undefined ? { description } : {}),
      ...(os !== undefined ? { os } : {}),
      ...(hardware !== undefined ? { hardware } : {}),
      ...(filter !== undefined ? { filter } : {}),
      unitsPerSecond: unitsPerSecondOf(tsresol),
      tsresol,
      tsOffsetSeconds: tsoffset,
      ...(fcsLen !== undefined ? { fcsLen } : {}),
      comments,
    };
    // The interface is recorded even when unusable, so that later ids in the section keep their numbering.
    this.interfaces.push(info);
    section.ifaces.push({ info, scale: timeScale(tsresol, tsoffset), usable });
    if (!usable) {
      this.skip(
        new PcapError('UNKNOWN_LINK_TYPE', `interface ${info.id} has link type ${linkType}, not in the LINKTYPE registry; its packets are skipped`, {
          ...this.pos(w, p),
          linkType,
        }),
      );
    }
  }

  private iface(w: ByteWindow, p: number, id: number): IfaceState | null {
    const st = this.section!.ifaces[id];
    if (!st) {
      throw new PcapError(
        'BAD_INTERFACE_ID',
        `packet names interface ${id}, but the section has ${this.section!.ifaces.length} interface(s)`,
        this.pos(w, p),
      );
    }
    if (!st.usable) {
      this.stats.skipped++; // already reported once, at its IDB
      return null;
    }
    return st;
  }

  private checkCaplen(w: ByteWindow, p: number, caplen: number, room: number, st: IfaceState): void {
    if (caplen > room) {
      throw new PcapError('BAD_BLOCK', `captured length ${caplen} exceeds the ${room} bytes its block holds`, this.pos(w, p));
    }
    const snap = st.info.snaplen;
    if (snap !== 0 && caplen > snap && caplen > SNAPLEN_ALLOWANCE) {
      throw new PcapError('ABSURD_LENGTH', `captured length ${caplen} exceeds snaplen ${snap} and the ${SNAPLEN_ALLOWANCE}-byte allowance`, this.pos(w, p));
    }
  }

  private parseEpb(w: ByteWindow, p: number, len: number, le: boolean): PcapRecord | null {
    const dv = w.dv;
    const id = dv.getUint32(p + EPB_INTERFACE_ID, le);
    const st = this.iface(w, p, id);
    if (!st) return null;
    const caplen = dv.getUint32(p + EPB_CAPLEN, le);
    const bodyEnd = p + len - BLK_TRAILER;
    this.checkCaplen(w, p, caplen, bodyEnd - (p + EPB_DATA), st);
    let comments: string[] | null = null;
    let flags: number | undefined;
    let dropCount: bigint | undefined;
    let hashes: Uint8Array[] | undefined;
    let packetId: bigint | undefined;
    let queue: number | undefined;
    // The option walk is inlined here (same rules as options()): this is the per-packet hot path, and a closure per
    // EPB costs more than the walk itself.
    let at = p + EPB_DATA + ((caplen + 3) & ~3);
    while (at < bodyEnd) {
      if (bodyEnd - at < OPT_HEADER_LEN) {
        throw new PcapError('BAD_BLOCK', `${bodyEnd - at} stray bytes after the last option`, this.pos(w, p));
      }
      const code = dv.getUint16(at, le);
      const olen = dv.getUint16(at + 2, le);
      if (code === OPT_ENDOFOPT) break;
      const v = at + OPT_HEADER_LEN;
      if (v + olen > bodyEnd) {
        throw new PcapError('BAD_BLOCK', `option ${code} of length ${olen} runs past the end of its block`, this.pos(w, p));
      }
      if (code === OPT_COMMENT) (comments ??= []).push(readString(w, v, olen));
      else if (code === EPB_FLAGS && olen === 4) flags = dv.getUint32(v, le);
      else if (code === EPB_DROPCOUNT && olen === 8) dropCount = readU64(w, v, le);
      else if (code === EPB_PACKETID && olen === 8) packetId = readU64(w, v, le);
      else if (code === EPB_QUEUE && olen === 4) queue = dv.getUint32(v, le);
      else if (code === EPB_HASH && olen >= 1) (hashes ??= []).push(new Uint8Array(w.buf.subarray(v, v + olen)));
      at = v + ((olen + 3) & ~3);
    }
    const ts = toNs(st.scale, dv.getUint32(p + EPB_TS_HIGH, le), dv.getUint32(p + EPB_TS_LOW, le));
    const data = w.buf.subarray(p + EPB_DATA, p + EPB_DATA + caplen);
    return new PcapRecord(
      this.stats.records++,
      st.info.index,
      id,
      st.info.sectionIndex,
      st.info.linkType,
      ts,
      caplen,
      dv.getUint32(p + EPB_ORIGLEN, le),
      data,
      w.offsetAt(p),
      comments ?? NO_COMMENTS,
      flags,
      dropCount,
      hashes,
      packetId,
      queue,
    );
  }

  private parsePb(w: ByteWindow, p: number, len: number, le: boolean): PcapRecord | null {
    const dv = w.dv;
    const id = dv.getUint16(p + PB_INTERFACE_ID, le);
    const st = this.iface(w, p, id);
    if (!st) return null;
    const caplen = dv.getUint32(p + PB_CAPLEN, le);
    const bodyEnd = p + len - BLK_TRAILER;
    this.checkCaplen(w, p, caplen, bodyEnd - (p + PB_DATA), st);
    const optStart = p + PB_DATA + ((caplen + 3) & ~3);
    const comments: string[] = [];
    let flags: number | undefined;
    let hashes: Uint8Array[] | undefined;
    this.options(w, p, optStart, bodyEnd, le, comments, (code, at, olen) => {
      if (code === PB_FLAGS && olen === 4) flags = dv.getUint32(at, le);
      else if (code === PB_HASH && olen >= 1) (hashes ??= []).push(new Uint8Array(w.buf.subarray(at, at + olen)));
    });
    const drops = dv.getUint16(p + PB_DROPS_COUNT, le);
    const ts = toNs(st.scale, dv.getUint32(p + PB_TS_HIGH, le), dv.getUint32(p + PB_TS_LOW, le));
    return new PcapRecord(
      this.stats.records++,
      st.info.index,
      id,
      st.info.sectionIndex,
      st.info.linkType,
      ts,
      caplen,
      dv.getUint32(p + PB_ORIGLEN, le),
      w.buf.subarray(p + PB_DATA, p + PB_DATA + caplen),
      w.offsetAt(p),
      comments.length ? comments : NO_COMMENTS,
      flags,
      drops === 0xffff ? undefined : BigInt(drops), // 0xffff: "not available"
      hashes,
    );
  }

  private parseSpb(w: ByteWindow, p: number, len: number, le: boolean): PcapRecord | null {
    const st = this.iface(w, p, 0); // an SPB always belongs to the section's first interface
    if (!st) return null;
    const origlen = w.dv.getUint32(p + SPB_ORIGLEN, le);
    const room = len - SPB_MIN_LEN;
    // No caplen field: the packet is what the block holds, never more than the original or the snaplen.
    let caplen = Math.min(origlen, room);
    if (st.info.snaplen !== 0) caplen = Math.min(caplen, st.info.snaplen);
    // An SPB has no timestamp: 0 ns, so that consumers see "unknown" rather than a made-up time.
    return new PcapRecord(
      this.stats.records++,
      st.info.index,
      0,
      st.info.sectionIndex,
      st.info.linkType,
      0n,
      caplen,
      origlen,
      w.buf.subarray(p + SPB_DATA, p + SPB_DATA + caplen),
      w.offsetAt(p),
    );
  }

  private parseIsb(w: ByteWindow, p: number, len: number, le: boolean): void {
    const id = w.dv.getUint32(p + ISB_INTERFACE_ID, le);
    const st = this.section!.ifaces[id];
    if (!st) {
      throw new PcapError('BAD_INTERFACE_ID', `statistics for interface ${id}, which the section does not have`, this.pos(w, p));
    }
    const s: InterfaceStatistics = {
      timestampNs: toNs(st.scale, w.dv.getUint32(p + ISB_TS_HIGH, le), w.dv.getUint32(p + ISB_TS_LOW, le)),
      comments: [],
    };
    this.options(w, p, p + ISB_OPTIONS, p + len - BLK_TRAILER, le, s.comments, (code, at, olen) => {
      if (olen !== 8) return;
      const v = readU64(w, at, le);
      switch (code) {
        case ISB_STARTTIME:
          s.startTimeNs = toNs(st.scale, w.dv.getUint32(at, le), w.dv.getUint32(at + 4, le));
          break;
        case ISB_ENDTIME:
          s.endTimeNs = toNs(st.scale, w.dv.getUint32(at, le), w.dv.getUint32(at + 4, le));
          break;
        case ISB_IFRECV:
          s.ifRecv = v;
          break;
        case ISB_IFDROP:
          s.ifDrop = v;
          break;
        case ISB_FILTERACCEPT:
          s.filterAccept = v;
          break;
        case ISB_OSDROP:
          s.osDrop = v;
          break;
        case ISB_USRDELIV:
          s.usrDeliv = v;
          break;
      }
    });
    st.info.statistics = s;
  }

  private parseNrb(w: ByteWindow, p: number, len: number, le: boolean): void {
    const end = p + len - BLK_TRAILER;
    let at = p + NRB_RECORDS;
    const found: Omit<NameRecord, 'comments'>[] = [];
    while (at < end) {
      if (end - at < 4) throw new PcapError('BAD_BLOCK', 'name resolution record header runs past its block', this.pos(w, p));
      const type = w.dv.getUint16(at, le);
      const rlen = w.dv.getUint16(at + 2, le);
      const v = at + 4;
      if (v + rlen > end) throw new PcapError('BAD_BLOCK', `name record of length ${rlen} runs past its block`, this.pos(w, p));
      at = v + ((rlen + 3) & ~3);
      if (type === NRB_RECORD_END) break;
      const alen = type === NRB_RECORD_IPV4 ? 4 : type === NRB_RECORD_IPV6 ? 16 : 0;
      if (alen === 0 || rlen < alen) continue; // EUI records and malformed ones: not needed by replay
      const names = w.buf
        .toString('utf8', v + alen, v + rlen)
        .split('\0')
        .filter((n) => n.length > 0);
      found.push({
        sectionIndex: this.section!.info.index,
        family: alen === 4 ? 'ipv4' : 'ipv6',
        address: new Uint8Array(w.buf.subarray(v, v + alen)),
        names,
      });
    }
    // Options follow the records (ns_dnsname, ns_dnsIP4addr, …): only comments are kept.
    const comments: string[] = [];
    if (at < end) this.options(w, p, at, end, le, comments, () => undefined);
    for (const r of found) {
      if (this.names.length >= PcapngDecoder.MAX_NAME_RECORDS) break;
      this.names.push({ ...r, comments });
    }
  }
}
