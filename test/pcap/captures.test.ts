/**
 * Our reader against Wireshark on every real capture in test/captures (made by scripts/capture-lab-traffic.sh):
 * same frame count as capinfos, and per frame the same timestamp (to the nanosecond tshark prints), lengths,
 * interface id and bytes. Then what each capture is known to contain, so a capture that stops showing its traffic
 * (or a reader that stops seeing it) fails here.
 */
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  LINKTYPE_ETHERNET,
  formatEpochNs,
  openCaptureFileSync,
  openCaptureStream,
} from '../../src/pcap/index.js';
import { NEEDS_WIRESHARK, capinfosCount, collect, hasWireshark, hex, readAll, tsharkFrames, type Collected } from './tools.js';

const DIR = join(import.meta.dirname, '..', 'captures');
const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.pcap') || f.endsWith('.pcapng'))
  .sort();

const u16 = (b: Uint8Array, at: number): number => (b[at]! << 8) | b[at + 1]!;
/** EtherType after any 802.1Q/802.1ad tags. */
function innerEtherType(b: Uint8Array): number {
  let at = 12;
  while (u16(b, at) === 0x8100 || u16(b, at) === 0x88a8) at += 4;
  return u16(b, at);
}
const ipProto = (b: Uint8Array): number => b[14 + 9]!;
const ip6Next = (b: Uint8Array): number => b[14 + 6]!;

function load(name: string): Collected[] {
  return readAll(join(DIR, name));
}

describe('test/captures: the committed captures', () => {
  it('are all there, and small enough to commit (under 1 MB together)', () => {
    for (const want of [
      'tcp-handshake-data-close.pcap',
      'tcp-handshake-data-close-ns.pcap',
      'tcp-closed-port-rst.pcap',
      'udp-request-response.pcap',
      'udp-closed-port-icmp-unreachable.pcap',
      'ping-v4.pcap',
      'ping-v4-ns.pcap',
      'ping-v6-and-nd.pcap',
      'tcp-v6.pcap',
      'ipv4-fragments.pcap',
      'ipv6-fragments.pcap',
      'arp.pcap',
      'vlan-tagged.pcap',
      'two-interfaces.pcapng',
      'tcp-handshake-commented.pcapng',
    ]) {
      expect(files, want).toContain(want);
    }
    let total = 0;
    for (const f of files) total += statSync(join(DIR, f)).size;
    expect(total).toBeLessThan(1_000_000);
  });
});

describe.skipIf(!hasWireshark)(`reader vs tshark/capinfos on every capture${NEEDS_WIRESHARK}`, () => {
  for (const name of files) {
    it(`${name}: count, timestamps, lengths, interfaces and bytes equal tshark's`, () => {
      const path = join(DIR, name);
      const ours = load(name);
      const theirs = tsharkFrames(path);
      expect(ours.length).toBe(capinfosCount(path));
      expect(ours.length).toBe(theirs.length);
      expect(ours.length).toBeGreaterThan(0);
      ours.forEach((r, i) => {
        const t = theirs[i]!;
        expect(r.recordIndex + 1).toBe(t.number);
        expect(formatEpochNs(r.timestampNs), `frame ${t.number} time`).toBe(t.timeEpoch);
        expect(r.caplen, `frame ${t.number} cap_len`).toBe(t.capLen);
        expect(r.origlen, `frame ${t.number} len`).toBe(t.len);
        expect(hex(r.data), `frame ${t.number} bytes`).toBe(t.hex);
        if (name.endsWith('.pcapng')) expect(r.interfaceId).toBe(t.interfaceId);
        expect(r.comments).toEqual(t.comments);
      });
    });
  }
});

describe('the async stream reader yields exactly what the sync reader does', () => {
  for (const name of files) {
    it(name, async () => {
      const sync = load(name);
      // A tiny highWaterMark forces records to straddle chunk boundaries.
      const r = await openCaptureStream(createReadStream(join(DIR, name), { highWaterMark: 97 }), { bufferSize: 4096 });
      const got: Collected[] = [];
      for await (const rec of r) got.push(collect(rec));
      expect(got).toEqual(sync);
    });
  }
});

describe('what each capture holds', () => {
  it('classic captures: Ethernet, -s 0 snaplen, µs or ns by name', () => {
    for (const name of files.filter((f) => f.endsWith('.pcap'))) {
      const r = openCaptureFileSync(join(DIR, name));
      const h = r.classicHeader!;
      r.close();
      expect(r.format).toBe('pcap');
      expect(h.linkType).toBe(LINKTYPE_ETHERNET);
      expect(h.snaplen).toBe(262144);
      expect(h.versionMajor).toBe(2);
      expect(h.versionMinor).toBe(4);
      expect(h.resolution, name).toBe(name.endsWith('-ns.pcap') ? 'ns' : 'us');
    }
  });

  it('tcp-handshake-data-close: SYN, SYN-ACK, ACK, request, response, both FINs, to port 8080', () => {
    const recs = load('tcp-handshake-data-close.pcap');
    const flags = recs.map((r) => r.data[14 + 20 + 13]!);
    expect(recs.every((r) => innerEtherType(r.data) === 0x0800 && ipProto(r.data) === 6)).toBe(true);
    expect(flags[0]).toBe(0x02); // SYN
    expect(flags[1]).toBe(0x12); // SYN+ACK
    expect(flags[2]).toBe(0x10); // ACK
    expect(flags.filter((f) => f & 0x01).length).toBe(2); // a FIN each way
    expect(flags.filter((f) => f & 0x04).length).toBe(0); // closed cleanly, no RST
    const text = Buffer.concat(recs.map((r) => Buffer.from(r.data.subarray(14 + 20 + (r.data[14 + 20 + 12]! >> 4) * 4)))).toString('latin1');
    expect(text).toContain('GET /hello.txt HTTP/1.1');
    expect(text).toContain('hello from the wfp lab');
  });

  it('-ns captures hold the same frames as their µs twins (captured at once), with finer timestamps', () => {
    for (const base of ['ping-v4', 'tcp-handshake-data-close']) {
      const us = load(`${base}.pcap`);
      const ns = load(`${base}-ns.pcap`);
      expect(ns.length).toBe(us.length);
      ns.forEach((r, i) => {
        expect(hex(r.data)).toBe(hex(us[i]!.data));
        // Two tcpdumps, two sockets: each stamps on delivery, so the instants agree closely but not always to the µs.
        const d = r.timestampNs - us[i]!.timestampNs;
        expect(d < 0n ? -d : d).toBeLessThan(1_000_000n);
      });
      expect(ns.some((r) => r.timestampNs % 1000n !== 0n)).toBe(true); // really nanoseconds
    }
  });

  it('tcp-closed-port-rst: a SYN answered by RST-ACK', () => {
    const recs = load('tcp-closed-port-rst.pcap');
    expect(recs.length).toBe(2);
    expect(recs[0]!.data[14 + 20 + 13]).toBe(0x02);
    expect(recs[1]!.data[14 + 20 + 13]).toBe(0x14);
  });

  it('udp-request-response: datagrams to 9000 and "pong:" replies', () => {
    const recs = load('udp-request-response.pcap');
    expect(recs.length).toBe(4);
    expect(recs.every((r) => ipProto(r.data) === 17)).toBe(true);
    expect(Buffer.from(recs[1]!.data.subarray(42)).toString()).toMatch(/^pong: ping 1/);
  });

  it('udp-closed-port-icmp-unreachable: ICMP type 3 code 3 and ICMPv6 type 1 code 4 quoting the datagrams', () => {
    const recs = load('udp-closed-port-icmp-unreachable.pcap');
    const v4 = recs.find((r) => innerEtherType(r.data) === 0x0800 && ipProto(r.data) === 1)!;
    expect([v4.data[34], v4.data[35]]).toEqual([3, 3]);
    const v6 = recs.find((r) => innerEtherType(r.data) === 0x86dd && ip6Next(r.data) === 58)!;
    expect([v6.data[54], v6.data[55]]).toEqual([1, 4]);
  });

  it('ping-v6-and-nd: neighbour solicitation and advertisement before the echoes', () => {
    const types = load('ping-v6-and-nd.pcap').map((r) => r.data[54]);
    expect(types).toContain(135);
    expect(types).toContain(136);
    expect(types.indexOf(135)).toBeLessThan(types.indexOf(128));
    expect(types.filter((t) => t === 128).length).toBe(3);
    expect(types.filter((t) => t === 129).length).toBe(3);
  });

  it('tcp-v6: TCP over IPv6 to port 8080', () => {
    const recs = load('tcp-v6.pcap');
    expect(recs.every((r) => innerEtherType(r.data) === 0x86dd && ip6Next(r.data) === 6)).toBe(true);
    expect(recs[0]!.data[14 + 40 + 13]).toBe(0x02);
  });

  it('ipv4-fragments: full-size first fragments with MF set, a last fragment without', () => {
    const recs = load('ipv4-fragments.pcap');
    const fragField = recs.map((r) => u16(r.data, 14 + 6));
    expect(recs.some((r) => r.data.length === 1514)).toBe(true);
    expect(fragField.filter((f) => f & 0x2000).length).toBeGreaterThanOrEqual(4); // MF
    expect(fragField.filter((f) => !(f & 0x2000) && (f & 0x1fff) > 0).length).toBeGreaterThanOrEqual(2); // last
  });

  it('ipv6-fragments: every frame carries a Fragment header', () => {
    const recs = load('ipv6-fragments.pcap');
    expect(recs.every((r) => ip6Next(r.data) === 44)).toBe(true);
  });

  it('arp: a broadcast request and its reply, then the echo', () => {
    const recs = load('arp.pcap');
    const arp = recs.filter((r) => innerEtherType(r.data) === 0x0806);
    expect(arp.map((r) => u16(r.data, 20))).toEqual([1, 2]); // request, reply
    expect(hex(arp[0]!.data.subarray(0, 6))).toBe('ffffffffffff');
  });

  it('vlan-tagged: every frame carries an 802.1Q (or 802.1ad outer) tag with VLAN 100', () => {
    const recs = load('vlan-tagged.pcap');
    expect(recs.length).toBeGreaterThanOrEqual(3);
    for (const r of recs) {
      expect([0x8100, 0x88a8]).toContain(u16(r.data, 12));
      const vids = [];
      for (let at = 12; u16(r.data, at) === 0x8100 || u16(r.data, at) === 0x88a8; at += 4) vids.push(u16(r.data, at + 2) & 0xfff);
      expect(vids).toContain(100);
    }
  });

  it('two-interfaces.pcapng: two named Ethernet interfaces, each frame seen on both ends', () => {
    const r = openCaptureFileSync(join(DIR, 'two-interfaces.pcapng'));
    const recs = [...r].map(collect);
    expect(r.format).toBe('pcapng');
    expect(r.interfaces.length).toBe(2);
    expect(r.interfaces.map((i) => i.linkType)).toEqual([LINKTYPE_ETHERNET, LINKTYPE_ETHERNET]);
    expect(r.interfaces[0]!.name).toMatch(/^wc[0-9a-f]{6}a$/);
    expect(r.interfaces[1]!.name).toMatch(/^wc[0-9a-f]{6}b$/);
    expect(r.interfaces[0]!.unitsPerSecond).toBe(1_000_000_000n);
    expect(r.sections[0]!.userAppl).toMatch(/mergecap|dumpcap/i);
    const on0 = recs.filter((x) => x.interfaceId === 0).map((x) => hex(x.data));
    const on1 = recs.filter((x) => x.interfaceId === 1).map((x) => hex(x.data));
    expect(on0.length).toBeGreaterThan(0);
    expect(on0).toEqual(on1); // a veth pair: what leaves one end arrives at the other, unchanged
  });

  it('tcp-handshake-commented.pcapng: editcap comments, UTF-8 intact, on the right frames', () => {
    const r = openCaptureFileSync(join(DIR, 'tcp-handshake-commented.pcapng'));
    const recs = [...r].map(collect);
    expect(r.sections[0]!.comments).toContain('lab capture with packet comments (editcap -a)');
    expect(recs[0]!.comments).toEqual(['client SYN']);
    expect(recs[1]!.comments).toEqual(['server SYN-ACK']);
    expect(recs[2]!.comments).toEqual([]);
    expect(recs[3]!.comments).toEqual(['HTTP request — «GET /hello.txt» ✓']);
    // Same frames as the capture it was made from.
    expect(recs.map((x) => hex(x.data))).toEqual(load('tcp-handshake-data-close.pcap').map((x) => hex(x.data)));
  });
});
