/**
 * Ethernet II: destination MAC, source MAC, then EtherType, or VLAN tags whose last one is followed by the
 * EtherType. Values below 0x0600 are an 802.3 length, not a type; they are reported as-is.
 */
import { ensureRoom, getU16, setU16 } from './bytes.js';
import { fail, ok, ParseError, type WireResult } from './errors.js';
import { WireView } from './view.js';
import { isVlanTpid, MAX_VLAN_TAGS, readVlanTag, VLAN_TAG_LEN, writeVlanTag, type VlanTag } from './vlan.js';

export enum EtherType {
  IPV4 = 0x0800,
  ARP = 0x0806,
  VLAN = 0x8100,
  IPV6 = 0x86dd,
  QINQ = 0x88a8,
  LLDP = 0x88cc,
}

const DST = 0;
const SRC = 6;
const TYPE = 12;
export const ETH_HEADER_LEN = 14;
/** Below this, the type field is an 802.3 length. */
export const ETHERTYPE_MIN = 0x0600;

export class EthernetFrame extends WireView {
  check(): ParseError {
    return this.len < ETH_HEADER_LEN ? ParseError.TRUNCATED : ParseError.OK;
  }

  get dstOffset(): number {
    return this.off + DST;
  }

  get srcOffset(): number {
    return this.off + SRC;
  }

  /** A view onto the bytes, not a copy. */
  get dst(): Uint8Array {
    return this.buf.subarray(this.off + DST, this.off + DST + 6);
  }

  set dst(mac: Uint8Array) {
    this.buf.set(mac.subarray(0, 6), this.off + DST);
  }

  get src(): Uint8Array {
    return this.buf.subarray(this.off + SRC, this.off + SRC + 6);
  }

  set src(mac: Uint8Array) {
    this.buf.set(mac.subarray(0, 6), this.off + SRC);
  }

  /** The field after the MACs: the EtherType of an untagged frame, or the outer tag's TPID. */
  get etherType(): number {
    return getU16(this.buf, this.off + TYPE);
  }

  set etherType(v: number) {
    setU16(this.buf, this.off + TYPE, v);
  }
}

export interface EthernetRepr {
  dst: Uint8Array;
  src: Uint8Array;
  /** Outermost first. */
  vlans: VlanTag[];
  /** The EtherType after any tags. */
  etherType: number;
}

export function ethernetHeaderLength(r: EthernetRepr): number {
  return ETH_HEADER_LEN + VLAN_TAG_LEN * r.vlans.length;
}

export function parseEthernet(buf: Uint8Array, off = 0, len = buf.length - off): WireResult<EthernetRepr> {
  if (len < ETH_HEADER_LEN) return fail(ParseError.TRUNCATED);
  const vlans: VlanTag[] = [];
  let at = off + TYPE;
  let type = getU16(buf, at);
  while (isVlanTpid(type)) {
    if (vlans.length === MAX_VLAN_TAGS) return fail(ParseError.TOO_MANY_VLAN_TAGS);
    if (at + VLAN_TAG_LEN + 2 > off + len) return fail(ParseError.TRUNCATED);
    vlans.push(readVlanTag(buf, at));
    at += VLAN_TAG_LEN;
    type = getU16(buf, at);
  }
  return ok({
    dst: buf.slice(off + DST, off + DST + 6),
    src: buf.slice(off + SRC, off + SRC + 6),
    vlans,
    etherType: type,
  });
}

/** Writes the header (with tags); returns its length. The payload goes at `off + returned length`. */
export function emitEthernet(r: EthernetRepr, buf: Uint8Array, off: number): number {
  const n = ethernetHeaderLength(r);
  ensureRoom(buf, off, n, 'emitEthernet');
  buf.set(r.dst.subarray(0, 6), off + DST);
  buf.set(r.src.subarray(0, 6), off + SRC);
  let at = off + TYPE;
  for (const t of r.vlans) {
    writeVlanTag(t, buf, at);
    at += VLAN_TAG_LEN;
  }
  setU16(buf, at, r.etherType);
  return n;
}
