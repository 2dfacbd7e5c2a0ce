/**
 * What the readers hand out: one captured frame with where it came from, and the interfaces frames refer to.
 * Timestamps are bigint nanoseconds since the Unix epoch everywhere, because nanosecond epoch values (~1.7e18) do not
 * fit a double exactly and replay must be deterministic to the last digit.
 */

export const NS_PER_SECOND = 1_000_000_000n;
export const NS_PER_MICROSECOND = 1_000n;

/** Seconds since the epoch as a double (loses sub-microsecond precision for present-day dates: for display). */
export function nsToSeconds(ns: bigint): number {
  const whole = ns / NS_PER_SECOND;
  return Number(whole) + Number(ns - whole * NS_PER_SECOND) / 1e9;
}

/** Microseconds since the epoch, truncated toward zero (the classic pcap resolution). */
export function nsToMicros(ns: bigint): bigint {
  return ns / NS_PER_MICROSECOND;
}

/** "1700000000.123456789": what `tshark -T fields -e frame.time_epoch` prints, for comparisons and logs. */
export function formatEpochNs(ns: bigint): string {
  const neg = ns < 0n;
  const abs = neg ? -ns : ns;
  return `${neg ? '-' : ''}${abs / NS_PER_SECOND}.${(abs % NS_PER_SECOND).toString().padStart(9, '0')}`;
}

/** Packet direction from pcapng epb_flags bits 0-1. */
export type PacketDirection = 'unknown' | 'inbound' | 'outbound' | 'invalid';
const DIRECTIONS: readonly PacketDirection[] = ['unknown', 'inbound', 'outbound', 'invalid'];

/** epb_flags bit layout (pcapng §4.3.1): why it is decoded here rather than by each caller. */
export const EPB_FLAG_DIRECTION_MASK = 0x3;
export const EPB_FLAG_DIRECTION_INBOUND = 0x1;
export const EPB_FLAG_DIRECTION_OUTBOUND = 0x2;
export const EPB_FLAG_RECEPTION_SHIFT = 2; // 3 bits: 0 unspecified, 1 unicast, 2 multicast, 3 broadcast, 4 promiscuous
export const EPB_FLAG_FCS_LEN_SHIFT = 5; // 4 bits: FCS length in octets, 0 when unknown
export const EPB_FLAG_LINK_ERRORS_SHIFT = 16; // 16 bits of link-layer error flags

export function directionOfFlags(flags: number | undefined): PacketDirection {
  return flags === undefined ? 'unknown' : DIRECTIONS[flags & EPB_FLAG_DIRECTION_MASK]!;
}

export function flagsOfDirection(direction: PacketDirection | undefined): number {
  if (direction === 'inbound') return EPB_FLAG_DIRECTION_INBOUND;
  if (direction === 'outbound') return EPB_FLAG_DIRECTION_OUTBOUND;
  return 0;
}

/** Counters from a pcapng Interface Statistics Block (the last one seen for the interface). */
export interface InterfaceStatistics {
  timestampNs: bigint;
  startTimeNs?: bigint;
  endTimeNs?: bigint;
  ifRecv?: bigint;
  ifDrop?: bigint;
  filterAccept?: bigint;
  osDrop?: bigint;
  usrDeliv?: bigint;
  comments: string[];
}

/** One capture interface: the single implied one of a classic pcap, or one pcapng IDB. */
export interface CaptureInterface {
  /** Position among all interfaces of the file, over all sections: what records carry as `interfaceIndex`. */
  readonly index: number;
  /** 0-based section (pcapng SHB) number; 0 for classic pcap. */
  readonly sectionIndex: number;
  /** The interface id within its section (what pcapng EPBs say). */
  readonly id: number;
  readonly linkType: number;
  /** 0 means "no limit" in pcapng. */
  readonly snaplen: number;
  readonly name?: string;
  readonly description?: string;
  readonly os?: string;
  readonly hardware?: string;
  /** if_filter, as text when its first byte says libpcap filter string (0). */
  readonly filter?: string;
  /** Timestamp units per second (10^6 by default; 10^9 for nanosecond classic pcap and if_tsresol=9). */
  readonly unitsPerSecond: bigint;
  /** The raw if_tsresol byte (6 when absent): top bit set means a power of two. */
  readonly tsresol: number;
  /** if_tsoffset: seconds added to every timestamp of the interface. */
  readonly tsOffsetSeconds: bigint;
  /**
   * Frame check sequence length as the file states it: classic pcap's link-type FCS field (in bytes), or pcapng's
   * if_fcslen (the spec says bits; some writers put bytes: kept raw). Undefined when the file does not say.
   */
  readonly fcsLen?: number;
  readonly comments: readonly string[];
  /** Filled in as ISBs for this interface are read. */
  statistics?: InterfaceStatistics;
}

const NO_COMMENTS: readonly string[] = Object.freeze([]);

/**
 * One frame. `data` is a view into the reader's buffer, valid only until the reader produces the next record (the
 * buffer is compacted and refilled in place: that is what keeps memory bounded). Keep bytes with `copyData()`.
 */
export class PcapRecord {
  constructor(
    /** 0-based record number in the file (tshark's frame.number minus one). */
    readonly recordIndex: number,
    /** Index into the reader's `interfaces` (global across pcapng sections). */
    readonly interfaceIndex: number,
    /** Interface id within its section, as written in the packet block. */
    readonly interfaceId: number,
    readonly sectionIndex: number,
    readonly linkType: number,
    readonly timestampNs: bigint,
    readonly caplen: number,
    readonly origlen: number,
    readonly data: Uint8Array,
    /** Offset in the file of the record header (classic) or packet block (pcapng). */
    readonly fileOffset: number,
    /** opt_comment values, in file order. */
    readonly comments: readonly string[] = NO_COMMENTS,
    /** Raw epb_flags (pcapng), undefined when absent. */
    readonly flags: number | undefined = undefined,
    /** epb_dropcount: packets lost between this one and the previous, undefined when absent. */
    readonly dropCount: bigint | undefined = undefined,
    /** epb_hash values (algorithm byte then digest), copied out of the buffer. */
    readonly hashes: readonly Uint8Array[] | undefined = undefined,
    /** epb_packetid, when present. */
    readonly packetId: bigint | undefined = undefined,
    /** epb_queue, when present. */
    readonly queue: number | undefined = undefined,
  ) {}

  get direction(): PacketDirection {
    return directionOfFlags(this.flags);
  }

  /** A copy of the frame bytes that outlives the next read. */
  copyData(): Uint8Array {
    return new Uint8Array(this.data); // the constructor copies; a plain Uint8Array, never a pooled Buffer
  }

  timestampSeconds(): number {
    return nsToSeconds(this.timestampNs);
  }

  timestampMicros(): bigint {
    return nsToMicros(this.timestampNs);
  }
}

export { NO_COMMENTS };
