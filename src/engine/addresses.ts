/**
 * Address literals in the encodings WFP uses for incoming values and conditions (R70): IPv4 as a UINT32 in host
 * byte order (so 10.0.0.1 is 0x0A000001 and prefixes compare with shifts), IPv6 as 16 bytes in network order, MAC as
 * 6 bytes. For tests, policy files and the host stack; nothing here is on the classify path.
 */

/** `'10.0.0.1'` → 0x0A000001. Throws on anything that is not a dotted quad. */
export function ipv4(text: string): number {
  const parts = text.split('.');
  if (parts.length !== 4) throw new Error(`not an IPv4 address: ${text}`);
  let v = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) throw new Error(`not an IPv4 address: ${text}`);
    v = v * 256 + Number(p);
  }
  return v >>> 0;
}

export function ipv4ToString(v: number): string {
  const x = v >>> 0;
  return `${x >>> 24}.${(x >>> 16) & 0xff}.${(x >>> 8) & 0xff}.${x & 0xff}`;
}

/** The host-order mask of an IPv4 prefix length: 24 → 0xFFFFFF00. */
export function ipv4Mask(prefixLength: number): number {
  if (!Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > 32) {
    throw new Error(`bad IPv4 prefix length ${prefixLength}`);
  }
  return prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
}

/** The prefix length of a contiguous host-order mask, or -1 when the mask has holes (FWP_E_INVALID_NET_MASK). */
export function ipv4PrefixLength(mask: number): number {
  const m = mask >>> 0;
  const inverted = ~m >>> 0;
  // Contiguous from the top iff the inverted mask is of the form 0…01…1.
  if ((inverted & (inverted + 1)) !== 0) return -1;
  return Math.clz32(inverted);
}

/** `'2001:db8::1'` (or with an embedded dotted quad) → 16 bytes, network order. */
export function ipv6(text: string): Uint8Array {
  const out = new Uint8Array(16);
  let s = text;
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  const words: number[] = [];
  let tail: number[] = [];
  const halves = s.split('::');
  if (halves.length > 2) throw new Error(`not an IPv6 address: ${text}`);
  const parse = (part: string): number[] => {
    if (part === '') return [];
    const groups = part.split(':');
    const res: number[] = [];
    groups.forEach((g, i) => {
      if (i === groups.length - 1 && g.includes('.')) {
        const v4 = ipv4(g);
        res.push(v4 >>> 16, v4 & 0xffff);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(g)) throw new Error(`not an IPv6 address: ${text}`);
        res.push(parseInt(g, 16));
      }
    });
    return res;
  };
  words.push(...parse(halves[0] ?? ''));
  if (halves.length === 2) tail = parse(halves[1] ?? '');
  const fill = 8 - words.length - tail.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) throw new Error(`not an IPv6 address: ${text}`);
  const all = [...words, ...new Array<number>(halves.length === 2 ? fill : 0).fill(0), ...tail];
  all.forEach((w, i) => {
    out[i * 2] = w >>> 8;
    out[i * 2 + 1] = w & 0xff;
  });
  return out;
}

export function ipv6ToString(bytes: Uint8Array): string {
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return words.join(':');
}

/** `'aa:bb:cc:dd:ee:ff'` (or with dashes) → 6 bytes. */
export function mac(text: string): Uint8Array {
  const parts = text.split(/[:-]/);
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p))) {
    throw new Error(`not a MAC address: ${text}`);
  }
  return Uint8Array.from(parts.map((p) => parseInt(p, 16)));
}
