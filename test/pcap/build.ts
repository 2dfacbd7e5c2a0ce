/**
 * Hand-assembled capture bytes for tests, written straight from the format descriptions and independent of
 * src/pcap's writers, so the reader is not only checked against its own writer.
 */

export type Order = 'LE' | 'BE';

export class Bytes {
  private parts: number[] = [];
  constructor(readonly order: Order = 'LE') {}
  u8(v: number): this {
    this.parts.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    const b = [v & 0xff, (v >>> 8) & 0xff];
    this.parts.push(...(this.order === 'LE' ? b : b.reverse()));
    return this;
  }
  u32(v: number): this {
    const b = [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
    this.parts.push(...(this.order === 'LE' ? b : b.reverse()));
    return this;
  }
  u64(v: bigint): this {
    const lo = Number(BigInt.asUintN(64, v) & 0xffffffffn);
    const hi = Number(BigInt.asUintN(64, v) >> 32n);
    return this.order === 'LE' ? this.u32(lo).u32(hi) : this.u32(hi).u32(lo);
  }
  bytes(b: Uint8Array | number[]): this {
    this.parts.push(...b);
    return this;
  }
  pad4(): this {
    while (this.parts.length % 4) this.parts.push(0);
    return this;
  }
  get length(): number {
    return this.parts.length;
  }
  build(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

export function concat(...chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

export interface Opt {
  code: number;
  value: Uint8Array;
}

export const opt = (code: number, value: Uint8Array | number[]): Opt => ({ code, value: Uint8Array.from(value) });
export const strOpt = (code: number, s: string): Opt => opt(code, utf8(s));
export function u32Opt(code: number, v: number, order: Order): Opt {
  return opt(code, new Bytes(order).u32(v).build());
}
export function u64Opt(code: number, v: bigint, order: Order): Opt {
  return opt(code, new Bytes(order).u64(v).build());
}

export function options(order: Order, opts: Opt[], endMarker = true): Uint8Array {
  if (opts.length === 0) return new Uint8Array(0);
  const b = new Bytes(order);
  for (const o of opts) b.u16(o.code).u16(o.value.length).bytes(o.value).pad4();
  if (endMarker) b.u16(0).u16(0);
  return b.build();
}

/** A whole block: type, total length, body (padded), total length. `trailing` overrides the trailing length. */
export function block(order: Order, type: number, body: Uint8Array, trailing?: number): Uint8Array {
  const padded = (body.length + 3) & ~3;
  const len = 12 + padded;
  const b = new Bytes(order).u32(type).u32(len).bytes(body);
  while (b.length < 8 + padded) b.u8(0);
  b.u32(trailing ?? len);
  return b.build();
}

export function shb(order: Order, opts: Opt[] = [], major = 1, sectionLength = -1n): Uint8Array {
  const body = new Bytes(order).u32(0x1a2b3c4d).u16(major).u16(0).u64(sectionLength).bytes(options(order, opts));
  return block(order, 0x0a0d0d0a, body.build());
}

export function idb(order: Order, linkType: number, snaplen: number, opts: Opt[] = []): Uint8Array {
  const body = new Bytes(order).u16(linkType).u16(0).u32(snaplen).bytes(options(order, opts));
  return block(order, 1, body.build());
}

export function epb(
  order: Order,
  ifaceId: number,
  units: bigint,
  data: Uint8Array,
  opts: Opt[] = [],
  origlen = data.length,
  caplen = data.length,
): Uint8Array {
  const body = new Bytes(order)
    .u32(ifaceId)
    .u32(Number(units >> 32n))
    .u32(Number(units & 0xffffffffn))
    .u32(caplen)
    .u32(origlen)
    .bytes(data)
    .pad4()
    .bytes(options(order, opts));
  return block(order, 6, body.build());
}

export function spb(order: Order, origlen: number, data: Uint8Array): Uint8Array {
  return block(order, 3, new Bytes(order).u32(origlen).bytes(data).pad4().build());
}

/** Obsolete Packet Block (type 2). */
export function pb(order: Order, ifaceId: number, drops: number, units: bigint, data: Uint8Array, opts: Opt[] = []): Uint8Array {
  const body = new Bytes(order)
    .u16(ifaceId)
    .u16(drops)
    .u32(Number(units >> 32n))
    .u32(Number(units & 0xffffffffn))
    .u32(data.length)
    .u32(data.length)
    .bytes(data)
    .pad4()
    .bytes(options(order, opts));
  return block(order, 2, body.build());
}

export function isb(order: Order, ifaceId: number, units: bigint, opts: Opt[] = []): Uint8Array {
  const body = new Bytes(order)
    .u32(ifaceId)
    .u32(Number(units >> 32n))
    .u32(Number(units & 0xffffffffn))
    .bytes(options(order, opts));
  return block(order, 5, body.build());
}

export function nrb(order: Order, records: { type: number; value: Uint8Array }[], opts: Opt[] = []): Uint8Array {
  const b = new Bytes(order);
  for (const r of records) b.u16(r.type).u16(r.value.length).bytes(r.value).pad4();
  b.u16(0).u16(0);
  b.bytes(options(order, opts));
  return block(order, 4, b.build());
}

/** Classic pcap file header. */
export function pcapHeader(order: Order, nano: boolean, linkTypeField: number, snaplen = 65535, major = 2, minor = 4): Uint8Array {
  return new Bytes(order)
    .u32(nano ? 0xa1b23c4d : 0xa1b2c3d4)
    .u16(major)
    .u16(minor)
    .u32(0)
    .u32(0)
    .u32(snaplen)
    .u32(linkTypeField)
    .build();
}

export function pcapRecord(order: Order, sec: number, frac: number, data: Uint8Array, origlen = data.length, caplen = data.length): Uint8Array {
  return new Bytes(order).u32(sec).u32(frac).u32(caplen).u32(origlen).bytes(data).build();
}

/** Deterministic pseudo-random frame bytes. */
export function frame(seed: number, len: number): Uint8Array {
  const out = new Uint8Array(len);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < len; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}
