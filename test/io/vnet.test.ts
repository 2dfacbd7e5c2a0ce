/**
 * Test 2: the virtio-net header round trip on a TAP with IFF_VNET_HDR.
 *
 * Read side: with TSO4 offered (TUNSETOFFLOAD CSUM|TSO4) the kernel hands a namespace's TCP bulk send to us as
 * GSO super-frames, larger than the MTU, with gso_type TCPV4 and the checksum left to do (NEEDS_CSUM, csum_start
 * at the TCP header). The test is the TCP peer — it answers the SYN and ACKs data, with correct checksums.
 * Write side: on the same connection the test sends the client ONE 20 000-byte GSO super-frame with NEEDS_CSUM
 * and only the pseudo-header sum in the checksum field; the client must receive the bytes intact. A second case
 * shows the kernel honours NEEDS_CSUM on plain UDP: a datagram whose checksum field holds only the pseudo-header
 * sum arrives when marked NEEDS_CSUM, while one with a wrong checksum and no flag is dropped as a checksum error.
 */
import { afterAll, describe, expect, it } from 'vitest';

import type { IoPort } from '../../src/io/port.js';
import type { FrameSlab } from '../../src/io/slab.js';
import { TapPort } from '../../src/io/tap.js';
import { emptyVnetHeader, gsoKind, parseVnetHeader, VNET_HDR_LEN_V1, VnetFlag, VnetGso, writeVnetHeader } from '../../src/io/vnet.js';
import { isRoot, Lab, NEEDS_ROOT } from '../helpers/lab.js';
import {
  checksum,
  fold,
  get16,
  ip4,
  l4ChecksumOk,
  mac,
  parseTcp,
  put16,
  sum16,
  TCP_ACK,
  TCP_PSH,
  TCP_SYN,
  writeTcp,
  writeUdp,
} from './frames.js';
import { moveLink, nodeIn, quietNamespace, sleep, staticNeighbour, udpListenerScript, waitFor } from './io-lab.js';

const NS_IP = '192.0.2.1';
const PEER_IP = '192.0.2.2';
const PEER_MAC = '02:00:00:00:00:02';
const PORT = 5001;
const MTU = 1500;
const GSO_PAYLOAD = 20_000;
const GSO_SIZE = 1448;

// The namespace side: connect, push 256 KiB, and report what comes back (bytes must follow i % 251).
const CLIENT = `
const net = require('net');
const s = net.connect({ host: '${PEER_IP}', port: ${PORT}, localAddress: '${NS_IP}' }, () => s.write(Buffer.alloc(262144, 0x61)));
let got = 0, ok = true;
s.on('data', (d) => {
  for (let i = 0; i < d.length; i++) if (d[i] !== (got + i) % 251) ok = false;
  got += d.length;
  if (got >= ${GSO_PAYLOAD}) { console.log('got ' + got + ' ' + (ok ? 'ok' : 'bad')); s.destroy(); process.exit(0); }
});
s.on('error', (e) => { console.log('error ' + e.message); process.exit(1); });
setTimeout(() => { console.log('timeout ' + got); process.exit(2); }, 20000);`;

interface SuperFrame {
  frameLen: number;
  flags: number;
  gsoType: number;
  gsoSize: number;
  csumStart: number;
  csumOffset: number;
  partialFieldValid: boolean;
  completedValid: boolean;
}

/** The smallest TCP peer that gets a bulk transfer going: SYN-ACK, cumulative ACKs, and one GSO send. */
class TinyTcpPeer {
  readonly superFrames: SuperFrame[] = [];
  dataFrames = 0;
  handshakeDone = false;
  gsoSent = false;
  private clientMac = new Uint8Array(6);
  private readonly peerMac = mac(PEER_MAC);
  private readonly peerIp = ip4(PEER_IP);
  private readonly nsIp = ip4(NS_IP);
  private readonly iss = 0x10203040;
  private rcvNext = 0;
  private clientPort = 0;
  private readonly hdr = emptyVnetHeader();
  private readonly out = new Uint8Array(VNET_HDR_LEN_V1 + 14 + 20 + 20 + GSO_PAYLOAD + 64);

  readonly handle = (count: number, rx: FrameSlab, port: IoPort): void => {
    let ackDue = false;
    for (let i = 0; i < count; i++) {
      const off = rx.frameOffset(i);
      const len = rx.frameLength(i);
      const t = parseTcp(rx.bytes, off, len);
      if (!t || t.dport !== PORT) continue;
      parseVnetHeader(rx.bytes, rx.slotOffset(i), VNET_HDR_LEN_V1, this.hdr);
      if (t.flags & TCP_SYN) {
        this.clientMac = rx.bytes.slice(off + 6, off + 12);
        this.clientPort = t.sport;
        this.rcvNext = (t.seq + 1) >>> 0;
        // MSS 1460, NOP, window scale 7: no timestamps, so segments carry MTU-40 bytes.
        const opts = Uint8Array.of(2, 4, 0x05, 0xb4, 1, 3, 3, 7);
        this.send(port, { seq: this.iss, flags: TCP_SYN | TCP_ACK, options: opts });
        continue;
      }
      this.handshakeDone = true;
      if (t.payloadLen > 0) {
        this.dataFrames++;
        if (len > MTU + 14) this.recordSuperFrame(rx.bytes, off, len);
        const end = (t.seq + t.payloadLen) >>> 0;
        if (((end - this.rcvNext) | 0) > 0) this.rcvNext = end;
        ackDue = true;
      }
    }
    if (this.handshakeDone && !this.gsoSent) {
      this.sendGso(port);
      ackDue = false;
    }
    if (ackDue) this.send(port, { seq: (this.iss + 1 + (this.gsoSent ? GSO_PAYLOAD : 0)) >>> 0, flags: TCP_ACK });
  };

  private recordSuperFrame(b: Uint8Array, off: number, len: number): void {
    const h = this.hdr;
    const copy = b.slice(off, off + len);
    const field = h.csumStart + h.csumOffset;
    const partialFieldValid = l4ChecksumOk(copy, 14);
    // Finish the checksum as a NIC would: sum everything from csum_start (the field's pseudo-header sum
    // included), store the complement.
    put16(copy, field, checksum(sum16(copy, h.csumStart, len - h.csumStart)));
    this.superFrames.push({
      frameLen: len,
      flags: h.flags,
      gsoType: h.gsoType,
      gsoSize: h.gsoSize,
      csumStart: h.csumStart,
      csumOffset: h.csumOffset,
      partialFieldValid,
      completedValid: l4ChecksumOk(copy, 14),
    });
  }

  private send(port: IoPort, s: { seq: number; flags: number; options?: Uint8Array }): void {
    const b = this.out;
    b.fill(0, 0, VNET_HDR_LEN_V1); // complete checksums: nothing for the kernel to do
    const len = writeTcp(b, VNET_HDR_LEN_V1, {
      srcMac: this.peerMac,
      dstMac: this.clientMac,
      srcIp: this.peerIp,
      dstIp: this.nsIp,
      sport: PORT,
      dport: this.clientPort,
      seq: s.seq,
      ack: this.rcvNext,
      flags: s.flags,
      window: 0xffff,
      ...(s.options ? { options: s.options } : {}),
    });
    if (!port.writeFrame(b, 0, VNET_HDR_LEN_V1 + len)) throw new Error('TCP reply not accepted');
  }

  private sendGso(port: IoPort): void {
    const b = this.out;
    const len = writeTcp(b, VNET_HDR_LEN_V1, {
      srcMac: this.peerMac,
      dstMac: this.clientMac,
      srcIp: this.peerIp,
      dstIp: this.nsIp,
      sport: PORT,
      dport: this.clientPort,
      seq: (this.iss + 1) >>> 0,
      ack: this.rcvNext,
      flags: TCP_ACK | TCP_PSH,
      window: 0xffff,
      payloadLen: GSO_PAYLOAD,
      fill: (i) => i % 251,
      csum: 'partial',
    });
    writeVnetHeader(b, 0, {
      flags: VnetFlag.NEEDS_CSUM,
      gsoType: VnetGso.TCPV4,
      hdrLen: 14 + 20 + 20,
      gsoSize: GSO_SIZE,
      csumStart: 14 + 20,
      csumOffset: 16,
    });
    if (!port.writeFrame(b, 0, VNET_HDR_LEN_V1 + len)) throw new Error('GSO frame not accepted');
    this.gsoSent = true;
  }
}

describe.skipIf(!isRoot)(`virtio-net header on a TAP${NEEDS_ROOT}`, () => {
  const lab = new Lab('wio2');
  afterAll(() => lab.cleanup());

  it('reads TCP GSO super-frames (TCPV4, NEEDS_CSUM at 34/16) and writes one that the namespace receives intact', async () => {
    const ns = await lab.addNamespace('n');
    await quietNamespace(lab, ns);
    const tap = TapPort.open({ name: lab.name('t'), vnetHdr: true, offloads: { csum: true, tso4: true } });
    lab.trackLink(tap.name);
    try {
      expect(tap.vnetHdrSize).toBe(12);
      expect(tap.flags & 0x4000).toBe(0x4000); // IFF_VNET_HDR as the kernel reports it
      await moveLink(lab, tap.name, ns, `${NS_IP}/24`);
      await staticNeighbour(lab, ns, tap.name, PEER_IP, PEER_MAC);
      const features = (await lab.nsExec(ns, 'ethtool', ['-k', tap.name])).stdout;
      expect(features).toMatch(/tcp-segmentation-offload: on/);

      const peer = new TinyTcpPeer();
      tap.start(peer.handle, { mtu: MTU, maxBatch: 32 });
      expect(tap.queues[0]!.rx!.slotSize).toBeGreaterThanOrEqual(65_535 + 14 + 12); // GSO-sized slots
      const client = nodeIn(lab, ns, CLIENT);
      await waitFor('client to receive the GSO frame', () => client.lines.some((l) => /^(got|error|timeout)/.test(l)), 25_000);
      await waitFor('a super-frame', () => peer.superFrames.length > 0, 5_000);

      expect(client.lines.find((l) => /^(got|error|timeout)/.test(l))).toBe(`got ${GSO_PAYLOAD} ok`);
      expect(peer.gsoSent).toBe(true);
      const sf = peer.superFrames[0]!;
      expect(sf.frameLen).toBeGreaterThan(MTU + 14);
      expect(gsoKind(sf.gsoType)).toBe(VnetGso.TCPV4);
      expect(sf.gsoSize).toBeGreaterThan(0);
      expect(sf.gsoSize).toBeLessThanOrEqual(MTU - 40);
      expect(sf.flags & VnetFlag.NEEDS_CSUM).toBe(VnetFlag.NEEDS_CSUM);
      expect(sf.csumStart).toBe(34);
      expect(sf.csumOffset).toBe(16);
      // The field held the pseudo-header sum only; finishing it as the header says yields a valid checksum.
      expect(sf.partialFieldValid).toBe(false);
      expect(sf.completedValid).toBe(true);
      expect(peer.superFrames.every((f) => f.completedValid)).toBe(true);
      const c = tap.counters();
      expect(c.rxTruncated).toBe(0);
      expect(c.txErrors).toBe(0);
    } finally {
      tap.close();
    }
  });

  it('writes UDP with NEEDS_CSUM and a pseudo-header-only checksum: delivered; a bad checksum without the flag is dropped', async () => {
    const ns = await lab.addNamespace('u');
    await quietNamespace(lab, ns);
    const tap = TapPort.open({ name: lab.name('u'), vnetHdr: 12, offloads: { csum: true } });
    lab.trackLink(tap.name);
    try {
      await moveLink(lab, tap.name, ns, `${NS_IP}/24`);
      const listener = nodeIn(lab, ns, udpListenerScript(NS_IP, 7000));
      await waitFor('listener', () => listener.lines.includes('ready'));
      const nsMac = mac((await lab.nsExec(ns, 'cat', [`/sys/class/net/${tap.name}/address`])).stdout.trim());
      const csumErrors = async (): Promise<number> => {
        const snmp = (await lab.nsExec(ns, 'cat', ['/proc/net/snmp'])).stdout.split('\n').filter((l) => l.startsWith('Udp:'));
        const names = snmp[0]!.split(/\s+/);
        const values = snmp[1]!.split(/\s+/);
        return Number(values[names.indexOf('InCsumErrors')]);
      };
      const before = await csumErrors();

      const buf = new Uint8Array(3 * 256);
      const offsets = new Uint32Array(3);
      const lengths = new Uint32Array(3);
      const frame = (i: number, text: string, mode: 'partial' | 'bad' | 'full'): void => {
        const off = i * 256;
        const len = writeUdp(buf, off + VNET_HDR_LEN_V1, {
          srcMac: mac(PEER_MAC),
          dstMac: nsMac,
          srcIp: ip4(PEER_IP),
          dstIp: ip4(NS_IP),
          sport: 5555,
          dport: 7000,
          payload: new TextEncoder().encode(text),
        });
        const ipOff = off + VNET_HDR_LEN_V1 + 14;
        const udpCsum = ipOff + 20 + 6;
        if (mode === 'partial') {
          // What a stack leaves for offload: the pseudo-header sum, not complemented; not a valid checksum.
          put16(buf, udpCsum, fold(sum16(buf, ipOff + 12, 8) + 17 + (len - 34)));
          expect(l4ChecksumOk(buf, ipOff)).toBe(false);
          writeVnetHeader(buf, off, { flags: VnetFlag.NEEDS_CSUM, csumStart: 34, csumOffset: 6 });
        } else {
          if (mode === 'bad') put16(buf, udpCsum, get16(buf, udpCsum) ^ 0x5a5a);
          expect(l4ChecksumOk(buf, ipOff)).toBe(mode === 'full');
          writeVnetHeader(buf, off, {});
        }
        offsets[i] = off;
        lengths[i] = VNET_HDR_LEN_V1 + len;
      };
      frame(0, 'partial-ok', 'partial');
      frame(1, 'bad-csum', 'bad');
      frame(2, 'full-ok', 'full');
      expect(tap.writeBatch(buf, offsets, lengths, 3)).toBe(3);
      expect(tap.counters().txFrames).toBe(3);

      await waitFor('both good datagrams', () => listener.lines.includes('msg partial-ok') && listener.lines.includes('msg full-ok'));
      await sleep(200);
      expect(listener.lines).not.toContain('msg bad-csum');
      expect((await csumErrors()) - before).toBe(1);
    } finally {
      tap.close();
    }
  });
});
