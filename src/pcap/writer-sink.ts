/**
 * Where writers put bytes: a file descriptor (synchronous writes: replay's output stays in step with its input and
 * a crash loses at most one buffer) or a Node Writable (asynchronous, with backpressure). Writers encode straight
 * into this buffer through `reserve()`, so a packet costs one copy of its bytes.
 */
import { closeSync, writeSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { PcapError, ioError } from './errors.js';

export type ByteSink = number | Writable;

export const DEFAULT_WRITE_BUFFER = 64 * 1024;

export class BufferedOutput {
  buf: Buffer;
  dv: DataView;
  /** Bytes of `buf` filled and not yet handed to the sink. */
  len = 0;
  /** Total bytes accepted so far (the file offset of the next byte). */
  written = 0;
  private closed = false;
  private streamError: unknown = undefined;

  constructor(
    private readonly sink: ByteSink,
    private readonly size = DEFAULT_WRITE_BUFFER,
    private readonly ownsFd = false,
  ) {
    this.buf = Buffer.allocUnsafe(size);
    this.dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    if (typeof sink !== 'number') {
      // Without a listener an 'error' event would crash the process; keep it and report it as a PcapError.
      sink.on('error', (err) => {
        this.streamError ??= err;
      });
    }
  }

  private check(): void {
    if (this.closed) throw new PcapError('BAD_ARGUMENT', 'the writer is closed');
    if (this.streamError !== undefined) throw ioError('output stream failed', this.streamError);
  }

  /**
   * Makes room for `n` contiguous bytes and returns their offset in `buf`. The caller fills them and calls
   * `commit(n)`. Returns the offset; the buffer may have been swapped, so read `buf`/`dv` after calling.
   */
  reserve(n: number): number {
    this.check();
    if (this.len + n > this.buf.length) {
      this.flush();
      if (n > this.buf.length) this.replace(Math.max(n, this.size));
    }
    return this.len;
  }

  commit(n: number): void {
    this.len += n;
    this.written += n;
  }

  private replace(size: number): void {
    this.buf = Buffer.allocUnsafe(size);
    this.dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  /** Hands buffered bytes to the sink. For a stream, returns its write() result (false: wait for 'drain'). */
  flush(): boolean {
    if (this.len === 0) return true;
    if (typeof this.sink === 'number') {
      let off = 0;
      try {
        while (off < this.len) off += writeSync(this.sink, this.buf, off, this.len - off);
      } catch (err) {
        throw ioError('write failed', err, { offset: this.written - this.len + off });
      }
      this.len = 0;
      return true;
    }
    // The stream keeps the chunk until it is written: hand this buffer over and start a fresh one.
    const chunk = this.buf.subarray(0, this.len);
    this.replace(this.size);
    this.len = 0;
    return this.sink.write(chunk);
  }

  /** False while a stream sink is over its high-water mark (await `drain()`); always true for a descriptor. */
  get ready(): boolean {
    return typeof this.sink === 'number' || !this.sink.writableNeedDrain;
  }

  /** Resolves when a stream sink has room again (immediately for a descriptor). */
  async drain(): Promise<void> {
    this.check();
    const s = this.sink;
    if (typeof s === 'number' || !s.writableNeedDrain) return;
    await new Promise<void>((resolve, reject) => {
      const done = (err?: unknown): void => {
        s.off('drain', done);
        s.off('error', done);
        if (err) reject(ioError('output stream failed', err));
        else resolve();
      };
      s.on('drain', done);
      s.on('error', done);
    });
  }

  /** Flushes, then closes the descriptor if this output opened it. Streams need the asynchronous `close()`. */
  closeSync(): void {
    if (this.closed) return;
    if (typeof this.sink !== 'number') {
      throw new PcapError('BAD_ARGUMENT', 'closeSync() is for descriptor sinks; await close() for a stream');
    }
    this.check();
    try {
      this.flush();
    } finally {
      this.closed = true;
      if (this.ownsFd) {
        try {
          closeSync(this.sink);
        } catch (err) {
          throw ioError('close failed', err);
        }
      }
    }
  }

  /** Flushes and, for a stream, ends it and waits until everything is written. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (typeof this.sink === 'number') return this.closeSync();
    this.check();
    const s = this.sink;
    this.flush();
    this.closed = true;
    await new Promise<void>((resolve, reject) => {
      if (this.streamError !== undefined) return reject(ioError('output stream failed', this.streamError));
      s.once('error', (err) => reject(ioError('output stream failed', err)));
      s.end(() => resolve());
    });
  }
}

/** Checks a uint that a format stores in `bits` bits; the writer's callers get a BAD_ARGUMENT, never a RangeError. */
export function checkUint(what: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max) {
    throw new PcapError('BAD_ARGUMENT', `${what} must be an integer in 0..${max}, got ${v}`);
  }
}

export function nativeLittleEndian(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}

export type ByteOrderOption = 'native' | 'LE' | 'BE';

export function littleEndianFor(order: ByteOrderOption | undefined): boolean {
  return order === undefined || order === 'native' ? nativeLittleEndian() : order === 'LE';
}
