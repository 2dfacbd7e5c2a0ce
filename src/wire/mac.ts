/**
 * MAC addresses as 6 bytes at an offset (text forms and comparisons). The switch's 48-bit integer keys for
 * hashing live in src/switch/mac.ts.
 */
import { bytesEqual } from './bytes.js';

export const MAC_LEN = 6;
export const BROADCAST_MAC: Readonly<Uint8Array> = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

const MAC_RE = /^([0-9a-f]{2})([:-])([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})$/i;

/** "aa:bb:cc:dd:ee:ff" or with dashes (one separator throughout); null when not a MAC address. */
export function parseMac(s: string): Uint8Array | null {
  const m = MAC_RE.exec(s);
  if (!m) return null;
  const out = new Uint8Array(6);
  out[0] = parseInt(m[1], 16);
  for (let i = 1; i < 6; i++) out[i] = parseInt(m[i + 2], 16);
  return out;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Lower-case, colon-separated: the form Linux tools and Wireshark print. */
export function formatMac(buf: Uint8Array, off = 0): string {
  return `${HEX[buf[off]]}:${HEX[buf[off + 1]]}:${HEX[buf[off + 2]]}:${HEX[buf[off + 3]]}:${HEX[buf[off + 4]]}:${HEX[buf[off + 5]]}`;
}

export function macEquals(a: Uint8Array, aOff: number, b: Uint8Array, bOff: number): boolean {
  return bytesEqual(a, aOff, b, bOff, 6);
}

/** Byte-wise (numeric) order, for sorted tables and deterministic output. */
export function compareMac(a: Uint8Array, aOff: number, b: Uint8Array, bOff: number): number {
  for (let i = 0; i < 6; i++) {
    const d = a[aOff + i] - b[bOff + i];
    if (d !== 0) return d;
  }
  return 0;
}

export function isBroadcastMac(buf: Uint8Array, off = 0): boolean {
  return (buf[off] & buf[off + 1] & buf[off + 2] & buf[off + 3] & buf[off + 4] & buf[off + 5]) === 0xff;
}

/** The I/G bit: multicast and broadcast alike. */
export function isGroupMac(buf: Uint8Array, off = 0): boolean {
  return (buf[off] & 1) !== 0;
}

/** 01:00:5e + low 23 bits of the group (RFC 1112 §6.4). `group` is a host-order uint32. */
export function ipv4MulticastMac(group: number): Uint8Array {
  return new Uint8Array([0x01, 0x00, 0x5e, (group >>> 16) & 0x7f, (group >>> 8) & 0xff, group & 0xff]);
}

/** 33:33 + low 32 bits of the group (RFC 2464 §7). */
export function ipv6MulticastMac(group: Uint8Array, off = 0): Uint8Array {
  return new Uint8Array([0x33, 0x33, group[off + 12], group[off + 13], group[off + 14], group[off + 15]]);
}
