/**
 * UplinkPort: the bridge's port onto an existing interface (a real NIC, or a veth) through an AF_PACKET socket —
 * SOCK_RAW, ETH_P_ALL, bound to that interface only, promiscuous by membership (undone by the kernel when the socket
 * closes), and blind to frames transmitted on the interface (it wants what arrives). Same batch API as a TAP queue.
 *
 * Two things the kernel does to frames before a packet socket sees them, and what we do about them:
 *  - VLAN acceleration takes the outer 802.1Q tag out of the frame into metadata. The addon reads it from
 *    PACKET_AUXDATA and puts it back, so the bridge sees tagged frames as they were sent (rxVlanReinserted).
 *  - GRO/LRO (and on veth, the peer's TSO/checksum offload) hand over super-frames larger than the MTU and frames
 *    with checksums left undone (rxCsumNotReady). Without a virtio-net header there is no way to tell a
 *    super-frame's segment size, so either turn those offloads off on the interface (ethtool -K dev gro off lro off;
 *    on a veth also the peer's tso/gso/tx) or open with vnetHdr, which describes them (NEEDS_CSUM / gso_type).
 */
import { loadAddon } from './addon.js';
import * as netif from './netif.js';
import { IoPort } from './port.js';
import { VNET_HDR_LEN } from './vnet.js';

export interface UplinkOptions {
  /** Receive frames for any MAC (PACKET_MR_PROMISC). Default true: a bridge port must. */
  promisc?: boolean;
  /** Skip frames the host transmits on the interface (PACKET_IGNORE_OUTGOING). Default true. */
  ignoreOutgoing?: boolean;
  /** Put back VLAN tags the kernel moved to metadata. Default true. */
  reinsertVlan?: boolean;
  /** PACKET_VNET_HDR: true = 10 bytes (what every kernel supports), or 10 / 12 (Linux 6.2+). */
  vnetHdr?: boolean | 10 | 12;
  /** Socket buffer sizes in bytes (SO_RCVBUFFORCE / SO_SNDBUFFORCE as root). */
  rcvBuf?: number;
  sndBuf?: number;
  /** PACKET_QDISC_BYPASS: send straight to the driver, skipping the qdisc (and its queueing). */
  qdiscBypass?: boolean;
}

export class UplinkPort extends IoPort {
  private constructor(
    native: ConstructorParameters<typeof IoPort>[0],
    name: string,
    readonly ifindex: number,
    vnetHdrSize: number,
    mtu: number | undefined,
  ) {
    // A virtio-net header means GRO super-frames may arrive described by it: size slots for 64 KiB.
    super(native, 'packet', name, 0, vnetHdrSize, vnetHdrSize !== 0, mtu);
  }

  static open(ifname: string, opts: UplinkOptions = {}): UplinkPort {
    const vnetHdrSize = opts.vnetHdr === true ? VNET_HDR_LEN : opts.vnetHdr === false || opts.vnetHdr === undefined ? 0 : opts.vnetHdr;
    const r = loadAddon().openPacket(ifname, {
      promisc: opts.promisc ?? true,
      ignoreOutgoing: opts.ignoreOutgoing ?? true,
      reinsertVlan: opts.reinsertVlan ?? true,
      vnetHdrSize,
      rcvBuf: opts.rcvBuf ?? 0,
      sndBuf: opts.sndBuf ?? 0,
      qdiscBypass: opts.qdiscBypass ?? false,
    });
    let mtu: number | undefined;
    try {
      mtu = netif.getMtu(ifname);
    } catch {
      mtu = undefined;
    }
    return new UplinkPort(r.port, ifname, r.ifindex, vnetHdrSize, mtu);
  }
}
