import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/time/clock.js';
import { MacTable } from '../../src/switch/mac-table.js';
import { macKeyFromString, macKeyToString } from '../../src/switch/mac.js';
import { ForwardingPlane, IngressDrop, TRANSPARENT_VLAN_POLICY } from '../../src/switch/forwarding.js';
import { needsRetag, writeRetagged } from '../../src/switch/vlan-tag.js';

function mac(s: string): number[] {
  return s.split(':').map((h) => parseInt(h, 16));
}

function frame(dst: string, src: string, vlan?: number, pcp = 0): Uint8Array {
  const tag = vlan === undefined ? [] : [0x81, 0x00, (pcp << 5) | (vlan >> 8), vlan & 0xff];
  return new Uint8Array([...mac(dst), ...mac(src), ...tag, 0x08, 0x00, ...new Array(46).fill(0xab)]);
}

const A = '02:00:00:00:00:0a';
const B = '02:00:00:00:00:0b';
const C = '02:00:00:00:00:0c';
const BCAST = 'ff:ff:ff:ff:ff:ff';

function plane(clock = new VirtualClock(), capacity = 100, agingMs = 1000) {
  const macs = new MacTable(clock, { capacity, agingMs });
  const p = new ForwardingPlane(macs, 8);
  for (const id of [1, 2, 3]) p.addPort({ id, vlan: TRANSPARENT_VLAN_POLICY, up: true });
  return { p, macs, clock };
}

function send(p: ForwardingPlane, port: number, f: Uint8Array): number[] {
  if (!p.ingress(port, f, 0, f.length)) return [];
  p.forward(port, f, 0);
  return Array.from(p.dest.subarray(0, p.destCount));
}

describe('switch forwarding', () => {
  it('floods unknown unicast and broadcast to every other port, then forwards learned unicast to one port', () => {
    const { p } = plane();
    expect(send(p, 1, frame(B, A))).toEqual([2, 3]);
    expect(p.flooded).toBe(true);
    expect(send(p, 2, frame(BCAST, B))).toEqual([1, 3]);
    expect(send(p, 2, frame(A, B))).toEqual([1]);
    expect(p.flooded).toBe(false);
    expect(send(p, 1, frame(B, A))).toEqual([2]);
  });

  it('filters a frame whose destination sits behind its ingress port', () => {
    const { p } = plane();
    send(p, 1, frame(BCAST, A));
    send(p, 1, frame(BCAST, C)); // A and C both behind port 1
    expect(send(p, 1, frame(C, A))).toEqual([]);
    expect(p.flooded).toBe(false);
  });

  it('ages entries out, so the destination is flooded again', () => {
    const { p, clock } = plane(new VirtualClock(), 100, 1000);
    send(p, 2, frame(BCAST, B));
    clock.advanceTo(999);
    expect(send(p, 1, frame(B, A))).toEqual([2]);
    clock.advanceTo(999 + 1001);
    expect(send(p, 3, frame(B, C))).toEqual([1, 2]);
  });

  it('moves a MAC that appears on another port, and flushes a removed port', () => {
    const { p, macs } = plane();
    send(p, 2, frame(BCAST, B));
    send(p, 3, frame(BCAST, B));
    expect(macs.moves).toBe(1);
    expect(send(p, 1, frame(B, A))).toEqual([3]);
    p.removePort(3);
    expect(send(p, 1, frame(B, A))).toEqual([2]);
  });

  it('bounds the table and evicts the least recently refreshed entry when full', () => {
    const { p, macs } = plane(new VirtualClock(), 2);
    send(p, 1, frame(BCAST, A));
    send(p, 2, frame(BCAST, B));
    send(p, 1, frame(BCAST, A)); // refresh A: B is now the oldest
    send(p, 3, frame(BCAST, C));
    expect(macs.size).toBe(2);
    expect(macs.evictions).toBe(1);
    const learned = [...macs.entries()].map((e) => macKeyToString(e.mac)).sort();
    expect(learned).toEqual([A, C]);
    expect(macs.lookup(0, macKeyFromString(B))).toBe(-1);
  });

  it('never learns a group source address and drops such frames', () => {
    const { p, macs } = plane();
    expect(send(p, 1, frame(B, '03:00:00:00:00:01'))).toEqual([]);
    expect(p.drop).toBe(IngressDrop.GroupSource);
    expect(macs.size).toBe(0);
  });

  it('keeps VLANs apart: learning and flooding are per VLAN, access ports admit only their VLAN', () => {
    const macs = new MacTable(new VirtualClock(), { capacity: 100, agingMs: 1000 });
    const p = new ForwardingPlane(macs, 8);
    p.addPort({ id: 1, vlan: { mode: 'access', vlan: 10 }, up: true });
    p.addPort({ id: 2, vlan: { mode: 'access', vlan: 20 }, up: true });
    p.addPort({ id: 3, vlan: { mode: 'trunk', allowed: new Set([10, 20]), native: null }, up: true });
    p.addPort({ id: 4, vlan: { mode: 'access', vlan: 10 }, up: true });
    expect(send(p, 1, frame(BCAST, A))).toEqual([3, 4]);
    expect(Array.from(p.destTag.subarray(0, p.destCount))).toEqual([10, -1]);
    expect(send(p, 2, frame(BCAST, B))).toEqual([3]);
    // untagged on a trunk without native VLAN: dropped
    expect(send(p, 3, frame(A, C))).toEqual([]);
    expect(p.drop).toBe(IngressDrop.UntaggedNoNative);
    // VLAN 30 not allowed on the trunk
    expect(send(p, 3, frame(A, C, 30))).toEqual([]);
    expect(p.drop).toBe(IngressDrop.VlanNotAllowed);
    // tagged 10 from the trunk reaches A on port 1, leaving untagged
    expect(send(p, 3, frame(A, C, 10))).toEqual([1]);
    expect(p.destTag[0]).toBe(-1);
    // an access port refuses a foreign tag
    expect(send(p, 1, frame(BCAST, A, 20))).toEqual([]);
    expect(p.drop).toBe(IngressDrop.VlanNotAllowed);
  });

  it('transparent ports keep tags as they are and learn per VLAN', () => {
    const { p, macs } = plane();
    expect(send(p, 1, frame(BCAST, A, 7))).toEqual([2, 3]);
    expect(Array.from(p.destTag.subarray(0, 2))).toEqual([7, 7]);
    expect(macs.lookup(7, macKeyFromString(A))).toBe(1);
    expect(macs.lookup(0, macKeyFromString(A))).toBe(-1);
    expect(send(p, 2, frame(BCAST, B))).toEqual([1, 3]);
    expect(Array.from(p.destTag.subarray(0, 2))).toEqual([-1, -1]);
  });
});

describe('egress retagging', () => {
  it('pushes, pops and rewrites the outer tag, keeping the priority bits', () => {
    const untagged = frame(B, A);
    const out = new Uint8Array(200);
    expect(needsRetag(untagged, 0, untagged.length, -1)).toBe(false);
    expect(needsRetag(untagged, 0, untagged.length, 5)).toBe(true);
    let n = writeRetagged(untagged, 0, untagged.length, 5, out, 10);
    const tagged = out.slice(10, 10 + n);
    expect(n).toBe(untagged.length + 4);
    expect(Array.from(tagged.subarray(12, 16))).toEqual([0x81, 0x00, 0x00, 0x05]);
    expect(tagged.subarray(16)).toEqual(untagged.subarray(12));

    const prio = frame(B, A, 5, 6);
    n = writeRetagged(prio, 0, prio.length, 300, out, 0);
    expect(Array.from(out.subarray(12, 16))).toEqual([0x81, 0x00, 0xc1, 0x2c]);
    n = writeRetagged(prio, 0, prio.length, -1, out, 0);
    expect(out.slice(0, n)).toEqual(untagged);
  });
});
