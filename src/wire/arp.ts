/**
 * ARP (RFC 826) for Ethernet/IPv4, the only combination on an Ethernet switch carrying IP. Other hardware or
 * protocol types are well-formed ARP this codec does not decode (UNSUPPORTED).
 */
import { ensureRoom, getU16, getU32, setU16, setU32 } from './bytes.js';
import { fail, ok, ParseError, type WireResult } from './errors.js';
import { WireView } from './view.js';

export enum ArpOp {
  REQUEST = 1,
  REPLY = 2,
}

const HTYPE = 0;
const PTYPE = 2;
const HLEN = 4;
const PLEN = 5;
const OPER = 6;
const SHA = 8;
const SPA = 14;
const THA = 18;
const TPA = 24;
export const ARP_LEN = 28;
export const ARP_SENDER_MAC_OFF = SHA;
export const ARP_SENDER_IP_OFF = SPA;
export const ARP_TARGET_MAC_OFF = THA;
export const ARP_TARGET_IP_OFF = TPA;

const HTYPE_ETHERNET = 1;
const PTYPE_IPV4 = 0x0800;

export class ArpPacket extends WireView {
  check(): ParseError {
    if (this.len < 8) return ParseError.TRUNCATED;
    const b = this.buf;
    const o = this.off;
    if (getU16(b, o + HTYPE) !== HTYPE_ETHERNET || getU16(b, o + PTYPE) !== PTYPE_IPV4) return ParseError.UNSUPPORTED;
    if (b[o + HLEN] !== 6 || b[o + PLEN] !== 4) return ParseError.BAD_LENGTH;
    return this.len < ARP_LEN ? ParseError.TRUNCATED : ParseError.OK;
  }

  get op(): number {
    return getU16(this.buf, this.off + OPER);
  }

  set op(v: number) {
    setU16(this.buf, this.off + OPER, v);
  }

  get senderMacOffset(): number {
    return this.off + SHA;
  }

  get targetMacOffset(): number {
    return this.off + THA;
  }

  /** Host-order uint32. */
  get senderIp(): number {
    return getU32(this.buf, this.off + SPA);
  }

  set senderIp(v: number) {
    setU32(this.buf, this.off + SPA, v);
  }

  get targetIp(): number {
    return getU32(this.buf, this.off + TPA);
  }

  set targetIp(v: number) {
    setU32(this.buf, this.off + TPA, v);
  }
}

export interface ArpRepr {
  op: number;
  senderMac: Uint8Array;
  senderIp: number;
  targetMac: Uint8Array;
  targetIp: number;
}

const view = new ArpPacket();

export function parseArp(buf: Uint8Array, off = 0, len = buf.length - off): WireResult<ArpRepr> {
  const p = view.reset(buf, off, len);
  const e = p.check();
  if (e !== ParseError.OK) return fail(e);
  return ok({
    op: p.op,
    senderMac: buf.slice(off + SHA, off + SHA + 6),
    senderIp: p.senderIp,
    targetMac: buf.slice(off + THA, off + THA + 6),
    targetIp: p.targetIp,
  });
}

export function emitArp(r: ArpRepr, buf: Uint8Array, off: number): number {
  ensureRoom(buf, off, ARP_LEN, 'emitArp');
  setU16(buf, off + HTYPE, HTYPE_ETHERNET);
  setU16(buf, off + PTYPE, PTYPE_IPV4);
  buf[off + HLEN] = 6;
  buf[off + PLEN] = 4;
  setU16(buf, off + OPER, r.op);
  buf.set(r.senderMac.subarray(0, 6), off + SHA);
  setU32(buf, off + SPA, r.senderIp);
  buf.set(r.targetMac.subarray(0, 6), off + THA);
  setU32(buf, off + TPA, r.targetIp);
  return ARP_LEN;
}
