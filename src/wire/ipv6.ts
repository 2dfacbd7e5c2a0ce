/**
 * IPv6 (RFC 8200) fixed header. The extension header chain is in ipv6-ext.ts; the repr here walks it so that
 * `protocol` and `payloadLength` describe the upper layer, as IPv4's do.
 */
import { ensureRoom, getU16, getU32, setU16, setU32 } from './bytes.js';
import { fail, ok, ParseError, type WireResult } from './errors.js';
import {
  emitIpv6ExtHeader,
  extHeaderProtocol,
  Ipv6Chain,
  ipv6ExtHeaderLength,
  readIpv6ExtHeader,
  walkIpv6Chain,
  type Ipv6ExtHeader,
} from './ipv6-ext.js';
import { WireView } from './view.js';

const VER_TC_FL = 0;
const PAYLOAD_LEN = 4;
const NEXT_HEADER = 6;
const HOP_LIMIT = 7;
const SRC = 8;
const DST = 24;
export const IPV6_HEADER_LEN = 40;
export const IPV6_SRC_OFF = SRC;
export const IPV6_DST_OFF = DST;

export class Ipv6Packet extends WireView {
  /** The fixed header alone; the packet may extend past the view (an ICMPv6 error's quote). */
  checkHeader(): ParseError {
    if (this.len < IPV6_HEADER_LEN) return ParseError.TRUNCATED;
    return this.buf[this.off] >>> 4 !== 6 ? ParseError.BAD_VERSION : ParseError.OK;
  }

  /** Also every byte of the payload length is in the view. */
  check(): ParseError {
    const e = this.checkHeader();
    if (e !== ParseError.OK) return e;
    return IPV6_HEADER_LEN + this.payloadLength > this.len ? ParseError.TRUNCATED : ParseError.OK;
  }

  get version(): number {
    return this.buf[this.off] >>> 4;
  }

  get trafficClass(): number {
    return (getU16(this.buf, this.off + VER_TC_FL) >>> 4) & 0xff;
  }

  get flowLabel(): number {
    return getU32(this.buf, this.off + VER_TC_FL) & 0xfffff;
  }

  setVersionClassFlow(trafficClass: number, flowLabel: number): void {
    setU32(this.buf, this.off + VER_TC_FL, ((0x60000000 | ((trafficClass & 0xff) << 20)) >>> 0) | (flowLabel & 0xfffff));
  }

  /** Bytes after the fixed header, extension headers included. */
  get payloadLength(): number {
    return getU16(this.buf, this.off + PAYLOAD_LEN);
  }

  set payloadLength(v: number) {
    setU16(this.buf, this.off + PAYLOAD_LEN, v);
  }

  get nextHeader(): number {
    return this.buf[this.off + NEXT_HEADER];
  }

  set nextHeader(v: number) {
    this.buf[this.off + NEXT_HEADER] = v;
  }

  get hopLimit(): number {
    return this.buf[this.off + HOP_LIMIT];
  }

  set hopLimit(v: number) {
    this.buf[this.off + HOP_LIMIT] = v;
  }

  get srcOffset(): number {
    return this.off + SRC;
  }

  get dstOffset(): number {
    return this.off + DST;
  }

  /** A view onto the bytes, not a copy. */
  get src(): Uint8Array {
    return this.buf.subarray(this.off + SRC, this.off + SRC + 16);
  }

  set src(a: Uint8Array) {
    this.buf.set(a.subarray(0, 16), this.off + SRC);
  }

  get dst(): Uint8Array {
    return this.buf.subarray(this.off + DST, this.off + DST + 16);
  }

  set dst(a: Uint8Array) {
    this.buf.set(a.subarray(0, 16), this.off + DST);
  }
}

export interface Ipv6Repr {
  src: Uint8Array;
  dst: Uint8Array;
  /** The upper-layer protocol, after the extension headers (ESP or "no next header" end the chain too). */
  protocol: number;
  /** Upper-layer bytes: the IPv6 payload length minus the extension headers. */
  payloadLength: number;
  hopLimit: number;
  trafficClass: number;
  flowLabel: number;
  /** In wire order; each one's next-header field is derived on emit. */
  extHeaders: Ipv6ExtHeader[];
}

export function ipv6HeaderLength(r: Ipv6Repr): number {
  let n = IPV6_HEADER_LEN;
  for (const h of r.extHeaders) n += ipv6ExtHeaderLength(h);
  return n;
}

const view = new Ipv6Packet();
const chain = new Ipv6Chain();

/** The fixed header and extension chain of a whole packet in [off, off+len). */
export function parseIpv6(buf: Uint8Array, off = 0, len = buf.length - off): WireResult<Ipv6Repr> {
  const p = view.reset(buf, off, len);
  let e = p.check();
  if (e !== ParseError.OK) return fail(e);
  const end = off + IPV6_HEADER_LEN + p.payloadLength;
  e = walkIpv6Chain(buf, p.nextHeader, off + IPV6_HEADER_LEN, end, chain);
  if (e !== ParseError.OK) return fail(e);
  const extHeaders: Ipv6ExtHeader[] = [];
  let nh = p.nextHeader;
  for (let at = off + IPV6_HEADER_LEN; at < chain.upperOff; ) {
    const h = readIpv6ExtHeader(nh, buf, at);
    extHeaders.push(h);
    nh = buf[at];
    at += ipv6ExtHeaderLength(h);
  }
  return ok({
    src: buf.slice(off + SRC, off + SRC + 16),
    dst: buf.slice(off + DST, off + DST + 16),
    protocol: chain.upperProto,
    payloadLength: end - chain.upperOff,
    hopLimit: p.hopLimit,
    trafficClass: p.trafficClass,
    flowLabel: p.flowLabel,
    extHeaders,
  });
}

/** Writes the fixed header and the extension headers; returns their length. The upper layer goes right after. */
export function emitIpv6(r: Ipv6Repr, buf: Uint8Array, off: number): number {
  const hl = ipv6HeaderLength(r);
  if (hl - IPV6_HEADER_LEN + r.payloadLength > 0xffff) {
    throw new RangeError(`emitIpv6: payload length ${hl - IPV6_HEADER_LEN + r.payloadLength} needs a jumbogram`);
  }
  ensureRoom(buf, off, hl, 'emitIpv6');
  const p = view.reset(buf, off, hl);
  p.setVersionClassFlow(r.trafficClass, r.flowLabel);
  p.payloadLength = hl - IPV6_HEADER_LEN + r.payloadLength;
  p.nextHeader = r.extHeaders.length > 0 ? extHeaderProtocol(r.extHeaders[0]) : r.protocol;
  p.hopLimit = r.hopLimit;
  p.src = r.src;
  p.dst = r.dst;
  let at = off + IPV6_HEADER_LEN;
  for (let i = 0; i < r.extHeaders.length; i++) {
    const next = i + 1 < r.extHeaders.length ? extHeaderProtocol(r.extHeaders[i + 1]) : r.protocol;
    at += emitIpv6ExtHeader(r.extHeaders[i], next, buf, at);
  }
  return hl;
}
