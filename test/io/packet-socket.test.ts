/**
 * Test 4: the AF_PACKET uplink on a veth. The namespace end has an address; the root end is opened by the addon,
 * promiscuous. The namespace's frames (ARP and ICMP for a made-up neighbour) arrive in batches through recvmmsg,
 * and the replies the test writes (sendmmsg) arrive in the namespace, so ping succeeds. Tagged frames arrive with
 * their 802.1Q tag put back (TCI intact), and the socket ignores frames transmitted on its own interface.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

import { findPackageRoot } from '../../src/io/addon.js';

import { UplinkPort } from '../../src/io/packet-socket.js';
import { TxBatch } from '../../src/io/slab.js';
import { parseVnetHeader, VnetFlag, VnetGso, type VnetHeader } from '../../src/io/vnet.js';
import { isRoot, Lab, NEEDS_ROOT, sh } from '../helpers/lab.js';
import { ETH_IPV4, ETH_VLAN, get16, ip4, IPPROTO_UDP, mac, parseL2, writeEth } from './frames.js';
import { exited, lineCollector, moveLink, nodeIn, quietNamespace, sleep, staticNeighbour, udpSenderScript, waitFor } from './io-lab.js';
import { FakeNeighbour } from './responder.js';

/** A veth pair: `outer` stays here (no IPv6, no address, up), `inner` goes into a fresh namespace with `cidr`. */
async function vethLab(lab: Lab, tag: string, cidr: string): Promise<{ ns: string; outer: string; inner: string }> {
  const ns = await lab.addNamespace(`n${tag}`);
  await quietNamespace(lab, ns);
  const outer = lab.name(`o${tag}`);
  const inner = lab.name(`i${tag}`);
  await lab.addVeth(outer, inner);
  // This end carries only the test's frames: no IPv6 link-local chatter from the root namespace.
  await sh('sysctl', ['-qw', `net.ipv6.conf.${outer}.disable_ipv6=1`]);
  await sh('ip', ['link', 'set', 'dev', outer, 'up']);
  await moveLink(lab, inner, ns, cidr);
  return { ns, outer, inner };
}

describe.skipIf(!isRoot)(`AF_PACKET uplink through the addon${NEEDS_ROOT}`, () => {
  const lab = new Lab('wio4');
  afterAll(() => lab.cleanup());

  it('receives a namespace’s ARP/ICMP in batches and its replies make ping succeed with 0% loss; promiscuous while open', async () => {
    const { ns, outer } = await vethLab(lab, 'a', '192.0.2.1/24');
    const up = UplinkPort.open(outer);
    try {
      expect(up.ifindex).toBeGreaterThan(0);
      expect(up.kind).toBe('packet');
      expect((await sh('ip', ['-d', 'link', 'show', outer])).stdout).toMatch(/promiscuity 1 /);
      const nb = new FakeNeighbour(mac('02:00:00:00:00:02'), ip4('192.0.2.2'));
      let calls = 0;
      up.start(
        (count, rx, port) => {
          calls++;
          nb.handle(count, rx, port);
        },
        { maxBatch: 32 },
      );
      const ping = await lab.nsExec(ns, 'ping', ['-n', '-c', '3', '-i', '0.2', '-W', '2', '192.0.2.2'], { timeoutMs: 15_000 });
      expect(ping.stdout).toMatch(/3 packets transmitted, 3 received, 0% packet loss/);
      const s = nb.stats;
      expect(s.arpRequests).toBeGreaterThanOrEqual(1);
      expect(s.echoRequests).toBe(3);
      expect(new Set(s.lengths.arp)).toEqual(new Set([42]));
      expect(new Set(s.lengths.icmp)).toEqual(new Set([98]));
      expect(s.vids).toEqual([-1]);
      const c = up.counters();
      expect(c.rxBatches).toBe(calls);
      expect(c.rxFrames).toBe(s.frames);
      expect(c.txFrames).toBe(s.replies);
      expect(c.txFrames).toBe(s.arpRequests + 3);
      // The replies we sent went out on this interface; the socket must not have read them back.
      expect(c.rxFrames).toBe(s.arpRequests + s.echoRequests + s.lengths.other.length);
      expect(c.rxTruncated + c.rxErrors + c.txErrors).toBe(0);
    } finally {
      up.close();
    }
    expect((await sh('ip', ['-d', 'link', 'show', outer])).stdout).toMatch(/promiscuity 0 /);
  });

  it('puts back the 802.1Q tag the kernel moves into metadata (TCI intact), both ways', async () => {
    // This kernel has no 802.1Q driver, so the namespace side is itself an AF_PACKET socket (via the addon) that
    // sends tagged frames and reads what comes back; the receive path still strips tags into metadata.
    const { ns, inner, outer } = await vethLab(lab, 'v', '192.0.2.1/24');
    const up = UplinkPort.open(outer);
    try {
      const frames: Uint8Array[] = [];
      const tx = new TxBatch(16);
      up.start((count, rx, port) => {
        for (let i = 0; i < count; i++) {
          const off = rx.frameOffset(i);
          if (get16(rx.bytes, off + 16) !== 0x88b5) continue;
          frames.push(rx.bytes.slice(off, off + rx.frameLength(i)));
          // Reply in place, tag and all: swap the MACs, mark the payload.
          const src = rx.bytes.slice(off + 6, off + 12);
          rx.bytes.copyWithin(off + 6, off, off + 6);
          rx.bytes.set(src, off);
          rx.bytes.set(new TextEncoder().encode('reply'), off + 18);
          tx.push(rx.slotOffset(i), rx.lengths[i]!);
        }
        port.writeBatch(rx.bytes, tx.offsets, tx.lengths, tx.count);
        tx.clear();
      });
      const peer = lab.spawnIn(ns, process.execPath, [
        join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'vlan-peer.cjs'),
        join(findPackageRoot(), 'native', 'build', 'Release', 'wfp_io.node'),
        inner,
      ]);
      const lines = lineCollector(peer);
      expect(await exited(peer)).toBe(0);
      expect(lines[0]).toBe('sent 3');
      // What the namespace got back: our replies, tag restored on its side too, 64 bytes as sent.
      expect(lines.slice(1)).toEqual(['rx 8100a06488b5 64', 'rx 8100a06488b5 64', 'rx 8100a06488b5 64']);
      // What we got: the frames exactly as sent, tag in place (TPID 0x8100, PCP 5, VID 100), 64 bytes.
      expect(frames.length).toBe(3);
      for (const f of frames) {
        expect(f.length).toBe(64);
        expect(get16(f, 12)).toBe(ETH_VLAN);
        expect(get16(f, 14)).toBe(0xa064);
        expect(get16(f, 16)).toBe(0x88b5);
      }
      expect(up.counters().rxVlanReinserted).toBe(3);
    } finally {
      up.close();
    }
  });

  it('ignores frames transmitted on its own interface unless asked (ignoreOutgoing: false)', async () => {
    const { outer } = await vethLab(lab, 'g', '192.0.2.1/24');
    const blind = UplinkPort.open(outer); // default: ignoreOutgoing
    const seeing = UplinkPort.open(outer, { ignoreOutgoing: false });
    const sender = UplinkPort.open(outer);
    try {
      const seen = { blind: 0, seeing: 0 };
      const marker = (b: Uint8Array, off: number): boolean => get16(b, off + 12) === 0x88b5; // local experimental type
      blind.start((n, rx) => {
        for (let i = 0; i < n; i++) if (marker(rx.bytes, rx.frameOffset(i))) seen.blind++;
      });
      seeing.start((n, rx) => {
        for (let i = 0; i < n; i++) if (marker(rx.bytes, rx.frameOffset(i))) seen.seeing++;
      });
      const buf = new Uint8Array(4 * 64);
      const offsets = new Uint32Array(4);
      const lengths = new Uint32Array(4);
      for (let i = 0; i < 4; i++) {
        writeEth(buf, i * 64, mac('02:00:00:00:00:09'), mac('02:00:00:00:00:08'), 0x88b5);
        offsets[i] = i * 64;
        lengths[i] = 60;
      }
      expect(sender.writeBatch(buf, offsets, lengths, 4)).toBe(4); // one sendmmsg
      expect(sender.counters().txFrames).toBe(4);
      await waitFor('the seeing socket to get all 4', () => seen.seeing >= 4);
      await sleep(100);
      expect(seen).toEqual({ blind: 0, seeing: 4 });
    } finally {
      blind.close();
      seeing.close();
      sender.close();
    }
  });
  it('PACKET_VNET_HDR (10 and 12 bytes) marks frames whose checksum the sender left to offload: NEEDS_CSUM at 34/6', async () => {
    const { ns, inner, outer } = await vethLab(lab, 'c', '192.0.2.1/24');
    // The namespace side computes no UDP checksums: veth passes them on, unfinished (CHECKSUM_PARTIAL).
    await lab.nsExec(ns, 'ethtool', ['-K', inner, 'tx', 'on']);
    await staticNeighbour(lab, ns, inner, '192.0.2.2', '02:00:00:00:00:02');
    const ports = { plain: UplinkPort.open(outer), v10: UplinkPort.open(outer, { vnetHdr: true }), v12: UplinkPort.open(outer, { vnetHdr: 12 }) };
    try {
      expect([ports.plain.vnetHdrSize, ports.v10.vnetHdrSize, ports.v12.vnetHdrSize]).toEqual([0, 10, 12]);
      const seen: Record<string, VnetHeader[]> = { plain: [], v10: [], v12: [] };
      for (const [key, port] of Object.entries(ports)) {
        port.start((n, rx) => {
          for (let i = 0; i < n; i++) {
            const l2 = parseL2(rx.bytes, rx.frameOffset(i));
            if (l2.ethertype !== ETH_IPV4 || rx.bytes[l2.l3 + 9] !== IPPROTO_UDP) continue;
            seen[key]!.push(parseVnetHeader(rx.bytes, rx.slotOffset(i), port.vnetHdrSize));
          }
        });
      }
      const sender = nodeIn(lab, ns, udpSenderScript('192.0.2.2', 9, 1, 3));
      expect(await exited(sender.proc)).toBe(0);
      await waitFor('3 datagrams on each socket', () => Object.values(seen).every((v) => v.length >= 3));
      for (const key of ['v10', 'v12']) {
        for (const h of seen[key]!) {
          expect(h.flags & VnetFlag.NEEDS_CSUM).toBe(VnetFlag.NEEDS_CSUM);
          expect(h.csumStart).toBe(34);
          expect(h.csumOffset).toBe(6);
          expect(h.gsoType).toBe(VnetGso.NONE);
        }
      }
      // Without a header the only sign is the aux status: counted, so a bridge can tell why checksums look wrong.
      expect(ports.plain.counters().rxCsumNotReady).toBeGreaterThanOrEqual(3);
    } finally {
      for (const p of Object.values(ports)) p.close();
    }
  });

  it('survives its link going down (ENETDOWN counted) and stops with ENODEV when the interface is removed', async () => {
    const { ns, inner, outer } = await vethLab(lab, 'd', '192.0.2.1/24');
    await staticNeighbour(lab, ns, inner, '192.0.2.2', '02:00:00:00:00:02');
    const up = UplinkPort.open(outer);
    const errors: Error[] = [];
    let udp = 0;
    up.start(
      (n, rx) => {
        for (let i = 0; i < n; i++) if (parseL2(rx.bytes, rx.frameOffset(i)).ethertype === ETH_IPV4) udp++;
      },
      { onError: (e) => errors.push(e) },
    );
    try {
      await sh('ip', ['link', 'set', 'dev', outer, 'down']);
      await waitFor('ENETDOWN to be counted', () => (up.counters().errors.ENETDOWN ?? 0) >= 1);
      expect(up.polling).toBe(true);
      await sh('ip', ['link', 'set', 'dev', outer, 'up']);
      // The namespace end transmits again only once linkwatch has seen the carrier (operstate up).
      for (let i = 0; i < 100 && (await lab.nsExec(ns, 'cat', [`/sys/class/net/${inner}/operstate`])).stdout.trim() !== 'up'; i++) await sleep(20);
      const sender = nodeIn(lab, ns, udpSenderScript('192.0.2.2', 9, 1, 3));
      expect(await exited(sender.proc)).toBe(0);
      await waitFor('traffic after the link came back', () => udp >= 3);
      expect(errors).toEqual([]);

      await sh('ip', ['link', 'del', outer]);
      await waitFor('the port to stop', () => errors.length > 0);
      expect(errors[0]!.message).toBe(`poll failed: ENODEV (No such device): interface "${outer}" was removed`);
      expect(up.polling).toBe(false);
    } finally {
      up.close();
    }
  });
});
