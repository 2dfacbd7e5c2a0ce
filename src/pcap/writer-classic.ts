/**
 * Classic pcap writer: microsecond or nanosecond magic, the machine's byte order (as libpcap writes), one link type.
 * Output is a pure function of the inputs: no clock, no host name, so the same packets give the same bytes.
 */
import { openSync } from 'node:fs';
import {
  FH_LINKTYPE,
  FH_MAGIC,
  FH_SIGFIGS,
  FH_SNAPLEN,
  FH_THISZONE,
  FH_VERSION_MAJOR,
  FH_VERSION_MINOR,
  FILE_HEADER_LEN,
  MAGIC_MICROSECONDS,
  MAGIC_NANOSECONDS,
  RECORD_HEADER_LEN,
  RH_CAPLEN,
  RH_ORIGLEN,
  RH_TS_FRAC,
  RH_TS_SEC,
  VERSION_MAJOR,
  VERSION_MINOR,
  encodeLinkTypeField,
} from './classic.js';
import { PcapError, ioError } from './errors.js';
import { NS_PER_SECOND } from './record.js';
import { BufferedOutput, checkUint, littleEndianFor, type ByteOrderOption, type ByteSink } from './writer-sink.js';

export interface PcapWriterOptions {
  linkType: number;
  /** Default 262144 (libpcap's maximum); packets longer than this are truncated to it, keeping their origlen. */
  snaplen?: number;
  /** Timestamp resolution; nanoseconds use the 0xa1b23c4d magic. Default 'us'. */
  resolution?: 'us' | 'ns';
  /** Default 'native' (what libpcap does); 'LE'/'BE' exist to produce test files of either order. */
  byteOrder?: ByteOrderOption;
  /** Frames carry this many FCS bytes (even, ≤ 30): written into the link-type field's FCS bits. */
  fcsLen?: number;
  /** Write buffer size (default 64 KiB). */
  bufferSize?: number;
}

export interface PacketToWrite {
  /** Nanoseconds since the epoch. */
  timestampNs: bigint;
  data: Uint8Array;
  /** Length on the wire; defaults to data.length (and is never less than what is written). */
  origlen?: number;
}

const U32_MAX = 0xffffffff;

export class PcapWriter {
  readonly resolution: 'us' | 'ns';
  readonly snaplen: number;
  private readonly out: BufferedOutput;
  private readonly le: boolean;
  private count = 0;

  constructor(sink: ByteSink, opts: PcapWriterOptions, ownsFd = false) {
    checkUint('linkType', opts.linkType, 0xffff);
    this.snaplen = opts.snaplen ?? 262144;
    checkUint('snaplen', this.snaplen, U32_MAX);
    if (this.snaplen === 0) throw new PcapError('BAD_ARGUMENT', 'snaplen must be at least 1 in a classic pcap');
    if (opts.fcsLen !== undefined && (opts.fcsLen % 2 !== 0 || opts.fcsLen < 0 || opts.fcsLen > 30)) {
      throw new PcapError('BAD_ARGUMENT', `fcsLen must be an even number of bytes up to 30, got ${opts.fcsLen}`);
    }
    this.resolution = opts.resolution ?? 'us';
    this.le = littleEndianFor(opts.byteOrder);
    this.out = new BufferedOutput(sink, opts.bufferSize, ownsFd);
    const at = this.out.reserve(FILE_HEADER_LEN);
    const dv = this.out.dv;
    dv.setUint32(at + FH_MAGIC, this.resolution === 'ns' ? MAGIC_NANOSECONDS : MAGIC_MICROSECONDS, this.le);
    dv.setUint16(at + FH_VERSION_MAJOR, VERSION_MAJOR, this.le);
    dv.setUint16(at + FH_VERSION_MINOR, VERSION_MINOR, this.le);
    dv.setInt32(at + FH_THISZONE, 0, this.le); // always UTC: timestamps are epoch-based
    dv.setUint32(at + FH_SIGFIGS, 0, this.le);
    dv.setUint32(at + FH_SNAPLEN, this.snaplen, this.le);
    dv.setUint32(at + FH_LINKTYPE, encodeLinkTypeField(opts.linkType, opts.fcsLen), this.le);
    this.out.commit(FILE_HEADER_LEN);
  }

  /** Creates (or truncates) `path` and writes to it; `close()`/`closeSync()` closes the file. */
  static openSync(path: string, opts: PcapWriterOptions): PcapWriter {
    let fd: number;
    try {
      fd = openSync(path, 'w');
    } catch (err) {
      throw ioError(`cannot create ${path}`, err);
    }
    return new PcapWriter(fd, opts, true);
  }

  get packetsWritten(): number {
    return this.count;
  }

  get bytesWritten(): number {
    return this.out.written;
  }

  /**
   * Buffers one packet. Returns false when a stream sink wants the caller to wait (`await drain()`); descriptor
   * sinks always return true.
   */
  writePacket(p: PacketToWrite): boolean {
    const ts = p.timestampNs;
    if (typeof ts !== 'bigint' || ts < 0n) {
      throw new PcapError('BAD_ARGUMENT', `timestamp must be a non-negative bigint of nanoseconds, got ${String(ts)}`);
    }
    const sec = ts / NS_PER_SECOND;
    if (sec > BigInt(U32_MAX)) throw new PcapError('BAD_ARGUMENT', `timestamp ${ts} ns is past what a classic pcap can hold (2106)`);
    const subNs = Number(ts - sec * NS_PER_SECOND);
    // Microseconds truncate (as the kernel's own µs timestamps do), so ns → µs → ns is stable.
    const frac = this.resolution === 'ns' ? subNs : Math.floor(subNs / 1000);
    const caplen = Math.min(p.data.length, this.snaplen);
    const origlen = Math.max(p.origlen ?? p.data.length, caplen);
    checkUint('origlen', origlen, U32_MAX);
    const at = this.out.reserve(RECORD_HEADER_LEN + caplen);
    const dv = this.out.dv;
    dv.setUint32(at + RH_TS_SEC, Number(sec), this.le);
    dv.setUint32(at + RH_TS_FRAC, frac, this.le);
    dv.setUint32(at + RH_CAPLEN, caplen, this.le);
    dv.setUint32(at + RH_ORIGLEN, origlen, this.le);
    this.out.buf.set(caplen === p.data.length ? p.data : p.data.subarray(0, caplen), at + RECORD_HEADER_LEN);
    this.out.commit(RECORD_HEADER_LEN + caplen);
    this.count++;
    return this.out.ready;
  }

  /** Hands buffered bytes to the sink now. */
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
