/**
 * Base of the header views: a window [off, off+len) onto a buffer that can be re-pointed, so the hot path keeps
 * one view per protocol and parses every frame through it without allocating.
 *
 * Getters and setters do no bounds checks (call the subclass's `check()` first); reads past the end yield 0 and
 * writes past it are dropped by the typed array, so skipping `check()` gives wrong values, never an exception.
 */
import { EMPTY_BYTES } from './bytes.js';

export class WireView {
  constructor(
    public buf: Uint8Array = EMPTY_BYTES,
    public off = 0,
    public len = buf.length - off,
  ) {}

  reset(buf: Uint8Array, off: number, len: number): this {
    this.buf = buf;
    this.off = off;
    this.len = len;
    return this;
  }
}
