/**
 * IEEE 802.1Q tags: a 16-bit TPID (where an untagged frame has its EtherType) then the TCI:
 * PCP (3 bits) | DEI (1) | VID (12). 802.1ad QinQ stacks an S-tag (0x88a8) outside a C-tag (0x8100).
 */
import { getU16, setU16 } from './bytes.js';

export const VLAN_TAG_LEN = 4;
/** Stacked tags ParsedFrame records; real networks use one or two. */
export const MAX_VLAN_TAGS = 4;

export const TPID_8021Q = 0x8100;
export const TPID_8021AD = 0x88a8;
/** Pre-standard QinQ TPID still sent by older switches; Wireshark decodes it as a tag too. */
export const TPID_QINQ_LEGACY = 0x9100;

export function isVlanTpid(t: number): boolean {
  return t === TPID_8021Q || t === TPID_8021AD || t === TPID_QINQ_LEGACY;
}

export interface VlanTag {
  tpid: number;
  /** Priority code point, 0–7. */
  pcp: number;
  /** Drop eligible indicator. */
  dei: boolean;
  /** VLAN id, 0–4095 (0: priority tag only; 4095 reserved). */
  vid: number;
}

export function tciVid(tci: number): number {
  return tci & 0x0fff;
}

export function tciPcp(tci: number): number {
  return tci >>> 13;
}

export function tciDei(tci: number): boolean {
  return (tci & 0x1000) !== 0;
}

export function makeTci(pcp: number, dei: boolean, vid: number): number {
  return ((pcp & 7) << 13) | (dei ? 0x1000 : 0) | (vid & 0x0fff);
}

/** Reads the tag whose TPID is at `off`. */
export function readVlanTag(buf: Uint8Array, off: number): VlanTag {
  const tci = getU16(buf, off + 2);
  return { tpid: getU16(buf, off), pcp: tciPcp(tci), dei: tciDei(tci), vid: tciVid(tci) };
}

export function writeVlanTag(tag: VlanTag, buf: Uint8Array, off: number): void {
  setU16(buf, off, tag.tpid);
  setU16(buf, off + 2, makeTci(tag.pcp, tag.dei, tag.vid));
}
