/**
 * The switch's forwarding database: (VLAN, MAC) → port, learned from source addresses, aged out, and bounded.
 *
 * Overflow policy (explicit, as every queue and table here): when the table is full, learning a new address evicts
 * the least recently refreshed entry and counts it (`evictions`). That keeps the switch learning under a MAC flood
 * (the hosts that talk keep their entries, since each frame refreshes them), where refusing to learn would turn all
 * new traffic into floods.
 */
import type { Clock } from '../time/clock.js';
import type { MacKey } from './mac.js';

export interface MacEntry {
  port: number;
  lastSeenMs: number;
}

export interface MacTableOptions {
  capacity: number;
  agingMs: number;
}

export const DEFAULT_MAC_TABLE: MacTableOptions = { capacity: 8192, agingMs: 300_000 };

/** Keyed per VLAN (independent VLAN learning, as 802.1Q bridges do): the same MAC may sit on two VLANs. */
export class MacTable {
  // One Map per VLAN: Map iteration order is insertion order, and a refresh re-inserts, so the first key is the
  // least recently refreshed: eviction is O(1).
  private readonly byVlan = new Map<number, Map<MacKey, MacEntry>>();
  private count = 0;
  evictions = 0;
  moves = 0;

  constructor(
    private readonly clock: Clock,
    readonly options: MacTableOptions = DEFAULT_MAC_TABLE,
  ) {}

  get size(): number {
    return this.count;
  }

  learn(vlan: number, mac: MacKey, port: number): void {
    const now = this.clock.nowMs();
    let table = this.byVlan.get(vlan);
    if (!table) {
      table = new Map();
      this.byVlan.set(vlan, table);
    }
    const e = table.get(mac);
    if (e) {
      if (e.port !== port) this.moves++;
      e.port = port;
      e.lastSeenMs = now;
      // Re-insert to keep recency order; cheap compared with a frame's trip through the engine.
      table.delete(mac);
      table.set(mac, e);
      return;
    }
    if (this.count >= this.options.capacity) this.evictOldest();
    table.set(mac, { port, lastSeenMs: now });
    this.count++;
  }

  /** The port for (vlan, mac), or -1 when unknown or aged out (an aged entry is removed on the way). */
  lookup(vlan: number, mac: MacKey): number {
    const table = this.byVlan.get(vlan);
    const e = table?.get(mac);
    if (!e) return -1;
    if (this.clock.nowMs() - e.lastSeenMs > this.options.agingMs) {
      table!.delete(mac);
      this.count--;
      return -1;
    }
    return e.port;
  }

  /** Forget every address behind a port (port removed or link down). */
  flushPort(port: number): number {
    let n = 0;
    for (const table of this.byVlan.values()) {
      for (const [mac, e] of table) {
        if (e.port === port) {
          table.delete(mac);
          n++;
        }
      }
    }
    this.count -= n;
    return n;
  }

  /** Drop aged entries; the bridge calls this from a timer so idle entries do not hold capacity. */
  expire(): number {
    const now = this.clock.nowMs();
    let n = 0;
    for (const table of this.byVlan.values()) {
      for (const [mac, e] of table) {
        if (now - e.lastSeenMs > this.options.agingMs) {
          table.delete(mac);
          n++;
        }
      }
    }
    this.count -= n;
    return n;
  }

  *entries(): IterableIterator<{ vlan: number; mac: MacKey; port: number; ageMs: number }> {
    const now = this.clock.nowMs();
    for (const [vlan, table] of this.byVlan) {
      for (const [mac, e] of table) yield { vlan, mac, port: e.port, ageMs: now - e.lastSeenMs };
    }
  }

  private evictOldest(): void {
    // The globally oldest entry is the oldest among each VLAN's first entry.
    let victimVlan = -1;
    let victimMac = 0;
    let oldest = Infinity;
    for (const [vlan, table] of this.byVlan) {
      const first = table.entries().next();
      if (!first.done && first.value[1].lastSeenMs < oldest) {
        oldest = first.value[1].lastSeenMs;
        victimVlan = vlan;
        victimMac = first.value[0];
      }
    }
    if (victimVlan < 0) return;
    this.byVlan.get(victimVlan)!.delete(victimMac);
    this.count--;
    this.evictions++;
  }
}
