/**
 * IPv4 (RFC 791): header view with options and fragment fields, and the header's checksum.
 */
import { EMPTY_BYTES, ensureRoom, getU16, getU32, setU16, setU32 } from './bytes.js';
import { fillIpv4HeaderChecksum, ipv4HeaderChecksumOk } from './checksum.js';
import { fail, ok, ParseError, type WireResult } from './errors.js';
import { WireView } from './view.js';

const VER_IHL = 0;
const TOS = 1;
const TOTAL_LEN = 2;
const IDENT = 4;
const FLAGS_FRAG = 6;
const TTL = 8;
const PROTO = 9;
const CSUM = 10;
const SRC = 12;
const DST = 16;
export const IPV4_MIN_HEADER_LEN = 20;
export const IPV4_MAX_HEADER_LEN = 60;
export const IPV4_SRC_OFF = SRC;
export const IPV4_DST_OFF = DST;

const FLAG_DF = 0x4000;
const FLAG_MF = 0x2000;
const FRAG_MASK = 0x1fff;
/** The largest datagram a fragment may belong to; beyond it, reassembly overflows the 16-bit total length. */
const MAX_DATAGRAM = 65535;

export enum Ipv4OptionType {
  EOL = 0,
  NOP = 1,
  RECORD_ROUTE = 7,
  TIMESTAMP = 68,
  LSRR = 131,
  SSRR = 137,
  ROUTER_ALERT = 148,
}

export class Ipv4Packet extends WireView {
  /**
   * The header alone: present, version 4, IHL sane, total length covering the header, options well formed.
   * The datagram itself may extend past the view, as in an ICMP error's truncated quote.
   */
  checkHeader(): ParseError {
    if (this.len < IPV4_MIN_HEADER_LEN) return ParseError.TRUNCATED;
    const vi = this.buf[this.off + VER_IHL];
    if (vi >>> 4 !== 4) return ParseError.BAD_VERSION;
    const hl = (vi & 0x0f) << 2;
    if (hl < IPV4_MIN_HEADER_LEN) return ParseError.BAD_IHL;
    if (hl > this.len) return ParseError.TRUNCATED;
    if (this.totalLength < hl) return ParseError.BAD_LENGTH;
    if (hl > IPV4_MIN_HEADER_LEN) return checkIpv4Options(this.buf, this.off + IPV4_MIN_HEADER_LEN, this.off + hl);
    return ParseError.OK;
  }

  /** The whole datagram: the header checks, every byte of the total length is in the view, and a fragment fits. */
  check(): ParseError {
    const e = this.checkHeader();
    if (e !== ParseError.OK) return e;
    const total = this.totalLength;
    if (total > this.len) return ParseError.TRUNCATED;
    if (this.fragmentOffset + total > MAX_DATAGRAM) return ParseError.BAD_FRAGMENT;
    return ParseError.OK;
  }

  get version(): number {
    return this.buf[this.off + VER_IHL] >>> 4;
  }

  /** IHL in bytes. */
  get headerLength(): number {
    return (this.buf[this.off + VER_IHL] & 0x0f) << 2;
  }

  set headerLength(n: number) {
    this.buf[this.off + VER_IHL] = 0x40 | ((n >>> 2) & 0x0f);
  }

  /** The whole TOS byte (DSCP << 2 | ECN). */
  get tos(): number {
    return this.buf[this.off + TOS];
  }

  set tos(v: number) {
    this.buf[this.off + TOS] = v;
  }

  get dscp(): number {
    return this.buf[this.off + TOS] >>> 2;
  }

  get ecn(): number {
    return this.buf[this.off + TOS] & 3;
  }

  get totalLength(): number {
    return getU16(this.buf, this.off + TOTAL_LEN);
  }

  set totalLength(v: number) {
    setU16(this.buf, this.off + TOTAL_LEN, v);
  }

  get payloadLength(): number {
    return this.totalLength - this.headerLength;
  }

  get ident(): number {
    return getU16(this.buf, this.off + IDENT);
  }

  set ident(v: number) {
    setU16(this.buf, this.off + IDENT, v);
  }

  get dontFragment(): boolean {
    return (this.buf[this.off + FLAGS_FRAG] & 0x40) !== 0;
  }

  get moreFragments(): boolean {
    return (this.buf[this.off + FLAGS_FRAG] & 0x20) !== 0;
  }

  /** In bytes (the field counts 8-byte units). */
  get fragmentOffset(): number {
    return (getU16(this.buf, this.off + FLAGS_FRAG) & FRAG_MASK) << 3;
  }

  /** A fragment of a larger datagram (first, middle or last); false for a whole datagram. */
  get isFragment(): boolean {
    return (getU16(this.buf, this.off + FLAGS_FRAG) & (FLAG_MF | FRAG_MASK)) !== 0;
  }

  setFragment(dontFragment: boolean, moreFragments: boolean, offsetBytes: number): void {
    const v = (dontFragment ? FLAG_DF : 0) | (moreFragments ? FLAG_MF : 0) | ((offsetBytes >>> 3) & FRAG_MASK);
    setU16(this.buf, this.off + FLAGS_FRAG, v);
  }

  get ttl(): number {
    return this.buf[this.off + TTL];
  }

  set ttl(v: number) {
    this.buf[this.off + TTL] = v;
  }

  get protocol(): number {
    return this.buf[this.off + PROTO];
  }

  set protocol(v: number) {
    this.buf[this.off + PROTO] = v;
  }

  get checksum(): number {
    return getU16(this.buf, this.off + CSUM);
  }

  set checksum(v: number) {
    setU16(this.buf, this.off + CSUM, v);
  }

  /** Host-order uint32. */
  get src(): number {
    return getU32(this.buf, this.off + SRC);
  }

  set src(v: number) {
    setU32(this.buf, this.off + SRC, v);
  }

  get dst(): number {
    return getU32(this.buf, this.off + DST);
  }

  set dst(v: number) {
    setU32(this.buf, this.off + DST, v);
  }

  checksumOk(): boolean {
    return ipv4HeaderChecksumOk(this.buf, this.off, this.headerLength);
  }

  fillChecksum(): void {
    fillIpv4HeaderChecksum(this.buf, this.off, this.headerLength);
  }
}

/**
 * Options TLVs in [off, end): EOL ends the list (what follows is padding), NOP is one byte, every other option
 * carries a length of at least 2 that must stay inside the header.
 */
export function checkIpv4Options(buf: Uint8Array, off: number, end: number): ParseError {
  let i = off;
  while (i < end) {
    const t = buf[i];
    if (t === Ipv4OptionType.EOL) return ParseError.OK;
    if (t === Ipv4OptionType.NOP) {
      i++;
      continue;
    }
    if (i + 1 >= end) return ParseError.BAD_OPTION;
    const n = buf[i + 1];
    if (n < 2 || i + n > end) return ParseError.BAD_OPTION;
    i += n;
  }
  return ParseError.OK;
}

/** One option; NOP has empty data. EOL is not represented: it is where the list stops. */
export interface Ipv4Option {
  type: number;
  data: Uint8Array;
}

/** Options of an already checked header, data as views onto the buffer. */
function readIpv4Options(buf: Uint8Array, off: number, end: number): Ipv4Option[] {
  const out: Ipv4Option[] = [];
  let i = off;
  while (i < end && buf[i] !== Ipv4OptionType.EOL) {
    const t = buf[i];
    if (t === Ipv4OptionType.NOP) {
      out.push({ type: t, data: EMPTY_BYTES });
      i++;
    } else {
      out.push({ type: t, data: buf.subarray(i + 2, i + buf[i + 1]) });
      i += buf[i + 1];
    }
  }
  return out;
}

function ipv4OptionsLength(opts: readonly Ipv4Option[]): number {
  let n = 0;
  for (const o of opts) n += o.type === Ipv4OptionType.NOP ? 1 : 2 + o.data.length;
  return (n + 3) & ~3;
}

export interface Ipv4Repr {
  src: number;
  dst: number;
  protocol: number;
  /** Bytes after the header. */
  payloadLength: number;
  ttl: number;
  dscp: number;
  ecn: number;
  ident: number;
  dontFragment: boolean;
  moreFragments: boolean;
  /** Bytes; a multiple of 8. */
  fragmentOffset: number;
  options: Ipv4Option[];
}

export function ipv4HeaderLength(r: Ipv4Repr): number {
  return IPV4_MIN_HEADER_LEN + ipv4OptionsLength(r.options);
}

const view = new Ipv4Packet();

/** The header of a whole datagram in [off, off+len). Ignores the checksum (see Ipv4Packet.checksumOk). */
export function parseIpv4(buf: Uint8Array, off = 0, len = buf.length - off): WireResult<Ipv4Repr> {
  const p = view.reset(buf, off, len);
  const e = p.check();
  if (e !== ParseError.OK) return fail(e);
  const hl = p.headerLength;
  return ok({
    src: p.src,
    dst: p.dst,
    protocol: p.protocol,
    payloadLength: p.totalLength - hl,
    ttl: p.ttl,
    dscp: p.dscp,
    ecn: p.ecn,
    ident: p.ident,
    dontFragment: p.dontFragment,
    moreFragments: p.moreFragments,
    fragmentOffset: p.fragmentOffset,
    options: readIpv4Options(buf, off + IPV4_MIN_HEADER_LEN, off + hl),
  });
}

/** Writes the header with its checksum; returns its length. The payload goes right after it. */
export function emitIpv4(r: Ipv4Repr, buf: Uint8Array, off: number): number {
  const hl = ipv4HeaderLength(r);
  if (hl > IPV4_MAX_HEADER_LEN) throw new RangeError(`emitIpv4: ${hl - IPV4_MIN_HEADER_LEN} bytes of options`);
  if (hl + r.payloadLength > 0xffff) throw new RangeError(`emitIpv4: total length ${hl + r.payloadLength}`);
  if (r.fragmentOffset % 8 !== 0 || r.fragmentOffset > FRAG_MASK << 3) {
    throw new RangeError(`emitIpv4: fragment offset ${r.fragmentOffset}`);
  }
  ensureRoom(buf, off, hl, 'emitIpv4');
  const p = view.reset(buf, off, hl);
  p.headerLength = hl;
  p.tos = ((r.dscp & 0x3f) << 2) | (r.ecn & 3);
  p.totalLength = hl + r.payloadLength;
  p.ident = r.ident;
  p.setFragment(r.dontFragment, r.moreFragments, r.fragmentOffset);
  p.ttl = r.ttl;
  p.protocol = r.protocol;
  p.src = r.src;
  p.dst = r.dst;
  let i = off + IPV4_MIN_HEADER_LEN;
  for (const o of r.options) {
    if (o.type === Ipv4OptionType.EOL) throw new RangeError('emitIpv4: EOL is implied by the end of the list');
    buf[i++] = o.type;
    if (o.type === Ipv4OptionType.NOP) continue;
    buf[i++] = 2 + o.data.length;
    buf.set(o.data, i);
    i += o.data.length;
  }
  buf.fill(Ipv4OptionType.EOL, i, off + hl);
  p.fillChecksum();
  return hl;
}
