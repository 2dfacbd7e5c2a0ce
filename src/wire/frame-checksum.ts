/**
 * Checksums of a dissected frame: verification (for tools, tests and a policy that drops bad frames) and full
 * recomputation (after a callout modified a frame arbitrarily; targeted field rewrites use rewrite.ts instead).
 */
import { getU16 } from './bytes.js';
import {
  fillIpv4HeaderChecksum,
  ICMP_CSUM_OFF,
  ipv4HeaderChecksumOk,
  l4Checksum,
  l4ChecksumOk,
  pseudoSumAt,
  TCP_CSUM_OFF,
  UDP_CSUM_OFF,
} from './checksum.js';
import { WireLayer } from './errors.js';
import type { ParsedFrame } from './frame.js';
import { IpProtocol } from './ip-proto.js';

export enum ChecksumStatus {
  GOOD = 0,
  BAD,
  /** UDP over IPv4 sent without a checksum (field 0). */
  NONE,
  /** Nothing to verify here: not IP, no transport header decoded, or a fragment (the sum covers the datagram). */
  UNVERIFIABLE,
}

/** IPv4 header checksum; IPv6 has none (UNVERIFIABLE). */
export function checkL3Checksum(pf: ParsedFrame): ChecksumStatus {
  if (pf.ipVersion !== 4 || pf.depth < WireLayer.L3) return ChecksumStatus.UNVERIFIABLE;
  return ipv4HeaderChecksumOk(pf.buf, pf.l3Off, pf.l3HeaderLen) ? ChecksumStatus.GOOD : ChecksumStatus.BAD;
}

/** Offset of the transport checksum field relative to the L4 header, or -1 when it has none we decode. */
function csumFieldOffset(pf: ParsedFrame): number {
  switch (pf.ipProto) {
    case IpProtocol.TCP:
      return TCP_CSUM_OFF;
    case IpProtocol.UDP:
      return UDP_CSUM_OFF;
    case IpProtocol.ICMP:
    case IpProtocol.ICMPV6:
      return ICMP_CSUM_OFF;
    default:
      return -1;
  }
}

/** The pseudo-header sum the transport checksum of `pf` includes (0 for ICMPv4, which has none). */
export function framePseudoSum(pf: ParsedFrame): number {
  if (pf.ipProto === IpProtocol.ICMP) return 0;
  return pseudoSumAt(pf.buf, pf.ipVersion as 4 | 6, pf.srcAddrOff, pf.pseudoDstOff, pf.ipProto, pf.l4Len);
}

function l4Verifiable(pf: ParsedFrame): boolean {
  return pf.depth >= WireLayer.L4 && !pf.isFragment && csumFieldOffset(pf) >= 0;
}

export function checkL4Checksum(pf: ParsedFrame): ChecksumStatus {
  if (!l4Verifiable(pf)) return ChecksumStatus.UNVERIFIABLE;
  if (pf.ipProto === IpProtocol.UDP && getU16(pf.buf, pf.l4Off + UDP_CSUM_OFF) === 0) {
    return pf.ipVersion === 4 ? ChecksumStatus.NONE : ChecksumStatus.BAD;
  }
  return l4ChecksumOk(pf.buf, pf.l4Off, pf.l4Len, framePseudoSum(pf)) ? ChecksumStatus.GOOD : ChecksumStatus.BAD;
}

/**
 * Recomputes the IPv4 header checksum and the transport checksum from scratch (UDP over IPv4 sent without one
 * stays without). Returns false when the frame has no transport checksum this can compute (see UNVERIFIABLE).
 */
export function fillFrameChecksums(pf: ParsedFrame): boolean {
  if (pf.ipVersion === 4 && pf.depth >= WireLayer.L3) fillIpv4HeaderChecksum(pf.buf, pf.l3Off, pf.l3HeaderLen);
  if (!l4Verifiable(pf)) return false;
  const rel = csumFieldOffset(pf);
  const at = pf.l4Off + rel;
  if (pf.ipProto === IpProtocol.UDP && pf.ipVersion === 4 && getU16(pf.buf, at) === 0) return true;
  let c = l4Checksum(pf.buf, pf.l4Off, pf.l4Len, rel, framePseudoSum(pf));
  if (c === 0 && pf.ipProto === IpProtocol.UDP) c = 0xffff;
  pf.buf[at] = c >>> 8;
  pf.buf[at + 1] = c;
  return true;
}
