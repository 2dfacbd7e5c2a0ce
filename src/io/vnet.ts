/**
 * The virtio-net header (struct virtio_net_hdr / virtio_net_hdr_v1) that a TAP with IFF_VNET_HDR, or an AF_PACKET
 * socket with PACKET_VNET_HDR, puts in front of every frame. It is how the kernel and we tell each other about
 * checksum and segmentation offloads:
 *  - NEEDS_CSUM: the L4 checksum is not done. The field at csum_start + csum_offset holds the pseudo-header sum;
 *    whoever puts the frame on a wire folds in the bytes from csum_start to the end (CHECKSUM_PARTIAL).
 *  - DATA_VALID: the checksum was verified already (receive side only).
 *  - gso_type != NONE: the frame is a super-frame of up to 64 KiB, to be cut into gso_size-byte payloads; hdr_len
 *    is the length of the headers repeated in every segment.
 * Fields are little-endian (the kernel's tun_is_little_endian(): virtio 1.0 or a little-endian host).
 * The 12-byte form adds num_buffers, meaningful only for mergeable rx buffers; we write 0/1 and ignore it on read.
 */

/** Byte offsets of the fields, named once. */
export const VNET_OFF = {
  flags: 0, // u8
  gsoType: 1, // u8
  hdrLen: 2, // le16
  gsoSize: 4, // le16
  csumStart: 6, // le16
  csumOffset: 8, // le16
  numBuffers: 10, // le16, only in the 12-byte header
} as const;

export const VNET_HDR_LEN = 10;
/** virtio_net_hdr_v1 / virtio_net_hdr_mrg_rxbuf: with num_buffers. The TAP default we use. */
export const VNET_HDR_LEN_V1 = 12;

export const VnetFlag = {
  NEEDS_CSUM: 0x01,
  DATA_VALID: 0x02,
  RSC_INFO: 0x04,
} as const;

export const VnetGso = {
  NONE: 0,
  TCPV4: 1,
  UDP: 3, // UFO: IPv4 fragmentation of a big UDP datagram (legacy)
  TCPV6: 4,
  UDP_L4: 5, // USO: UDP segmentation
  /** Or-ed into gsoType: the TCP segments carry ECN's CWR bit. */
  ECN: 0x80,
} as const;

/** TUNSETOFFLOAD bits (linux/if_tun.h): what a TAP reader promises it can take. */
export const TunOffload = {
  CSUM: 0x01,
  TSO4: 0x02,
  TSO6: 0x04,
  TSO_ECN: 0x08,
  UFO: 0x10,
  USO4: 0x20,
  USO6: 0x40,
} as const;

export interface VnetHeader {
  flags: number;
  gsoType: number;
  hdrLen: number;
  gsoSize: number;
  csumStart: number;
  csumOffset: number;
  numBuffers: number;
}

export function emptyVnetHeader(): VnetHeader {
  return { flags: 0, gsoType: 0, hdrLen: 0, gsoSize: 0, csumStart: 0, csumOffset: 0, numBuffers: 0 };
}

function le16(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8);
}

function putLe16(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
}

/**
 * Reads the header at `off`. Pass `out` to reuse one object across frames (nothing allocated per frame).
 * `size` 12 also reads num_buffers.
 */
export function parseVnetHeader(b: Uint8Array, off: number, size = VNET_HDR_LEN_V1, out: VnetHeader = emptyVnetHeader()): VnetHeader {
  out.flags = b[off + VNET_OFF.flags]!;
  out.gsoType = b[off + VNET_OFF.gsoType]!;
  out.hdrLen = le16(b, off + VNET_OFF.hdrLen);
  out.gsoSize = le16(b, off + VNET_OFF.gsoSize);
  out.csumStart = le16(b, off + VNET_OFF.csumStart);
  out.csumOffset = le16(b, off + VNET_OFF.csumOffset);
  out.numBuffers = size >= VNET_HDR_LEN_V1 ? le16(b, off + VNET_OFF.numBuffers) : 0;
  return out;
}

/** Writes a header of `size` (10 or 12) bytes at `off`; unspecified fields are 0. */
export function writeVnetHeader(b: Uint8Array, off: number, h: Partial<VnetHeader>, size = VNET_HDR_LEN_V1): void {
  b[off + VNET_OFF.flags] = h.flags ?? 0;
  b[off + VNET_OFF.gsoType] = h.gsoType ?? 0;
  putLe16(b, off + VNET_OFF.hdrLen, h.hdrLen ?? 0);
  putLe16(b, off + VNET_OFF.gsoSize, h.gsoSize ?? 0);
  putLe16(b, off + VNET_OFF.csumStart, h.csumStart ?? 0);
  putLe16(b, off + VNET_OFF.csumOffset, h.csumOffset ?? 0);
  if (size >= VNET_HDR_LEN_V1) putLe16(b, off + VNET_OFF.numBuffers, h.numBuffers ?? 0);
}

/** An all-zero header: a plain, fully checksummed frame. The usual thing to put in front of a frame we built. */
export function clearVnetHeader(b: Uint8Array, off: number, size = VNET_HDR_LEN_V1): void {
  b.fill(0, off, off + size);
}

/** gso_type without the ECN bit. */
export function gsoKind(gsoType: number): number {
  return gsoType & ~VnetGso.ECN;
}
