/**
 * IPv6 neighbour discovery (RFC 4861): the option TLVs (8-byte units) and the fixed part of each message.
 * Messages are carried by ICMPv6; icmpv6.ts dispatches to here.
 */
import { ensureRoom, getU32, setU32 } from './bytes.js';
import { fail, ok, ParseError, type WireResult } from './errors.js';

export enum NdpOptionType {
  SOURCE_LINK_ADDR = 1,
  TARGET_LINK_ADDR = 2,
  PREFIX_INFO = 3,
  REDIRECTED_HEADER = 4,
  MTU = 5,
}

/** Router advertisement flag byte. */
export const RaFlags = { MANAGED: 0x80, OTHER: 0x40 } as const;
/** Neighbour advertisement flags (top byte of the word after the checksum). */
export const NaFlags = { ROUTER: 0x80, SOLICITED: 0x40, OVERRIDE: 0x20 } as const;
/** Prefix information flag byte. */
export const PrefixFlags = { ON_LINK: 0x80, AUTONOMOUS: 0x40 } as const;

/** Where each message's options start, from the ICMPv6 header; -1 for non-ND types. */
export function ndpOptionsOffset(icmpType: number): number {
  switch (icmpType) {
    case 133: // router solicitation: 4 reserved bytes
      return 8;
    case 134: // router advertisement: hop limit, flags, lifetime, reachable, retrans
      return 16;
    case 135: // neighbour solicitation: reserved, target
    case 136: // neighbour advertisement: flags, target
      return 24;
    case 137: // redirect: reserved, target, destination
      return 40;
    default:
      return -1;
  }
}

/**
 * Options in [off, end) are whole TLVs of non-zero length. A zero length would make a receiver loop forever,
 * which is why RFC 4861 §4.6 says to discard such messages.
 */
export function checkNdpOptions(buf: Uint8Array, off: number, end: number): ParseError {
  let i = off;
  while (i < end) {
    if (i + 2 > end) return ParseError.BAD_OPTION;
    const n = buf[i + 1] << 3;
    if (n === 0 || i + n > end) return ParseError.BAD_OPTION;
    i += n;
  }
  return ParseError.OK;
}

/**
 * Offset of the MAC in the first source (type 1) or target (type 2) link-layer address option in [off, end), or
 * -1. What the switch's neighbour table learns from, without allocating.
 */
export function findNdpLinkAddr(buf: Uint8Array, off: number, end: number, type: number): number {
  for (let i = off; i + 2 <= end; ) {
    const n = buf[i + 1] << 3;
    if (n === 0 || i + n > end) return -1;
    if (buf[i] === type && n === 8) return i + 2;
    i += n;
  }
  return -1;
}

export type NdpOption =
  | { kind: 'sourceLinkAddr' | 'targetLinkAddr'; mac: Uint8Array }
  | {
      kind: 'prefixInfo';
      prefixLength: number;
      /** PrefixFlags bits. */
      flags: number;
      validLifetime: number;
      preferredLifetime: number;
      prefix: Uint8Array;
    }
  /** `data`: after the 6 reserved bytes: the quoted IP header and data, zero-padded. */
  | { kind: 'redirectedHeader'; data: Uint8Array }
  | { kind: 'mtu'; mtu: number }
  /** Any other type, or a known type of a length it is not defined with; `data` after type and length. */
  | { kind: 'unknown'; type: number; data: Uint8Array };

function readNdpOption(buf: Uint8Array, i: number, n: number): NdpOption {
  const t = buf[i];
  if ((t === NdpOptionType.SOURCE_LINK_ADDR || t === NdpOptionType.TARGET_LINK_ADDR) && n === 8) {
    return { kind: t === NdpOptionType.SOURCE_LINK_ADDR ? 'sourceLinkAddr' : 'targetLinkAddr', mac: buf.slice(i + 2, i + 8) };
  }
  if (t === NdpOptionType.PREFIX_INFO && n === 32) {
    return {
      kind: 'prefixInfo',
      prefixLength: buf[i + 2],
      flags: buf[i + 3],
      validLifetime: getU32(buf, i + 4),
      preferredLifetime: getU32(buf, i + 8),
      prefix: buf.slice(i + 16, i + 32),
    };
  }
  if (t === NdpOptionType.REDIRECTED_HEADER && n >= 8) return { kind: 'redirectedHeader', data: buf.subarray(i + 8, i + n) };
  if (t === NdpOptionType.MTU && n === 8) return { kind: 'mtu', mtu: getU32(buf, i + 4) };
  return { kind: 'unknown', type: t, data: buf.subarray(i + 2, i + n) };
}

export function parseNdpOptions(buf: Uint8Array, off: number, end: number): WireResult<NdpOption[]> {
  const e = checkNdpOptions(buf, off, end);
  if (e !== ParseError.OK) return fail(e);
  const out: NdpOption[] = [];
  for (let i = off; i < end; i += buf[i + 1] << 3) out.push(readNdpOption(buf, i, buf[i + 1] << 3));
  return ok(out);
}

/** Padded to the 8-byte unit. */
export function ndpOptionLength(o: NdpOption): number {
  switch (o.kind) {
    case 'sourceLinkAddr':
    case 'targetLinkAddr':
    case 'mtu':
      return 8;
    case 'prefixInfo':
      return 32;
    case 'redirectedHeader':
      return 8 + ((o.data.length + 7) & ~7);
    case 'unknown':
      return (2 + o.data.length + 7) & ~7;
  }
}

export function ndpOptionsLength(opts: readonly NdpOption[]): number {
  let n = 0;
  for (const o of opts) n += ndpOptionLength(o);
  return n;
}

/** Writes the options, each zero-padded to its length; returns the total. */
export function emitNdpOptions(opts: readonly NdpOption[], buf: Uint8Array, off: number): number {
  const total = ndpOptionsLength(opts);
  ensureRoom(buf, off, total, 'emitNdpOptions');
  buf.fill(0, off, off + total);
  let i = off;
  for (const o of opts) {
    const n = ndpOptionLength(o);
    if (n > 255 * 8) throw new RangeError(`emitNdpOptions: option of ${n} bytes`);
    buf[i + 1] = n >>> 3;
    switch (o.kind) {
      case 'sourceLinkAddr':
      case 'targetLinkAddr':
        buf[i] = o.kind === 'sourceLinkAddr' ? NdpOptionType.SOURCE_LINK_ADDR : NdpOptionType.TARGET_LINK_ADDR;
        buf.set(o.mac.subarray(0, 6), i + 2);
        break;
      case 'prefixInfo':
        buf[i] = NdpOptionType.PREFIX_INFO;
        buf[i + 2] = o.prefixLength;
        buf[i + 3] = o.flags;
        setU32(buf, i + 4, o.validLifetime);
        setU32(buf, i + 8, o.preferredLifetime);
        buf.set(o.prefix.subarray(0, 16), i + 16);
        break;
      case 'redirectedHeader':
        buf[i] = NdpOptionType.REDIRECTED_HEADER;
        buf.set(o.data, i + 8);
        break;
      case 'mtu':
        buf[i] = NdpOptionType.MTU;
        setU32(buf, i + 4, o.mtu);
        break;
      case 'unknown':
        buf[i] = o.type;
        buf.set(o.data, i + 2);
        break;
    }
    i += n;
  }
  return total;
}
