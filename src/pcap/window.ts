/**
 * The reader's one buffer: a window [pos, end) onto the file, refilled in place. Decoders look at bytes from `pos`,
 * and either consume a whole unit (record or block) or say how many bytes they need. The buffer only grows when a
 * single unit is bigger than it, and only as fast as data actually arrives (doubling), so a corrupt length claiming
 * 200 MiB in a 1 KiB file never allocates 200 MiB: the file ends first.
 */
import { readSync } from 'node:fs';
import { PcapError, ioError } from './errors.js';

export const DEFAULT_BUFFER_SIZE = 256 * 1024;
/** The largest record or block the reader accepts by default: past this a length is corrupt, not a jumbo frame. */
export const DEFAULT_MAX_UNIT_BYTES = 256 * 1024 * 1024;

export class ByteWindow {
  buf: Buffer;
  dv: DataView;
  /** First unconsumed byte. */
  pos = 0;
  /** One past the last valid byte. */
  end = 0;
  /** File offset of buf[0]. */
  base = 0;
  /** The source has no more bytes. */
  eof = false;
  /** Largest capacity this window ever had: what the streaming tests assert against. */
  peakCapacity: number;

  constructor(
    initialSize: number,
    /** Capacity never exceeds this (the largest unit accepted plus slack for its header). */
    readonly maxCapacity: number,
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(64, initialSize));
    this.dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.peakCapacity = this.buf.length;
  }

  get capacity(): number {
    return this.buf.length;
  }

  get available(): number {
    return this.end - this.pos;
  }

  /** File offset of buffer index `i`. */
  offsetAt(i: number): number {
    return this.base + i;
  }

  /**
   * Makes free space after `end` so a read can proceed toward `need` bytes from `pos`: compacts first (dropping
   * consumed bytes, which is what invalidates earlier record views), and doubles only when the unit itself is bigger
   * than the buffer.
   */
  private makeRoom(need: number): void {
    if (this.end < this.buf.length) return;
    if (this.pos > 0) {
      this.buf.copyWithin(0, this.pos, this.end);
      this.base += this.pos;
      this.end -= this.pos;
      this.pos = 0;
      return;
    }
    if (need <= this.buf.length) return; // cannot happen: end === length and pos === 0 means we hold `need` already
    const size = Math.min(this.maxCapacity, Math.max(this.buf.length * 2, 64));
    if (size <= this.buf.length) {
      // Decoders check lengths against the cap before asking, so this is a guard, not a path.
      throw new PcapError('ABSURD_LENGTH', `a unit of ${need} bytes exceeds the reader's buffer bound ${this.maxCapacity}`, {
        offset: this.offsetAt(this.pos),
      });
    }
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, this.pos, this.end);
    this.buf = next;
    this.dv = new DataView(next.buffer, next.byteOffset, next.byteLength);
    this.peakCapacity = Math.max(this.peakCapacity, size);
  }

  /** Reads from `fd` until `need` bytes are available from `pos` or the file ends. */
  fillSync(fd: number, need: number): void {
    while (this.end - this.pos < need && !this.eof) {
      this.makeRoom(need);
      let n: number;
      try {
        n = readSync(fd, this.buf, this.end, this.buf.length - this.end, null);
      } catch (err) {
        throw ioError('read failed', err, { offset: this.offsetAt(this.end) });
      }
      if (n === 0) this.eof = true;
      else this.end += n;
    }
  }

  /** Pulls chunks from `src` until `need` bytes are available from `pos` or the stream ends. */
  async fillAsync(src: ChunkSource, need: number): Promise<void> {
    while (this.end - this.pos < need && !this.eof) {
      this.makeRoom(need);
      const room = this.buf.length - this.end;
      const n = await src.readInto(this.buf, this.end, room);
      if (n === 0) this.eof = true;
      else this.end += n;
    }
  }
}

/**
 * Adapts an async iterable of chunks (a Node Readable) to "copy up to n bytes here". A chunk larger than the free
 * space is kept and drained over several calls, so the window's bound holds whatever chunk size the stream uses.
 */
export class ChunkSource {
  private pending: Uint8Array | null = null;
  private pendingPos = 0;
  private readonly it: AsyncIterator<unknown>;

  constructor(iterable: AsyncIterable<unknown>) {
    this.it = iterable[Symbol.asyncIterator]();
  }

  /** Copies up to `room` bytes into `buf` at `at`; 0 only at end of stream. */
  async readInto(buf: Buffer, at: number, room: number): Promise<number> {
    while (this.pending === null || this.pendingPos >= this.pending.length) {
      let r: IteratorResult<unknown>;
      try {
        r = await this.it.next();
      } catch (err) {
        throw ioError('stream failed', err);
      }
      if (r.done) return 0;
      const chunk = r.value;
      if (!(chunk instanceof Uint8Array)) {
        throw new PcapError('IO', 'stream produced a non-binary chunk (was an encoding set on it?)');
      }
      this.pending = chunk;
      this.pendingPos = 0;
    }
    const n = Math.min(room, this.pending.length - this.pendingPos);
    buf.set(this.pending.subarray(this.pendingPos, this.pendingPos + n), at);
    this.pendingPos += n;
    return n;
  }

  /** Stops the underlying stream (its iterator's return() destroys a Readable). */
  async close(): Promise<void> {
    this.pending = null;
    try {
      await this.it.return?.();
    } catch {
      /* the stream is being torn down; nothing left to report */
    }
  }
}
