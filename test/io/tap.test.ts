/**
 * Test 1: a TAP opened by the addon, moved into a namespace, carries real traffic both ways in batches.
 * The test is the made-up neighbour 192.0.2.2: it reads the ARP requests and ICMP echo requests `ping` sends, and
 * writes the replies; ping must see every reply.
 */
import { afterAll, describe, expect, it } from 'vitest';

import { TapPort } from '../../src/io/tap.js';
import { linkFlags } from '../../src/io/netif.js';
import { isRoot, Lab, NEEDS_ROOT, sh } from '../helpers/lab.js';
import { ETH_IPV4, get16, ip4, IPPROTO_UDP, mac, parseL2 } from './frames.js';
import { exited, moveLink, nodeIn, quietNamespace, sleep, staticNeighbour, udpSenderScript, waitFor } from './io-lab.js';
import { FakeNeighbour } from './responder.js';

describe.skipIf(!isRoot)(`TAP port through the addon${NEEDS_ROOT}`, () => {
  const lab = new Lab('wio1');
  afterAll(() => lab.cleanup());

  it('answers ARP and ICMP for a made-up neighbour so that ping from a namespace sees 0% loss, one JS call per batch', async () => {
    const ns = await lab.addNamespace('n');
    await quietNamespace(lab, ns);
    const tap = TapPort.open({ name: lab.name('t') });
    lab.trackLink(tap.name);
    try {
      expect(tap.name).toBe(lab.name('t'));
      expect(tap.ifindex).toBeGreaterThan(0);
      expect(tap.vnetHdrSize).toBe(0);
      await moveLink(lab, tap.name, ns, '192.0.2.1/24');

      const nb = new FakeNeighbour(mac('02:00:00:00:00:02'), ip4('192.0.2.2'));
      let calls = 0;
      const queue0 = tap.queues[0]!;
      tap.start(
        (count, rx, port) => {
          calls++;
          expect(port).toBe(queue0);
          nb.handle(count, rx, port);
        },
        { maxBatch: 32 },
      );
      expect(queue0.rx?.slots).toBe(32);

      const ping = await lab.nsExec(ns, 'ping', ['-n', '-c', '3', '-i', '0.2', '-W', '2', '192.0.2.2'], { timeoutMs: 15_000 });
      expect(ping.stdout).toMatch(/3 packets transmitted, 3 received, 0% packet loss/);

      const s = nb.stats;
      expect(s.arpRequests).toBeGreaterThanOrEqual(1);
      expect(s.echoRequests).toBe(3);
      // Frames as they were on the wire, no headers in front: ARP is 42 bytes unpadded, a default ping is 98.
      expect(new Set(s.lengths.arp)).toEqual(new Set([42]));
      expect(new Set(s.lengths.icmp)).toEqual(new Set([98]));
      expect(s.lengths.other).toEqual([]);
      expect(s.batchSizes.every((n) => n >= 1 && n <= 32)).toBe(true);

      const c = tap.counters();
      expect(c.rxBatches).toBe(calls); // exactly one JS call per batch
      expect(c.rxFrames).toBe(s.frames);
      expect(c.rxBytes).toBe(s.rxBytes);
      expect(c.txFrames).toBe(s.arpRequests + s.echoRequests);
      expect(s.replies).toBe(c.txFrames);
      expect(c.txBytes).toBe(42 * s.arpRequests + 98 * 3);
      expect(c.rxErrors + c.txErrors + c.rxTruncated + c.txEagain).toBe(0);
      expect(c.errors).toEqual({});
    } finally {
      tap.close();
    }
  });

  it('delivers a backlog in full batches: 40 queued frames come as 16 + 16 + 8, one call each', async () => {
    const ns = await lab.addNamespace('b');
    await quietNamespace(lab, ns);
    const tap = TapPort.open({ name: lab.name('u') });
    lab.trackLink(tap.name);
    try {
      await moveLink(lab, tap.name, ns, '192.0.2.1/24');
      await staticNeighbour(lab, ns, tap.name, '192.0.2.3', '02:00:00:00:00:03'); // no ARP in the way
      const sizes: number[] = [];
      const udpFrames: number[] = [];
      tap.start(
        (count, rx) => {
          sizes.push(count);
          for (let i = 0; i < count; i++) {
            const off = rx.frameOffset(i);
            const l2 = parseL2(rx.bytes, off);
            if (l2.ethertype === ETH_IPV4 && rx.bytes[l2.l3 + 9] === IPPROTO_UDP) udpFrames.push(get16(rx.bytes, l2.l3 + 22));
          }
        },
        { maxBatch: 16 },
      );
      tap.pause();
      expect(tap.queues[0]!.polling).toBe(false);
      const sender = nodeIn(lab, ns, udpSenderScript('192.0.2.3', 9, 1, 40));
      expect(await exited(sender.proc)).toBe(0);
      await sleep(100);
      expect(sizes).toEqual([]); // paused: nothing read, the frames wait in the TAP's queue
      tap.resume();
      await waitFor('40 UDP frames', () => udpFrames.length >= 40);
      expect(udpFrames.length).toBe(40);
      expect(udpFrames.every((port) => port === 9)).toBe(true);
      expect(sizes.slice(0, 2)).toEqual([16, 16]);
      expect(sizes.every((n) => n <= 16)).toBe(true);
      expect(tap.counters().rxBatches).toBe(sizes.length);
    } finally {
      tap.close();
    }
  });
  it('brings its own TAP up and sets MTU and MAC by ioctl, no `ip` needed', async () => {
    const tap = TapPort.open({ name: lab.name('l') });
    lab.trackLink(tap.name);
    try {
      await sh('sysctl', ['-qw', `net.ipv6.conf.${tap.name}.disable_ipv6=1`]); // no link-local chatter once up
      expect(linkFlags(tap.name).up).toBe(false);
      tap.up();
      expect(linkFlags(tap.name)).toMatchObject({ up: true, running: true }); // carrier: an fd is attached
      tap.setMtu(9000);
      expect(tap.mtu).toBe(9000);
      tap.setMac('02:12:34:56:78:9a');
      expect(tap.mac).toBe('02:12:34:56:78:9a');
      const link = (await sh('ip', ['-o', 'link', 'show', tap.name])).stdout;
      expect(link).toMatch(/<[^>]*\bUP\b[^>]*> mtu 9000 /);
      expect(link).toContain('link/ether 02:12:34:56:78:9a');
      tap.down();
      expect(linkFlags(tap.name).up).toBe(false);
      expect(() => tap.setMtu(10)).toThrow(/^SIOCSIFMTU failed: EINVAL/);
    } finally {
      tap.close();
    }
  });
});
