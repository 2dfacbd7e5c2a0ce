/**
 * Packet codecs: typed views over byte buffers (re-pointable, allocation-free), reprs with symmetric
 * parse/emit, checksums, the frame dissector the engine reads, and frame builders.
 */
export * from './bytes.js';
export * from './errors.js';
export * from './checksum.js';
export * from './ip-proto.js';
export * from './mac.js';
export * from './ip-addr.js';
export * from './view.js';
export * from './vlan.js';
export * from './ethernet.js';
export * from './arp.js';
export * from './ipv4.js';
export * from './ipv6.js';
export * from './ipv6-ext.js';
export * from './tcp.js';
export * from './udp.js';
export * from './icmp.js';
export * from './icmpv4.js';
export * from './icmpv6.js';
export * from './ndp.js';
export * from './icmp-inner.js';
export * from './frame.js';
export * from './frame-checksum.js';
export * from './rewrite.js';
export * from './build.js';
