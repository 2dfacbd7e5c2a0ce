/**
 * The one place that loads the native addon (native/build/Release/wfp_io.node) and describes its raw shape.
 *
 * The addon lives at a fixed place relative to the package root, while this module runs from src/ (vitest runs
 * the TypeScript), dist/ (compiled), .bench-build/ or a test's transpiled copy. So the root is found by walking up
 * from this file to the first directory holding both package.json and native/binding.gyp. Loading is lazy: merely
 * importing src/io does not need the addon to be built.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One fd: a TAP queue or an AF_PACKET socket. Methods map 1:1 onto native/src/port.cc. */
export interface NativePort {
  readonly fd: number;
  readonly closed: boolean;
  readonly started: boolean;
  readonly polling: boolean;
  start(
    slab: Uint8Array | ArrayBuffer,
    slotSize: number,
    lengths: Uint32Array,
    maxBatch: number,
    onBatch: (count: number) => void,
    onError?: (err: Error) => void,
  ): void;
  pause(): void;
  resume(): void;
  close(): void;
  /** Returns how many frames were handled (sent, or refused with a counted errno); fewer than count only on EAGAIN. */
  writeBatch(buffer: ArrayBufferView | ArrayBuffer, offsets: Uint32Array, lengths: Uint32Array, count: number): number;
  readCounters(out: Float64Array): void;
  errorCounts(): Record<string, number>;
  ref(): void;
  unref(): void;
  tunIoctl(request: 'TUNSETPERSIST' | 'TUNSETOWNER' | 'TUNSETGROUP', value: number): void;
}

export interface NativeTapOptions {
  name?: string;
  mode?: 'create' | 'attach' | 'any';
  queues?: number;
  multiQueue?: boolean;
  vnetHdrSize?: 0 | 10 | 12;
  /** TUN_F_* bits. */
  offloads?: number;
  persist?: boolean;
  owner?: number;
  group?: number;
}

export interface NativeTapResult {
  name: string;
  ifindex: number;
  /** IFF_* flags read back with TUNGETIFF. */
  flags: number;
  ports: NativePort[];
}

export interface NativePacketOptions {
  promisc?: boolean;
  ignoreOutgoing?: boolean;
  reinsertVlan?: boolean;
  vnetHdrSize?: 0 | 10 | 12;
  rcvBuf?: number;
  sndBuf?: number;
  qdiscBypass?: boolean;
}

export interface NativeAddon {
  openTap(options: NativeTapOptions): NativeTapResult;
  openPacket(ifname: string, options: NativePacketOptions): { ifindex: number; port: NativePort };
  ifIndex(name: string): number;
  setLinkUp(name: string, up: boolean): void;
  getFlags(name: string): number;
  getMtu(name: string): number;
  setMtu(name: string, mtu: number): void;
  getMac(name: string): Uint8Array;
  setMac(name: string, mac: Uint8Array): void;
  readonly counterFields: readonly string[];
}

/** Errors thrown by the addon for a failed system call. */
export interface SystemError extends Error {
  code: string;
  errno: number;
  syscall: string;
}

export const ADDON_FILE = 'wfp_io.node';

export function findPackageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'native', 'binding.gyp'))) return dir;
    if (dirname(dir) === dir) throw new Error(`wfp io: no package root (package.json + native/binding.gyp) above ${from}`);
  }
}

let cached: NativeAddon | undefined;

export function loadAddon(): NativeAddon {
  if (cached) return cached;
  const root = findPackageRoot();
  const candidates = ['Release', 'Debug'].map((d) => join(root, 'native', 'build', d, ADDON_FILE));
  const file = candidates.find((f) => existsSync(f));
  if (!file) {
    throw new Error(`wfp io: native addon not built (looked for ${candidates.join(', ')}); run \`npm install\``);
  }
  cached = createRequire(import.meta.url)(file) as NativeAddon;
  return cached;
}
