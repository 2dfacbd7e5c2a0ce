/**
 * IoPort: the TypeScript face of one native port (a TAP queue or an AF_PACKET socket). TapPort and UplinkPort
 * build on it; the bridge's hot path talks to IoPorts directly.
 *
 * Receive is push-based and batched: start(handler) gives the port a FrameSlab, and the addon calls
 * handler(count, slab, port) once per readiness wake-up with up to maxBatch frames. Send is writeBatch() straight
 * from any buffer. Nothing on either path allocates per frame.
 */
import { loadAddon, type NativePort } from './addon.js';
import { FrameSlab, slotSizeFor } from './slab.js';

/** Order and names of the native counters (native/src/port.h); checked against the addon when it loads. */
export const COUNTER_FIELDS = [
  'rxFrames',
  'rxBytes',
  'rxBatches',
  'rxTruncated',
  'rxErrors',
  'rxVlanReinserted',
  'rxCsumNotReady',
  'rxOutgoingSkipped',
  'rxKernelDrops',
  'txFrames',
  'txBytes',
  'txBatches',
  'txEagain',
  'txErrors',
] as const;

export type CounterName = (typeof COUNTER_FIELDS)[number];

const TX_FRAMES = COUNTER_FIELDS.indexOf('txFrames');

export type PortCounters = Record<CounterName, number> & {
  /** Failed reads/writes by errno name ({ EIO: 3 }); EAGAIN and EINTR are never errors. */
  errors: Record<string, number>;
};

/**
 * Called once per received batch. Frames are in `rx` slots 0..count-1 (rx.frameOffset(i), rx.frameLength(i));
 * the slots are the handler's until it returns, so copy or send what must outlive the call.
 */
export type BatchHandler = (count: number, rx: FrameSlab, port: IoPort) => void;

export interface StartOptions {
  /** Frames per batch (and slots in the slab). Default 64. */
  maxBatch?: number;
  /** Bytes per slot. Default: enough for the port's MTU, or for 64 KiB GSO frames when offloads are on. */
  slotSize?: number;
  /** Bring your own slab (e.g. a shared one); must have at least maxBatch slots. */
  slab?: FrameSlab;
  /** Link MTU used for the default slot size when the port cannot find it out itself. */
  mtu?: number;
  /** A fatal receive error (the TAP was deleted, the slab was detached): the port has stopped polling. */
  onError?: (err: Error, port: IoPort) => void;
}

export const DEFAULT_MAX_BATCH = 64;

let checkedLayout = false;

function checkCounterLayout(native: readonly string[]): void {
  if (checkedLayout) return;
  if (native.length !== COUNTER_FIELDS.length || native.some((n, i) => n !== COUNTER_FIELDS[i])) {
    throw new Error(`wfp io: addon counters [${native.join(', ')}] do not match src/io/port.ts; rebuild (npm install)`);
  }
  checkedLayout = true;
}

export type PortKind = 'tap' | 'packet';

export class IoPort {
  /** The receive slab while started. */
  rx: FrameSlab | null = null;
  /** The last fatal receive error, if any. */
  lastError: Error | null = null;
  private readonly counterScratch = new Float64Array(COUNTER_FIELDS.length);
  // writeFrame's one-element batch, allocated once.
  private readonly oneOffset = new Uint32Array(1);
  private readonly oneLength = new Uint32Array(1);

  constructor(
    /** The addon's object; use it directly only where a wrapper method would cost too much. */
    readonly native: NativePort,
    readonly kind: PortKind,
    /** Interface name. */
    readonly name: string,
    /** Queue index (TAP multi-queue), 0 otherwise. */
    readonly queue: number,
    /** virtio-net header bytes in front of every frame, received and sent: 0, 10 or 12. */
    readonly vnetHdrSize: number,
    /** Whether GSO super-frames (up to 64 KiB) can arrive: sizes the default slots. */
    readonly gso: boolean,
    /** MTU to size default slots by, when known. */
    private readonly mtuHint?: number,
  ) {
    checkCounterLayout(loadAddon().counterFields);
  }

  get closed(): boolean {
    return this.native.closed;
  }

  get started(): boolean {
    return this.native.started;
  }

  /** Started and not paused. */
  get polling(): boolean {
    return this.native.polling;
  }

  get fd(): number {
    return this.native.fd;
  }

  /** Starts receiving: allocates (or takes) the slab once and registers the handler. Returns the slab. */
  start(handler: BatchHandler, opts: StartOptions = {}): FrameSlab {
    const maxBatch = opts.maxBatch ?? opts.slab?.slots ?? DEFAULT_MAX_BATCH;
    const slotSize =
      opts.slab?.slotSize ??
      opts.slotSize ??
      slotSizeFor({ mtu: opts.mtu ?? this.mtuHint, vnetHdrSize: this.vnetHdrSize, gso: this.gso });
    const slab = opts.slab ?? new FrameSlab(maxBatch, slotSize, this.vnetHdrSize);
    if (slab.slots < maxBatch) throw new RangeError(`start: slab has ${slab.slots} slots, maxBatch is ${maxBatch}`);
    if (slab.headroom !== this.vnetHdrSize) {
      throw new RangeError(`start: slab headroom ${slab.headroom} != the port's virtio-net header size ${this.vnetHdrSize}`);
    }
    const onError = opts.onError;
    this.native.start(
      slab.bytes,
      slab.slotSize,
      slab.lengths,
      maxBatch,
      (count: number) => handler(count, slab, this),
      (err: Error) => {
        this.lastError = err;
        if (onError) onError(err, this);
        else process.emitWarning(`wfp io: ${this.kind} port ${this.name}[${this.queue}] stopped: ${err.message}`);
      },
    );
    this.rx = slab;
    return slab;
  }

  /** Stops reading (frames queue up in the kernel, then drop there) until resume(). */
  pause(): void {
    this.native.pause();
  }

  resume(): void {
    this.native.resume();
  }

  /** Stops polling, then closes the fd. Idempotent; safe inside the batch handler. */
  close(): void {
    this.native.close();
    this.rx = null;
  }

  /**
   * Sends frames `buffer[offsets[i] .. offsets[i] + lengths[i])` for i < count, each starting with a virtio-net
   * header when the port has one. Returns how many were handled: sent, or refused with an errno that is counted
   * (counters().errors) and skipped. A return below `count` means the kernel said EAGAIN: the rest were not sent
   * (counted as txEagain) — retry them later or drop them. Throws only for bad arguments or a closed port.
   */
  writeBatch(buffer: ArrayBufferView | ArrayBuffer, offsets: Uint32Array, lengths: Uint32Array, count = Math.min(offsets.length, lengths.length)): number {
    return this.native.writeBatch(buffer, offsets, lengths, count);
  }

  /** One frame (tests, control traffic); true if the kernel took it. The hot path should use writeBatch. */
  writeFrame(buffer: Uint8Array, offset = 0, length = buffer.length - offset): boolean {
    const before = this.readCounters()[TX_FRAMES]!;
    this.oneOffset[0] = offset;
    this.oneLength[0] = length;
    this.native.writeBatch(buffer, this.oneOffset, this.oneLength, 1);
    return this.readCounters()[TX_FRAMES]! > before;
  }

  /** Fills `into` (COUNTER_FIELDS order) without allocating: for frequent polling of the numbers. */
  readCounters(into: Float64Array = this.counterScratch): Float64Array {
    this.native.readCounters(into);
    return into;
  }

  counters(): PortCounters {
    const raw = this.readCounters();
    const out = { errors: this.native.errorCounts() } as PortCounters;
    for (let i = 0; i < COUNTER_FIELDS.length; i++) out[COUNTER_FIELDS[i]!] = raw[i]!;
    return out;
  }

  /** Whether a started port keeps the event loop (process or Worker) alive; like a socket, it does by default. */
  ref(): void {
    this.native.ref();
  }

  unref(): void {
    this.native.unref();
  }
}

/** Sums counters over several ports (the queues of one TAP). */
export function sumCounters(all: readonly PortCounters[]): PortCounters {
  const out = { errors: {} } as PortCounters;
  for (const name of COUNTER_FIELDS) out[name] = 0;
  for (const c of all) {
    for (const name of COUNTER_FIELDS) out[name] += c[name];
    for (const [k, v] of Object.entries(c.errors)) out.errors[k] = (out.errors[k] ?? 0) + v;
  }
  return out;
}
