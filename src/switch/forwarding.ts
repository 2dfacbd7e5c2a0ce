/**
 * The switch's forwarding decision: which VLAN a frame belongs to on ingress, which ports it goes to, and how each
 * destination wants it tagged. Pure logic over frame bytes and the MAC table; the engine's vSwitch layers and the
 * ports sit around it.
 *
 * VLAN model (802.1Q, as Hyper-V's and Open vSwitch's ports do it):
 *  - access port, VLAN v: untagged frames belong to v; frames tagged v are accepted; other tags are dropped;
 *    frames leave untagged.
 *  - trunk port: tagged frames belong to their (outer) VLAN if allowed; untagged ones to the native VLAN, or are
 *    dropped when there is none; frames leave tagged except on the native VLAN.
 *  - the default port is a trunk allowing every VLAN with native VLAN 0, i.e. transparent: untagged stays untagged
 *    and tagged stays tagged, learned per VLAN.
 */
import { isGroupMacAt, macKeyAt } from './mac.js';
import type { MacTable } from './mac-table.js';

export type VlanPolicy =
  | { mode: 'access'; vlan: number }
  | { mode: 'trunk'; allowed: 'all' | ReadonlySet<number>; native: number | null };

export const TRANSPARENT_VLAN_POLICY: VlanPolicy = { mode: 'trunk', allowed: 'all', native: 0 };

/** VLAN number used for "untagged" in the transparent default; real VLAN ids are 1–4094. */
export const UNTAGGED_VLAN = 0;

const ETH_HEADER = 14;
const TPID_8021Q = 0x8100;
const TPID_8021AD = 0x88a8;

export const enum IngressDrop {
  None = 0,
  Runt = 1,
  VlanNotAllowed = 2,
  UntaggedNoNative = 3,
  GroupSource = 4,
}

export const INGRESS_DROP_NAMES = ['none', 'runt', 'vlan_not_allowed', 'untagged_no_native', 'group_source'] as const;

/** -1 means "send untagged"; otherwise the VLAN id to carry in the outer tag. */
export type EgressTag = number;

export interface ForwardingPort {
  id: number;
  vlan: VlanPolicy;
  up: boolean;
}

/** The outer tag's VLAN id, or -1 for an untagged frame. */
export function outerVlanId(buf: Uint8Array, off: number, len: number): number {
  if (len < ETH_HEADER) return -1;
  const type = (buf[off + 12]! << 8) | buf[off + 13]!;
  if ((type === TPID_8021Q || type === TPID_8021AD) && len >= ETH_HEADER + 4) {
    return ((buf[off + 14]! << 8) | buf[off + 15]!) & 0x0fff;
  }
  return -1;
}

function allows(policy: VlanPolicy, vlan: number): boolean {
  if (policy.mode === 'access') return policy.vlan === vlan;
  if (vlan === policy.native) return true;
  return policy.allowed === 'all' || policy.allowed.has(vlan);
}

export class ForwardingPlane {
  private readonly ports = new Map<number, ForwardingPort>();
  private portList: ForwardingPort[] = [];
  /** Result of the last `forward()`: destination port ids and their egress tags. Reused, never reallocated. */
  readonly dest: Int32Array;
  readonly destTag: Int32Array;
  destCount = 0;
  flooded = false;
  /** Result of the last `ingress()`. */
  vlan = 0;
  drop: IngressDrop = IngressDrop.None;

  constructor(
    readonly macs: MacTable,
    maxPorts = 256,
  ) {
    this.dest = new Int32Array(maxPorts);
    this.destTag = new Int32Array(maxPorts);
  }

  addPort(p: ForwardingPort): void {
    if (this.ports.has(p.id)) throw new Error(`switch port ${p.id} already exists`);
    if (this.ports.size >= this.dest.length) throw new Error(`switch is full (${this.dest.length} ports)`);
    this.ports.set(p.id, p);
    this.portList = [...this.ports.values()];
  }

  removePort(id: number): void {
    if (this.ports.delete(id)) {
      this.portList = [...this.ports.values()];
      this.macs.flushPort(id);
    }
  }

  port(id: number): ForwardingPort | undefined {
    return this.ports.get(id);
  }

  get allPorts(): readonly ForwardingPort[] {
    return this.portList;
  }

  /**
   * Assign the frame its VLAN (in `this.vlan`) and learn its source; false (with `this.drop` set) when the port's
   * VLAN policy refuses it.
   */
  ingress(portId: number, buf: Uint8Array, off: number, len: number): boolean {
    this.drop = IngressDrop.None;
    const port = this.ports.get(portId);
    if (!port || len < ETH_HEADER) {
      this.drop = IngressDrop.Runt;
      return false;
    }
    const tagged = outerVlanId(buf, off, len);
    let vlan: number;
    if (tagged < 0) {
      if (port.vlan.mode === 'access') vlan = port.vlan.vlan;
      else if (port.vlan.native === null) {
        this.drop = IngressDrop.UntaggedNoNative;
        return false;
      } else vlan = port.vlan.native;
    } else {
      vlan = tagged;
      if (!allows(port.vlan, vlan)) {
        this.drop = IngressDrop.VlanNotAllowed;
        return false;
      }
    }
    if (isGroupMacAt(buf, off + 6)) {
      // A group address as a source is invalid (IEEE 802); it must never be learned.
      this.drop = IngressDrop.GroupSource;
      return false;
    }
    this.vlan = vlan;
    this.macs.learn(vlan, macKeyAt(buf, off + 6), portId);
    return true;
  }

  /**
   * Destinations for a frame already admitted by `ingress()` (uses `this.vlan`): the learned port for a known
   * unicast destination, else every other up port carrying the VLAN (a flood). Fills dest/destTag/destCount.
   */
  forward(portId: number, buf: Uint8Array, off: number): void {
    const vlan = this.vlan;
    this.destCount = 0;
    this.flooded = false;
    if (!isGroupMacAt(buf, off)) {
      const to = this.macs.lookup(vlan, macKeyAt(buf, off));
      if (to >= 0) {
        // A destination behind the ingress port is filtered, as on any learning bridge (no hairpin).
        if (to !== portId) {
          const p = this.ports.get(to);
          if (p && p.up && allows(p.vlan, vlan)) this.push(p, vlan);
        }
        return;
      }
    }
    this.flooded = true;
    for (const p of this.portList) {
      if (p.id !== portId && p.up && allows(p.vlan, vlan)) this.push(p, vlan);
    }
  }

  private push(p: ForwardingPort, vlan: number): void {
    const i = this.destCount++;
    this.dest[i] = p.id;
    this.destTag[i] = egressTag(p.vlan, vlan);
  }
}

/** How a frame of `vlan` leaves a port with `policy`: untagged (-1) or tagged with a VLAN id. */
export function egressTag(policy: VlanPolicy, vlan: number): EgressTag {
  if (policy.mode === 'access') return -1;
  if (vlan === policy.native) return -1;
  return vlan;
}
