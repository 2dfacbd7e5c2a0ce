/**
 * Big-endian field access by byte math. A DataView would need one object per buffer (an allocation per frame in
 * the hot path); these work on any Uint8Array, and reads past the end yield 0 instead of throwing, which keeps the
 * views total even when a caller skips `check()`.
 */

export const EMPTY_BYTES = new Uint8Array(0);

export function getU16(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1];
}

/** Unsigned: `>>> 0` keeps values above 2^31 positive, so they compare and print as the wire value. */
export function getU32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

export function setU16(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 8;
  b[o + 1] = v;
}

export function setU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = v >>> 16;
  b[o + 2] = v >>> 8;
  b[o + 3] = v;
}

export function bytesEqual(a: Uint8Array, aOff: number, b: Uint8Array, bOff: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (a[aOff + i] !== b[bOff + i]) return false;
  return true;
}

/** Emitters write into caller buffers; running off the end would silently drop bytes, so refuse up front. */
export function ensureRoom(buf: Uint8Array, off: number, need: number, what: string): void {
  if (!Number.isInteger(off) || off < 0 || off + need > buf.length) {
    throw new RangeError(`${what}: needs ${need} bytes at offset ${off}, buffer has ${buf.length}`);
  }
}
