/**
 * ICMPv4 (RFC 792): echo, the error messages that quote the offending datagram, and a verbatim fallback for
 * every other type. The quote itself is parsed by icmp-inner.ts.
 */
import { ensureRoom, getU32, setU16 } from './bytes.js';
import { fillIcmpv4Checksum } from './checksum.js';
import { fail, ok, ParseError, type WireResult } from './errors.js';
import { ICMP_HEADER_LEN, IcmpMessage } from './icmp.js';

export enum Icmpv4Type {
  ECHO_REPLY = 0,
  DEST_UNREACHABLE = 3,
  SOURCE_QUENCH = 4,
  REDIRECT = 5,
  ECHO_REQUEST = 8,
  ROUTER_ADVERT = 9,
  ROUTER_SOLICIT = 10,
  TIME_EXCEEDED = 11,
  PARAM_PROBLEM = 12,
  TIMESTAMP = 13,
  TIMESTAMP_REPLY = 14,
}

/** Destination unreachable codes (RFC 792, RFC 1812 §5.2.7.1). */
export enum Icmpv4Unreachable {
  NET = 0,
  HOST = 1,
  PROTOCOL = 2,
  PORT = 3,
  FRAG_NEEDED = 4,
  SOURCE_ROUTE_FAILED = 5,
  NET_PROHIBITED = 9,
  HOST_PROHIBITED = 10,
  ADMIN_PROHIBITED = 13,
}

/** The messages RFC 1122 §3.2.2 calls errors: each quotes the datagram that caused it. */
export function isIcmpv4Error(type: number): boolean {
  return (
    type === Icmpv4Type.DEST_UNREACHABLE ||
    type === Icmpv4Type.SOURCE_QUENCH ||
    type === Icmpv4Type.REDIRECT ||
    type === Icmpv4Type.TIME_EXCEEDED ||
    type === Icmpv4Type.PARAM_PROBLEM
  );
}

/** Types whose bytes 4–7 are identifier and sequence number (echo, timestamp, information, address mask). */
export function icmpv4HasIdent(type: number): boolean {
  return type === 0 || type === 8 || (type >= 13 && type <= 18);
}

/**
 * How much of an offending datagram an error quotes: as much as keeps the error within 576 bytes (RFC 1812
 * §4.3.2.3, what Linux does), at least the IP header and 8 bytes that RFC 792 requires when they exist.
 */
export const ICMPV4_ERROR_MAX_QUOTE = 576 - 20 - ICMP_HEADER_LEN;

export function icmpv4QuoteLength(offendingLen: number): number {
  return Math.min(offendingLen, ICMPV4_ERROR_MAX_QUOTE);
}

export type Icmpv4Repr =
  | { kind: 'echoRequest' | 'echoReply'; ident: number; seq: number; data: Uint8Array }
  /** `nextHopMtu`: for FRAG_NEEDED (RFC 1191); 0 otherwise. */
  | { kind: 'destUnreachable'; code: number; nextHopMtu: number; quoted: Uint8Array }
  | { kind: 'timeExceeded'; code: number; quoted: Uint8Array }
  | { kind: 'paramProblem'; code: number; pointer: number; quoted: Uint8Array }
  /** `gateway`: host-order uint32. */
  | { kind: 'redirect'; code: number; gateway: number; quoted: Uint8Array }
  /** Any other type, or echo with a non-zero code; `body` is everything after the checksum. */
  | { kind: 'other'; type: number; code: number; body: Uint8Array };

const view = new IcmpMessage();

/** The message in [off, off+len) (len from the IP layer). Ignores the checksum. */
export function parseIcmpv4(buf: Uint8Array, off = 0, len = buf.length - off): WireResult<Icmpv4Repr> {
  const m = view.reset(buf, off, len);
  const e = m.check();
  if (e !== ParseError.OK) return fail(e);
  const code = m.code;
  const rest = buf.subarray(off + ICMP_HEADER_LEN, off + len);
  switch (m.type) {
    case Icmpv4Type.ECHO_REQUEST:
    case Icmpv4Type.ECHO_REPLY:
      if (code !== 0) break;
      return ok({
        kind: m.type === Icmpv4Type.ECHO_REQUEST ? 'echoRequest' : 'echoReply',
        ident: m.ident,
        seq: m.seq,
        data: rest,
      });
    case Icmpv4Type.DEST_UNREACHABLE:
      return ok({ kind: 'destUnreachable', code, nextHopMtu: m.seq, quoted: rest });
    case Icmpv4Type.TIME_EXCEEDED:
      return ok({ kind: 'timeExceeded', code, quoted: rest });
    case Icmpv4Type.PARAM_PROBLEM:
      return ok({ kind: 'paramProblem', code, pointer: buf[off + 4], quoted: rest });
    case Icmpv4Type.REDIRECT:
      return ok({ kind: 'redirect', code, gateway: getU32(buf, off + 4), quoted: rest });
  }
  return ok({ kind: 'other', type: m.type, code, body: buf.subarray(off + 4, off + len) });
}

export function icmpv4Length(r: Icmpv4Repr): number {
  switch (r.kind) {
    case 'echoRequest':
    case 'echoReply':
      return ICMP_HEADER_LEN + r.data.length;
    case 'other':
      return 4 + r.body.length;
    default:
      return ICMP_HEADER_LEN + r.quoted.length;
  }
}

/** Writes the message with its checksum; returns its length. */
export function emitIcmpv4(r: Icmpv4Repr, buf: Uint8Array, off: number): number {
  const n = icmpv4Length(r);
  if (n < ICMP_HEADER_LEN) throw new RangeError('emitIcmpv4: message shorter than its 8-byte header');
  ensureRoom(buf, off, n, 'emitIcmpv4');
  const m = view.reset(buf, off, n);
  m.checksum = 0;
  m.rest = 0;
  switch (r.kind) {
    case 'echoRequest':
    case 'echoReply':
      m.type = r.kind === 'echoRequest' ? Icmpv4Type.ECHO_REQUEST : Icmpv4Type.ECHO_REPLY;
      m.code = 0;
      m.ident = r.ident;
      m.seq = r.seq;
      buf.set(r.data, off + ICMP_HEADER_LEN);
      break;
    case 'destUnreachable':
      m.type = Icmpv4Type.DEST_UNREACHABLE;
      m.code = r.code;
      setU16(buf, off + 6, r.nextHopMtu);
      buf.set(r.quoted, off + ICMP_HEADER_LEN);
      break;
    case 'timeExceeded':
      m.type = Icmpv4Type.TIME_EXCEEDED;
      m.code = r.code;
      buf.set(r.quoted, off + ICMP_HEADER_LEN);
      break;
    case 'paramProblem':
      m.type = Icmpv4Type.PARAM_PROBLEM;
      m.code = r.code;
      buf[off + 4] = r.pointer;
      buf.set(r.quoted, off + ICMP_HEADER_LEN);
      break;
    case 'redirect':
      m.type = Icmpv4Type.REDIRECT;
      m.code = r.code;
      m.rest = r.gateway;
      buf.set(r.quoted, off + ICMP_HEADER_LEN);
      break;
    case 'other':
      m.type = r.type;
      m.code = r.code;
      buf.set(r.body, off + 4);
      break;
  }
  fillIcmpv4Checksum(buf, off, n);
  return n;
}
