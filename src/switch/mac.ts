/**
 * MAC addresses as 48-bit integers (exact in a JS number), so the forwarding path can hash and compare them
 * without allocating strings or arrays per frame.
 */
export type MacKey = number;

const TWO_32 = 0x1_0000_0000;

export function macKeyAt(buf: Uint8Array, off: number): MacKey {
  return (
    ((buf[off]! << 8) | buf[off + 1]!) * TWO_32 +
    ((buf[off + 2]! << 24) >>> 0) +
    ((buf[off + 3]! << 16) | (buf[off + 4]! << 8) | buf[off + 5]!)
  );
}

/** Group bit (I/G) set: broadcast or multicast; such frames are flooded, and never learned as a source. */
export function isGroupMacAt(buf: Uint8Array, off: number): boolean {
  return (buf[off]! & 0x01) !== 0;
}

export function macKeyToString(k: MacKey): string {
  const parts: string[] = [];
  for (let i = 5; i >= 0; i--) parts.push((Math.floor(k / 2 ** (8 * i)) & 0xff).toString(16).padStart(2, '0'));
  return parts.join(':');
}

export function macKeyFromString(s: string): MacKey {
  const m = /^([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})$/i.exec(s);
  if (!m) throw new Error(`not a MAC address: ${JSON.stringify(s)}`);
  const b = new Uint8Array(m.slice(1).map((h) => parseInt(h, 16)));
  return macKeyAt(b, 0);
}
