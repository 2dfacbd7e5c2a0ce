/**
 * The header ICMPv4 (RFC 792) and ICMPv6 (RFC 4443) share: type, code, checksum, then four type-specific bytes
 * (identifier and sequence number for echo; MTU, pointer or unused for errors), then the body.
 */
import { getU16, getU32, setU16, setU32 } from './bytes.js';
import { ParseError } from './errors.js';
import { WireView } from './view.js';

const TYPE = 0;
const CODE = 1;
const CSUM = 2;
const REST = 4;
export const ICMP_HEADER_LEN = 8;
export const ICMP_REST_OFF = REST;

export class IcmpMessage extends WireView {
  /** Every message defined for either version has at least the 8-byte header. */
  check(): ParseError {
    return this.len < ICMP_HEADER_LEN ? ParseError.TRUNCATED : ParseError.OK;
  }

  get type(): number {
    return this.buf[this.off + TYPE];
  }

  set type(v: number) {
    this.buf[this.off + TYPE] = v;
  }

  get code(): number {
    return this.buf[this.off + CODE];
  }

  set code(v: number) {
    this.buf[this.off + CODE] = v;
  }

  get checksum(): number {
    return getU16(this.buf, this.off + CSUM);
  }

  set checksum(v: number) {
    setU16(this.buf, this.off + CSUM, v);
  }

  /** Bytes 4–7 as one number. */
  get rest(): number {
    return getU32(this.buf, this.off + REST);
  }

  set rest(v: number) {
    setU32(this.buf, this.off + REST, v);
  }

  /** Echo identifier (bytes 4–5). */
  get ident(): number {
    return getU16(this.buf, this.off + REST);
  }

  set ident(v: number) {
    setU16(this.buf, this.off + REST, v);
  }

  /** Echo sequence number (bytes 6–7); also the next-hop MTU of an ICMPv4 "fragmentation needed". */
  get seq(): number {
    return getU16(this.buf, this.off + REST + 2);
  }

  set seq(v: number) {
    setU16(this.buf, this.off + REST + 2, v);
  }

  get bodyOffset(): number {
    return this.off + ICMP_HEADER_LEN;
  }
}
