/**
 * Frame memory shared with the addon, allocated once per port.
 *
 * Receive: a slab of `slots × slotSize` bytes plus a Uint32Array of lengths. The addon fills slot i and lengths[i]
 * for i < count and then calls the batch handler once; until the handler returns the slots are JS's. Accessors
 * return numbers (offsets into `bytes`), never subarrays: a subarray is an object per frame, and the hot path
 * allocates nothing.
 *
 * Send: TxBatch collects (offset, length) pairs into one buffer for writeBatch. Because FrameSlab precomputes
 * `offsets`, a whole received batch can be forwarded to a port with the same virtio-net header size with one call,
 * without copying: `port.writeBatch(rx.bytes, rx.offsets, rx.lengths, count)`.
 */

/** Largest frame a TAP with GSO offloads may hand over: 64 KiB of IP packet plus Ethernet, VLAN and vnet header. */
export const GSO_MAX_FRAME = 65_535 + 14 + 4;

export interface SlotSizeOptions {
  /** Link MTU (IP bytes); default 1500. */
  mtu?: number;
  /** virtio-net header in front of each frame: 0, 10 or 12. */
  vnetHdrSize?: number;
  /** The device may hand GSO super-frames (TSO/USO offloads): size for 64 KiB frames. */
  gso?: boolean;
}

/** Smallest slot that holds any frame the port can deliver, rounded up to 64 bytes so slots stay cache-aligned. */
export function slotSizeFor(opts: SlotSizeOptions = {}): number {
  const vnet = opts.vnetHdrSize ?? 0;
  // Ethernet header + one VLAN tag (GSO: a 64 KiB frame), the header, and 4 spare bytes: an AF_PACKET port
  // reads into slotSize-4 so it can put back a VLAN tag the kernel took out of the frame.
  const frame = opts.gso ? GSO_MAX_FRAME : (opts.mtu ?? 1500) + 14 + 4;
  return Math.ceil((frame + vnet + 4) / 64) * 64;
}

export class FrameSlab {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  /** The whole slab; slot i starts at slotOffset(i). */
  readonly bytes: Uint8Array;
  /** Filled by the addon: bytes in slot i, virtio-net header included. */
  readonly lengths: Uint32Array;
  /** offsets[i] === slotOffset(i), precomputed for writeBatch. */
  readonly offsets: Uint32Array;

  /**
   * @param slots how many frames one batch can hold (the port's maxBatch)
   * @param slotSize bytes per slot; see slotSizeFor()
   * @param headroom bytes before the Ethernet frame in each slot: the virtio-net header size, or 0
   * @param shared back the slab with a SharedArrayBuffer (to hand frames to worker threads without copying)
   */
  constructor(
    readonly slots: number,
    readonly slotSize: number,
    readonly headroom = 0,
    shared = false,
  ) {
    if (!Number.isInteger(slots) || slots < 1) throw new RangeError(`FrameSlab: slots must be a positive integer, got ${slots}`);
    if (!Number.isInteger(slotSize) || slotSize <= headroom) throw new RangeError(`FrameSlab: bad slotSize ${slotSize}`);
    if (slots * slotSize > 0xffff_ffff) throw new RangeError('FrameSlab: slab larger than 4 GiB (offsets are 32-bit)');
    this.buffer = shared ? new SharedArrayBuffer(slots * slotSize) : new ArrayBuffer(slots * slotSize);
    this.bytes = new Uint8Array(this.buffer);
    this.lengths = new Uint32Array(slots);
    this.offsets = new Uint32Array(slots);
    for (let i = 0; i < slots; i++) this.offsets[i] = i * slotSize;
  }

  /** Start of slot i (the virtio-net header, if any). */
  slotOffset(i: number): number {
    return i * this.slotSize;
  }

  /** Start of the Ethernet frame in slot i. */
  frameOffset(i: number): number {
    return i * this.slotSize + this.headroom;
  }

  /** Length of the Ethernet frame in slot i (without the virtio-net header). */
  frameLength(i: number): number {
    return this.lengths[i]! - this.headroom;
  }
}

/**
 * Frames to send, as (offset, length) pairs into one buffer — typically a FrameSlab's bytes, so forwarding is a
 * matter of pushing numbers. Allocated once per output; clear() after each writeBatch.
 */
export class TxBatch {
  readonly offsets: Uint32Array;
  readonly lengths: Uint32Array;
  count = 0;

  constructor(readonly capacity: number) {
    this.offsets = new Uint32Array(capacity);
    this.lengths = new Uint32Array(capacity);
  }

  /** Adds a frame; false when the batch is full (flush it and push again). */
  push(offset: number, length: number): boolean {
    if (this.count === this.capacity) return false;
    this.offsets[this.count] = offset;
    this.lengths[this.count] = length;
    this.count++;
    return true;
  }

  clear(): void {
    this.count = 0;
  }
}
