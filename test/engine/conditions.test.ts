/**
 * Filter conditions: R40 (AND/OR/empty), R41 (no type conversion, the mask exceptions, PREFIX = suffix, FWP_EMPTY),
 * every FWP_MATCH_TYPE, and the add-time validation statuses.
 */
import { describe, expect, it } from 'vitest';
import { ipv4, ipv4Mask, ipv6, mac } from '../../src/engine/addresses.js';
import {
  FWPM_CONDITION_ALE_APP_ID,
  FWPM_CONDITION_ETHER_TYPE,
  FWPM_CONDITION_FLAGS,
  FWPM_CONDITION_IP_ARRIVAL_INTERFACE,
  FWPM_CONDITION_IP_LOCAL_INTERFACE,
  FWPM_CONDITION_IP_PROTOCOL,
  FWPM_CONDITION_IP_REMOTE_ADDRESS,
  FWPM_CONDITION_IP_REMOTE_PORT,
  FWPM_CONDITION_MAC_SOURCE_ADDRESS,
  FWPM_CONDITION_PEER_NAME,
} from '../../src/engine/condition-keys.js';
import type { FWPM_FILTER_CONDITION0 } from '../../src/engine/conditions.js';
import {
  FWP_ACTION_BLOCK,
  FWP_BYTE_BLOB_TYPE,
  FWP_CONDITION_FLAG_IS_LOOPBACK,
  FWP_CONDITION_FLAG_IS_REAUTHORIZE,
  FWP_EMPTY,
  FWP_MATCH_EQUAL,
  FWP_MATCH_EQUAL_CASE_INSENSITIVE,
  FWP_MATCH_FLAGS_ALL_SET,
  FWP_MATCH_FLAGS_ANY_SET,
  FWP_MATCH_FLAGS_NONE_SET,
  FWP_MATCH_GREATER,
  FWP_MATCH_GREATER_OR_EQUAL,
  FWP_MATCH_LESS,
  FWP_MATCH_LESS_OR_EQUAL,
  FWP_MATCH_NOT_EQUAL,
  FWP_MATCH_NOT_PREFIX,
  FWP_MATCH_PREFIX,
  FWP_MATCH_RANGE,
  FWP_UINT16,
  FWP_UINT32,
  FWP_UINT64,
  FWP_UINT8,
} from '../../src/engine/constants.js';
import { statusOf } from '../../src/engine/errors.js';
import {
  FWPS_LAYER_ALE_AUTH_CONNECT_V4,
  FWPS_LAYER_ALE_AUTH_CONNECT_V6,
  FWPS_LAYER_INGRESS_VSWITCH_ETHERNET,
} from '../../src/engine/layers.js';
import { NTSTATUS } from '../../src/engine/ntstatus.js';
import {
  fwpByteArray16,
  fwpByteArray6,
  fwpByteBlob,
  fwpRange,
  fwpUint16,
  fwpUint32,
  fwpUint64,
  fwpUnicodeString,
  fwpV4AddrMask,
  fwpV6AddrMask,
  type FWP_CONDITION_VALUE0,
} from '../../src/engine/values.js';
import { Harness, protocol, remotePort, type FieldValues } from './engine-harness.js';

const cond = (fieldKey: string, matchType: number, conditionValue: FWP_CONDITION_VALUE0): FWPM_FILTER_CONDITION0 => ({ fieldKey, matchType, conditionValue });

/** Does a BLOCK filter with these conditions match a packet with these fields? */
function matches(conditions: FWPM_FILTER_CONDITION0[], fields: FieldValues, layerId = FWPS_LAYER_ALE_AUTH_CONNECT_V4): boolean {
  const h = new Harness();
  h.filter({ layerId, action: FWP_ACTION_BLOCK, conditions });
  return h.classify(layerId, fields).matched;
}

/** The status FwpmFilterAdd0 returns for a filter with these conditions. */
function addStatus(conditions: FWPM_FILTER_CONDITION0[], layerId = FWPS_LAYER_ALE_AUTH_CONNECT_V4): number {
  const h = new Harness();
  return statusOf(() => h.filter({ layerId, action: FWP_ACTION_BLOCK, conditions }));
}

/** A UTF-16LE, NUL-terminated blob, as FwpmGetAppIdFromFileName0 produces. */
function wide(s: string): Uint8Array {
  const b = Buffer.from(`${s}\0`, 'utf16le');
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

describe('R40: combining conditions', () => {
  it('R40: a filter with no conditions matches everything', () => {
    expect(matches([], {})).toBe(true);
    expect(matches([], { IP_REMOTE_PORT: 1, IP_PROTOCOL: 17 })).toBe(true);
  });

  it('R40: conditions on different fields are ANDed', () => {
    const c = [remotePort(443), protocol(6)];
    expect(matches(c, { IP_REMOTE_PORT: 443, IP_PROTOCOL: 6 })).toBe(true);
    expect(matches(c, { IP_REMOTE_PORT: 443, IP_PROTOCOL: 17 })).toBe(false);
    expect(matches(c, { IP_REMOTE_PORT: 80, IP_PROTOCOL: 6 })).toBe(false);
  });

  it('R40: consecutive conditions on the same field are ORed', () => {
    const c = [remotePort(80), remotePort(443), protocol(6)];
    expect(matches(c, { IP_REMOTE_PORT: 80, IP_PROTOCOL: 6 })).toBe(true);
    expect(matches(c, { IP_REMOTE_PORT: 443, IP_PROTOCOL: 6 })).toBe(true);
    expect(matches(c, { IP_REMOTE_PORT: 22, IP_PROTOCOL: 6 })).toBe(false);
    expect(matches(c, { IP_REMOTE_PORT: 80, IP_PROTOCOL: 17 })).toBe(false);
  });

  it('R40: conditions on the same field that are not consecutive are ANDed', () => {
    const c = [remotePort(80), protocol(6), remotePort(443)];
    expect(matches(c, { IP_REMOTE_PORT: 80, IP_PROTOCOL: 6 })).toBe(false);
    expect(matches(c, { IP_REMOTE_PORT: 443, IP_PROTOCOL: 6 })).toBe(false);
  });
});

describe('R41: data types', () => {
  it('R41: a condition of another data type than its field is accepted but never matches', () => {
    const c = [cond(FWPM_CONDITION_IP_PROTOCOL, FWP_MATCH_EQUAL, fwpUint16(6))]; // IP_PROTOCOL is FWP_UINT8
    expect(addStatus(c)).toBe(NTSTATUS.STATUS_SUCCESS);
    expect(matches(c, { IP_PROTOCOL: 6 })).toBe(false);
    expect(matches([cond(FWPM_CONDITION_IP_PROTOCOL, FWP_MATCH_EQUAL, { type: FWP_UINT8, uint8: 6 })], { IP_PROTOCOL: 6 })).toBe(true);
  });

  it('R41: an IPv4 address (FWP_UINT32, host order) matches an FWP_V4_ADDR_MASK condition by prefix', () => {
    const c = [cond(FWPM_CONDITION_IP_REMOTE_ADDRESS, FWP_MATCH_EQUAL, fwpV4AddrMask(ipv4('10.1.0.0'), ipv4Mask(16)))];
    expect(matches(c, { IP_REMOTE_ADDRESS: ipv4('10.1.200.7') })).toBe(true);
    expect(matches(c, { IP_REMOTE_ADDRESS: ipv4('10.2.0.1') })).toBe(false);
    const notIn = [cond(FWPM_CONDITION_IP_REMOTE_ADDRESS, FWP_MATCH_NOT_EQUAL, fwpV4AddrMask(ipv4('10.1.0.0'), ipv4Mask(16)))];
    expect(matches(notIn, { IP_REMOTE_ADDRESS: ipv4('10.2.0.1') })).toBe(true);
  });

  it('R41: an IPv6 address (FWP_BYTE_ARRAY16, network order) matches an FWP_V6_ADDR_MASK condition by prefix', () => {
    const c = [cond(FWPM_CONDITION_IP_REMOTE_ADDRESS, FWP_MATCH_EQUAL, fwpV6AddrMask(ipv6('2001:db8:aa00::'), 40))];
    expect(matches(c, { IP_REMOTE_ADDRESS: ipv6('2001:db8:aaff::1') }, FWPS_LAYER_ALE_AUTH_CONNECT_V6)).toBe(true);
    expect(matches(c, { IP_REMOTE_ADDRESS: ipv6('2001:db8:ab00::1') }, FWPS_LAYER_ALE_AUTH_CONNECT_V6)).toBe(false);
    // A v4 mask on the v6 field is the wrong type: never matches.
    const wrong = [cond(FWPM_CONDITION_IP_REMOTE_ADDRESS, FWP_MATCH_EQUAL, fwpV4AddrMask(0, 0))];
    expect(matches(wrong, { IP_REMOTE_ADDRESS: ipv6('::1') }, FWPS_LAYER_ALE_AUTH_CONNECT_V6)).toBe(false);
  });

  it('R41: FWP_MATCH_PREFIX matches a suffix (and NOT_PREFIX its negation)', () => {
    const path = '\\device\\harddiskvolume1\\program files\\app.exe';
    const suffix = [cond(FWPM_CONDITION_PEER_NAME, FWP_MATCH_PREFIX, fwpUnicodeString('app.exe'))];
    const prefix = [cond(FWPM_CONDITION_PEER_NAME, FWP_MATCH_PREFIX, fwpUnicodeString('\\device'))];
    expect(matches(suffix, { PEER_NAME: path })).toBe(true);
    expect(matches(prefix, { PEER_NAME: path })).toBe(false);
    expect(matches([cond(FWPM_CONDITION_PEER_NAME, FWP_MATCH_NOT_PREFIX, fwpUnicodeString('app.exe'))], { PEER_NAME: path })).toBe(false);
    expect(matches([cond(FWPM_CONDITION_PEER_NAME, FWP_MATCH_NOT_PREFIX, fwpUnicodeString('\\device'))], { PEER_NAME: path })).toBe(true);
  });

  it('R41: FWP_MATCH_PREFIX on a byte blob app id tests the end of the string (ignoring the wide NUL)', () => {
    const appId = wide('\\device\\harddiskvolume1\\windows\\system32\\svchost.exe');
    const blob = { size: appId.length, data: appId };
    expect(matches([cond(FWPM_CONDITION_ALE_APP_ID, FWP_MATCH_PREFIX, fwpByteBlob(wide('svchost.exe')))], { ALE_APP_ID: null }, FWPS_LAYER_ALE_AUTH_CONNECT_V4)).toBe(false);
    const h = new Harness();
    h.filter({ action: FWP_ACTION_BLOCK, conditions: [cond(FWPM_CONDITION_ALE_APP_ID, FWP_MATCH_PREFIX, fwpByteBlob(wide('svchost.exe')))] });
    const v = h.values();
    v.at(0).type = FWP_BYTE_BLOB_TYPE;
    v.at(0).byteBlob = blob;
    expect(h.engine.classify(v, h.meta()).matched).toBe(true);
  });

  it('R41: an FWP_EMPTY value matches an EQUAL condition whose value is FWP_EMPTY, and nothing else', () => {
    const emptyCond = [cond(FWPM_CONDITION_IP_ARRIVAL_INTERFACE, FWP_MATCH_EQUAL, { type: FWP_EMPTY })];
    const valueCond = [cond(FWPM_CONDITION_IP_ARRIVAL_INTERFACE, FWP_MATCH_EQUAL, fwpUint64(0n))];
    // Unknown during a reauthorization: the host clears the slot to FWP_EMPTY.
    expect(matches(emptyCond, { IP_ARRIVAL_INTERFACE: null })).toBe(true);
    expect(matches(valueCond, { IP_ARRIVAL_INTERFACE: null })).toBe(false);
    expect(matches(emptyCond, { IP_ARRIVAL_INTERFACE: 5n })).toBe(false);
    expect(matches(valueCond, { IP_ARRIVAL_INTERFACE: 0n })).toBe(true);
  });
});

describe('match types', () => {
  const port = (mt: number, v: number) => [cond(FWPM_CONDITION_IP_REMOTE_PORT, mt, fwpUint16(v))];

  it('EQUAL / NOT_EQUAL on a UINT16 field', () => {
    expect(matches(port(FWP_MATCH_EQUAL, 443), { IP_REMOTE_PORT: 443 })).toBe(true);
    expect(matches(port(FWP_MATCH_NOT_EQUAL, 443), { IP_REMOTE_PORT: 443 })).toBe(false);
    expect(matches(port(FWP_MATCH_NOT_EQUAL, 443), { IP_REMOTE_PORT: 80 })).toBe(true);
  });

  it('GREATER / LESS / GREATER_OR_EQUAL / LESS_OR_EQUAL compare the value with the condition', () => {
    expect(matches(port(FWP_MATCH_GREATER, 1024), { IP_REMOTE_PORT: 1025 })).toBe(true);
    expect(matches(port(FWP_MATCH_GREATER, 1024), { IP_REMOTE_PORT: 1024 })).toBe(false);
    expect(matches(port(FWP_MATCH_GREATER_OR_EQUAL, 1024), { IP_REMOTE_PORT: 1024 })).toBe(true);
    expect(matches(port(FWP_MATCH_LESS, 1024), { IP_REMOTE_PORT: 1023 })).toBe(true);
    expect(matches(port(FWP_MATCH_LESS, 1024), { IP_REMOTE_PORT: 1024 })).toBe(false);
    expect(matches(port(FWP_MATCH_LESS_OR_EQUAL, 1024), { IP_REMOTE_PORT: 1024 })).toBe(true);
  });

  it('RANGE includes both ends', () => {
    const r = [cond(FWPM_CONDITION_IP_REMOTE_PORT, FWP_MATCH_RANGE, fwpRange(fwpUint16(1000), fwpUint16(2000)))];
    expect(matches(r, { IP_REMOTE_PORT: 999 })).toBe(false);
    expect(matches(r, { IP_REMOTE_PORT: 1000 })).toBe(true);
    expect(matches(r, { IP_REMOTE_PORT: 2000 })).toBe(true);
    expect(matches(r, { IP_REMOTE_PORT: 2001 })).toBe(false);
  });

  it('RANGE over IPv4 addresses (host-order UINT32) covers an address block', () => {
    const r = [cond(FWPM_CONDITION_IP_REMOTE_ADDRESS, FWP_MATCH_RANGE, fwpRange(fwpUint32(ipv4('192.168.1.10')), fwpUint32(ipv4('192.168.1.20'))))];
    expect(matches(r, { IP_REMOTE_ADDRESS: ipv4('192.168.1.15') })).toBe(true);
    expect(matches(r, { IP_REMOTE_ADDRESS: ipv4('192.168.1.21') })).toBe(false);
  });

  it('FLAGS_ALL_SET / FLAGS_ANY_SET / FLAGS_NONE_SET on the FLAGS field', () => {
    const both = FWP_CONDITION_FLAG_IS_LOOPBACK | FWP_CONDITION_FLAG_IS_REAUTHORIZE;
    const f = (mt: number) => [cond(FWPM_CONDITION_FLAGS, mt, fwpUint32(both))];
    expect(matches(f(FWP_MATCH_FLAGS_ALL_SET), { FLAGS: both | 0x100 })).toBe(true);
    expect(matches(f(FWP_MATCH_FLAGS_ALL_SET), { FLAGS: FWP_CONDITION_FLAG_IS_REAUTHORIZE })).toBe(false);
    expect(matches(f(FWP_MATCH_FLAGS_ANY_SET), { FLAGS: FWP_CONDITION_FLAG_IS_REAUTHORIZE })).toBe(true);
    expect(matches(f(FWP_MATCH_FLAGS_ANY_SET), { FLAGS: 0x100 })).toBe(false);
    expect(matches(f(FWP_MATCH_FLAGS_NONE_SET), { FLAGS: 0x100 })).toBe(true);
    expect(matches(f(FWP_MATCH_FLAGS_NONE_SET), { FLAGS: FWP_CONDITION_FLAG_IS_LOOPBACK })).toBe(false);
  });

  it('EQUAL_CASE_INSENSITIVE on a unicode string', () => {
    const c = [cond(FWPM_CONDITION_PEER_NAME, FWP_MATCH_EQUAL_CASE_INSENSITIVE, fwpUnicodeString('Server.Example.COM'))];
    expect(matches(c, { PEER_NAME: 'server.example.com' })).toBe(true);
    expect(matches(c, { PEER_NAME: 'server.example.org' })).toBe(false);
    expect(matches([cond(FWPM_CONDITION_PEER_NAME, FWP_MATCH_EQUAL, fwpUnicodeString('Server.Example.COM'))], { PEER_NAME: 'server.example.com' })).toBe(false);
  });

  it('UINT64 fields compare as 64-bit unsigned (bigint)', () => {
    const big = 0xfedcba9876543210n;
    expect(matches([cond(FWPM_CONDITION_IP_LOCAL_INTERFACE, FWP_MATCH_EQUAL, fwpUint64(big))], { IP_LOCAL_INTERFACE: big })).toBe(true);
    expect(matches([cond(FWPM_CONDITION_IP_LOCAL_INTERFACE, FWP_MATCH_GREATER, fwpUint64(1n << 63n))], { IP_LOCAL_INTERFACE: big })).toBe(true);
    expect(matches([cond(FWPM_CONDITION_IP_LOCAL_INTERFACE, FWP_MATCH_LESS, fwpUint64(1n << 63n))], { IP_LOCAL_INTERFACE: big })).toBe(false);
  });

  it('BYTE_ARRAY16 (IPv6) is sortable in network byte order', () => {
    const c = [cond(FWPM_CONDITION_IP_REMOTE_ADDRESS, FWP_MATCH_GREATER, fwpByteArray16(ipv6('2001:db8::1')))];
    expect(matches(c, { IP_REMOTE_ADDRESS: ipv6('2001:db8::2') }, FWPS_LAYER_ALE_AUTH_CONNECT_V6)).toBe(true);
    expect(matches(c, { IP_REMOTE_ADDRESS: ipv6('2001:db7:ffff::') }, FWPS_LAYER_ALE_AUTH_CONNECT_V6)).toBe(false);
  });

  it('BYTE_ARRAY6 (MAC) EQUAL at the vSwitch layer', () => {
    const c = [cond(FWPM_CONDITION_MAC_SOURCE_ADDRESS, FWP_MATCH_EQUAL, fwpByteArray6(mac('02:00:00:00:00:01')))];
    expect(matches(c, { MAC_SOURCE_ADDRESS: mac('02:00:00:00:00:01') }, FWPS_LAYER_INGRESS_VSWITCH_ETHERNET)).toBe(true);
    expect(matches(c, { MAC_SOURCE_ADDRESS: mac('02:00:00:00:00:02') }, FWPS_LAYER_INGRESS_VSWITCH_ETHERNET)).toBe(false);
  });
});

describe('validation when a filter is added', () => {
  it('a field that is not a field of the layer → STATUS_FWP_CONDITION_NOT_FOUND', () => {
    expect(addStatus([cond(FWPM_CONDITION_ETHER_TYPE, FWP_MATCH_EQUAL, fwpUint16(0x800))])).toBe(NTSTATUS.STATUS_FWP_CONDITION_NOT_FOUND);
  });

  it('a match type the data type does not support → STATUS_FWP_MATCH_TYPE_MISMATCH', () => {
    expect(addStatus([cond(FWPM_CONDITION_ALE_APP_ID, FWP_MATCH_FLAGS_ALL_SET, fwpByteBlob(new Uint8Array([1])))])).toBe(NTSTATUS.STATUS_FWP_MATCH_TYPE_MISMATCH);
    expect(addStatus([cond(FWPM_CONDITION_IP_REMOTE_PORT, FWP_MATCH_EQUAL_CASE_INSENSITIVE, fwpUint16(1))])).toBe(NTSTATUS.STATUS_FWP_MATCH_TYPE_MISMATCH);
    expect(addStatus([cond(FWPM_CONDITION_IP_REMOTE_PORT, FWP_MATCH_PREFIX, fwpUint16(1))])).toBe(NTSTATUS.STATUS_FWP_MATCH_TYPE_MISMATCH);
    expect(addStatus([cond(FWPM_CONDITION_IP_REMOTE_PORT, FWP_MATCH_RANGE, fwpUint16(1))])).toBe(NTSTATUS.STATUS_FWP_MATCH_TYPE_MISMATCH);
    expect(addStatus([cond(FWPM_CONDITION_IP_REMOTE_PORT, FWP_MATCH_EQUAL, fwpRange(fwpUint16(1), fwpUint16(2)))])).toBe(NTSTATUS.STATUS_FWP_MATCH_TYPE_MISMATCH);
  });

  it('a range whose low end is above its high end → STATUS_FWP_INVALID_RANGE', () => {
    expect(addStatus([cond(FWPM_CONDITION_IP_REMOTE_PORT, FWP_MATCH_RANGE, fwpRange(fwpUint16(9), fwpUint16(2)))])).toBe(NTSTATUS.STATUS_FWP_INVALID_RANGE);
    expect(addStatus([cond(FWPM_CONDITION_IP_REMOTE_PORT, FWP_MATCH_RANGE, fwpRange(fwpUint16(1), fwpUint32(2)))])).toBe(NTSTATUS.STATUS_FWP_INVALID_RANGE);
  });

  it('a non-contiguous v4 mask or a v6 prefix above 128 → STATUS_FWP_INVALID_NET_MASK', () => {
    expect(addStatus([cond(FWPM_CONDITION_IP_REMOTE_ADDRESS, FWP_MATCH_EQUAL, fwpV4AddrMask(ipv4('10.0.0.0'), 0xff00ff00))])).toBe(NTSTATUS.STATUS_FWP_INVALID_NET_MASK);
    expect(addStatus([cond(FWPM_CONDITION_IP_REMOTE_ADDRESS, FWP_MATCH_EQUAL, fwpV6AddrMask(ipv6('::'), 129))], FWPS_LAYER_ALE_AUTH_CONNECT_V6)).toBe(NTSTATUS.STATUS_FWP_INVALID_NET_MASK);
  });

  it('an unknown match type → STATUS_FWP_INVALID_ENUMERATOR; a missing value → STATUS_FWP_NULL_POINTER', () => {
    expect(addStatus([cond(FWPM_CONDITION_IP_REMOTE_PORT, 99, fwpUint16(1))])).toBe(NTSTATUS.STATUS_FWP_INVALID_ENUMERATOR);
    expect(addStatus([{ fieldKey: FWPM_CONDITION_IP_REMOTE_PORT, matchType: FWP_MATCH_EQUAL } as unknown as FWPM_FILTER_CONDITION0])).toBe(NTSTATUS.STATUS_FWP_NULL_POINTER);
    expect(addStatus([cond(FWPM_CONDITION_IP_REMOTE_PORT, FWP_MATCH_EQUAL, { type: FWP_UINT64 })])).toBe(NTSTATUS.STATUS_FWP_NULL_POINTER);
  });

  it('values are copied: changing the caller\'s condition after the add changes nothing', () => {
    const h = new Harness();
    const value = { type: FWP_UINT16, uint16: 443 };
    h.filter({ action: FWP_ACTION_BLOCK, conditions: [{ fieldKey: FWPM_CONDITION_IP_REMOTE_PORT, matchType: FWP_MATCH_EQUAL, conditionValue: value }] });
    value.uint16 = 80;
    expect(h.classify(FWPS_LAYER_ALE_AUTH_CONNECT_V4, { IP_REMOTE_PORT: 443 }).matched).toBe(true);
    expect(h.classify(FWPS_LAYER_ALE_AUTH_CONNECT_V4, { IP_REMOTE_PORT: 80 }).matched).toBe(false);
  });

  it('a v4 condition value built with signed bit arithmetic still matches (values are kept unsigned)', () => {
    const signed = (192 << 24) | (168 << 16) | 1; // negative as an int32
    expect(signed).toBeLessThan(0);
    const h = new Harness();
    h.filter({ action: FWP_ACTION_BLOCK, conditions: [cond(FWPM_CONDITION_IP_REMOTE_ADDRESS, FWP_MATCH_EQUAL, { type: FWP_UINT32, uint32: signed })] });
    const v = h.values();
    v.at(6).uint32 = signed;
    expect(h.engine.classify(v, h.meta()).matched).toBe(true);
  });
});
