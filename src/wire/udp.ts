/**
 * UDP (RFC 768). The length field, not the IP payload length, bounds the datagram: bytes after it (IP-level
 * padding) are not data, as Linux trims them.
 */
import { ensureRoom, getU16, setU16 } from './bytes.js';
import { fillUdpChecksum, udpChecksumOk, type PseudoHeader } from './checksum.js';
import { fail, ok, ParseError, type WireResult } from './errors.js';
import { WireView } from './view.js';

const SRC_PORT = 0;
const DST_PORT = 2;
const LENGTH = 4;
const CSUM = 6;
export const UDP_HEADER_LEN = 8;

export class UdpDatagram extends WireView {
  /**
   * The header alone, its length covering it. Enough for a first fragment, whose length field counts the whole
   * datagram while the view holds only this fragment.
   */
  checkHeader(): ParseError {
    if (this.len < UDP_HEADER_LEN) return ParseError.TRUNCATED;
    return this.length < UDP_HEADER_LEN ? ParseError.BAD_LENGTH : ParseError.OK;
  }

  /** The view is the IP payload; the datagram's own length must also fit in it. */
  check(): ParseError {
    const e = this.checkHeader();
    if (e !== ParseError.OK) return e;
    return this.length > this.len ? ParseError.TRUNCATED : ParseError.OK;
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

  /** Header plus data, from the length field. */
  get length(): number {
    return getU16(this.buf, this.off + LENGTH);
  }

  set length(v: number) {
    setU16(this.buf, this.off + LENGTH, v);
  }

  /** 0 means the sender did not checksum (IPv4 only). */
  get checksum(): number {
    return getU16(this.buf, this.off + CSUM);
  }

  set checksum(v: number) {
    setU16(this.buf, this.off + CSUM, v);
  }

  checksumOk(ph: PseudoHeader): boolean {
    return udpChecksumOk(this.buf, this.off, this.length, ph);
  }

  fillChecksum(ph: PseudoHeader): void {
    fillUdpChecksum(this.buf, this.off, this.length, ph);
  }
}

export interface UdpRepr {
  srcPort: number;
  dstPort: number;
  /** On parse, a view onto the input buffer. */
  payload: Uint8Array;
}

const view = new UdpDatagram();

/** The datagram in [off, off+len) (len from the IP layer). Ignores the checksum (see UdpDatagram.checksumOk). */
export function parseUdp(buf: Uint8Array, off = 0, len = buf.length - off): WireResult<UdpRepr> {
  const d = view.reset(buf, off, len);
  const e = d.check();
  if (e !== ParseError.OK) return fail(e);
  return ok({ srcPort: d.srcPort, dstPort: d.dstPort, payload: buf.subarray(off + UDP_HEADER_LEN, off + d.length) });
}

/**
 * Writes header, payload and checksum; returns the datagram length. `ph` null leaves the checksum 0 ("none"),
 * which only IPv4 allows.
 */
export function emitUdp(r: UdpRepr, buf: Uint8Array, off: number, ph: PseudoHeader | null): number {
  const n = UDP_HEADER_LEN + r.payload.length;
  if (n > 0xffff) throw new RangeError(`emitUdp: length ${n}`);
  ensureRoom(buf, off, n, 'emitUdp');
  const d = view.reset(buf, off, n);
  d.srcPort = r.srcPort;
  d.dstPort = r.dstPort;
  d.length = n;
  d.checksum = 0;
  buf.set(r.payload, off + UDP_HEADER_LEN);
  if (ph !== null) d.fillChecksum(ph);
  return n;
}
