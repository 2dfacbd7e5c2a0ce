/**
 * What the classic and pcapng decoders share: options, statistics, and the strict/lenient error policy. A decoder
 * never reads I/O itself; it looks at a ByteWindow and either returns a record, or says how many bytes it needs, so
 * the same decoder runs under the synchronous fd reader and the asynchronous stream reader.
 */
import { PcapError } from './errors.js';
import type { CaptureInterface, PcapRecord } from './record.js';
import { DEFAULT_MAX_UNIT_BYTES, type ByteWindow } from './window.js';

export interface ReaderOptions {
  /**
   * Skip what can be skipped and count it (`stats`), instead of throwing. Framing damage the format cannot recover
   * from (a bad record length in classic pcap, a truncated tail) ends iteration early with `stats.stoppedBy` set.
   * A file whose header is unreadable throws in either mode: there is nothing to recover.
   */
  lenient?: boolean;
  /** Initial buffer size in bytes (default 256 KiB). The buffer grows only for a single larger record or block. */
  bufferSize?: number;
  /** Largest record (classic) or block (pcapng) accepted, in bytes; default and ceiling 256 MiB. */
  maxUnitBytes?: number;
  /** Accept link types outside the registry in linktype.ts (default: reject with UNKNOWN_LINK_TYPE). */
  allowUnknownLinkTypes?: boolean;
  /** How many skipped-error objects `stats.errors` keeps (the count is always exact); default 100. */
  maxKeptErrors?: number;
}

export interface ReaderStats {
  /** Records delivered. */
  records: number;
  /** pcapng blocks framed (every block type, SHB included); for classic pcap, records read. */
  blocks: number;
  /** Blocks of unknown, custom or uninterpreted types stepped over by their length (not errors). */
  ignoredBlocks: number;
  /** Records or blocks dropped in lenient mode because they were damaged. */
  skipped: number;
  /** Bytes stepped over while looking for the next valid pcapng block after framing damage (lenient). */
  resyncBytes: number;
  /** Errors met in lenient mode (exact count). */
  errorCount: number;
  /** The first `maxKeptErrors` of them. */
  errors: PcapError[];
  /** Lenient mode: the error that ended iteration early, if one did. */
  stoppedBy?: PcapError;
}

export interface ResolvedOptions {
  lenient: boolean;
  bufferSize: number;
  maxUnitBytes: number;
  allowUnknownLinkTypes: boolean;
  maxKeptErrors: number;
}

export function resolveOptions(o: ReaderOptions = {}): ResolvedOptions {
  const maxUnitBytes = Math.min(DEFAULT_MAX_UNIT_BYTES, Math.max(64, Math.floor(o.maxUnitBytes ?? DEFAULT_MAX_UNIT_BYTES)));
  return {
    lenient: o.lenient ?? false,
    bufferSize: Math.max(64, Math.min(maxUnitBytes, Math.floor(o.bufferSize ?? 256 * 1024))),
    maxUnitBytes,
    allowUnknownLinkTypes: o.allowUnknownLinkTypes ?? false,
    maxKeptErrors: Math.max(0, o.maxKeptErrors ?? 100),
  };
}

export abstract class Decoder {
  abstract readonly format: 'pcap' | 'pcapng';
  /** Bytes needed from `window.pos` before the next call can make progress. */
  need = 0;
  /** No more records. */
  done = false;
  readonly interfaces: CaptureInterface[] = [];
  readonly stats: ReaderStats = {
    records: 0,
    blocks: 0,
    ignoredBlocks: 0,
    skipped: 0,
    resyncBytes: 0,
    errorCount: 0,
    errors: [],
  };

  constructor(readonly opts: ResolvedOptions) {}

  /** Parses the file header. false: call again once `need` bytes are available (or the source ended). */
  abstract start(w: ByteWindow): boolean;
  /** The next record, or null: then either `done`, or call again once `need` bytes are available. */
  abstract step(w: ByteWindow): PcapRecord | null;

  /** Strict: throw. Lenient: count, and skip the unit (the caller has already stepped past it). */
  protected skip(err: PcapError): void {
    if (!this.opts.lenient) throw err;
    this.count(err);
    this.stats.skipped++;
  }

  /** Strict: throw. Lenient: count and end iteration (nothing after this point can be trusted or found). */
  protected stop(err: PcapError): null {
    if (!this.opts.lenient) throw err;
    this.count(err);
    this.stats.stoppedBy = err;
    this.done = true;
    return null;
  }

  protected count(err: PcapError): void {
    this.stats.errorCount++;
    if (this.stats.errors.length < this.opts.maxKeptErrors) this.stats.errors.push(err);
  }
}
