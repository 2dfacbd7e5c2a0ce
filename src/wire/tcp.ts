/**
 * TCP (RFC 9293) header view, options, and segment repr.
 *
 * Malformed options do not fail a segment's header check: Linux (tcp_parse_options) stops reading options at the
 * first malformed one and still accepts the segment, so the dissector must still see it. They are reported by
 * `checkOptions()`, `scanTcpOptions()` and `parseTcp()`, whose repr cannot represent them.
 */
import { ensureRoom, getU16, getU32, setU16, setU32 } from './bytes.js';
import { fillTcpChecksum, tcpChecksumOk, type PseudoHeader } from './checksum.js';
import { fail, ok, ParseError, type WireResult } from './errors.js';
import { WireView } from './view.js';

const SRC_PORT = 0;
const DST_PORT = 2;
const SEQ = 4;
const ACK = 8;
const DATA_OFF = 12;
const FLAGS = 13;
const WINDOW = 14;
const CSUM = 16;
const URGENT = 18;
export const TCP_MIN_HEADER_LEN = 20;
export const TCP_SEQ_OFF = SEQ;
export const TCP_ACK_OFF = ACK;
export const TCP_MAX_HEADER_LEN = 60;

/** Flag bits as `flags` holds them: byte 13, plus AE (RFC 9768, formerly NS) from byte 12 as bit 8. */
export const TcpFlags = {
  FIN: 0x01,
  SYN: 0x02,
  RST: 0x04,
  PSH: 0x08,
  ACK: 0x10,
  URG: 0x20,
  ECE: 0x40,
  CWR: 0x80,
  AE: 0x100,
} as const;

export enum TcpOptionKind {
  EOL = 0,
  NOP = 1,
  MSS = 2,
  WINDOW_SCALE = 3,
  SACK_PERMITTED = 4,
  SACK = 5,
  TIMESTAMPS = 8,
}

export class TcpSegment extends WireView {
  /** The fixed header and the data offset; options are not examined (see the file comment). */
  check(): ParseError {
    if (this.len < TCP_MIN_HEADER_LEN) return ParseError.TRUNCATED;
    const hl = this.headerLength;
    if (hl < TCP_MIN_HEADER_LEN) return ParseError.BAD_DATA_OFFSET;
    return hl > this.len ? ParseError.TRUNCATED : ParseError.OK;
  }

  checkOptions(): ParseError {
    return checkTcpOptions(this.buf, this.off + TCP_MIN_HEADER_LEN, this.off + this.headerLength);
  }

  get srcPort(): number {
    return getU16(this.buf, this.off + SRC_PORT);
  }

  set srcPort(v: number) {
    setU16(this.buf, this.off + SRC_PORT, v);
  }

  get dstPort(): number {
    return getU16(this.buf, this.off + DST_PORT);
  }

  set dstPort(v: number) {
    setU16(this.buf, this.off + DST_PORT, v);
  }

  get seq(): number {
    return getU32(this.buf, this.off + SEQ);
  }

  set seq(v: number) {
    setU32(this.buf, this.off + SEQ, v);
  }

  get ack(): number {
    return getU32(this.buf, this.off + ACK);
  }

  set ack(v: number) {
    setU32(this.buf, this.off + ACK, v);
  }

  /** Data offset in bytes. */
  get headerLength(): number {
    return (this.buf[this.off + DATA_OFF] >>> 4) << 2;
  }

  /** Keeps the reserved bits and AE that share the byte. */
  set headerLength(n: number) {
    const o = this.off + DATA_OFF;
    this.buf[o] = ((n >>> 2) << 4) | (this.buf[o] & 0x0f);
  }

  /** Byte 13's flags with AE as 0x100; the three reserved bits above AE are included (0xe00), as received. */
  get flags(): number {
    return ((this.buf[this.off + DATA_OFF] & 0x0f) << 8) | this.buf[this.off + FLAGS];
  }

  set flags(v: number) {
    const o = this.off + DATA_OFF;
    this.buf[o] = (this.buf[o] & 0xf0) | ((v >>> 8) & 0x0f);
    this.buf[o + 1] = v;
  }

  get window(): number {
    return getU16(this.buf, this.off + WINDOW);
  }

  set window(v: number) {
    setU16(this.buf, this.off + WINDOW, v);
  }

  get checksum(): number {
    return getU16(this.buf, this.off + CSUM);
  }

  set checksum(v: number) {
    setU16(this.buf, this.off + CSUM, v);
  }

  get urgent(): number {
    return getU16(this.buf, this.off + URGENT);
  }

  set urgent(v: number) {
    setU16(this.buf, this.off + URGENT, v);
  }

  /** The view must span the whole segment (header and payload). */
  checksumOk(ph: PseudoHeader): boolean {
    return tcpChecksumOk(this.buf, this.off, this.len, ph);
  }

  fillChecksum(ph: PseudoHeader): void {
    fillTcpChecksum(this.buf, this.off, this.len, ph);
  }
}

/** Options in [off, end): EOL ends them, NOP is one byte, every other kind has a length of 2 or more inside. */
export function checkTcpOptions(buf: Uint8Array, off: number, end: number): ParseError {
  let i = off;
  while (i < end) {
    const k = buf[i];
    if (k === TcpOptionKind.EOL) return ParseError.OK;
    if (k === TcpOptionKind.NOP) {
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

/** The options a middlebox acts on, read without allocating. -1 / false when absent. */
export class TcpOptionsSummary {
  mss = -1;
  windowScale = -1;
  sackPermitted = false;
  /** Number of SACK blocks (0 when none). */
  sackBlocks = 0;
  hasTimestamps = false;
  tsVal = 0;
  tsEcr = 0;

  reset(): void {
    this.mss = -1;
    this.windowScale = -1;
    this.sackPermitted = false;
    this.sackBlocks = 0;
    this.hasTimestamps = false;
    this.tsVal = 0;
    this.tsEcr = 0;
  }
}

/**
 * Fills `out` from the options in [off, end). Known kinds with a wrong length are skipped, as stacks do. Returns
 * BAD_OPTION at a malformed TLV; what was read before it stays in `out`.
 */
export function scanTcpOptions(buf: Uint8Array, off: number, end: number, out: TcpOptionsSummary): ParseError {
  out.reset();
  let i = off;
  while (i < end) {
    const k = buf[i];
    if (k === TcpOptionKind.EOL) break;
    if (k === TcpOptionKind.NOP) {
      i++;
      continue;
    }
    if (i + 1 >= end) return ParseError.BAD_OPTION;
    const n = buf[i + 1];
    if (n < 2 || i + n > end) return ParseError.BAD_OPTION;
    if (k === TcpOptionKind.MSS && n === 4) out.mss = getU16(buf, i + 2);
    else if (k === TcpOptionKind.WINDOW_SCALE && n === 3) out.windowScale = buf[i + 2];
    else if (k === TcpOptionKind.SACK_PERMITTED && n === 2) out.sackPermitted = true;
    else if (k === TcpOptionKind.SACK && n >= 10 && (n - 2) % 8 === 0) out.sackBlocks = (n - 2) >>> 3;
    else if (k === TcpOptionKind.TIMESTAMPS && n === 10) {
      out.hasTimestamps = true;
      out.tsVal = getU32(buf, i + 2);
      out.tsEcr = getU32(buf, i + 6);
    }
    i += n;
  }
  return ParseError.OK;
}

/** EOL is not represented: it is where the list stops, and emit pads with it. */
export type TcpOption =
  | { kind: 'nop' }
  | { kind: 'mss'; mss: number }
  | { kind: 'windowScale'; shift: number }
  | { kind: 'sackPermitted' }
  | { kind: 'sack'; blocks: Array<[left: number, right: number]> }
  | { kind: 'timestamps'; tsVal: number; tsEcr: number }
  /** Any other kind, or a known kind whose length is not the one it is defined with, kept verbatim. */
  | { kind: 'unknown'; type: number; data: Uint8Array };

function readTcpOption(buf: Uint8Array, i: number, n: number): TcpOption {
  const k = buf[i];
  if (k === TcpOptionKind.MSS && n === 4) return { kind: 'mss', mss: getU16(buf, i + 2) };
  if (k === TcpOptionKind.WINDOW_SCALE && n === 3) return { kind: 'windowScale', shift: buf[i + 2] };
  if (k === TcpOptionKind.SACK_PERMITTED && n === 2) return { kind: 'sackPermitted' };
  if (k === TcpOptionKind.SACK && n >= 10 && (n - 2) % 8 === 0) {
    const blocks: Array<[number, number]> = [];
    for (let j = i + 2; j < i + n; j += 8) blocks.push([getU32(buf, j), getU32(buf, j + 4)]);
    return { kind: 'sack', blocks };
  }
  if (k === TcpOptionKind.TIMESTAMPS && n === 10) {
    return { kind: 'timestamps', tsVal: getU32(buf, i + 2), tsEcr: getU32(buf, i + 6) };
  }
  return { kind: 'unknown', type: k, data: buf.subarray(i + 2, i + n) };
}

export function parseTcpOptions(buf: Uint8Array, off: number, end: number): WireResult<TcpOption[]> {
  const e = checkTcpOptions(buf, off, end);
  if (e !== ParseError.OK) return fail(e);
  const out: TcpOption[] = [];
  for (let i = off; i < end && buf[i] !== TcpOptionKind.EOL; ) {
    if (buf[i] === TcpOptionKind.NOP) {
      out.push({ kind: 'nop' });
      i++;
    } else {
      out.push(readTcpOption(buf, i, buf[i + 1]));
      i += buf[i + 1];
    }
  }
  return ok(out);
}

function tcpOptionLength(o: TcpOption): number {
  switch (o.kind) {
    case 'nop':
      return 1;
    case 'mss':
      return 4;
    case 'windowScale':
      return 3;
    case 'sackPermitted':
      return 2;
    case 'sack':
      return 2 + 8 * o.blocks.length;
    case 'timestamps':
      return 10;
    case 'unknown':
      return 2 + o.data.length;
  }
}

/** Options padded with EOL to a multiple of 4. */
export function tcpOptionsLength(opts: readonly TcpOption[]): number {
  let n = 0;
  for (const o of opts) n += tcpOptionLength(o);
  return (n + 3) & ~3;
}

/** Writes the options and their EOL padding; returns the padded length. */
export function emitTcpOptions(opts: readonly TcpOption[], buf: Uint8Array, off: number): number {
  let i = off;
  for (const o of opts) {
    switch (o.kind) {
      case 'nop':
        buf[i] = TcpOptionKind.NOP;
        break;
      case 'mss':
        buf[i] = TcpOptionKind.MSS;
        setU16(buf, i + 2, o.mss);
        break;
      case 'windowScale':
        buf[i] = TcpOptionKind.WINDOW_SCALE;
        buf[i + 2] = o.shift;
        break;
      case 'sackPermitted':
        buf[i] = TcpOptionKind.SACK_PERMITTED;
        break;
      case 'sack':
        buf[i] = TcpOptionKind.SACK;
        o.blocks.forEach(([l, r], j) => {
          setU32(buf, i + 2 + 8 * j, l);
          setU32(buf, i + 6 + 8 * j, r);
        });
        break;
      case 'timestamps':
        buf[i] = TcpOptionKind.TIMESTAMPS;
        setU32(buf, i + 2, o.tsVal);
        setU32(buf, i + 6, o.tsEcr);
        break;
      case 'unknown':
        if (o.type === TcpOptionKind.EOL || o.type === TcpOptionKind.NOP) {
          throw new RangeError('emitTcpOptions: EOL/NOP cannot carry data');
        }
        buf[i] = o.type;
        buf.set(o.data, i + 2);
        break;
    }
    const n = tcpOptionLength(o);
    if (n > 1) buf[i + 1] = n;
    i += n;
  }
  const end = off + ((i - off + 3) & ~3);
  buf.fill(TcpOptionKind.EOL, i, end);
  return end - off;
}

export interface TcpRepr {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  /** TcpFlags bits. */
  flags: number;
  window: number;
  urgent: number;
  options: TcpOption[];
  /** On parse, a view onto the input buffer. */
  payload: Uint8Array;
}

export function tcpHeaderLength(r: TcpRepr): number {
  return TCP_MIN_HEADER_LEN + tcpOptionsLength(r.options);
}

const view = new TcpSegment();

/** The segment in [off, off+len) (len from the IP layer). Ignores the checksum (see TcpSegment.checksumOk). */
export function parseTcp(buf: Uint8Array, off = 0, len = buf.length - off): WireResult<TcpRepr> {
  const s = view.reset(buf, off, len);
  const e = s.check();
  if (e !== ParseError.OK) return fail(e);
  const hl = s.headerLength;
  const opts = parseTcpOptions(buf, off + TCP_MIN_HEADER_LEN, off + hl);
  if (!opts.ok) return opts;
  return ok({
    srcPort: s.srcPort,
    dstPort: s.dstPort,
    seq: s.seq,
    ack: s.ack,
    flags: s.flags,
    window: s.window,
    urgent: s.urgent,
    options: opts.value,
    payload: buf.subarray(off + hl, off + len),
  });
}

/** Writes header, options, payload and checksum; returns the segment length. */
export function emitTcp(r: TcpRepr, buf: Uint8Array, off: number, ph: PseudoHeader): number {
  const hl = tcpHeaderLength(r);
  if (hl > TCP_MAX_HEADER_LEN) throw new RangeError(`emitTcp: ${hl - TCP_MIN_HEADER_LEN} bytes of options`);
  const n = hl + r.payload.length;
  ensureRoom(buf, off, n, 'emitTcp');
  const s = view.reset(buf, off, n);
  s.srcPort = r.srcPort;
  s.dstPort = r.dstPort;
  s.seq = r.seq;
  s.ack = r.ack;
  buf[off + DATA_OFF] = 0;
  s.headerLength = hl;
  s.flags = r.flags;
  s.window = r.window;
  s.checksum = 0;
  s.urgent = r.urgent;
  emitTcpOptions(r.options, buf, off + TCP_MIN_HEADER_LEN);
  buf.set(r.payload, off + hl);
  s.fillChecksum(ph);
  return n;
}
