/**
 * Test 3: a multi-queue TAP. Each queue is its own fd and its own port; the kernel spreads flows over the queues
 * (by flow hash) and keeps one flow on one queue. Every queue must receive, and frames written on any queue must
 * reach the namespace. Also: persistent TAPs, attach, and unmaking persistence.
 */
import { readdirSync } from 'node:fs';

import { afterAll, describe, expect, it } from 'vitest';

import { TapPort } from '../../src/io/tap.js';
import { isRoot, Lab, NEEDS_ROOT, sh } from '../helpers/lab.js';
import { ETH_IPV4, get16, ip4, IPPROTO_UDP, mac, parseL2, writeUdp } from './frames.js';
import { exited, moveLink, nodeIn, quietNamespace, staticNeighbour, udpListenerScript, udpSenderScript, waitFor } from './io-lab.js';

const QUEUES = 3;
const FLOWS = 48;
const PER_FLOW = 3;

describe.skipIf(!isRoot)(`multi-queue and persistent TAPs${NEEDS_ROOT}`, () => {
  const lab = new Lab('wio3');
  afterAll(() => lab.cleanup());

  it(`opens ${QUEUES} queues; flows spread over all of them, each flow on one queue; every queue can send`, async () => {
    const ns = await lab.addNamespace('n');
    await quietNamespace(lab, ns);
    const tap = TapPort.open({ name: lab.name('m'), queues: QUEUES });
    lab.trackLink(tap.name);
    try {
      expect(tap.queues.length).toBe(QUEUES);
      expect(new Set(tap.queues.map((q) => q.fd)).size).toBe(QUEUES);
      expect(tap.flags & 0x0100).toBe(0x0100); // IFF_MULTI_QUEUE
      // The kernel's view: one rx and one tx queue per attached fd.
      const sysQueues = readdirSync(`/sys/class/net/${tap.name}/queues`).sort();
      expect(sysQueues).toEqual([...Array(QUEUES).keys()].flatMap((i) => [`rx-${i}`, `tx-${i}`]).sort());

      await moveLink(lab, tap.name, ns, '192.0.2.1/24');
      await staticNeighbour(lab, ns, tap.name, '192.0.2.2', '02:00:00:00:00:02');
      // queue index -> source ports seen; flow (source port) -> queues it was seen on
      const perQueue: number[][] = tap.queues.map(() => []);
      const flowQueues = new Map<number, Set<number>>();
      tap.start((count, rx, port) => {
        for (let i = 0; i < count; i++) {
          const l2 = parseL2(rx.bytes, rx.frameOffset(i));
          if (l2.ethertype !== ETH_IPV4 || rx.bytes[l2.l3 + 9] !== IPPROTO_UDP) continue;
          const sport = get16(rx.bytes, l2.l3 + 20);
          perQueue[port.queue]!.push(sport);
          if (!flowQueues.has(sport)) flowQueues.set(sport, new Set());
          flowQueues.get(sport)!.add(port.queue);
        }
      });
      const sender = nodeIn(lab, ns, udpSenderScript('192.0.2.2', 9, FLOWS, PER_FLOW));
      expect(await exited(sender.proc)).toBe(0);
      await waitFor('all datagrams', () => perQueue.reduce((n, q) => n + q.length, 0) >= FLOWS * PER_FLOW);

      expect(perQueue.reduce((n, q) => n + q.length, 0)).toBe(FLOWS * PER_FLOW);
      for (const q of perQueue) expect(q.length).toBeGreaterThan(0); // 48 flows all on one queue: p < 1e-8
      expect(flowQueues.size).toBe(FLOWS);
      for (const queues of flowQueues.values()) expect(queues.size).toBe(1);
      tap.queues.forEach((q, i) => expect(q.counters().rxFrames).toBeGreaterThanOrEqual(perQueue[i]!.length));

      // Write side: one datagram from each queue to a listener in the namespace.
      const listener = nodeIn(lab, ns, udpListenerScript('192.0.2.1', 7001));
      await waitFor('listener', () => listener.lines.includes('ready'));
      const nsMac = mac((await lab.nsExec(ns, 'cat', [`/sys/class/net/${tap.name}/address`])).stdout.trim());
      const buf = new Uint8Array(128);
      for (const q of tap.queues) {
        const len = writeUdp(buf, 0, {
          srcMac: mac('02:00:00:00:00:02'),
          dstMac: nsMac,
          srcIp: ip4('192.0.2.2'),
          dstIp: ip4('192.0.2.1'),
          sport: 6000 + q.queue,
          dport: 7001,
          payload: new TextEncoder().encode(`from queue ${q.queue}`),
        });
        expect(q.writeFrame(buf, 0, len)).toBe(true);
      }
      await waitFor('a datagram from every queue', () => tap.queues.every((q) => listener.lines.includes(`msg from queue ${q.queue}`)));
      expect(tap.counters().txFrames).toBe(QUEUES);
    } finally {
      tap.close();
    }
  });

  it('keeps a persistent TAP after close, attaches to it, and removes it after unmaking persistence', async () => {
    const name = lab.name('p');
    lab.trackLink(name);
    const first = TapPort.open({ name, persist: true, vnetHdr: 10, offloads: { csum: true } });
    first.close();
    expect((await sh('ip', ['-d', 'link', 'show', name])).stdout).toMatch(/tun type tap .*persist on/);
    // Creating it again is refused (exclusive create); attaching works, with a different header size even.
    expect(() => TapPort.open({ name })).toThrow(expect.objectContaining({ code: 'EBUSY', syscall: 'TUNSETIFF' }));
    const again = TapPort.attach(name, { vnetHdr: 12 });
    try {
      expect(again.name).toBe(name);
      expect(again.vnetHdrSize).toBe(12);
      expect((await sh('ip', ['-d', 'link', 'show', name])).stdout).toMatch(/vnet_hdr on/);
      again.setPersist(false);
    } finally {
      again.close();
    }
    await expect(sh('ip', ['link', 'show', name])).rejects.toThrow(/does not exist/);
  });
});
