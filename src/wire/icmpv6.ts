/**
 * ICMPv6 (RFC 4443): echo, the four error messages (each quotes the offending packet; see icmp-inner.ts),
 * neighbour discovery (RFC 4861, options in ndp.ts), and a verbatim fallback for every other type.
 */
import { ensureRoom, getU32, setU32 } from './bytes.js';
import { fillIcmpv6Checksum, type PseudoHeader } from './checksum.js';
import { fail, ok, ParseError, type WireResult } from './errors.js';
import { ICMP_HEADER_LEN, IcmpMessage } from './icmp.js';
import { emitNdpOptions, ndpOptionsLength, ndpOptionsOffset, parseNdpOptions, type NdpOption } from './ndp.js';

export enum Icmpv6Type {
  DEST_UNREACHABLE = 1,
  PACKET_TOO_BIG = 2,
  TIME_EXCEEDED = 3,
  PARAM_PROBLEM = 4,
  ECHO_REQUEST = 128,
  ECHO_REPLY = 129,
  ROUTER_SOLICIT = 133,
  ROUTER_ADVERT = 134,
  NEIGHBOR_SOLICIT = 135,
  NEIGHBOR_ADVERT = 136,
  REDIRECT = 137,
}

export enum Icmpv6Unreachable {
  NO_ROUTE = 0,
  ADMIN_PROHIBITED = 1,
  BEYOND_SCOPE = 2,
  ADDRESS = 3,
  PORT = 4,
  SOURCE_POLICY = 5,
  REJECT_ROUTE = 6,
}

/** Types below 128 are errors (RFC 4443 §2.1), and each quotes the packet that caused it. */
export function isIcmpv6Error(type: number): boolean {
  return type < 128;
}

/** Echo request and reply carry an identifier and sequence number in bytes 4–7. */
export function icmpv6HasIdent(type: number): boolean {
  return type === Icmpv6Type.ECHO_REQUEST || type === Icmpv6Type.ECHO_REPLY;
}

/**
 * How much of an offending packet an error quotes: as much as keeps the error within the minimum IPv6 MTU
 * (RFC 4443 §2.4 (c)).
 */
export const ICMPV6_ERROR_MAX_QUOTE = 1280 - 40 - ICMP_HEADER_LEN;

export function icmpv6QuoteLength(offendingLen: number): number {
  return Math.min(offendingLen, ICMPV6_ERROR_MAX_QUOTE);
}

export type Icmpv6Repr =
  | { kind: 'echoRequest' | 'echoReply'; ident: number; seq: number; data: Uint8Array }
  | { kind: 'destUnreachable'; code: number; quoted: Uint8Array }
  | { kind: 'packetTooBig'; mtu: number; quoted: Uint8Array }
  | { kind: 'timeExceeded'; code: number; quoted: Uint8Array }
  | { kind: 'paramProblem'; code: number; pointer: number; quoted: Uint8Array }
  | { kind: 'routerSolicit'; options: NdpOption[] }
  /** `flags`: RaFlags bits. */
  | {
      kind: 'routerAdvert';
      curHopLimit: number;
      flags: number;
      routerLifetime: number;
      reachableTime: number;
      retransTimer: number;
      options: NdpOption[];
    }
  | { kind: 'neighborSolicit'; target: Uint8Array; options: NdpOption[] }
  /** `flags`: NaFlags bits. */
  | { kind: 'neighborAdvert'; flags: number; target: Uint8Array; options: NdpOption[] }
  | { kind: 'redirect'; target: Uint8Array; dest: Uint8Array; options: NdpOption[] }
  /**
   * Any other type, and the fixed-code types (echo, packet too big, ND) with a non-zero code, which receivers
   * must not treat as those messages. `body` is everything after the checksum.
   */
  | { kind: 'other'; type: number; code: number; body: Uint8Array };

const view = new IcmpMessage();

/** The message in [off, off+len) (len from the IP layer). Ignores the checksum; ND options must be well formed. */
export function parseIcmpv6(buf: Uint8Array, off = 0, len = buf.length - off): WireResult<Icmpv6Repr> {
  const m = view.reset(buf, off, len);
  const e = m.check();
  if (e !== ParseError.OK) return fail(e);
  const { type, code } = m;
  const end = off + len;
  const rest = buf.subarray(off + ICMP_HEADER_LEN, end);
  switch (type) {
    case Icmpv6Type.DEST_UNREACHABLE:
      return ok({ kind: 'destUnreachable', code, quoted: rest });
    case Icmpv6Type.TIME_EXCEEDED:
      return ok({ kind: 'timeExceeded', code, quoted: rest });
    case Icmpv6Type.PARAM_PROBLEM:
      return ok({ kind: 'paramProblem', code, pointer: m.rest, quoted: rest });
  }
  if (code === 0) {
    switch (type) {
      case Icmpv6Type.PACKET_TOO_BIG:
        return ok({ kind: 'packetTooBig', mtu: m.rest, quoted: rest });
      case Icmpv6Type.ECHO_REQUEST:
      case Icmpv6Type.ECHO_REPLY:
        return ok({
          kind: type === Icmpv6Type.ECHO_REQUEST ? 'echoRequest' : 'echoReply',
          ident: m.ident,
          seq: m.seq,
          data: rest,
        });
    }
    const optOff = ndpOptionsOffset(type);
    if (optOff >= 0) {
      if (len < optOff) return fail(ParseError.TRUNCATED);
      const opts = parseNdpOptions(buf, off + optOff, end);
      if (!opts.ok) return opts;
      const options = opts.value;
      switch (type) {
        case Icmpv6Type.ROUTER_SOLICIT:
          return ok({ kind: 'routerSolicit', options });
        case Icmpv6Type.ROUTER_ADVERT:
          return ok({
            kind: 'routerAdvert',
            curHopLimit: buf[off + 4],
            flags: buf[off + 5],
            routerLifetime: (buf[off + 6] << 8) | buf[off + 7],
            reachableTime: getU32(buf, off + 8),
            retransTimer: getU32(buf, off + 12),
            options,
          });
        case Icmpv6Type.NEIGHBOR_SOLICIT:
          return ok({ kind: 'neighborSolicit', target: buf.slice(off + 8, off + 24), options });
        case Icmpv6Type.NEIGHBOR_ADVERT:
          return ok({ kind: 'neighborAdvert', flags: buf[off + 4], target: buf.slice(off + 8, off + 24), options });
        case Icmpv6Type.REDIRECT:
          return ok({ kind: 'redirect', target: buf.slice(off + 8, off + 24), dest: buf.slice(off + 24, off + 40), options });
      }
    }
  }
  return ok({ kind: 'other', type, code, body: buf.subarray(off + 4, end) });
}

export function icmpv6Length(r: Icmpv6Repr): number {
  switch (r.kind) {
    case 'echoRequest':
    case 'echoReply':
      return ICMP_HEADER_LEN + r.data.length;
    case 'destUnreachable':
    case 'packetTooBig':
    case 'timeExceeded':
    case 'paramProblem':
      return ICMP_HEADER_LEN + r.quoted.length;
    case 'other':
      return 4 + r.body.length;
    default:
      return ndpOptionsOffset(ndpType(r.kind)) + ndpOptionsLength(r.options);
  }
}

function ndpType(kind: 'routerSolicit' | 'routerAdvert' | 'neighborSolicit' | 'neighborAdvert' | 'redirect'): number {
  switch (kind) {
    case 'routerSolicit':
      return Icmpv6Type.ROUTER_SOLICIT;
    case 'routerAdvert':
      return Icmpv6Type.ROUTER_ADVERT;
    case 'neighborSolicit':
      return Icmpv6Type.NEIGHBOR_SOLICIT;
    case 'neighborAdvert':
      return Icmpv6Type.NEIGHBOR_ADVERT;
    case 'redirect':
      return Icmpv6Type.REDIRECT;
  }
}

/** Writes the message with its checksum over the pseudo-header `ph`; returns its length. */
export function emitIcmpv6(r: Icmpv6Repr, buf: Uint8Array, off: number, ph: PseudoHeader): number {
  const n = icmpv6Length(r);
  if (n < ICMP_HEADER_LEN) throw new RangeError('emitIcmpv6: message shorter than its 8-byte header');
  ensureRoom(buf, off, n, 'emitIcmpv6');
  const m = view.reset(buf, off, n);
  m.code = 0;
  m.checksum = 0;
  m.rest = 0;
  const body = off + ICMP_HEADER_LEN;
  switch (r.kind) {
    case 'echoRequest':
    case 'echoReply':
      m.type = r.kind === 'echoRequest' ? Icmpv6Type.ECHO_REQUEST : Icmpv6Type.ECHO_REPLY;
      m.ident = r.ident;
      m.seq = r.seq;
      buf.set(r.data, body);
      break;
    case 'destUnreachable':
    case 'timeExceeded':
      m.type = r.kind === 'destUnreachable' ? Icmpv6Type.DEST_UNREACHABLE : Icmpv6Type.TIME_EXCEEDED;
      m.code = r.code;
      buf.set(r.quoted, body);
      break;
    case 'packetTooBig':
      m.type = Icmpv6Type.PACKET_TOO_BIG;
      m.rest = r.mtu;
      buf.set(r.quoted, body);
      break;
    case 'paramProblem':
      m.type = Icmpv6Type.PARAM_PROBLEM;
      m.code = r.code;
      m.rest = r.pointer;
      buf.set(r.quoted, body);
      break;
    case 'other':
      m.type = r.type;
      m.code = r.code;
      buf.set(r.body, off + 4);
      break;
    default: {
      m.type = ndpType(r.kind);
      const optOff = ndpOptionsOffset(m.type);
      buf.fill(0, body, off + optOff);
      switch (r.kind) {
        case 'routerAdvert':
          buf[off + 4] = r.curHopLimit;
          buf[off + 5] = r.flags;
          buf[off + 6] = r.routerLifetime >>> 8;
          buf[off + 7] = r.routerLifetime;
          setU32(buf, off + 8, r.reachableTime);
          setU32(buf, off + 12, r.retransTimer);
          break;
        case 'neighborSolicit':
          buf.set(r.target.subarray(0, 16), body);
          break;
        case 'neighborAdvert':
          buf[off + 4] = r.flags;
          buf.set(r.target.subarray(0, 16), body);
          break;
        case 'redirect':
          buf.set(r.target.subarray(0, 16), body);
          buf.set(r.dest.subarray(0, 16), body + 16);
          break;
      }
      emitNdpOptions(r.options, buf, off + optOff);
    }
  }
  fillIcmpv6Checksum(buf, off, n, ph);
  return n;
}
