/**
 * IPv6 extension headers (RFC 8200 §4): walking the chain to the upper layer without allocating, and reprs for
 * hop-by-hop and destination options, routing, fragment and AH headers.
 */
import { EMPTY_BYTES, ensureRoom, getU16, getU32, setU16, setU32 } from './bytes.js';
import { ParseError } from './errors.js';
import { IpProtocol } from './ip-proto.js';

/**
 * A legitimate chain has at most eight headers (RFC 8200 §4.1's order, with destination options twice); more is
 * a crafted packet making every box on the path walk it.
 */
export const MAX_IPV6_EXT_HEADERS = 8;
export const IPV6_FRAG_HEADER_LEN = 8;
/** Fragment header: offset (13 bits) | reserved (2) | M, then the identification. */
export const IPV6_FRAG_OFFSET_OFF = 2;
export const IPV6_FRAG_IDENT_OFF = 4;

export enum Ipv6OptionType {
  PAD1 = 0,
  PADN = 1,
  JUMBO = 0xc2,
  ROUTER_ALERT = 5,
}

/** Where a chain walk ended; reused across packets. Offsets are absolute in the walked buffer. */
export class Ipv6Chain {
  /**
   * Upper-layer protocol; for a non-first fragment, the fragment header's next header. After a failed walk, the
   * type of the header where it stopped.
   */
  upperProto = 0;
  /** Start of the upper-layer header (for a non-first fragment: of the fragment data), or where the walk stopped. */
  upperOff = 0;
  extCount = 0;
  /** First fragment header, or -1; its fields follow. */
  fragOff = -1;
  /** Bytes. */
  fragOffset = 0;
  moreFragments = false;
  fragIdent = 0;
  /** First routing header, or -1. */
  routingOff = -1;

  reset(): void {
    this.upperProto = 0;
    this.upperOff = 0;
    this.extCount = 0;
    this.fragOff = -1;
    this.fragOffset = 0;
    this.moreFragments = false;
    this.fragIdent = 0;
    this.routingOff = -1;
  }
}

/**
 * Walks the headers from `off` (whose type is `nh`) to the upper layer, inside [off, end). Stops at the first
 * header that is not an extension header, at ESP (its next header is encrypted), and after a fragment header with
 * a non-zero offset (what follows is the middle of a datagram, not a header).
 */
export function walkIpv6Chain(buf: Uint8Array, nh: number, off: number, end: number, out: Ipv6Chain): ParseError {
  out.reset();
  let at = off;
  for (;;) {
    out.upperProto = nh;
    out.upperOff = at;
    let hl: number;
    switch (nh) {
      case IpProtocol.HOPOPT:
      case IpProtocol.IPV6_OPTS: {
        if (nh === IpProtocol.HOPOPT && out.extCount !== 0) return ParseError.BAD_EXT_HEADER;
        if (at + 2 > end) return ParseError.TRUNCATED;
        hl = (buf[at + 1] + 1) << 3;
        if (at + hl > end) return ParseError.TRUNCATED;
        const e = checkIpv6Options(buf, at + 2, at + hl);
        if (e !== ParseError.OK) return e;
        break;
      }
      case IpProtocol.IPV6_ROUTE:
        if (at + 2 > end) return ParseError.TRUNCATED;
        hl = (buf[at + 1] + 1) << 3;
        if (at + hl > end) return ParseError.TRUNCATED;
        if (out.routingOff < 0) out.routingOff = at;
        break;
      case IpProtocol.IPV6_FRAG: {
        hl = IPV6_FRAG_HEADER_LEN;
        if (at + hl > end) return ParseError.TRUNCATED;
        const fo = getU16(buf, at + IPV6_FRAG_OFFSET_OFF);
        if (out.fragOff < 0) {
          out.fragOff = at;
          out.fragOffset = fo & 0xfff8;
          out.moreFragments = (fo & 1) !== 0;
          // Two halves rather than getU32: see the note on 32-bit fields in frame.ts.
          out.fragIdent = getU16(buf, at + IPV6_FRAG_IDENT_OFF) * 0x10000 + getU16(buf, at + IPV6_FRAG_IDENT_OFF + 2);
        }
        if ((fo & 0xfff8) !== 0) {
          out.extCount++;
          out.upperProto = buf[at];
          out.upperOff = at + hl;
          return ParseError.OK;
        }
        break;
      }
      case IpProtocol.AH:
        if (at + 2 > end) return ParseError.TRUNCATED;
        // AH counts 4-byte words minus 2 (RFC 4302 §2.2), unlike the others' 8-byte units minus 1.
        hl = (buf[at + 1] + 2) << 2;
        if (at + hl > end) return ParseError.TRUNCATED;
        break;
      default:
        return ParseError.OK;
    }
    if (++out.extCount > MAX_IPV6_EXT_HEADERS) return ParseError.TOO_MANY_EXT_HEADERS;
    nh = buf[at];
    at += hl;
  }
}

/** Option TLVs of a hop-by-hop or destination options header, in [off, end): Pad1 is one byte, the rest TLV. */
export function checkIpv6Options(buf: Uint8Array, off: number, end: number): ParseError {
  let i = off;
  while (i < end) {
    if (buf[i] === Ipv6OptionType.PAD1) {
      i++;
      continue;
    }
    if (i + 2 > end || i + 2 + buf[i + 1] > end) return ParseError.BAD_OPTION;
    i += 2 + buf[i + 1];
  }
  return ParseError.OK;
}

/**
 * Where the upper-layer pseudo-header's destination is, for a packet in transit through a routing header with
 * segments left: the final destination (RFC 8200 §8.1). -1 when the IPv6 destination field is the one to use.
 */
export function routingFinalDestOffset(buf: Uint8Array, rhOff: number): number {
  const segmentsLeft = buf[rhOff + 3];
  if (segmentsLeft === 0) return -1;
  const dataLen = buf[rhOff + 1] << 3;
  switch (buf[rhOff + 2]) {
    case 0: // RH0 (deprecated, RFC 5095): addresses after 4 reserved bytes, the final one last
      return dataLen >= 16 ? rhOff + 8 + ((dataLen >>> 4) - 1) * 16 : -1;
    case 2: // Mobile IPv6: the home address
      return dataLen >= 16 ? rhOff + 8 : -1;
    case 4: // Segment routing (RFC 8754): Segment List[0] is the last segment
      return dataLen >= 16 ? rhOff + 8 : -1;
    default:
      return -1;
  }
}

// --- reprs ---

/** One TLV of a hop-by-hop or destination options header. Pad1 is { type: 0, data: empty }. */
export interface Ipv6Option {
  type: number;
  data: Uint8Array;
}

export type Ipv6ExtHeader =
  | { kind: 'hopByHop' | 'destOpts'; options: Ipv6Option[] }
  /** `data`: the type-specific bytes after the 4-byte routing header start. */
  | { kind: 'routing'; routingType: number; segmentsLeft: number; data: Uint8Array }
  /** `offset` in bytes (a multiple of 8). */
  | { kind: 'fragment'; offset: number; more: boolean; ident: number }
  /** `data`: everything after next-header and length (reserved, SPI, sequence, ICV). */
  | { kind: 'auth'; data: Uint8Array };

export function extHeaderProtocol(h: Ipv6ExtHeader): number {
  switch (h.kind) {
    case 'hopByHop':
      return IpProtocol.HOPOPT;
    case 'destOpts':
      return IpProtocol.IPV6_OPTS;
    case 'routing':
      return IpProtocol.IPV6_ROUTE;
    case 'fragment':
      return IpProtocol.IPV6_FRAG;
    case 'auth':
      return IpProtocol.AH;
  }
}

function optionsLength(opts: readonly Ipv6Option[]): number {
  let n = 0;
  for (const o of opts) n += o.type === Ipv6OptionType.PAD1 ? 1 : 2 + o.data.length;
  return n;
}

const roundUp = (n: number, unit: number) => Math.ceil(n / unit) * unit;

/** Length on the wire: every IPv6 extension header, AH included (RFC 4302 §2.2), is a multiple of 8 bytes. */
export function ipv6ExtHeaderLength(h: Ipv6ExtHeader): number {
  switch (h.kind) {
    case 'hopByHop':
    case 'destOpts':
      return roundUp(2 + optionsLength(h.options), 8);
    case 'routing':
      return roundUp(4 + h.data.length, 8);
    case 'fragment':
      return IPV6_FRAG_HEADER_LEN;
    case 'auth':
      return roundUp(2 + h.data.length, 8);
  }
}

/** Reads the header of type `nh` at `at`, already validated by walkIpv6Chain; data are views onto the buffer. */
export function readIpv6ExtHeader(nh: number, buf: Uint8Array, at: number): Ipv6ExtHeader {
  switch (nh) {
    case IpProtocol.HOPOPT:
    case IpProtocol.IPV6_OPTS: {
      const end = at + ((buf[at + 1] + 1) << 3);
      const options: Ipv6Option[] = [];
      for (let i = at + 2; i < end; ) {
        if (buf[i] === Ipv6OptionType.PAD1) {
          options.push({ type: Ipv6OptionType.PAD1, data: EMPTY_BYTES });
          i++;
        } else {
          options.push({ type: buf[i], data: buf.subarray(i + 2, i + 2 + buf[i + 1]) });
          i += 2 + buf[i + 1];
        }
      }
      return { kind: nh === IpProtocol.HOPOPT ? 'hopByHop' : 'destOpts', options };
    }
    case IpProtocol.IPV6_ROUTE:
      return {
        kind: 'routing',
        routingType: buf[at + 2],
        segmentsLeft: buf[at + 3],
        data: buf.subarray(at + 4, at + ((buf[at + 1] + 1) << 3)),
      };
    case IpProtocol.IPV6_FRAG: {
      const fo = getU16(buf, at + IPV6_FRAG_OFFSET_OFF);
      return { kind: 'fragment', offset: fo & 0xfff8, more: (fo & 1) !== 0, ident: getU32(buf, at + IPV6_FRAG_IDENT_OFF) };
    }
    case IpProtocol.AH:
      return { kind: 'auth', data: buf.subarray(at + 2, at + ((buf[at + 1] + 2) << 2)) };
    default:
      throw new RangeError(`readIpv6ExtHeader: ${nh} is not an extension header`);
  }
}

/**
 * Writes one header followed by `next`; returns its length. Short option lists are padded with Pad1/PadN,
 * routing and AH data with zeros, to the header's length unit.
 */
export function emitIpv6ExtHeader(h: Ipv6ExtHeader, next: number, buf: Uint8Array, off: number): number {
  const hl = ipv6ExtHeaderLength(h);
  ensureRoom(buf, off, hl, 'emitIpv6ExtHeader');
  buf[off] = next;
  switch (h.kind) {
    case 'hopByHop':
    case 'destOpts': {
      buf[off + 1] = (hl >>> 3) - 1;
      let i = off + 2;
      for (const o of h.options) {
        buf[i++] = o.type;
        if (o.type === Ipv6OptionType.PAD1) continue;
        if (o.data.length > 255) throw new RangeError('emitIpv6ExtHeader: option data over 255 bytes');
        buf[i++] = o.data.length;
        buf.set(o.data, i);
        i += o.data.length;
      }
      const pad = off + hl - i;
      if (pad === 1) {
        buf[i] = Ipv6OptionType.PAD1;
      } else if (pad > 1) {
        buf[i] = Ipv6OptionType.PADN;
        buf[i + 1] = pad - 2;
        buf.fill(0, i + 2, off + hl);
      }
      break;
    }
    case 'routing':
      buf[off + 1] = (hl >>> 3) - 1;
      buf[off + 2] = h.routingType;
      buf[off + 3] = h.segmentsLeft;
      buf.set(h.data, off + 4);
      buf.fill(0, off + 4 + h.data.length, off + hl);
      break;
    case 'fragment':
      if (h.offset % 8 !== 0 || h.offset > 0xfff8) throw new RangeError(`emitIpv6ExtHeader: fragment offset ${h.offset}`);
      buf[off + 1] = 0;
      setU16(buf, off + IPV6_FRAG_OFFSET_OFF, h.offset | (h.more ? 1 : 0));
      setU32(buf, off + IPV6_FRAG_IDENT_OFF, h.ident);
      break;
    case 'auth':
      buf[off + 1] = (hl >>> 2) - 2;
      buf.set(h.data, off + 2);
      buf.fill(0, off + 2 + h.data.length, off + hl);
      break;
  }
  return hl;
}
