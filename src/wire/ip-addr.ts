/**
 * IPv4 and IPv6 addresses in text and binary form. IPv4 is a host-order uint32 number (what WFP's FWP_UINT32
 * address fields hold, and cheap to compare and hash); IPv6 is 16 bytes, read in place at an offset.
 */
import { bytesEqual, getU16, getU32, setU32 } from './bytes.js';

export type IpAddress = number | Uint8Array;

// --- IPv4 ---

const DEC_OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const IPV4_RE = new RegExp(`^${DEC_OCTET}\\.${DEC_OCTET}\\.${DEC_OCTET}\\.${DEC_OCTET}$`);

/**
 * Dotted quad to a host-order uint32; null otherwise. Leading zeros are refused: inet_aton reads them as octal,
 * so "010.0.0.1" means different things to different tools.
 */
export function parseIpv4Addr(s: string): number | null {
  const m = IPV4_RE.exec(s);
  if (!m) return null;
  return ((+m[1] << 24) | (+m[2] << 16) | (+m[3] << 8) | +m[4]) >>> 0;
}

export function formatIpv4Addr(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 0xff}.${(a >>> 8) & 0xff}.${a & 0xff}`;
}

export const readIpv4Addr = getU32;
export const writeIpv4Addr = setU32;

// --- IPv6 ---

const HEX_GROUP_RE = /^[0-9a-fA-F]{1,4}$/;

export const IPV6_UNSPECIFIED: Readonly<Uint8Array> = new Uint8Array(16);
export const IPV6_ALL_NODES: Readonly<Uint8Array> = ipv6Const('ff02::1');
export const IPV6_ALL_ROUTERS: Readonly<Uint8Array> = ipv6Const('ff02::2');

function ipv6Const(s: string): Uint8Array {
  const a = parseIpv6Addr(s);
  if (!a) throw new Error(`bad IPv6 constant ${s}`);
  return a;
}


/**
 * RFC 4291 §2.2 text forms: eight hex groups, one `::` for a run of zero groups, optionally a trailing dotted
 * quad for the last 32 bits. No zone index (`%eth0`) and no brackets. null when invalid.
 */
export function parseIpv6Addr(s: string): Uint8Array | null {
  if (s.length < 2 || s.length > 45) return null;
  const gap = s.indexOf('::');
  if (gap !== s.lastIndexOf('::')) return null;
  const head = gap < 0 ? s : s.slice(0, gap);
  const tail = gap < 0 ? '' : s.slice(gap + 2);
  const headParts = head === '' ? [] : head.split(':');
  const tailParts = tail === '' ? [] : tail.split(':');
  const words: number[] = [];
  const tailWords: number[] = [];
  if (!groupsToWords(headParts, words, gap < 0) || !groupsToWords(tailParts, tailWords, true)) return null;
  const given = words.length + tailWords.length;
  if (gap < 0 ? given !== 8 : given > 7) return null;
  while (words.length + tailWords.length < 8) words.push(0);
  words.push(...tailWords);
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[2 * i] = words[i] >>> 8;
    out[2 * i + 1] = words[i] & 0xff;
  }
  return out;
}

/** Appends the 16-bit words of hex groups; a dotted quad is allowed only as the final group of the address. */
function groupsToWords(parts: string[], out: number[], mayEndInIpv4: boolean): boolean {
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (HEX_GROUP_RE.test(p)) {
      out.push(parseInt(p, 16));
    } else if (mayEndInIpv4 && i === parts.length - 1) {
      const v4 = parseIpv4Addr(p);
      if (v4 === null) return false;
      out.push(v4 >>> 16, v4 & 0xffff);
    } else {
      return false;
    }
  }
  return true;
}

/**
 * RFC 5952 canonical text: lower case, no leading zeros, the longest run (first on a tie) of two or more zero
 * groups as `::`, and IPv4-mapped addresses (::ffff:0:0/96) in mixed notation as §5 recommends.
 */
export function formatIpv6Addr(buf: Uint8Array, off = 0): string {
  if (isIpv4MappedIpv6(buf, off)) return `::ffff:${formatIpv4Addr(getU32(buf, off + 12))}`;
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (getU16(buf, off + 2 * i) !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && getU16(buf, off + 2 * j) === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (i: number) => getU16(buf, off + 2 * i).toString(16);
  if (bestAt < 0) {
    let s = hex(0);
    for (let i = 1; i < 8; i++) s += `:${hex(i)}`;
    return s;
  }
  let s = '';
  for (let i = 0; i < bestAt; i++) s += `${hex(i)}:`;
  if (bestAt === 0) s = ':';
  s += ':';
  for (let i = bestAt + bestLen; i < 8; i++) s += i === 7 ? hex(i) : `${hex(i)}:`;
  return s;
}

export function ipv6Equals(a: Uint8Array, aOff: number, b: Uint8Array, bOff: number): boolean {
  return bytesEqual(a, aOff, b, bOff, 16);
}

/** Numeric order of two IPv6 addresses. */
export function compareIpv6(a: Uint8Array, aOff: number, b: Uint8Array, bOff: number): number {
  for (let i = 0; i < 16; i++) {
    const d = a[aOff + i] - b[bOff + i];
    if (d !== 0) return d;
  }
  return 0;
}

export function isIpv4MappedIpv6(buf: Uint8Array, off = 0): boolean {
  for (let i = 0; i < 10; i++) if (buf[off + i] !== 0) return false;
  return buf[off + 10] === 0xff && buf[off + 11] === 0xff;
}

export function isIpv6Multicast(buf: Uint8Array, off = 0): boolean {
  return buf[off] === 0xff;
}

/** fe80::/10 */
export function isIpv6LinkLocal(buf: Uint8Array, off = 0): boolean {
  return buf[off] === 0xfe && (buf[off + 1] & 0xc0) === 0x80;
}

export function isIpv6Unspecified(buf: Uint8Array, off = 0): boolean {
  return bytesEqual(buf, off, IPV6_UNSPECIFIED, 0, 16);
}

/** ff02::1:ffXX:XXXX, where neighbour solicitations for `target` are sent (RFC 4291 §2.7.1). */
export function solicitedNodeMulticast(target: Uint8Array, off = 0): Uint8Array {
  const a = new Uint8Array(16);
  a[0] = 0xff;
  a[1] = 0x02;
  a[11] = 0x01;
  a[12] = 0xff;
  a[13] = target[off + 13];
  a[14] = target[off + 14];
  a[15] = target[off + 15];
  return a;
}

// --- either family ---

/** IPv4 or IPv6 text; the result's type tells the family (number = IPv4). */
export function parseIpAddr(s: string): IpAddress | null {
  return s.includes(':') ? parseIpv6Addr(s) : parseIpv4Addr(s);
}

export function formatIpAddr(a: IpAddress): string {
  return typeof a === 'number' ? formatIpv4Addr(a) : formatIpv6Addr(a);
}
