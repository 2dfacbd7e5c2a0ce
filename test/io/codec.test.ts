/**
 * The pure parts of src/io, no root needed: virtio-net header parse/emit, slab layout and TX batches, offload
 * bits, MAC text. (The lab tests cover the rest.)
 */
import { describe, expect, it } from 'vitest';

import { formatMac, parseMac } from '../../src/io/netif.js';
import { FrameSlab, GSO_MAX_FRAME, slotSizeFor, TxBatch } from '../../src/io/slab.js';
import { offloadBits } from '../../src/io/tap.js';
import {
  clearVnetHeader,
  emptyVnetHeader,
  gsoKind,
  parseVnetHeader,
  TunOffload,
  VNET_HDR_LEN,
  VNET_HDR_LEN_V1,
  VNET_OFF,
  VnetFlag,
  VnetGso,
  writeVnetHeader,
} from '../../src/io/vnet.js';

describe('virtio-net header codec', () => {
  it('writes the fields little-endian at their offsets and reads them back', () => {
    const b = new Uint8Array(20).fill(0xee);
    const h = { flags: VnetFlag.NEEDS_CSUM, gsoType: VnetGso.TCPV4 | VnetGso.ECN, hdrLen: 66, gsoSize: 1448, csumStart: 34, csumOffset: 16, numBuffers: 1 };
    writeVnetHeader(b, 4, h, VNET_HDR_LEN_V1);
    expect(Array.from(b.subarray(4, 16))).toEqual([1, 0x81, 66, 0, 0xa8, 0x05, 34, 0, 16, 0, 1, 0]);
    expect(b[3]).toBe(0xee);
    expect(b[16]).toBe(0xee);
    expect(parseVnetHeader(b, 4, VNET_HDR_LEN_V1)).toEqual(h);
    expect(gsoKind(h.gsoType)).toBe(VnetGso.TCPV4);
    expect(b[4 + VNET_OFF.gsoSize]! | (b[5 + VNET_OFF.gsoSize]! << 8)).toBe(1448);
  });

  it('the 10-byte form has no num_buffers and leaves the next bytes alone; parse reuses the object it is given', () => {
    const b = new Uint8Array(12).fill(0x77);
    writeVnetHeader(b, 0, { csumStart: 0x1234, numBuffers: 9 }, VNET_HDR_LEN);
    expect(Array.from(b.subarray(10))).toEqual([0x77, 0x77]);
    const out = emptyVnetHeader();
    expect(parseVnetHeader(b, 0, VNET_HDR_LEN, out)).toBe(out);
    expect(out).toEqual({ flags: 0, gsoType: 0, hdrLen: 0, gsoSize: 0, csumStart: 0x1234, csumOffset: 0, numBuffers: 0 });
    clearVnetHeader(b, 0, VNET_HDR_LEN);
    expect(Array.from(b)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x77, 0x77]);
  });
});

describe('slabs and batches', () => {
  it('lays slots out back to back with the header as headroom, and precomputes the offsets for writeBatch', () => {
    const s = new FrameSlab(4, 2048, 12);
    expect(s.bytes.byteLength).toBe(4 * 2048);
    expect(Array.from(s.offsets)).toEqual([0, 2048, 4096, 6144]);
    s.lengths[2] = 12 + 60;
    expect(s.slotOffset(2)).toBe(4096);
    expect(s.frameOffset(2)).toBe(4096 + 12);
    expect(s.frameLength(2)).toBe(60);
    expect(new FrameSlab(2, 128, 0, true).buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(() => new FrameSlab(0, 2048)).toThrow(RangeError);
    expect(() => new FrameSlab(1, 10, 12)).toThrow(RangeError);
  });

  it('sizes slots for the MTU (plus tag, header and the 4 spare bytes) or for GSO frames, 64-byte aligned', () => {
    expect(slotSizeFor()).toBe(1536); // 1500 + 14 + 4 (tag) + 4 (spare) = 1522, rounded up to 64
    expect(slotSizeFor({ mtu: 9000, vnetHdrSize: 12 })).toBe(Math.ceil((9000 + 14 + 4 + 12 + 4) / 64) * 64);
    expect(slotSizeFor({ gso: true, vnetHdrSize: 12 })).toBeGreaterThanOrEqual(GSO_MAX_FRAME + 12 + 4);
    for (const n of [slotSizeFor(), slotSizeFor({ gso: true })]) expect(n % 64).toBe(0);
  });

  it('TxBatch collects pairs up to its capacity', () => {
    const t = new TxBatch(2);
    expect(t.push(10, 60)).toBe(true);
    expect(t.push(100, 70)).toBe(true);
    expect(t.push(200, 80)).toBe(false);
    expect([t.count, Array.from(t.offsets), Array.from(t.lengths)]).toEqual([2, [10, 100], [60, 70]]);
    t.clear();
    expect(t.count).toBe(0);
  });
});

describe('small helpers', () => {
  it('offload options map to TUN_F_* bits; segmentation without checksum offload is refused', () => {
    expect(offloadBits(undefined)).toBe(0);
    expect(offloadBits({ csum: true, tso4: true, tso6: true })).toBe(TunOffload.CSUM | TunOffload.TSO4 | TunOffload.TSO6);
    expect(offloadBits({ csum: true, tsoEcn: true, uso4: true, uso6: true })).toBe(0x01 | 0x08 | 0x20 | 0x40);
    expect(() => offloadBits({ tso4: true })).toThrow(/need csum/);
  });

  it('MAC text round-trips', () => {
    expect(formatMac(parseMac('02:0A:ff:00:01:9'))).toBe('02:0a:ff:00:01:09');
    expect(() => parseMac('02:00:00:00:00')).toThrow(TypeError);
  });
});
