/**
 * Parse verdicts. Parsing never throws on packet bytes: every decoder returns one of these codes, so hostile input
 * costs a branch, not an exception unwinding through the data path.
 *
 * The rule that separates the codes: TRUNCATED when the bytes that a header needs (or that an enclosing length
 * field promises) are not there; a BAD_* code when a field value is impossible on its own terms.
 */
export enum ParseError {
  OK = 0,
  /** Bytes needed by a header, or promised by an enclosing length field, are not present. */
  TRUNCATED,
  /** IP version nibble does not match the EtherType (or the outer family, for an ICMP error's quoted packet). */
  BAD_VERSION,
  /** IPv4 IHL below 5 words. */
  BAD_IHL,
  /** A length field smaller than the header that carries it (IPv4 total length, UDP length). */
  BAD_LENGTH,
  /** TCP data offset below 5 words. */
  BAD_DATA_OFFSET,
  /** Option TLV of impossible length (0 or 1 where 2 is the minimum) or running past its header. */
  BAD_OPTION,
  /** IPv6 extension header out of place (hop-by-hop anywhere but first). */
  BAD_EXT_HEADER,
  /** More IPv6 extension headers than any legitimate chain has; guards against chains built to burn CPU. */
  TOO_MANY_EXT_HEADERS,
  /** More stacked VLAN tags than ParsedFrame records. */
  TOO_MANY_VLAN_TAGS,
  /** A fragment that would end past the largest datagram (65535 bytes), the "ping of death" shape. */
  BAD_FRAGMENT,
  /** Well-formed but of a kind this codec does not decode (e.g. ARP for a hardware type other than Ethernet). */
  UNSUPPORTED,
  /** Only from the verification functions; the decoders do not check sums. */
  BAD_CHECKSUM,
}

/** Where a frame's dissection stopped: fields of every layer up to `depth` are valid. */
export enum WireLayer {
  NONE = 0,
  L2,
  L3,
  L4,
  /** The IP header quoted by an ICMP error. */
  INNER_L3,
  /** The first bytes of the transport header quoted by an ICMP error. */
  INNER_L4,
}

export type WireResult<T> = { ok: true; value: T } | { ok: false; error: ParseError };

export function ok<T>(value: T): WireResult<T> {
  return { ok: true, value };
}

export function fail<T>(error: ParseError): WireResult<T> {
  return { ok: false, error };
}

export function parseErrorName(e: ParseError): string {
  return ParseError[e] ?? `ParseError(${e})`;
}
