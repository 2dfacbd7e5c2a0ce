/**
 * Egress tagging: rewrite a frame's outer 802.1Q tag into a destination buffer as the destination port wants it
 * (untagged, or tagged with a VLAN id). Copies once; the priority bits of an existing tag are kept.
 */
const TPID_8021Q = 0x8100;
const TPID_8021AD = 0x88a8;

function outerTagged(buf: Uint8Array, off: number, len: number): boolean {
  if (len < 18) return false;
  const t = (buf[off + 12]! << 8) | buf[off + 13]!;
  return t === TPID_8021Q || t === TPID_8021AD;
}

/** True when the frame must be rewritten to leave with `tag` (-1 = untagged). */
export function needsRetag(buf: Uint8Array, off: number, len: number, tag: number): boolean {
  const tagged = outerTagged(buf, off, len);
  if (tag < 0) return tagged;
  if (!tagged) return true;
  return (((buf[off + 14]! << 8) | buf[off + 15]!) & 0x0fff) !== tag;
}

/** Write the frame retagged into dst at dstOff; returns the new length. dst must have len + 4 bytes of room. */
export function writeRetagged(
  src: Uint8Array,
  off: number,
  len: number,
  tag: number,
  dst: Uint8Array,
  dstOff: number,
): number {
  const tagged = outerTagged(src, off, len);
  dst.set(src.subarray(off, off + 12), dstOff); // MAC addresses
  const restFrom = tagged ? off + 16 : off + 12;
  let o = dstOff + 12;
  if (tag >= 0) {
    const pcp = tagged ? src[off + 14]! & 0xf0 : 0;
    dst[o++] = TPID_8021Q >> 8;
    dst[o++] = TPID_8021Q & 0xff;
    dst[o++] = pcp | ((tag >> 8) & 0x0f);
    dst[o++] = tag & 0xff;
  }
  dst.set(src.subarray(restFrom, off + len), o);
  return o - dstOff + (off + len - restFrom);
}
