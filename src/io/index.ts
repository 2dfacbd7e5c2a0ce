/** Packet I/O for the bridge: TAP devices and AF_PACKET uplinks through the native addon, batched. */
export { loadAddon, findPackageRoot, type SystemError, type NativePort } from './addon.js';
export { FrameSlab, TxBatch, slotSizeFor, GSO_MAX_FRAME } from './slab.js';
export {
  IoPort,
  COUNTER_FIELDS,
  DEFAULT_MAX_BATCH,
  sumCounters,
  type BatchHandler,
  type PortCounters,
  type CounterName,
  type StartOptions,
  type PortKind,
} from './port.js';
export { TapPort, offloadBits, type TapOptions, type TapOffloads } from './tap.js';
export { UplinkPort, type UplinkOptions } from './packet-socket.js';
export * from './vnet.js';
export * as netif from './netif.js';
