/**
 * A made-up neighbour on the far side of a port: answers ARP requests for its IP and ICMP echo requests to it,
 * rewriting each request into its reply in place in the receive slab and sending all replies of a batch with one
 * writeBatch straight out of the slab — the same zero-copy pattern the bridge uses.
 */
import type { IoPort } from '../../src/io/port.js';
import { TxBatch, type FrameSlab } from '../../src/io/slab.js';
import { arpRequestToReply, echoRequestToReply, ETH_ARP, ETH_IPV4, IPPROTO_ICMP, parseL2 } from './frames.js';

export interface ResponderStats {
  batches: number;
  frames: number;
  batchSizes: number[];
  arpRequests: number;
  echoRequests: number;
  /** Frames the port accepted from our writeBatch calls. */
  replies: number;
  /** Frame lengths seen, by kind. */
  lengths: { arp: number[]; icmp: number[]; other: number[] };
  /** VLAN ids seen (-1: untagged). */
  vids: number[];
  rxBytes: number;
}

export class FakeNeighbour {
  readonly stats: ResponderStats = {
    batches: 0,
    frames: 0,
    batchSizes: [],
    arpRequests: 0,
    echoRequests: 0,
    replies: 0,
    lengths: { arp: [], icmp: [], other: [] },
    vids: [],
    rxBytes: 0,
  };
  private readonly tx = new TxBatch(1024);

  constructor(
    readonly mac: Uint8Array,
    readonly ip: Uint8Array,
  ) {}

  /** A BatchHandler. */
  readonly handle = (count: number, rx: FrameSlab, port: IoPort): void => {
    const s = this.stats;
    s.batches++;
    s.frames += count;
    s.batchSizes.push(count);
    const b = rx.bytes;
    for (let i = 0; i < count; i++) {
      const off = rx.frameOffset(i);
      const len = rx.frameLength(i);
      s.rxBytes += rx.lengths[i]!;
      const l2 = parseL2(b, off);
      if (!s.vids.includes(l2.vid)) s.vids.push(l2.vid);
      let reply = false;
      if (l2.ethertype === ETH_ARP) {
        s.lengths.arp.push(len);
        reply = arpRequestToReply(b, off, this.mac, this.ip);
        if (reply) s.arpRequests++;
      } else if (l2.ethertype === ETH_IPV4 && b[l2.l3 + 9] === IPPROTO_ICMP) {
        s.lengths.icmp.push(len);
        reply = echoRequestToReply(b, off, len, this.mac, this.ip);
        if (reply) s.echoRequests++;
      } else {
        s.lengths.other.push(len);
      }
      if (reply) {
        // Our reply carries complete checksums: an all-zero virtio-net header says so.
        b.fill(0, rx.slotOffset(i), off);
        this.tx.push(rx.slotOffset(i), rx.lengths[i]!);
      }
    }
    if (this.tx.count > 0) {
      const before = port.counters().txFrames;
      port.writeBatch(b, this.tx.offsets, this.tx.lengths, this.tx.count);
      s.replies += port.counters().txFrames - before;
      this.tx.clear();
    }
  };
}
