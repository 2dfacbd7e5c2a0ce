/**
 * The layer table: run-time ids and keys, FWPS_FIELDS_* orders as in fwpsk.h, field data types (R70), data offset
 * positions (R68), header-size metadata for the inbound retreat (R69), and which layers can be pended (R22).
 */
import { describe, expect, it } from 'vitest';
import { ipv4, ipv6 } from '../../src/engine/addresses.js';
import {
  FWPM_CONDITION_ICMP_TYPE,
  FWPM_CONDITION_IP_LOCAL_PORT,
  FWPM_CONDITION_IP_REMOTE_ADDRESS,
} from '../../src/engine/condition-keys.js';
import {
  FWPS_METADATA_FIELD_COMPLETION_HANDLE,
  FWPS_METADATA_FIELD_DISCARD_REASON,
  FWPS_METADATA_FIELD_FLOW_HANDLE,
  FWPS_METADATA_FIELD_IP_HEADER_SIZE,
  FWPS_METADATA_FIELD_TRANSPORT_HEADER_SIZE,
  FWPS_L2_METADATA_FIELD_VSWITCH_DESTINATION_PORT_ID,
  FWPS_L2_METADATA_FIELD_VSWITCH_SOURCE_PORT_ID,
  FWP_ACTION_BLOCK,
  FWP_BYTE_ARRAY16_TYPE,
  FWP_BYTE_ARRAY6_TYPE,
  FWP_BYTE_BLOB_TYPE,
  FWP_TOKEN_ACCESS_INFORMATION_TYPE,
  FWP_UINT16,
  FWP_UINT32,
  FWP_UINT64,
  FWP_UINT8,
} from '../../src/engine/constants.js';
import { createIncomingValues, retargetIncomingValues } from '../../src/engine/incoming.js';
import {
  ALL_LAYERS,
  FWPM_LAYER_ALE_AUTH_CONNECT_V4,
  FWPM_LAYER_EGRESS_VSWITCH_ETHERNET,
  FWPM_LAYER_INBOUND_TRANSPORT_V6_DISCARD,
  FWPS_FIELDS_ALE_AUTH_CONNECT_V4,
  FWPS_FIELDS_ALE_AUTH_RECV_ACCEPT_V4,
  FWPS_FIELDS_ALE_FLOW_ESTABLISHED_V6,
  FWPS_FIELDS_DATAGRAM_DATA_V4,
  FWPS_FIELDS_EGRESS_VSWITCH_ETHERNET,
  FWPS_FIELDS_INBOUND_IPPACKET_V4,
  FWPS_FIELDS_INBOUND_MAC_FRAME_ETHERNET,
  FWPS_FIELDS_INBOUND_TRANSPORT_V4,
  FWPS_FIELDS_INGRESS_VSWITCH_ETHERNET,
  FWPS_FIELDS_OUTBOUND_ICMP_ERROR_V4,
  FWPS_FIELDS_OUTBOUND_ICMP_ERROR_V6,
  FWPS_FIELDS_OUTBOUND_IPPACKET_V4,
  FWPS_FIELDS_OUTBOUND_TRANSPORT_V4,
  FWPS_LAYER_ALE_AUTH_CONNECT_V4,
  FWPS_LAYER_ALE_AUTH_CONNECT_V6,
  FWPS_LAYER_ALE_AUTH_LISTEN_V4,
  FWPS_LAYER_ALE_AUTH_RECV_ACCEPT_V4,
  FWPS_LAYER_ALE_AUTH_RECV_ACCEPT_V6,
  FWPS_LAYER_ALE_FLOW_ESTABLISHED_V4,
  FWPS_LAYER_ALE_RESOURCE_ASSIGNMENT_V4,
  FWPS_LAYER_DATAGRAM_DATA_V4,
  FWPS_LAYER_EGRESS_VSWITCH_ETHERNET,
  FWPS_LAYER_INBOUND_ICMP_ERROR_V4,
  FWPS_LAYER_INBOUND_IPPACKET_V4,
  FWPS_LAYER_INBOUND_MAC_FRAME_ETHERNET,
  FWPS_LAYER_INBOUND_TRANSPORT_V4,
  FWPS_LAYER_INBOUND_TRANSPORT_V4_DISCARD,
  FWPS_LAYER_INGRESS_VSWITCH_ETHERNET,
  FWPS_LAYER_OUTBOUND_ICMP_ERROR_V4,
  FWPS_LAYER_OUTBOUND_IPPACKET_V4,
  FWPS_LAYER_OUTBOUND_MAC_FRAME_ETHERNET,
  FWPS_LAYER_OUTBOUND_TRANSPORT_V4,
  fieldIndex,
  layerById,
  layerByKey,
  layerName,
} from '../../src/engine/layers.js';
import { Harness, remoteAddr } from './engine-harness.js';

describe('run-time layer ids and management keys', () => {
  it('FWPS_BUILTIN_LAYERS: ids 0–55 are sequential, each layer followed by its _DISCARD twin', () => {
    const ids = ALL_LAYERS.filter((l) => l.layerId < 56);
    expect(ids.map((l) => l.layerId)).toEqual(Array.from({ length: 56 }, (_, i) => i));
    for (const l of ids) {
      if (l.layerId % 2 === 0) {
        expect(l.isDiscard).toBe(false);
        expect(l.discardLayerId).toBe(l.layerId + 1);
        expect(layerById(l.layerId + 1)!.name).toBe(`${l.name}_DISCARD`);
      } else {
        expect(l.isDiscard).toBe(true);
        expect(l.baseLayerId).toBe(l.layerId - 1);
      }
    }
    expect(layerName(FWPS_LAYER_ALE_AUTH_CONNECT_V4)).toBe('FWPS_LAYER_ALE_AUTH_CONNECT_V4');
    expect(layerName(FWPS_LAYER_ALE_AUTH_RECV_ACCEPT_V6)).toBe('FWPS_LAYER_ALE_AUTH_RECV_ACCEPT_V6');
  });

  it('the MAC and vSwitch layers have the spec §1.2 ids and no discard twin', () => {
    expect([FWPS_LAYER_INBOUND_MAC_FRAME_ETHERNET, FWPS_LAYER_OUTBOUND_MAC_FRAME_ETHERNET, FWPS_LAYER_INGRESS_VSWITCH_ETHERNET, FWPS_LAYER_EGRESS_VSWITCH_ETHERNET]).toEqual([56, 57, 72, 73]);
    for (const id of [56, 57, 72, 73]) expect(layerById(id)!.discardLayerId).toBe(-1);
  });

  it('FWPM_LAYER_* keys resolve to their run-time layers (any GUID spelling)', () => {
    expect(layerByKey(FWPM_LAYER_ALE_AUTH_CONNECT_V4)!.layerId).toBe(48);
    expect(layerByKey(`{${FWPM_LAYER_ALE_AUTH_CONNECT_V4.toUpperCase()}}`)!.layerId).toBe(48);
    expect(layerByKey(FWPM_LAYER_INBOUND_TRANSPORT_V6_DISCARD)!.layerId).toBe(15);
    expect(layerByKey(FWPM_LAYER_EGRESS_VSWITCH_ETHERNET)!.layerId).toBe(73);
    expect(new Set(ALL_LAYERS.map((l) => l.layerKey)).size).toBe(ALL_LAYERS.length);
  });
});

describe('FWPS_FIELDS_* orders (fwpsk.h)', () => {
  it('OUTBOUND_TRANSPORT_V4 has IP_LOCAL_ADDRESS_TYPE before IP_REMOTE_ADDRESS', () => {
    const f = FWPS_FIELDS_OUTBOUND_TRANSPORT_V4;
    expect([f.IP_PROTOCOL, f.IP_LOCAL_ADDRESS, f.IP_LOCAL_ADDRESS_TYPE, f.IP_REMOTE_ADDRESS, f.IP_LOCAL_PORT, f.IP_REMOTE_PORT]).toEqual([0, 1, 2, 3, 4, 5]);
    expect([f.IP_DESTINATION_ADDRESS_TYPE, f.FLAGS, f.PROFILE_ID, f.COMPARTMENT_ID, f.MAX]).toEqual([9, 10, 13, 15, 16]);
  });

  it('INBOUND_TRANSPORT_V4 has IP_REMOTE_ADDRESS before IP_LOCAL_ADDRESS_TYPE', () => {
    const f = FWPS_FIELDS_INBOUND_TRANSPORT_V4;
    expect([f.IP_PROTOCOL, f.IP_LOCAL_ADDRESS, f.IP_REMOTE_ADDRESS, f.IP_LOCAL_ADDRESS_TYPE, f.IP_LOCAL_PORT, f.IP_REMOTE_PORT]).toEqual([0, 1, 2, 3, 4, 5]);
    expect([f.FLAGS, f.COMPARTMENT_ID]).toEqual([9, 14]);
  });

  it('ALE_AUTH_CONNECT_V4 follows the documented order', () => {
    const f = FWPS_FIELDS_ALE_AUTH_CONNECT_V4;
    expect([f.ALE_APP_ID, f.ALE_USER_ID, f.IP_LOCAL_ADDRESS, f.IP_LOCAL_PORT, f.IP_PROTOCOL, f.IP_REMOTE_ADDRESS, f.IP_REMOTE_PORT]).toEqual([0, 1, 2, 4, 5, 6, 7]);
    expect([f.FLAGS, f.INTERFACE_INDEX, f.SUB_INTERFACE_INDEX, f.REAUTHORIZE_REASON, f.PEER_NAME, f.COMPARTMENT_ID]).toEqual([12, 15, 16, 28, 29, 36]);
  });

  it('ALE_AUTH_RECV_ACCEPT_V4, ALE_FLOW_ESTABLISHED_V6 and DATAGRAM_DATA_V4 carry FLAGS / DIRECTION where documented', () => {
    expect([FWPS_FIELDS_ALE_AUTH_RECV_ACCEPT_V4.FLAGS, FWPS_FIELDS_ALE_AUTH_RECV_ACCEPT_V4.NAP_CONTEXT, FWPS_FIELDS_ALE_AUTH_RECV_ACCEPT_V4.REAUTHORIZE_REASON]).toEqual([11, 13, 29]);
    expect([FWPS_FIELDS_ALE_FLOW_ESTABLISHED_V6.DIRECTION, FWPS_FIELDS_ALE_FLOW_ESTABLISHED_V6.FLAGS]).toEqual([12, 15]);
    expect([FWPS_FIELDS_DATAGRAM_DATA_V4.DIRECTION, FWPS_FIELDS_DATAGRAM_DATA_V4.FLAGS]).toEqual([9, 10]);
  });

  it('IPPACKET and ICMP error layers: the documented orders, ICMP type/code in the port slots', () => {
    expect([FWPS_FIELDS_INBOUND_IPPACKET_V4.IP_REMOTE_ADDRESS, FWPS_FIELDS_INBOUND_IPPACKET_V4.IP_LOCAL_ADDRESS_TYPE]).toEqual([1, 2]);
    expect([FWPS_FIELDS_OUTBOUND_IPPACKET_V4.IP_LOCAL_ADDRESS_TYPE, FWPS_FIELDS_OUTBOUND_IPPACKET_V4.IP_REMOTE_ADDRESS]).toEqual([1, 2]);
    expect([FWPS_FIELDS_OUTBOUND_ICMP_ERROR_V4.ICMP_TYPE, FWPS_FIELDS_OUTBOUND_ICMP_ERROR_V4.ICMP_CODE]).toEqual([4, 5]);
    expect([FWPS_FIELDS_OUTBOUND_ICMP_ERROR_V6.IP_LOCAL_PORT, FWPS_FIELDS_OUTBOUND_ICMP_ERROR_V6.IP_REMOTE_PORT]).toEqual([4, 5]);
    expect(fieldIndex(FWPS_LAYER_OUTBOUND_ICMP_ERROR_V4, FWPM_CONDITION_ICMP_TYPE)).toBe(4);
    expect(FWPM_CONDITION_ICMP_TYPE).toBe(FWPM_CONDITION_IP_LOCAL_PORT);
  });

  it('MAC and vSwitch Ethernet layers follow the documented orders', () => {
    expect([FWPS_FIELDS_INBOUND_MAC_FRAME_ETHERNET.ETHER_TYPE, FWPS_FIELDS_INBOUND_MAC_FRAME_ETHERNET.INTERFACE, FWPS_FIELDS_INBOUND_MAC_FRAME_ETHERNET.COMPARTMENT_ID]).toEqual([5, 7, 11]);
    expect([FWPS_FIELDS_INGRESS_VSWITCH_ETHERNET.MAC_DESTINATION_ADDRESS, FWPS_FIELDS_INGRESS_VSWITCH_ETHERNET.VSWITCH_ID, FWPS_FIELDS_INGRESS_VSWITCH_ETHERNET.L2_FLAGS, FWPS_FIELDS_INGRESS_VSWITCH_ETHERNET.MAX]).toEqual([2, 7, 12, 14]);
    expect([FWPS_FIELDS_EGRESS_VSWITCH_ETHERNET.VSWITCH_DESTINATION_VM_ID, FWPS_FIELDS_EGRESS_VSWITCH_ETHERNET.L2_FLAGS, FWPS_FIELDS_EGRESS_VSWITCH_ETHERNET.MAX]).toEqual([14, 15, 17]);
  });
});

describe('R70: field encodings', () => {
  it('R70: v4 addresses are FWP_UINT32, v6 addresses FWP_BYTE_ARRAY16, ports FWP_UINT16, protocol FWP_UINT8', () => {
    const v4 = layerById(FWPS_LAYER_ALE_AUTH_CONNECT_V4)!;
    const v6 = layerById(FWPS_LAYER_ALE_AUTH_CONNECT_V6)!;
    const type = (l: typeof v4, name: string) => l.fields.find((f) => f.name === name)!.dataType;
    expect(type(v4, 'IP_REMOTE_ADDRESS')).toBe(FWP_UINT32);
    expect(type(v4, 'IP_LOCAL_ADDRESS')).toBe(FWP_UINT32);
    expect(type(v6, 'IP_REMOTE_ADDRESS')).toBe(FWP_BYTE_ARRAY16_TYPE);
    expect(type(v4, 'IP_REMOTE_PORT')).toBe(FWP_UINT16);
    expect(type(v4, 'IP_PROTOCOL')).toBe(FWP_UINT8);
    expect(type(v4, 'IP_LOCAL_INTERFACE')).toBe(FWP_UINT64);
    expect(type(v4, 'ALE_APP_ID')).toBe(FWP_BYTE_BLOB_TYPE);
    expect(type(v4, 'ALE_USER_ID')).toBe(FWP_TOKEN_ACCESS_INFORMATION_TYPE);
    const vs = layerById(FWPS_LAYER_INGRESS_VSWITCH_ETHERNET)!;
    expect(type(vs, 'MAC_SOURCE_ADDRESS')).toBe(FWP_BYTE_ARRAY6_TYPE);
    expect(type(vs, 'ETHER_TYPE')).toBe(FWP_UINT16);
    expect(type(vs, 'VSWITCH_ID')).toBe(FWP_BYTE_BLOB_TYPE);
  });

  it('R70: a v4 address condition in host order matches the host-order incoming value; the network-order value does not', () => {
    const h = new Harness();
    const host = ipv4('192.168.1.10');
    const id = h.filter({ action: FWP_ACTION_BLOCK, conditions: [remoteAddr(host)] });
    expect(host).toBe(0xc0a8010a);
    expect(h.classify(FWPS_LAYER_ALE_AUTH_CONNECT_V4, { IP_REMOTE_ADDRESS: host }).filterId).toBe(id);
    const networkOrder = Buffer.from([192, 168, 1, 10]).readUInt32LE(0);
    expect(h.classify(FWPS_LAYER_ALE_AUTH_CONNECT_V4, { IP_REMOTE_ADDRESS: networkOrder }).matched).toBe(false);
  });

  it('R70: a v6 address condition is 16 bytes in network order', () => {
    const h = new Harness();
    const a = ipv6('2001:db8::10');
    expect(Array.from(a.subarray(0, 4))).toEqual([0x20, 0x01, 0x0d, 0xb8]);
    h.filter({
      layerId: FWPS_LAYER_ALE_AUTH_CONNECT_V6,
      action: FWP_ACTION_BLOCK,
      conditions: [{ fieldKey: FWPM_CONDITION_IP_REMOTE_ADDRESS, matchType: 0, conditionValue: { type: FWP_BYTE_ARRAY16_TYPE, byteArray16: a } }],
    });
    expect(h.classify(FWPS_LAYER_ALE_AUTH_CONNECT_V6, { IP_REMOTE_ADDRESS: ipv6('2001:db8::10') }).matched).toBe(true);
  });

  it('createIncomingValues types every slot as its field, and a discard twin shares the layout', () => {
    const v = createIncomingValues(FWPS_LAYER_INBOUND_TRANSPORT_V4);
    expect(v.valueCount).toBe(FWPS_FIELDS_INBOUND_TRANSPORT_V4.MAX);
    expect(v.at(FWPS_FIELDS_INBOUND_TRANSPORT_V4.IP_REMOTE_ADDRESS).type).toBe(FWP_UINT32);
    retargetIncomingValues(v, FWPS_LAYER_INBOUND_TRANSPORT_V4_DISCARD);
    expect(v.layerId).toBe(FWPS_LAYER_INBOUND_TRANSPORT_V4_DISCARD);
    expect(() => retargetIncomingValues(v, FWPS_LAYER_OUTBOUND_TRANSPORT_V4)).toThrow(RangeError);
  });
});

describe('data offsets, header sizes and pending', () => {
  it('R68: the NBL data offset at each layer is as in spec §1.2', () => {
    const off = (id: number) => layerById(id)!.dataOffset;
    expect(off(FWPS_LAYER_INBOUND_IPPACKET_V4)).toEqual({ inbound: 'transport-header', outbound: null });
    expect(off(FWPS_LAYER_OUTBOUND_IPPACKET_V4)).toEqual({ inbound: null, outbound: 'ip-header' });
    expect(off(FWPS_LAYER_INBOUND_TRANSPORT_V4)).toEqual({ inbound: 'payload', outbound: null });
    expect(off(FWPS_LAYER_OUTBOUND_TRANSPORT_V4)).toEqual({ inbound: null, outbound: 'transport-header' });
    expect(off(FWPS_LAYER_DATAGRAM_DATA_V4)).toEqual({ inbound: 'payload', outbound: 'transport-header' });
    expect(off(FWPS_LAYER_INBOUND_ICMP_ERROR_V4)).toEqual({ inbound: 'inner-ip-header', outbound: null });
    expect(off(FWPS_LAYER_OUTBOUND_ICMP_ERROR_V4)).toEqual({ inbound: null, outbound: 'icmp-header' });
    expect(off(FWPS_LAYER_ALE_AUTH_RECV_ACCEPT_V4)).toEqual({ inbound: 'payload', outbound: 'transport-header' });
    expect(off(FWPS_LAYER_ALE_AUTH_CONNECT_V4).outbound).toBe('transport-header');
    expect(off(FWPS_LAYER_ALE_FLOW_ESTABLISHED_V4)).toEqual({ inbound: 'payload', outbound: 'transport-header' });
    expect(off(FWPS_LAYER_INBOUND_MAC_FRAME_ETHERNET)).toEqual({ inbound: 'ip-header', outbound: null });
    expect(off(FWPS_LAYER_OUTBOUND_MAC_FRAME_ETHERNET)).toEqual({ inbound: null, outbound: 'mac-header' });
    expect(off(FWPS_LAYER_INGRESS_VSWITCH_ETHERNET).inbound).toBe('mac-header');
    expect(off(FWPS_LAYER_EGRESS_VSWITCH_ETHERNET).outbound).toBe('mac-header');
    expect(layerById(FWPS_LAYER_ALE_AUTH_CONNECT_V4)!.layerData).toBe('nbl-except-tcp');
    expect(layerById(FWPS_LAYER_ALE_AUTH_LISTEN_V4)!.layerData).toBe('none');
  });

  it('R69: inbound layers whose offset is past the IP header supply IP and transport header sizes to retreat by', () => {
    for (const id of [FWPS_LAYER_INBOUND_TRANSPORT_V4, FWPS_LAYER_ALE_AUTH_RECV_ACCEPT_V4, FWPS_LAYER_DATAGRAM_DATA_V4, FWPS_LAYER_INBOUND_ICMP_ERROR_V4]) {
      const bits = layerById(id)!.metadataFields;
      expect(bits & FWPS_METADATA_FIELD_IP_HEADER_SIZE).toBe(FWPS_METADATA_FIELD_IP_HEADER_SIZE);
      expect(bits & FWPS_METADATA_FIELD_TRANSPORT_HEADER_SIZE).toBe(FWPS_METADATA_FIELD_TRANSPORT_HEADER_SIZE);
    }
    expect(layerById(FWPS_LAYER_INBOUND_IPPACKET_V4)!.metadataFields & FWPS_METADATA_FIELD_IP_HEADER_SIZE).not.toBe(0);
  });

  it('R22: only the four ALE authorization layers are pendable and carry COMPLETION_HANDLE (their discard twins list it too)', () => {
    const pendable = ALL_LAYERS.filter((l) => l.pendable).map((l) => l.name).sort();
    expect(pendable).toEqual(
      ['ALE_AUTH_CONNECT_V4', 'ALE_AUTH_CONNECT_V6', 'ALE_AUTH_LISTEN_V4', 'ALE_AUTH_LISTEN_V6', 'ALE_AUTH_RECV_ACCEPT_V4', 'ALE_AUTH_RECV_ACCEPT_V6', 'ALE_RESOURCE_ASSIGNMENT_V4', 'ALE_RESOURCE_ASSIGNMENT_V6'].sort(),
    );
    const withHandle = ALL_LAYERS.filter((l) => (l.metadataFields & FWPS_METADATA_FIELD_COMPLETION_HANDLE) !== 0);
    for (const l of withHandle) expect(layerById(l.baseLayerId)!.pendable).toBe(true);
    expect(layerById(FWPS_LAYER_ALE_FLOW_ESTABLISHED_V4)!.pendable).toBe(false);
    expect(layerById(FWPS_LAYER_ALE_RESOURCE_ASSIGNMENT_V4)!.metadataFields & FWPS_METADATA_FIELD_COMPLETION_HANDLE).not.toBe(0);
  });

  it('discard twins add DISCARD_REASON; flow layers supply FLOW_HANDLE; vSwitch layers supply the port ids', () => {
    expect(layerById(FWPS_LAYER_INBOUND_TRANSPORT_V4_DISCARD)!.metadataFields & FWPS_METADATA_FIELD_DISCARD_REASON).not.toBe(0);
    expect(layerById(FWPS_LAYER_INBOUND_TRANSPORT_V4)!.metadataFields & FWPS_METADATA_FIELD_DISCARD_REASON).toBe(0);
    expect(layerById(FWPS_LAYER_DATAGRAM_DATA_V4)!.metadataFields & FWPS_METADATA_FIELD_FLOW_HANDLE).not.toBe(0);
    expect(layerById(FWPS_LAYER_EGRESS_VSWITCH_ETHERNET)!.l2MetadataFields & FWPS_L2_METADATA_FIELD_VSWITCH_DESTINATION_PORT_ID).not.toBe(0);
    expect(layerById(FWPS_LAYER_INGRESS_VSWITCH_ETHERNET)!.l2MetadataFields & FWPS_L2_METADATA_FIELD_VSWITCH_DESTINATION_PORT_ID).toBe(0);
    expect(layerById(FWPS_LAYER_INGRESS_VSWITCH_ETHERNET)!.l2MetadataFields & FWPS_L2_METADATA_FIELD_VSWITCH_SOURCE_PORT_ID).not.toBe(0);
  });
});
