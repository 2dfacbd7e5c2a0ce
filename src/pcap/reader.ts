/**
 * Opening a capture: sniff the format from the first four bytes, then drive the matching decoder from a file
 * descriptor (synchronous: what replay uses, so a run is a plain loop with no event-loop interleaving) or from a Node
 * Readable (asynchronous). Both keep one bounded buffer; neither ever loads the file whole.
 */
import { closeSync, openSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { ClassicDecoder, MAGIC_KUZNETZOV, MAGIC_MICROSECONDS, MAGIC_NANOSECONDS, type ClassicHeader } from './classic.js';
import { resolveOptions, type Decoder, type ReaderOptions, type ReaderStats } from './decoder.js';
import { PcapError, ioError } from './errors.js';
import { BT_SHB, PcapngDecoder, type NameRecord, type SectionInfo } from './pcapng.js';
import type { CaptureInterface, PcapRecord } from './record.js';
import { ByteWindow, ChunkSource } from './window.js';

export type CaptureFormat = 'pcap' | 'pcapng';

const MAGIC_LEN = 4;
const GZIP_MAGIC = 0x1f8b;

function swap32(v: number): number {
  return (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;
}

/** Picks the decoder from the magic at the start of the window (which holds at least 4 bytes, or the whole file). */
function sniff(w: ByteWindow, opts: ReturnType<typeof resolveOptions>): Decoder {
  if (w.available < MAGIC_LEN) {
    throw new PcapError('TRUNCATED_HEADER', `file holds ${w.available} bytes: too short for any capture header`, { offset: 0 });
  }
  const m = w.dv.getUint32(w.pos, false);
  if (m === BT_SHB) return new PcapngDecoder(opts);
  for (const magic of [MAGIC_MICROSECONDS, MAGIC_NANOSECONDS]) {
    if (m === magic || m === swap32(magic)) return new ClassicDecoder(opts);
  }
  // Kuznetzov's modified format: ClassicDecoder rejects it with a message that names it.
  if (m === MAGIC_KUZNETZOV || m === swap32(MAGIC_KUZNETZOV)) return new ClassicDecoder(opts);
  const hint = m >>> 16 === GZIP_MAGIC ? ' (gzip-compressed? decompress it first)' : '';
  throw new PcapError('BAD_MAGIC', `0x${m.toString(16).padStart(8, '0')} is neither a pcap nor a pcapng magic${hint}`, {
    offset: 0,
  });
}

/** The parts of a reader that do not depend on how bytes arrive. */
abstract class CaptureReaderBase {
  protected readonly opts: ReturnType<typeof resolveOptions>;
  protected readonly w: ByteWindow;
  protected dec!: Decoder;

  constructor(options: ReaderOptions | undefined) {
    this.opts = resolveOptions(options);
    this.w = new ByteWindow(this.opts.bufferSize, this.opts.maxUnitBytes);
  }

  get format(): CaptureFormat {
    return this.dec.format;
  }

  /** Interfaces described so far (pcapng IDBs appear as they are read; classic pcap has exactly one). */
  get interfaces(): readonly CaptureInterface[] {
    return this.dec.interfaces;
  }

  get stats(): Readonly<ReaderStats> {
    return this.dec.stats;
  }

  /** The classic file header; undefined for pcapng. */
  get classicHeader(): ClassicHeader | undefined {
    return this.dec instanceof ClassicDecoder ? this.dec.header : undefined;
  }

  /** pcapng sections read so far; empty for classic pcap. */
  get sections(): readonly SectionInfo[] {
    return this.dec instanceof PcapngDecoder ? this.dec.sections : [];
  }

  /** pcapng name resolution records read so far (IPv4/IPv6 only). */
  get names(): readonly NameRecord[] {
    return this.dec instanceof PcapngDecoder ? this.dec.names : [];
  }

  /** Current size of the read buffer in bytes. */
  get bufferCapacity(): number {
    return this.w.capacity;
  }

  /** Largest size the read buffer has had: the initial size unless one record or block was bigger. */
  get peakBufferCapacity(): number {
    return this.w.peakCapacity;
  }

  /** The most the read buffer may ever grow to. */
  get maxBufferCapacity(): number {
    return this.w.maxCapacity;
  }

  /** File offset of the next unread byte. */
  get offset(): number {
    return this.w.offsetAt(this.w.pos);
  }

  /** Guards against a decoder that asks for bytes a finished source cannot give (would otherwise spin). */
  protected checkProgress(before: number, wasEof: boolean): void {
    const stuck = this.w.available === before && (wasEof || this.dec.need <= before);
    if (stuck && !this.dec.done) {
      throw new PcapError('TRUNCATED_BLOCK', 'the reader cannot make progress: the file ended inside a unit it could not finish', {
        offset: this.offset,
        recordIndex: this.dec.stats.records,
      });
    }
  }
}

/**
 * Reads records synchronously from a file descriptor. Records are produced lazily; `read()` returns null at the end.
 * The record's `data` is valid until the next `read()`.
 */
export class PcapSyncReader extends CaptureReaderBase implements Iterable<PcapRecord> {
  private closed = false;

  /** `fd` is read sequentially from its current position; it is closed by `close()` only when `ownsFd`. */
  constructor(
    private readonly fd: number,
    options?: ReaderOptions,
    private readonly ownsFd = false,
  ) {
    super(options);
    try {
      this.w.fillSync(fd, MAGIC_LEN);
      this.dec = sniff(this.w, this.opts);
      while (!this.dec.start(this.w)) this.fill();
    } catch (err) {
      this.close();
      throw err instanceof PcapError ? err : ioError('reading the capture header failed', err);
    }
  }

  private fill(): void {
    const before = this.w.available;
    const wasEof = this.w.eof;
    this.w.fillSync(this.fd, this.dec.need);
    this.checkProgress(before, wasEof);
  }

  /** The next record, or null at the end of the capture (or, in lenient mode, after an unrecoverable error). */
  read(): PcapRecord | null {
    if (this.closed) return null;
    try {
      for (;;) {
        const rec = this.dec.step(this.w);
        if (rec) return rec;
        if (this.dec.done) {
          if (this.ownsFd) this.close();
          return null;
        }
        this.fill();
      }
    } catch (err) {
      if (this.ownsFd) this.close();
      throw err instanceof PcapError ? err : ioError('reading the capture failed', err, { offset: this.offset });
    }
  }

  *[Symbol.iterator](): Iterator<PcapRecord> {
    for (let r = this.read(); r; r = this.read()) yield r;
  }

  /** Releases the descriptor when this reader opened it. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsFd) {
      try {
        closeSync(this.fd);
      } catch {
        /* closing a descriptor we opened can only fail if it is already gone */
      }
    }
  }
}

/** Reads records from a Node Readable (a file stream, a pipe, a socket). Await `read()`, or `for await`. */
export class PcapStreamReader extends CaptureReaderBase implements AsyncIterable<PcapRecord> {
  private readonly src: ChunkSource;
  private closed = false;

  private constructor(stream: Readable | AsyncIterable<Uint8Array>, options?: ReaderOptions) {
    super(options);
    this.src = new ChunkSource(stream as AsyncIterable<unknown>);
  }

  /** Reads the capture header (so `format`, `interfaces`, `classicHeader` are set) and returns the reader. */
  static async open(stream: Readable | AsyncIterable<Uint8Array>, options?: ReaderOptions): Promise<PcapStreamReader> {
    const r = new PcapStreamReader(stream, options);
    try {
      await r.w.fillAsync(r.src, MAGIC_LEN);
      r.dec = sniff(r.w, r.opts);
      while (!r.dec.start(r.w)) await r.fill();
    } catch (err) {
      await r.close();
      throw err instanceof PcapError ? err : ioError('reading the capture header failed', err);
    }
    return r;
  }

  private async fill(): Promise<void> {
    const before = this.w.available;
    const wasEof = this.w.eof;
    await this.w.fillAsync(this.src, this.dec.need);
    this.checkProgress(before, wasEof);
  }

  async read(): Promise<PcapRecord | null> {
    if (this.closed) return null;
    try {
      for (;;) {
        const rec = this.dec.step(this.w);
        if (rec) return rec;
        if (this.dec.done) return null;
        await this.fill();
      }
    } catch (err) {
      await this.close();
      throw err instanceof PcapError ? err : ioError('reading the capture failed', err, { offset: this.offset });
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<PcapRecord> {
    try {
      for (let r = await this.read(); r; r = await this.read()) yield r;
    } finally {
      await this.close();
    }
  }

  /** Stops reading and destroys the stream's iteration. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.src.close();
  }
}

/** Opens `path` and returns a synchronous reader that owns (and closes) the descriptor. */
export function openCaptureFileSync(path: string, options?: ReaderOptions): PcapSyncReader {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw ioError(`cannot open ${path}`, err);
  }
  return new PcapSyncReader(fd, options, true);
}

/** A synchronous reader over a descriptor the caller keeps owning. */
export function openCaptureFdSync(fd: number, options?: ReaderOptions): PcapSyncReader {
  return new PcapSyncReader(fd, options, false);
}

/** An asynchronous reader over a stream; resolves once the capture header is read. */
export function openCaptureStream(
  stream: Readable | AsyncIterable<Uint8Array>,
  options?: ReaderOptions,
): Promise<PcapStreamReader> {
  return PcapStreamReader.open(stream, options);
}
