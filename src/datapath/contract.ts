/**
 * The datapath's public surface: what the bridge (src/bridge), the replay tool (src/replay) and built-in callouts
 * (src/callouts) rely on. The datapath (switch + emulated host stacks + pend/complete + the inject family) implements
 * it in src/datapath/datapath.ts; everything above imports these types, never the datapath's internals.
 *
 * Ownership of bytes: `receive` lends the frame for the duration of the call; the datapath copies whatever it keeps
 * (pended SYNs, referenced NBLs). `FrameSink.transmit` lends the outgoing frame the same way.
 */
import type { FilterEngine } from '../engine/engine.js';
import type { InjectCompleteFn, InjectionHandle } from '../engine/injection.js';
import type { NetBufferList } from '../engine/nbl.js';
import type { VlanPolicy } from '../switch/forwarding.js';
import type { Registry } from '../telemetry/metrics.js';
import type { Clock } from '../time/clock.js';
import type { NblApi } from '../fwp/nbl.js';
import type { FwpApi } from '../fwp/fwps.js';
import type { FWP_BYTE_BLOB } from '../engine/values.js';
import type { Ref } from '../fwp/types.js';

/** What a blocked AUTH_CONNECT looks like to the connecting host (bridge-mapping §3). */
export type BlockedConnectPolicy = 'reset' | 'icmp' | 'drop';

/** How outstanding pends are completed when the datapath shuts down (R80). */
export type PendShutdownAction = 'permit' | 'block';

export interface DatapathOptions {
  engine: FilterEngine;
  clock: Clock;
  /** Counters/gauges are registered here (frames/bytes per port and layer, drops by reason, pends, injections). */
  metrics?: Registry;
  /** Default 'reset'. */
  blockedConnect?: BlockedConnectPolicy;
  /** FWPS_METADATA_FIELD_COMPARTMENT_ID value; default 1. */
  compartmentId?: number;
  /** The vSwitch's GUID (16 bytes), stable across restarts when configured. */
  vswitchId?: Uint8Array;
  /** Upper bound on outstanding pends; FwpsPendOperation0 beyond it fails (documented status) and is counted. */
  maxOutstandingPends?: number;
  /** Upper bound on held/queued packets of any kind (pended SYNs, deferred injections): explicit overflow policy. */
  maxQueuedPackets?: number;
  /** Optional per-frame path tracing (replay reports, pcapng comments). Off on the hot path unless set. */
  tracer?: PathTracer | null;
  /** ALE timeouts in ms (defaults: UDP 60 000, TCP idle 7 200 000 (2 h), TCP linger after close 4 000, ICMP 60 000). */
  timeouts?: Partial<Record<'udpIdle' | 'tcpIdle' | 'tcpLinger' | 'icmpIdle', number>>;
}

export type PortKind = 'tap' | 'uplink' | 'offline';

export interface DatapathPortConfig {
  /** Unique, used in logs, traces, metrics labels and as the pcapng interface name. */
  name: string;
  kind: PortKind;
  /** An emulated WFP host stack sits behind the port (default: true for tap/offline, false for uplink). */
  stack?: boolean;
  /** INTERFACE_INDEX / SUB_INTERFACE_INDEX; default: 1-based order of addition. */
  interfaceIndex?: number;
  /** 802.1Q membership; default transparent trunk. */
  vlan?: VlanPolicy;
  /** The sink takes TCP/UDP GSO super-frames (virtio-net header offloads); else the datapath segments in software. */
  gso?: boolean;
  /** Largest frame the sink can take (without GSO); default 1514 + 4. */
  mtu?: number;
}

/** GSO metadata of a super-frame (virtio-net header semantics, see src/io/vnet.ts). */
export interface GsoInfo {
  gsoType: number;
  gsoSize: number;
  hdrLen: number;
  csumStart: number;
  csumOffset: number;
  /** VIRTIO_NET_HDR_F_NEEDS_CSUM */
  needsCsum: boolean;
}

export interface FrameSink {
  /** A frame leaves the port. Bytes valid only during the call. `gso` only when the port was configured with gso. */
  transmit(bytes: Uint8Array, off: number, len: number, gso: GsoInfo | null): void;
  /** End of a burst: write what was batched. */
  flush?(): void;
}

export interface DatapathPort {
  readonly index: number;
  readonly name: string;
  readonly config: Readonly<Required<Pick<DatapathPortConfig, 'name' | 'kind' | 'stack' | 'interfaceIndex'>>>;
}

/** One classify along a path. */
export interface PathStep {
  port: string;
  layerId: number;
  layerName: string;
  /** FWP_ACTION_* after arbitration; 0 when no filter matched. */
  actionType: number;
  absorb: boolean;
  /** The deciding filter's id, 0n when none. */
  filterId: bigint;
  /** The classify pended (FwpsPendOperation0 succeeded in it). */
  pended: boolean;
}

export type PathOrigin =
  | { kind: 'received'; port: string; tag: number }
  | { kind: 'injected'; fn: string; tag: number }
  | { kind: 'generated'; what: string; tag: number }
  | { kind: 'released'; what: string; tag: number };

export type PathOutcome = 'delivered' | 'blocked' | 'absorbed' | 'pended' | 'dropped';

/**
 * Path tracing. Paths do not nest: the datapath finishes one (begin … end) before it starts the next; a flood is
 * one path with several `emitted` calls. `tag` is the input frame number given to `receive` (or inherited by what
 * the datapath later does because of that frame: a released SYN, an injected clone), -1 when unknown.
 */
export interface PathTracer {
  begin(origin: PathOrigin): void;
  step(step: PathStep): void;
  emitted(port: DatapathPort, bytes: Uint8Array, off: number, len: number): void;
  end(outcome: PathOutcome, reason: string | null): void;
}

/** An outstanding pend, for `wfpctl show pends` and shutdown. */
export interface PendInfo {
  id: number;
  layerId: number;
  layerName: string;
  port: string;
  protocol: number;
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  direction: 'outbound' | 'inbound';
  sinceMs: number;
  calloutId: number;
}

export interface FlowInfo {
  flowHandle: bigint;
  port: string;
  protocol: number;
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  direction: 'outbound' | 'inbound';
  state: string;
  packets: number;
  bytes: number;
  ageMs: number;
}

export interface DatapathSnapshot {
  ports: { name: string; kind: PortKind; stack: boolean; interfaceIndex: number; rxFrames: number; txFrames: number; drops: number }[];
  flows: FlowInfo[];
  pends: PendInfo[];
  /** Drops by reason, layer classifications, injections by function and status … */
  counters: Record<string, number>;
}

/** FWPS_TRANSPORT_SEND_PARAMS0/1 */
export interface FWPS_TRANSPORT_SEND_PARAMS0 {
  /** Network byte order, 4 or 16 bytes (R64). */
  remoteAddress: Uint8Array;
  remoteScopeId?: number;
  controlData?: unknown;
  controlDataLength?: number;
  headerIncludeHeader?: Uint8Array | null;
  headerIncludeHeaderLength?: number;
}

/** The run-time functions that need a datapath: pend/complete and the inject family (WDK names and parameter order). */
export interface FwpsDatapathApi {
  FwpsPendOperation0(completionHandle: unknown, completionContext: Ref<unknown> | null): number;
  FwpsCompleteOperation0(completionContext: unknown, netBufferList: NetBufferList | null): void;

  FwpsInjectTransportSendAsync0(
    injectionHandle: InjectionHandle, injectionContext: unknown, endpointHandle: bigint, flags: number,
    sendArgs: FWPS_TRANSPORT_SEND_PARAMS0 | null, addressFamily: number, compartmentId: number,
    netBufferList: NetBufferList, completionFn: InjectCompleteFn | null, completionContext: unknown,
  ): number;
  FwpsInjectTransportReceiveAsync0(
    injectionHandle: InjectionHandle, injectionContext: unknown, reserved: unknown, flags: number,
    addressFamily: number, compartmentId: number, interfaceIndex: number, subInterfaceIndex: number,
    netBufferList: NetBufferList, completionFn: InjectCompleteFn | null, completionContext: unknown,
  ): number;
  FwpsInjectNetworkSendAsync0(
    injectionHandle: InjectionHandle, injectionContext: unknown, flags: number, compartmentId: number,
    netBufferList: NetBufferList, completionFn: InjectCompleteFn | null, completionContext: unknown,
  ): number;
  FwpsInjectNetworkReceiveAsync0(
    injectionHandle: InjectionHandle, injectionContext: unknown, flags: number, compartmentId: number,
    interfaceIndex: number, subInterfaceIndex: number,
    netBufferList: NetBufferList, completionFn: InjectCompleteFn | null, completionContext: unknown,
  ): number;
  FwpsInjectForwardAsync0(
    injectionHandle: InjectionHandle, injectionContext: unknown, flags: number, addressFamily: number,
    compartmentId: number, interfaceIndex: number,
    netBufferList: NetBufferList, completionFn: InjectCompleteFn | null, completionContext: unknown,
  ): number;
  FwpsInjectMacReceiveAsync0(
    injectionHandle: InjectionHandle, injectionContext: unknown, flags: number, layerId: number,
    interfaceIndex: number, ndisPortNumber: number,
    netBufferLists: NetBufferList, completionFn: InjectCompleteFn | null, completionContext: unknown,
  ): number;
  FwpsInjectMacSendAsync0(
    injectionHandle: InjectionHandle, injectionContext: unknown, flags: number, layerId: number,
    interfaceIndex: number, ndisPortNumber: number,
    netBufferLists: NetBufferList, completionFn: InjectCompleteFn | null, completionContext: unknown,
  ): number;
  FwpsInjectvSwitchEthernetIngressAsync0(
    injectionHandle: InjectionHandle, injectionContext: unknown, flags: number, reserved: unknown,
    vSwitchId: FWP_BYTE_BLOB, sourcePortId: number, sourceNicIndex: number,
    netBufferLists: NetBufferList, completionFn: InjectCompleteFn | null, completionContext: unknown,
  ): number;
  FwpsInjectvSwitchEthernetEgressAsync0(
    injectionHandle: InjectionHandle, injectionContext: unknown, flags: number, reserved: unknown,
    vSwitchId: FWP_BYTE_BLOB, sourcePortId: number, sourceNicIndex: number,
    netBufferLists: NetBufferList, completionFn: InjectCompleteFn | null, completionContext: unknown,
  ): number;
}

/** Everything a callout driver calls, bound to one datapath: Fwpm*, Fwps* (registration, flow contexts), NBLs, pend, inject. */
export type FwpFullApi = FwpApi & NblApi & FwpsDatapathApi;

export interface Datapath {
  readonly engine: FilterEngine;
  readonly clock: Clock;
  /** The C-shaped facade bound to this datapath (what callouts are written against). */
  readonly fwp: FwpFullApi;

  addPort(config: DatapathPortConfig, sink: FrameSink): DatapathPort;
  removePort(port: DatapathPort): void;
  readonly ports: readonly DatapathPort[];

  /**
   * A frame from the endpoint behind `port` (or from the wire of an uplink). Runs the whole path synchronously:
   * the port's outbound host layers, the switch, each destination's inbound host layers, `transmit` on the
   * destination sinks. `tag` identifies the input frame in traces (replay: the input frame number).
   */
  receive(port: DatapathPort, bytes: Uint8Array, off: number, len: number, tag?: number, gso?: GsoInfo | null): void;
  /** After a batch of `receive`s: deferred injections, completionFns, sink flushes. */
  endBatch(): void;

  /** "Stack ready" (R4, R13): off until started, off again once shutdown begins. */
  start(): void;
  /** Completes every outstanding pend with `pendAction` (R80), ends every flow (flowDeleteFn), drains injections. */
  shutdown(pendAction: PendShutdownAction): void;

  snapshot(): DatapathSnapshot;
}
