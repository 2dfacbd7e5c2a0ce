/**
 * Link configuration by ioctl through the addon (no `ip` process): bring a link up or down, MTU, MAC, ifindex.
 * Acts in this process's network namespace; a TAP moved into another namespace is configured there (ip netns
 * exec ... ip link ...), not from here.
 */
import { loadAddon } from './addon.js';

const IFF_UP = 0x1;
const IFF_RUNNING = 0x40;
const IFF_PROMISC = 0x100;

export function ifIndex(name: string): number {
  return loadAddon().ifIndex(name);
}

export function setLinkUp(name: string, up = true): void {
  loadAddon().setLinkUp(name, up);
}

export interface LinkFlags {
  up: boolean;
  /** Carrier: for a TAP, whether some fd is attached. */
  running: boolean;
  /** IFF_PROMISC as set by an administrator (`ip link set promisc on`); packet-socket memberships do not show here. */
  promisc: boolean;
  raw: number;
}

export function linkFlags(name: string): LinkFlags {
  const raw = loadAddon().getFlags(name);
  return { up: (raw & IFF_UP) !== 0, running: (raw & IFF_RUNNING) !== 0, promisc: (raw & IFF_PROMISC) !== 0, raw };
}

export function getMtu(name: string): number {
  return loadAddon().getMtu(name);
}

export function setMtu(name: string, mtu: number): void {
  loadAddon().setMtu(name, mtu);
}

export function getMac(name: string): string {
  return formatMac(loadAddon().getMac(name));
}

export function setMac(name: string, mac: string | Uint8Array): void {
  loadAddon().setMac(name, typeof mac === 'string' ? parseMac(mac) : mac);
}

export function parseMac(text: string): Uint8Array {
  const parts = text.split(/[:-]/);
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p))) throw new TypeError(`not a MAC address: ${text}`);
  return Uint8Array.from(parts.map((p) => parseInt(p, 16)));
}

export function formatMac(mac: Uint8Array, offset = 0): string {
  const out: string[] = [];
  for (let i = 0; i < 6; i++) out.push(mac[offset + i]!.toString(16).padStart(2, '0'));
  return out.join(':');
}
