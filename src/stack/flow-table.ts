/**
 * One emulated host's ALE flow table (spec §1.8, bridge-mapping §3): the connections and datagram associations its
 * ALE layers authorized, so that their later packets skip ALE (ALE stateful filtering) until a reauthorization.
 *
 * Keys are seen from the host: (protocol, local address, local port, remote address, remote port); an ICMP echo
 * flow uses the echo identifier as its local port and 0 as its remote port. Lookups hash and compare the frame's
 * bytes in place, so the per-packet path allocates nothing; only creating a flow allocates.
 *
 * Lifetimes [emu, bridge-mapping §3]: TCP from the authorized SYN until both FINs or a RST, then a short linger (so a
 * late ACK or retransmitted FIN does not look like a new connection), or an idle timeout; UDP and ICMP echo after
 * 60 s idle. The table is bounded: when full, creating a flow first evicts the least recently seen one (counted) —
 * refusing would make every new connection fail while stale ones linger.
 */
import { FWP_DIRECTION_INBOUND, FWP_DIRECTION_OUTBOUND, type FWP_DIRECTION } from '../engine/constants.js';
import type { Clock, Timer } from '../time/clock.js';

export const enum TcpFlowState {
  /** Not TCP. */
  None = 0,
  /** Client side: SYN authorized and sent; waiting for the SYN-ACK. */
  SynSent = 1,
  /** Server side: SYN authorized and delivered; waiting for the SYN-ACK to go out. */
  SynReceived = 2,
  /** The SYN-ACK crossed; the next ACK from the initiator completes the handshake (R78). */
  SynAckSeen = 3,
  Established = 4,
  /** One side sent FIN. */
  Closing = 5,
  /** Both FINs seen, or a RST: lingering before deletion. */
  Closed = 6,
}

export type FlowDeleteReason = 'idle' | 'closed' | 'reset' | 'evicted' | 'shutdown' | 'blocked';

const TCP = 6;

export class AleFlow {
  /** FWPS_METADATA_FIELD_FLOW_HANDLE value: unique for the engine's lifetime. */
  readonly handle: bigint;
  readonly family: 4 | 6;
  readonly proto: number;
  readonly localV4: number;
  readonly remoteV4: number;
  /** 16 bytes each for IPv6 flows; empty for IPv4. */
  readonly localV6: Uint8Array;
  readonly remoteV6: Uint8Array;
  readonly localPort: number;
  readonly remotePort: number;
  /** Who opened it: OUTBOUND when this host initiated (authorized at AUTH_CONNECT), INBOUND otherwise. */
  readonly direction: FWP_DIRECTION;
  readonly hash: number;
  tcp: TcpFlowState;
  readonly createdMs: number;
  lastSeenMs: number;
  /** FLOW_ESTABLISHED has been indicated for this flow on this host. */
  establishedIndicated = false;
  /** The ALE policy generation it was last authorized under; behind the current one means reauthorize (R29). */
  policyGeneration: number;
  finFromLocal = false;
  finFromRemote = false;
  deleted = false;
  /** Bookkeeping the host stack hangs on a flow (pended operations, counters). */
  stackData: unknown = null;
  lingerTimer: Timer | null = null;

  constructor(init: {
    handle: bigint;
    family: 4 | 6;
    proto: number;
    localV4: number;
    remoteV4: number;
    localV6: Uint8Array;
    remoteV6: Uint8Array;
    localPort: number;
    remotePort: number;
    direction: FWP_DIRECTION;
    hash: number;
    nowMs: number;
    policyGeneration: number;
  }) {
    this.handle = init.handle;
    this.family = init.family;
    this.proto = init.proto;
    this.localV4 = init.localV4;
    this.remoteV4 = init.remoteV4;
    this.localV6 = init.localV6;
    this.remoteV6 = init.remoteV6;
    this.localPort = init.localPort;
    this.remotePort = init.remotePort;
    this.direction = init.direction;
    this.hash = init.hash;
    this.tcp = init.proto === TCP ? (init.direction === FWP_DIRECTION_OUTBOUND ? TcpFlowState.SynSent : TcpFlowState.SynReceived) : TcpFlowState.None;
    this.createdMs = init.nowMs;
    this.lastSeenMs = init.nowMs;
    this.policyGeneration = init.policyGeneration;
  }
}

/** Where a flow's key lies in a frame, as the host sees it. Filled by the caller, reused across packets. */
export class FlowKeyRef {
  family: 4 | 6 = 4;
  proto = 0;
  localV4 = 0;
  remoteV4 = 0;
  /** Buffer and offsets of the IPv6 addresses (unused for IPv4). */
  buf: Uint8Array = new Uint8Array(0);
  localOff = 0;
  remoteOff = 0;
  localPort = 0;
  remotePort = 0;
}

export interface FlowTableOptions {
  maxFlows: number;
  udpIdleMs: number;
  icmpIdleMs: number;
  /** A TCP flow with no packets for this long is dropped (the endpoints' keepalives would refresh it). */
  tcpIdleMs: number;
  /** How long a closed TCP flow lingers. */
  tcpLingerMs: number;
}

export const DEFAULT_FLOW_TABLE: FlowTableOptions = {
  maxFlows: 65_536,
  udpIdleMs: 60_000,
  icmpIdleMs: 60_000,
  tcpIdleMs: 2 * 3600_000,
  tcpLingerMs: 2_000,
};

function mix(h: number, v: number): number {
  h = Math.imul(h ^ v, 0x9e3779b1);
  return (h ^ (h >>> 15)) | 0;
}

function hashBytes(h: number, buf: Uint8Array, off: number): number {
  for (let i = 0; i < 16; i += 4) {
    h = mix(h, (buf[off + i]! << 24) | (buf[off + i + 1]! << 16) | (buf[off + i + 2]! << 8) | buf[off + i + 3]!);
  }
  return h;
}

function sameBytes(a: Uint8Array, b: Uint8Array, bOff: number): boolean {
  for (let i = 0; i < 16; i++) if (a[i] !== b[bOff + i]) return false;
  return true;
}

export class FlowTable {
  private readonly buckets = new Map<number, AleFlow[]>();
  /** Insertion order = creation order; used to find eviction victims and for listings. */
  private readonly all = new Set<AleFlow>();
  private nextHandle: bigint;
  private sweepTimer: Timer | null = null;
  created = 0;
  deleted = 0;
  evictions = 0;

  constructor(
    private readonly clock: Clock,
    private readonly onDelete: (flow: AleFlow, reason: FlowDeleteReason) => void,
    readonly options: FlowTableOptions = DEFAULT_FLOW_TABLE,
    /** Lets several hosts share one handle space, as flows in one engine must. */
    private readonly allocateHandle?: () => bigint,
  ) {
    this.nextHandle = 1n;
  }

  get size(): number {
    return this.all.size;
  }

  flows(): IterableIterator<AleFlow> {
    return this.all.values();
  }

  static hashKey(k: FlowKeyRef): number {
    let h = mix(0x811c9dc5, (k.family << 8) | k.proto);
    if (k.family === 4) {
      h = mix(h, k.localV4);
      h = mix(h, k.remoteV4);
    } else {
      h = hashBytes(h, k.buf, k.localOff);
      h = hashBytes(h, k.buf, k.remoteOff);
    }
    return mix(h, (k.localPort << 16) | k.remotePort);
  }

  lookup(k: FlowKeyRef): AleFlow | null {
    const bucket = this.buckets.get(FlowTable.hashKey(k));
    if (!bucket) return null;
    for (let i = 0; i < bucket.length; i++) {
      const f = bucket[i]!;
      if (f.proto !== k.proto || f.family !== k.family || f.localPort !== k.localPort || f.remotePort !== k.remotePort) continue;
      if (k.family === 4) {
        if (f.localV4 === k.localV4 && f.remoteV4 === k.remoteV4) return f;
      } else if (sameBytes(f.localV6, k.buf, k.localOff) && sameBytes(f.remoteV6, k.buf, k.remoteOff)) {
        return f;
      }
    }
    return null;
  }

  create(k: FlowKeyRef, direction: FWP_DIRECTION, policyGeneration: number): AleFlow {
    if (this.all.size >= this.options.maxFlows) this.evictOldest();
    const hash = FlowTable.hashKey(k);
    const v6 = k.family === 6;
    const flow = new AleFlow({
      handle: this.allocateHandle ? this.allocateHandle() : this.nextHandle++,
      family: k.family,
      proto: k.proto,
      localV4: v6 ? 0 : k.localV4,
      remoteV4: v6 ? 0 : k.remoteV4,
      localV6: v6 ? k.buf.slice(k.localOff, k.localOff + 16) : new Uint8Array(0),
      remoteV6: v6 ? k.buf.slice(k.remoteOff, k.remoteOff + 16) : new Uint8Array(0),
      localPort: k.localPort,
      remotePort: k.remotePort,
      direction,
      hash,
      nowMs: this.clock.nowMs(),
      policyGeneration,
    });
    let bucket = this.buckets.get(hash);
    if (!bucket) {
      bucket = [];
      this.buckets.set(hash, bucket);
    }
    bucket.push(flow);
    this.all.add(flow);
    this.created++;
    this.ensureSweeping();
    return flow;
  }

  touch(flow: AleFlow): void {
    flow.lastSeenMs = this.clock.nowMs();
  }

  /**
   * Track the TCP state of a segment of `flow` (`fromLocal`: sent by this host). Returns true exactly once per flow:
   * for the segment that completes the handshake, the initiator's first ACK after the SYN-ACK (R78).
   */
  observeTcp(flow: AleFlow, flags: number, fromLocal: boolean): boolean {
    const SYN = 0x02;
    const ACK = 0x10;
    const FIN = 0x01;
    const RST = 0x04;
    flow.lastSeenMs = this.clock.nowMs();
    if (flags & RST) {
      this.close(flow, 'reset');
      return false;
    }
    const initiatorIsLocal = flow.direction === FWP_DIRECTION_OUTBOUND;
    let completes = false;
    switch (flow.tcp) {
      case TcpFlowState.SynSent:
      case TcpFlowState.SynReceived:
        // The SYN-ACK comes from the responder.
        if (flags & SYN && flags & ACK && fromLocal !== initiatorIsLocal) flow.tcp = TcpFlowState.SynAckSeen;
        break;
      case TcpFlowState.SynAckSeen:
        if (!(flags & SYN) && flags & ACK && fromLocal === initiatorIsLocal) {
          flow.tcp = TcpFlowState.Established;
          completes = true;
        }
        break;
      default:
        break;
    }
    if (flags & FIN) {
      if (fromLocal) flow.finFromLocal = true;
      else flow.finFromRemote = true;
      if (flow.tcp !== TcpFlowState.Closed) flow.tcp = TcpFlowState.Closing;
    }
    if (flow.finFromLocal && flow.finFromRemote && flow.tcp !== TcpFlowState.Closed) this.close(flow, 'closed');
    return completes;
  }

  /** TCP end: keep the flow for the linger time, then delete it. */
  close(flow: AleFlow, reason: FlowDeleteReason): void {
    if (flow.deleted || flow.tcp === TcpFlowState.Closed) return;
    flow.tcp = TcpFlowState.Closed;
    flow.lingerTimer = this.clock.setTimer(this.options.tcpLingerMs, () => this.delete(flow, reason));
  }

  delete(flow: AleFlow, reason: FlowDeleteReason): void {
    if (flow.deleted) return;
    flow.deleted = true;
    flow.lingerTimer?.cancel();
    flow.lingerTimer = null;
    const bucket = this.buckets.get(flow.hash);
    if (bucket) {
      const i = bucket.indexOf(flow);
      if (i >= 0) bucket.splice(i, 1);
      if (bucket.length === 0) this.buckets.delete(flow.hash);
    }
    this.all.delete(flow);
    this.deleted++;
    this.onDelete(flow, reason);
    if (this.all.size === 0) this.stopSweeping();
  }

  /** Delete idle flows; runs from a periodic timer while the table is not empty. */
  sweep(): number {
    const now = this.clock.nowMs();
    const o = this.options;
    const victims: AleFlow[] = [];
    for (const f of this.all) {
      const idle = now - f.lastSeenMs;
      const limit = f.proto === TCP ? o.tcpIdleMs : f.proto === 1 || f.proto === 58 ? o.icmpIdleMs : o.udpIdleMs;
      if (idle >= limit && f.tcp !== TcpFlowState.Closed) victims.push(f);
    }
    for (const f of victims) this.delete(f, 'idle');
    return victims.length;
  }

  /** Delete everything (engine shutdown): flowDeleteFn still runs once per flow context. */
  clear(reason: FlowDeleteReason = 'shutdown'): void {
    for (const f of [...this.all]) this.delete(f, reason);
    this.stopSweeping();
  }

  private evictOldest(): void {
    let victim: AleFlow | null = null;
    for (const f of this.all) if (!victim || f.lastSeenMs < victim.lastSeenMs) victim = f;
    if (victim) {
      this.evictions++;
      this.delete(victim, 'evicted');
    }
  }

  private ensureSweeping(): void {
    if (this.sweepTimer) return;
    // Sweeping at a quarter of the shortest idle time keeps expiry within 25% of its nominal value.
    const period = Math.max(250, Math.min(this.options.udpIdleMs, this.options.icmpIdleMs, this.options.tcpIdleMs) / 4);
    const tick = (): void => {
      this.sweepTimer = null;
      this.sweep();
      if (this.all.size > 0) this.sweepTimer = this.clock.setTimer(period, tick);
    };
    this.sweepTimer = this.clock.setTimer(period, tick);
  }

  private stopSweeping(): void {
    this.sweepTimer?.cancel();
    this.sweepTimer = null;
  }
}

export { FWP_DIRECTION_INBOUND, FWP_DIRECTION_OUTBOUND };
