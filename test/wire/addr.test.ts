import { isIPv4, isIPv6 } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareIpv6,
  compareMac,
  formatIpAddr,
  formatIpv4Addr,
  formatIpv6Addr,
  formatMac,
  ipv4MulticastMac,
  ipv6Equals,
  ipv6MulticastMac,
  isBroadcastMac,
  isGroupMac,
  isIpv4MappedIpv6,
  isIpv6LinkLocal,
  parseIpAddr,
  parseIpv4Addr,
  parseIpv6Addr,
  parseMac,
  solicitedNodeMulticast,
} from '../../src/wire/index.js';
import { arbV4, arbV6 } from './helpers.js';

describe('MAC addresses', () => {
  it('parses colon and dash forms, refuses others, and formats lower-case with colons', () => {
    expect(Array.from(parseMac('00:1A:2b:3c:4D:5e')!)).toEqual([0, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e]);
    expect(formatMac(parseMac('00-1a-2b-3c-4d-5e')!)).toBe('00:1a:2b:3c:4d:5e');
    for (const bad of ['00:1a:2b:3c:4d', '00:1a:2b:3c:4d:5e:6f', '00:1a-2b:3c:4d:5e', '0:1a:2b:3c:4d:5e', 'zz:1a:2b:3c:4d:5e', '']) {
      expect(parseMac(bad)).toBeNull();
    }
  });

  it('round-trips any 6 bytes, at an offset', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 6, maxLength: 20 }), fc.nat(), (b, x) => {
        const off = x % (b.length - 5);
        expect(Array.from(parseMac(formatMac(b, off))!)).toEqual(Array.from(b.subarray(off, off + 6)));
      }),
    );
  });

  it('classifies broadcast and group addresses and orders numerically', () => {
    expect(isBroadcastMac(parseMac('ff:ff:ff:ff:ff:ff')!)).toBe(true);
    expect(isBroadcastMac(parseMac('ff:ff:ff:ff:ff:fe')!)).toBe(false);
    expect(isGroupMac(parseMac('01:00:5e:00:00:01')!)).toBe(true);
    expect(isGroupMac(parseMac('02:00:5e:00:00:01')!)).toBe(false);
    const a = parseMac('00:00:00:00:01:00')!;
    const b = parseMac('00:00:00:00:00:ff')!;
    expect(compareMac(a, 0, b, 0)).toBeGreaterThan(0);
    expect(compareMac(a, 0, a, 0)).toBe(0);
  });

  it('maps multicast groups to their MACs (RFC 1112, RFC 2464)', () => {
    expect(formatMac(ipv4MulticastMac(parseIpv4Addr('239.129.2.3')!))).toBe('01:00:5e:01:02:03');
    expect(formatMac(ipv6MulticastMac(parseIpv6Addr('ff02::1:ff00:1234')!))).toBe('33:33:ff:00:12:34');
  });
});

describe('IPv4 addresses', () => {
  it('parses to host-order numbers and formats back', () => {
    expect(parseIpv4Addr('192.168.0.1')).toBe(0xc0a80001);
    expect(parseIpv4Addr('255.255.255.255')).toBe(0xffffffff);
    expect(formatIpv4Addr(0xc0a80001)).toBe('192.168.0.1');
    fc.assert(
      fc.property(arbV4, (a) => {
        expect(parseIpv4Addr(formatIpv4Addr(a))).toBe(a);
      }),
    );
  });

  it('refuses what node:net refuses, including leading zeros and out-of-range octets', () => {
    for (const bad of ['256.1.1.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.-1', ' 1.2.3.4', '1.2.3.4 ', '0x1.2.3.4', '']) {
      expect(parseIpv4Addr(bad)).toBeNull();
    }
    const octet = fc.oneof(fc.nat(300).map(String), fc.constantFrom('00', '01', '007', '', 'a'));
    fc.assert(
      fc.property(fc.array(octet, { minLength: 3, maxLength: 5 }), (parts) => {
        const s = parts.join('.');
        expect(parseIpv4Addr(s) !== null).toBe(isIPv4(s));
      }),
    );
  });
});

describe('IPv6 addresses', () => {
  const canon = (s: string) => formatIpv6Addr(parseIpv6Addr(s)!);

  it('formats the RFC 5952 examples canonically', () => {
    expect(canon('2001:0db8:0000:0000:0000:0000:0000:0001')).toBe('2001:db8::1'); // §4.1 leading zeros, §4.2.1 ::
    expect(canon('2001:db8:0:0:0:0:2:1')).toBe('2001:db8::2:1');
    expect(canon('2001:db8:0:1:1:1:1:1')).toBe('2001:db8:0:1:1:1:1:1'); // §4.2.2 no :: for one group
    expect(canon('2001:0:0:1:0:0:0:1')).toBe('2001:0:0:1::1'); // §4.2.3 the longest run
    expect(canon('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1'); // §4.2.3 first of equal runs
    expect(canon('2001:DB8::ABCD')).toBe('2001:db8::abcd'); // §4.3 lower case
    expect(canon('::ffff:192.0.2.1')).toBe('::ffff:192.0.2.1'); // §5 mapped in mixed notation
    expect(canon('::ffff:c000:0201')).toBe('::ffff:192.0.2.1');
    expect(canon('::')).toBe('::');
    expect(canon('::1')).toBe('::1');
    expect(canon('1::')).toBe('1::');
    expect(canon('0:0:0:0:0:0:0:1')).toBe('::1');
    expect(canon('1:0:0:0:0:0:0:0')).toBe('1::');
    expect(canon('::1.2.3.4')).toBe('::102:304');
  });

  it('agrees with the WHATWG URL serializer (same compression rules) for every non-mapped address', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant(0), fc.constant(0), fc.nat(0xffff)), { minLength: 8, maxLength: 8 }),
        (words) => {
          const b = new Uint8Array(16);
          words.forEach((w, i) => b.set([w >> 8, w & 0xff], 2 * i));
          fc.pre(!isIpv4MappedIpv6(b));
          const ours = formatIpv6Addr(b);
          expect(new URL(`http://[${words.map((w) => w.toString(16)).join(':')}]/`).hostname).toBe(`[${ours}]`);
          expect(Array.from(parseIpv6Addr(ours)!)).toEqual(Array.from(b));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('round-trips any 16 bytes, and accepts exactly what node:net accepts (without zones)', () => {
    fc.assert(
      fc.property(arbV6, (a) => {
        expect(Array.from(parseIpv6Addr(formatIpv6Addr(a))!)).toEqual(Array.from(a));
      }),
    );
    const group = fc.oneof(fc.constantFrom('', '0', '00000', 'g', '1.2.3.4', '1.2.3', 'ffff', 'FfFf'), fc.nat(0xffff).map((n) => n.toString(16)));
    fc.assert(
      fc.property(fc.array(group, { minLength: 1, maxLength: 10 }), (groups) => {
        const s = groups.join(':');
        expect(parseIpv6Addr(s) !== null).toBe(isIPv6(s));
      }),
      { numRuns: 2000 },
    );
    for (const bad of [':::', '1:::2', '1::2::3', ':1::2', '1::2:', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '::ffff:1.2.3.4:5', '1.2.3.4::', 'fe80::1%eth0', '[::1]']) {
      expect(parseIpv6Addr(bad)).toBeNull();
    }
    expect(parseIpv6Addr('1:2:3:4:5:6:7::')).not.toBeNull();
    expect(parseIpv6Addr('::2:3:4:5:6:7:8')).not.toBeNull();
  });

  it('compares, classifies, and derives solicited-node groups', () => {
    const a = parseIpv6Addr('fe80::1')!;
    const b = parseIpv6Addr('fe80::2')!;
    expect(compareIpv6(a, 0, b, 0)).toBeLessThan(0);
    expect(ipv6Equals(a, 0, parseIpv6Addr('FE80:0::1')!, 0)).toBe(true);
    expect(isIpv6LinkLocal(a)).toBe(true);
    expect(isIpv6LinkLocal(parseIpv6Addr('fec0::1')!)).toBe(false);
    expect(formatIpv6Addr(solicitedNodeMulticast(parseIpv6Addr('2001:db8::12:3456:789a')!))).toBe('ff02::1:ff56:789a');
  });

  it('picks the family from the text', () => {
    expect(parseIpAddr('10.0.0.1')).toBe(0x0a000001);
    expect(parseIpAddr('::1')).toBeInstanceOf(Uint8Array);
    expect(parseIpAddr('nope')).toBeNull();
    expect(formatIpAddr(0x0a000001)).toBe('10.0.0.1');
    expect(formatIpAddr(parseIpv6Addr('2001:db8::1')!)).toBe('2001:db8::1');
  });
});
