/**
 * TapPort: a TAP device opened through the addon (IFF_TAP | IFF_NO_PI, non-blocking, close-on-exec), with an
 * optional virtio-net header + offloads and optional multi-queue (one IoPort per queue).
 *
 *   const tap = TapPort.open({ name: 'wfp%d', vnetHdr: true, offloads: { csum: true, tso4: true } });
 *   tap.up();
 *   tap.start((count, rx, q) => { ... q.writeBatch(...) ... });
 *
 * Frames on a TAP with a virtio-net header carry it in front, received and sent (see vnet.ts). With TSO/USO
 * offloads the kernel hands 64 KiB super-frames, so default slots are sized for them.
 */
import { loadAddon } from './addon.js';
import * as netif from './netif.js';
import { IoPort, sumCounters, type BatchHandler, type PortCounters, type StartOptions } from './port.js';
import { TunOffload, VNET_HDR_LEN_V1 } from './vnet.js';

export interface TapOffloads {
  /** TUN_F_CSUM: we accept frames whose checksum is left to do (NEEDS_CSUM). Required by all the others. */
  csum?: boolean;
  tso4?: boolean;
  tso6?: boolean;
  tsoEcn?: boolean;
  uso4?: boolean;
  uso6?: boolean;
}

export interface TapOptions {
  /** Device name, or a pattern with %d for the kernel to number. Default 'wfp%d'. */
  name?: string;
  /** Queues (fds). More than 1 makes a multi-queue TAP (IFF_MULTI_QUEUE); the kernel spreads flows over them. */
  queues?: number;
  /** Force IFF_MULTI_QUEUE with one queue (to attach more later, or to match a persistent multi-queue TAP). */
  multiQueue?: boolean;
  /** virtio-net header on every frame: true = 12 bytes (virtio_net_hdr_v1), or 10 / 12. Default none. */
  vnetHdr?: boolean | 10 | 12;
  /** What the kernel may hand us unfinished (needs vnetHdr). */
  offloads?: TapOffloads;
  /** TUNSETPERSIST: keep the device after the last fd closes (true), or make a persistent one go away (false). */
  persist?: boolean;
  /** TUNSETOWNER / TUNSETGROUP: who else may attach. */
  owner?: number;
  group?: number;
}

export function offloadBits(o: TapOffloads | undefined): number {
  if (!o) return 0;
  let bits = 0;
  if (o.csum) bits |= TunOffload.CSUM;
  if (o.tso4) bits |= TunOffload.TSO4;
  if (o.tso6) bits |= TunOffload.TSO6;
  if (o.tsoEcn) bits |= TunOffload.TSO_ECN;
  if (o.uso4) bits |= TunOffload.USO4;
  if (o.uso6) bits |= TunOffload.USO6;
  // The kernel takes segmentation offloads only together with checksum offload.
  if (bits !== 0 && !(bits & TunOffload.CSUM)) throw new RangeError('TAP offloads other than csum need csum as well');
  return bits;
}

const GSO_BITS = TunOffload.TSO4 | TunOffload.TSO6 | TunOffload.USO4 | TunOffload.USO6;

export class TapPort {
  /** One per queue. */
  readonly queues: readonly IoPort[];

  private constructor(
    /** Kernel-assigned name (the pattern resolved). */
    readonly name: string,
    /** ifindex at open time, in the namespace it was opened in. */
    readonly ifindex: number,
    /** IFF_* flags as the kernel reports them (TUNGETIFF). */
    readonly flags: number,
    readonly vnetHdrSize: 0 | 10 | 12,
    /** TUN_F_* bits in force. */
    readonly offloads: number,
    queues: IoPort[],
  ) {
    this.queues = queues;
  }

  /** Creates a new TAP; fails with EBUSY if the name exists (attach() opens an existing one). */
  static open(opts: TapOptions = {}): TapPort {
    return TapPort.openMode('create', opts.name ?? 'wfp%d', opts);
  }

  /** Attaches to an existing (persistent) TAP; fails with ENODEV if there is none of that name. */
  static attach(name: string, opts: Omit<TapOptions, 'name'> = {}): TapPort {
    return TapPort.openMode('attach', name, opts);
  }

  private static openMode(mode: 'create' | 'attach', name: string, opts: TapOptions): TapPort {
    const vnetHdrSize = opts.vnetHdr === true ? VNET_HDR_LEN_V1 : opts.vnetHdr === false || opts.vnetHdr === undefined ? 0 : opts.vnetHdr;
    const offloads = offloadBits(opts.offloads);
    const r = loadAddon().openTap({
      name,
      mode,
      queues: opts.queues ?? 1,
      multiQueue: opts.multiQueue ?? (opts.queues ?? 1) > 1,
      vnetHdrSize,
      offloads,
      ...(opts.persist !== undefined ? { persist: opts.persist } : {}),
      ...(opts.owner !== undefined ? { owner: opts.owner } : {}),
      ...(opts.group !== undefined ? { group: opts.group } : {}),
    });
    const gso = (offloads & GSO_BITS) !== 0;
    const ports = r.ports.map((p, q) => new IoPort(p, 'tap', r.name, q, vnetHdrSize, gso));
    return new TapPort(r.name, r.ifindex, r.flags, vnetHdrSize, offloads, ports);
  }

  get closed(): boolean {
    return this.queues.every((q) => q.closed);
  }

  /**
   * Starts every queue, each with its own slab; `handler` gets the queue's IoPort, to reply on the same queue.
   * The default slot size comes from the MTU when the TAP is in this namespace (else opts.mtu, else 1500), or is
   * 64 KiB with GSO offloads.
   */
  start(handler: BatchHandler, opts: StartOptions = {}): void {
    let mtu = opts.mtu;
    if (mtu === undefined) {
      try {
        mtu = netif.getMtu(this.name);
      } catch {
        mtu = 1500; // moved to another namespace: the caller knows, and says so with opts.mtu
      }
    }
    if (opts.slab && this.queues.length > 1) throw new RangeError('TapPort.start: each queue needs its own slab; start queues one by one');
    for (const q of this.queues) q.start(handler, { ...opts, mtu });
  }

  pause(): void {
    for (const q of this.queues) q.pause();
  }

  resume(): void {
    for (const q of this.queues) q.resume();
  }

  /** Closes every queue. Idempotent, safe from inside the handler. A non-persistent TAP disappears. */
  close(): void {
    for (const q of this.queues) q.close();
  }

  /** writeBatch on queue 0; see IoPort.writeBatch. With several queues, write on the queue a flow came in on. */
  writeBatch(buffer: ArrayBufferView | ArrayBuffer, offsets: Uint32Array, lengths: Uint32Array, count?: number): number {
    return this.queues[0]!.writeBatch(buffer, offsets, lengths, count);
  }

  writeFrame(buffer: Uint8Array, offset?: number, length?: number): boolean {
    return this.queues[0]!.writeFrame(buffer, offset, length);
  }

  /** Counters summed over the queues (queues[i].counters() for one queue). */
  counters(): PortCounters {
    return sumCounters(this.queues.map((q) => q.counters()));
  }

  setPersist(on: boolean): void {
    this.queues[0]!.native.tunIoctl('TUNSETPERSIST', on ? 1 : 0);
  }

  setOwner(uid: number): void {
    this.queues[0]!.native.tunIoctl('TUNSETOWNER', uid);
  }

  setGroup(gid: number): void {
    this.queues[0]!.native.tunIoctl('TUNSETGROUP', gid);
  }

  // Link helpers: by ioctl, in this process's namespace (see netif.ts).
  up(): void {
    netif.setLinkUp(this.name, true);
  }

  down(): void {
    netif.setLinkUp(this.name, false);
  }

  get mtu(): number {
    return netif.getMtu(this.name);
  }

  setMtu(mtu: number): void {
    netif.setMtu(this.name, mtu);
  }

  get mac(): string {
    return netif.getMac(this.name);
  }

  setMac(mac: string | Uint8Array): void {
    netif.setMac(this.name, mac);
  }
}
