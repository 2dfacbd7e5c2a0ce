/**
 * The one error type the pcap reader and writers throw. Replay reads untrusted files; a caller must be able to catch
 * exactly one class and still know what broke and where (which record or block, at which file offset), so every
 * failure — format, I/O, or a caller's bad argument to a writer — is a PcapError with a code.
 */

export type PcapErrorCode =
  /** The file (or the first pcapng section header) ends before its header does. */
  | 'TRUNCATED_HEADER'
  /** A classic record header or its packet bytes run past the end of the file. */
  | 'TRUNCATED_RECORD'
  /** A pcapng block runs past the end of the file. */
  | 'TRUNCATED_BLOCK'
  /** Not a classic pcap or pcapng magic number, or a pcapng byte-order magic that is neither order. */
  | 'BAD_MAGIC'
  /** A version this reader does not know (classic major ≠ 2, pcapng major ≠ 1). */
  | 'UNSUPPORTED_VERSION'
  /** A pcapng block whose leading and trailing total lengths differ. */
  | 'BLOCK_LENGTH_MISMATCH'
  /** A pcapng block length that is not a multiple of 4 or too small for its block type. */
  | 'BAD_BLOCK_LENGTH'
  /** A length past what any sane capture holds (caplen over the snaplen allowance, anything over the hard cap). */
  | 'ABSURD_LENGTH'
  /** A link type not in the registry (the number is in the message and in `linkType`). */
  | 'UNKNOWN_LINK_TYPE'
  /** A packet block that names an interface its section has not described. */
  | 'BAD_INTERFACE_ID'
  /** A malformed option list, or a block body too short for its fixed fields or the lengths it claims. */
  | 'BAD_BLOCK'
  /** A packet block seen before any section header (cannot happen in a file that starts with an SHB). */
  | 'NO_SECTION'
  /** The operating system or a stream failed (read, write, open). */
  | 'IO'
  /** A writer was given something it cannot encode (a negative timestamp, an unknown interface, a long comment). */
  | 'BAD_ARGUMENT';

export interface PcapErrorPosition {
  /** 0-based number of the record the reader was on (records delivered before the failure). */
  recordIndex?: number;
  /** 0-based pcapng block number (counting every block, SHB included); undefined for classic pcap. */
  blockIndex?: number;
  /** File offset of the start of the failing header, record or block. */
  offset?: number;
  /** For UNKNOWN_LINK_TYPE: the number found. */
  linkType?: number;
}

export class PcapError extends Error {
  override readonly name = 'PcapError';
  readonly code: PcapErrorCode;
  readonly recordIndex: number | undefined;
  readonly blockIndex: number | undefined;
  readonly offset: number | undefined;
  readonly linkType: number | undefined;

  constructor(code: PcapErrorCode, detail: string, pos: PcapErrorPosition = {}, cause?: unknown) {
    super(`${code}: ${detail}${describePosition(pos)}`, cause === undefined ? undefined : { cause });
    this.code = code;
    this.recordIndex = pos.recordIndex;
    this.blockIndex = pos.blockIndex;
    this.offset = pos.offset;
    this.linkType = pos.linkType;
  }
}

function describePosition(pos: PcapErrorPosition): string {
  const parts: string[] = [];
  if (pos.blockIndex !== undefined) parts.push(`block #${pos.blockIndex}`);
  if (pos.recordIndex !== undefined) parts.push(`record #${pos.recordIndex}`);
  if (pos.offset !== undefined) parts.push(`offset ${pos.offset} (0x${pos.offset.toString(16)})`);
  return parts.length ? ` [${parts.join(', ')}]` : '';
}

/** Wraps an operating-system or stream error so that callers still see only PcapError. */
export function ioError(what: string, err: unknown, pos: PcapErrorPosition = {}): PcapError {
  if (err instanceof PcapError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return new PcapError('IO', `${what}: ${msg}`, pos, err);
}
