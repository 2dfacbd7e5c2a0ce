/**
 * Built-in filtering layers: run-time ids (FWPS_BUILTIN_LAYERS), management keys (FWPM_LAYER_*), and per layer the
 * incoming fields in FWPS_FIELDS_* order with their condition key and data type, the metadata a classify there
 * carries, where the NBL data offset points (R68) and whether the layer can be pended.
 *
 * Field orders follow fwpsk.h (checked against the FWPS_FIELDS_* reference pages and a header transcription; the
 * pages list a few entries out of order, e.g. INBOUND_TRANSPORT has IP_REMOTE_ADDRESS before IP_LOCAL_ADDRESS_TYPE
 * while OUTBOUND_TRANSPORT has it after). Each table stops at COMPARTMENT_ID: the reserved fields and
 * PACKAGE_FAMILY_NAME that newer headers append carry nothing the emulator can supply. Fields with no documented
 * condition key (SIO_FIREWALL_SOCKET_PROPERTY) occupy their slot but cannot be filtered on.
 */
import {
  FWPS_L2_METADATA_FIELD_ETHERNET_MAC_HEADER_SIZE,
  FWPS_L2_METADATA_FIELD_VSWITCH_DESTINATION_PORT_ID,
  FWPS_L2_METADATA_FIELD_VSWITCH_PACKET_CONTEXT,
  FWPS_L2_METADATA_FIELD_VSWITCH_SOURCE_NIC_INDEX,
  FWPS_L2_METADATA_FIELD_VSWITCH_SOURCE_PORT_ID,
  FWPS_L2_METADATA_FIELD_WIFI_OPERATION_MODE,
  FWPS_METADATA_FIELD_ALE_CLASSIFY_REQUIRED,
  FWPS_METADATA_FIELD_COMPARTMENT_ID,
  FWPS_METADATA_FIELD_COMPLETION_HANDLE,
  FWPS_METADATA_FIELD_DISCARD_REASON,
  FWPS_METADATA_FIELD_FLOW_HANDLE,
  FWPS_METADATA_FIELD_FRAGMENT_DATA,
  FWPS_METADATA_FIELD_ICMP_ID_AND_SEQUENCE,
  FWPS_METADATA_FIELD_IP_HEADER_SIZE,
  FWPS_METADATA_FIELD_PACKET_DIRECTION,
  FWPS_METADATA_FIELD_PARENT_ENDPOINT_HANDLE,
  FWPS_METADATA_FIELD_PATH_MTU,
  FWPS_METADATA_FIELD_PROCESS_ID,
  FWPS_METADATA_FIELD_PROCESS_PATH,
  FWPS_METADATA_FIELD_REMOTE_SCOPE_ID,
  FWPS_METADATA_FIELD_RESERVED,
  FWPS_METADATA_FIELD_SYSTEM_FLAGS,
  FWPS_METADATA_FIELD_TOKEN,
  FWPS_METADATA_FIELD_TRANSPORT_CONTROL_DATA,
  FWPS_METADATA_FIELD_TRANSPORT_ENDPOINT_HANDLE,
  FWPS_METADATA_FIELD_TRANSPORT_HEADER_SIZE,
  FWP_BYTE_ARRAY16_TYPE,
  FWP_UINT32,
} from './constants.js';
import { ADDRESS, CONDITION_KEYS, type ConditionKeyName } from './condition-keys.js';
import { canonicalGuid, type GUID } from './guid.js';

// ---------------------------------------------------------------------------------------------------------------
// FWPS_BUILTIN_LAYERS: 0–55 are sequential, each layer followed by its _DISCARD twin (spec §1.2); the MAC and
// vSwitch ids are the Windows 8+ values the spec lists.
// ---------------------------------------------------------------------------------------------------------------
export const FWPS_LAYER_INBOUND_IPPACKET_V4 = 0;
export const FWPS_LAYER_INBOUND_IPPACKET_V4_DISCARD = 1;
export const FWPS_LAYER_INBOUND_IPPACKET_V6 = 2;
export const FWPS_LAYER_INBOUND_IPPACKET_V6_DISCARD = 3;
export const FWPS_LAYER_OUTBOUND_IPPACKET_V4 = 4;
export const FWPS_LAYER_OUTBOUND_IPPACKET_V4_DISCARD = 5;
export const FWPS_LAYER_OUTBOUND_IPPACKET_V6 = 6;
export const FWPS_LAYER_OUTBOUND_IPPACKET_V6_DISCARD = 7;
export const FWPS_LAYER_IPFORWARD_V4 = 8;
export const FWPS_LAYER_IPFORWARD_V4_DISCARD = 9;
export const FWPS_LAYER_IPFORWARD_V6 = 10;
export const FWPS_LAYER_IPFORWARD_V6_DISCARD = 11;
export const FWPS_LAYER_INBOUND_TRANSPORT_V4 = 12;
export const FWPS_LAYER_INBOUND_TRANSPORT_V4_DISCARD = 13;
export const FWPS_LAYER_INBOUND_TRANSPORT_V6 = 14;
export const FWPS_LAYER_INBOUND_TRANSPORT_V6_DISCARD = 15;
export const FWPS_LAYER_OUTBOUND_TRANSPORT_V4 = 16;
export const FWPS_LAYER_OUTBOUND_TRANSPORT_V4_DISCARD = 17;
export const FWPS_LAYER_OUTBOUND_TRANSPORT_V6 = 18;
export const FWPS_LAYER_OUTBOUND_TRANSPORT_V6_DISCARD = 19;
export const FWPS_LAYER_STREAM_V4 = 20;
export const FWPS_LAYER_STREAM_V4_DISCARD = 21;
export const FWPS_LAYER_STREAM_V6 = 22;
export const FWPS_LAYER_STREAM_V6_DISCARD = 23;
export const FWPS_LAYER_DATAGRAM_DATA_V4 = 24;
export const FWPS_LAYER_DATAGRAM_DATA_V4_DISCARD = 25;
export const FWPS_LAYER_DATAGRAM_DATA_V6 = 26;
export const FWPS_LAYER_DATAGRAM_DATA_V6_DISCARD = 27;
export const FWPS_LAYER_INBOUND_ICMP_ERROR_V4 = 28;
export const FWPS_LAYER_INBOUND_ICMP_ERROR_V4_DISCARD = 29;
export const FWPS_LAYER_INBOUND_ICMP_ERROR_V6 = 30;
export const FWPS_LAYER_INBOUND_ICMP_ERROR_V6_DISCARD = 31;
export const FWPS_LAYER_OUTBOUND_ICMP_ERROR_V4 = 32;
export const FWPS_LAYER_OUTBOUND_ICMP_ERROR_V4_DISCARD = 33;
export const FWPS_LAYER_OUTBOUND_ICMP_ERROR_V6 = 34;
export const FWPS_LAYER_OUTBOUND_ICMP_ERROR_V6_DISCARD = 35;
export const FWPS_LAYER_ALE_RESOURCE_ASSIGNMENT_V4 = 36;
export const FWPS_LAYER_ALE_RESOURCE_ASSIGNMENT_V4_DISCARD = 37;
export const FWPS_LAYER_ALE_RESOURCE_ASSIGNMENT_V6 = 38;
export const FWPS_LAYER_ALE_RESOURCE_ASSIGNMENT_V6_DISCARD = 39;
export const FWPS_LAYER_ALE_AUTH_LISTEN_V4 = 40;
export const FWPS_LAYER_ALE_AUTH_LISTEN_V4_DISCARD = 41;
export const FWPS_LAYER_ALE_AUTH_LISTEN_V6 = 42;
export const FWPS_LAYER_ALE_AUTH_LISTEN_V6_DISCARD = 43;
export const FWPS_LAYER_ALE_AUTH_RECV_ACCEPT_V4 = 44;
export const FWPS_LAYER_ALE_AUTH_RECV_ACCEPT_V4_DISCARD = 45;
export const FWPS_LAYER_ALE_AUTH_RECV_ACCEPT_V6 = 46;
export const FWPS_LAYER_ALE_AUTH_RECV_ACCEPT_V6_DISCARD = 47;
export const FWPS_LAYER_ALE_AUTH_CONNECT_V4 = 48;
export const FWPS_LAYER_ALE_AUTH_CONNECT_V4_DISCARD = 49;
export const FWPS_LAYER_ALE_AUTH_CONNECT_V6 = 50;
export const FWPS_LAYER_ALE_AUTH_CONNECT_V6_DISCARD = 51;
export const FWPS_LAYER_ALE_FLOW_ESTABLISHED_V4 = 52;
export const FWPS_LAYER_ALE_FLOW_ESTABLISHED_V4_DISCARD = 53;
export const FWPS_LAYER_ALE_FLOW_ESTABLISHED_V6 = 54;
export const FWPS_LAYER_ALE_FLOW_ESTABLISHED_V6_DISCARD = 55;
export const FWPS_LAYER_INBOUND_MAC_FRAME_ETHERNET = 56;
export const FWPS_LAYER_OUTBOUND_MAC_FRAME_ETHERNET = 57;
export const FWPS_LAYER_INGRESS_VSWITCH_ETHERNET = 72;
export const FWPS_LAYER_EGRESS_VSWITCH_ETHERNET = 73;

/** One past the largest run-time layer id the engine knows; layer tables are arrays of this length. */
export const LAYER_ID_LIMIT = 74;

// ---------------------------------------------------------------------------------------------------------------
// FWPM_LAYER_* management keys (fwpmu.h; values from the Windows SDK metadata).
// ---------------------------------------------------------------------------------------------------------------
export const FWPM_LAYER_INBOUND_IPPACKET_V4 = 'c86fd1bf-21cd-497e-a0bb-17425c885c58';
export const FWPM_LAYER_INBOUND_IPPACKET_V4_DISCARD = 'b5a230d0-a8c0-44f2-916e-991b53ded1f7';
export const FWPM_LAYER_INBOUND_IPPACKET_V6 = 'f52032cb-991c-46e7-971d-2601459a91ca';
export const FWPM_LAYER_INBOUND_IPPACKET_V6_DISCARD = 'bb24c279-93b4-47a2-83ad-ae1698b50885';
export const FWPM_LAYER_OUTBOUND_IPPACKET_V4 = '1e5c9fae-8a84-4135-a331-950b54229ecd';
export const FWPM_LAYER_OUTBOUND_IPPACKET_V4_DISCARD = '08e4bcb5-b647-48f3-953c-e5ddbd03937e';
export const FWPM_LAYER_OUTBOUND_IPPACKET_V6 = 'a3b3ab6b-3564-488c-9117-f34e82142763';
export const FWPM_LAYER_OUTBOUND_IPPACKET_V6_DISCARD = '9513d7c4-a934-49dc-91a7-6ccb80cc02e3';
export const FWPM_LAYER_IPFORWARD_V4 = 'a82acc24-4ee1-4ee1-b465-fd1d25cb10a4';
export const FWPM_LAYER_IPFORWARD_V4_DISCARD = '9e9ea773-2fae-4210-8f17-34129ef369eb';
export const FWPM_LAYER_IPFORWARD_V6 = '7b964818-19c7-493a-b71f-832c3684d28c';
export const FWPM_LAYER_IPFORWARD_V6_DISCARD = '31524a5d-1dfe-472f-bb93-518ee945d8a2';
export const FWPM_LAYER_INBOUND_TRANSPORT_V4 = '5926dfc8-e3cf-4426-a283-dc393f5d0f9d';
export const FWPM_LAYER_INBOUND_TRANSPORT_V4_DISCARD = 'ac4a9833-f69d-4648-b261-6dc84835ef39';
export const FWPM_LAYER_INBOUND_TRANSPORT_V6 = '634a869f-fc23-4b90-b0c1-bf620a36ae6f';
export const FWPM_LAYER_INBOUND_TRANSPORT_V6_DISCARD = '2a6ff955-3b2b-49d2-9848-ad9d72dcaab7';
export const FWPM_LAYER_OUTBOUND_TRANSPORT_V4 = '09e61aea-d214-46e2-9b21-b26b0b2f28c8';
export const FWPM_LAYER_OUTBOUND_TRANSPORT_V4_DISCARD = 'c5f10551-bdb0-43d7-a313-50e211f4d68a';
export const FWPM_LAYER_OUTBOUND_TRANSPORT_V6 = 'e1735bde-013f-4655-b351-a49e15762df0';
export const FWPM_LAYER_OUTBOUND_TRANSPORT_V6_DISCARD = 'f433df69-ccbd-482e-b9b2-57165658c3b3';
export const FWPM_LAYER_STREAM_V4 = '3b89653c-c170-49e4-b1cd-e0eeeee19a3e';
export const FWPM_LAYER_STREAM_V4_DISCARD = '25c4c2c2-25ff-4352-82f9-c54a4a4726dc';
export const FWPM_LAYER_STREAM_V6 = '47c9137a-7ec4-46b3-b6e4-48e926b1eda4';
export const FWPM_LAYER_STREAM_V6_DISCARD = '10a59fc7-b628-4c41-9eb8-cf37d55103cf';
export const FWPM_LAYER_DATAGRAM_DATA_V4 = '3d08bf4e-45f6-4930-a922-417098e20027';
export const FWPM_LAYER_DATAGRAM_DATA_V4_DISCARD = '18e330c6-7248-4e52-aaab-472ed67704fd';
export const FWPM_LAYER_DATAGRAM_DATA_V6 = 'fa45fe2f-3cba-4427-87fc-57b9a4b10d00';
export const FWPM_LAYER_DATAGRAM_DATA_V6_DISCARD = '09d1dfe1-9b86-4a42-be9d-8c315b92a5d0';
export const FWPM_LAYER_INBOUND_ICMP_ERROR_V4 = '61499990-3cb6-4e84-b950-53b94b6964f3';
export const FWPM_LAYER_INBOUND_ICMP_ERROR_V4_DISCARD = 'a6b17075-ebaf-4053-a4e7-213c8121ede5';
export const FWPM_LAYER_INBOUND_ICMP_ERROR_V6 = '65f9bdff-3b2d-4e5d-b8c6-c720651fe898';
export const FWPM_LAYER_INBOUND_ICMP_ERROR_V6_DISCARD = 'a6e7ccc0-08fb-468d-a472-9771d5595e09';
export const FWPM_LAYER_OUTBOUND_ICMP_ERROR_V4 = '41390100-564c-4b32-bc1d-718048354d7c';
export const FWPM_LAYER_OUTBOUND_ICMP_ERROR_V4_DISCARD = 'b3598d36-0561-4588-a6bf-e955e3f6264b';
export const FWPM_LAYER_OUTBOUND_ICMP_ERROR_V6 = '7fb03b60-7b8d-4dfa-badd-980176fc4e12';
export const FWPM_LAYER_OUTBOUND_ICMP_ERROR_V6_DISCARD = '65f2e647-8d0c-4f47-b19b-33a4d3f1357c';
export const FWPM_LAYER_ALE_RESOURCE_ASSIGNMENT_V4 = '1247d66d-0b60-4a15-8d44-7155d0f53a0c';
export const FWPM_LAYER_ALE_RESOURCE_ASSIGNMENT_V4_DISCARD = '0b5812a2-c3ff-4eca-b88d-c79e20ac6322';
export const FWPM_LAYER_ALE_RESOURCE_ASSIGNMENT_V6 = '55a650e1-5f0a-4eca-a653-88f53b26aa8c';
export const FWPM_LAYER_ALE_RESOURCE_ASSIGNMENT_V6_DISCARD = 'cbc998bb-c51f-4c1a-bb4f-9775fcacab2f';
export const FWPM_LAYER_ALE_AUTH_LISTEN_V4 = '88bb5dad-76d7-4227-9c71-df0a3ed7be7e';
export const FWPM_LAYER_ALE_AUTH_LISTEN_V4_DISCARD = '371dfada-9f26-45fd-b4eb-c29eb212893f';
export const FWPM_LAYER_ALE_AUTH_LISTEN_V6 = '7ac9de24-17dd-4814-b4bd-a9fbc95a321b';
export const FWPM_LAYER_ALE_AUTH_LISTEN_V6_DISCARD = '60703b07-63c8-48e9-ada3-12b1af40a617';
export const FWPM_LAYER_ALE_AUTH_RECV_ACCEPT_V4 = 'e1cd9fe7-f4b5-4273-96c0-592e487b8650';
export const FWPM_LAYER_ALE_AUTH_RECV_ACCEPT_V4_DISCARD = '9eeaa99b-bd22-4227-919f-0073c63357b1';
export const FWPM_LAYER_ALE_AUTH_RECV_ACCEPT_V6 = 'a3b42c97-9f04-4672-b87e-cee9c483257f';
export const FWPM_LAYER_ALE_AUTH_RECV_ACCEPT_V6_DISCARD = '89455b97-dbe1-453f-a224-13da895af396';
export const FWPM_LAYER_ALE_AUTH_CONNECT_V4 = 'c38d57d1-05a7-4c33-904f-7fbceee60e82';
export const FWPM_LAYER_ALE_AUTH_CONNECT_V4_DISCARD = 'd632a801-f5ba-4ad6-96e3-607017d9836a';
export const FWPM_LAYER_ALE_AUTH_CONNECT_V6 = '4a72393b-319f-44bc-84c3-ba54dcb3b6b4';
export const FWPM_LAYER_ALE_AUTH_CONNECT_V6_DISCARD = 'c97bc3b8-c9a3-4e33-8695-8e17aad4de09';
export const FWPM_LAYER_ALE_FLOW_ESTABLISHED_V4 = 'af80470a-5596-4c13-9992-539e6fe57967';
export const FWPM_LAYER_ALE_FLOW_ESTABLISHED_V4_DISCARD = '146ae4a9-a1d2-4d43-a31a-4c42682b8e4f';
export const FWPM_LAYER_ALE_FLOW_ESTABLISHED_V6 = '7021d2b3-dfa4-406e-afeb-6afaf7e70efd';
export const FWPM_LAYER_ALE_FLOW_ESTABLISHED_V6_DISCARD = '46928636-bbca-4b76-941d-0fa7f5d7d372';
export const FWPM_LAYER_INBOUND_MAC_FRAME_ETHERNET = 'effb7edb-0055-4f9a-a231-4ff8131ad191';
export const FWPM_LAYER_OUTBOUND_MAC_FRAME_ETHERNET = '694673bc-d6db-4870-adee-0acdbdb7f4b2';
export const FWPM_LAYER_INGRESS_VSWITCH_ETHERNET = '7d98577a-9a87-41ec-9718-7cf589c9f32d';
export const FWPM_LAYER_EGRESS_VSWITCH_ETHERNET = '86c872b0-76fa-4b79-93a4-0750530ae292';

/** FWPM_SUBLAYER_UNIVERSAL: the default sublayer of every layer, weight 0x8000 (spec §1.1). */
export const FWPM_SUBLAYER_UNIVERSAL = 'eebecc03-ced4-4380-819a-2734397b2b74';

// ---------------------------------------------------------------------------------------------------------------
// Field tables
// ---------------------------------------------------------------------------------------------------------------

/**
 * One incoming field spec: the FWPS_FIELD suffix, then the condition key when it differs from the name (null: no
 * documented key), then the data type when no key gives it.
 */
type FieldSpec = readonly [name: string, key?: ConditionKeyName | null, type?: number];

const INBOUND_IPPACKET = [
  ['IP_LOCAL_ADDRESS'], ['IP_REMOTE_ADDRESS'], ['IP_LOCAL_ADDRESS_TYPE'], ['IP_LOCAL_INTERFACE'],
  ['INTERFACE_INDEX'], ['SUB_INTERFACE_INDEX'], ['FLAGS'], ['INTERFACE_TYPE'], ['TUNNEL_TYPE'], ['COMPARTMENT_ID'],
] as const satisfies readonly FieldSpec[];
const OUTBOUND_IPPACKET = [
  ['IP_LOCAL_ADDRESS'], ['IP_LOCAL_ADDRESS_TYPE'], ['IP_REMOTE_ADDRESS'], ['IP_LOCAL_INTERFACE'],
  ['INTERFACE_INDEX'], ['SUB_INTERFACE_INDEX'], ['FLAGS'], ['INTERFACE_TYPE'], ['TUNNEL_TYPE'], ['COMPARTMENT_ID'],
] as const satisfies readonly FieldSpec[];
const IPFORWARD = [
  ['IP_SOURCE_ADDRESS'], ['IP_DESTINATION_ADDRESS'], ['IP_DESTINATION_ADDRESS_TYPE'], ['IP_LOCAL_INTERFACE'],
  ['IP_FORWARD_INTERFACE'], ['SOURCE_INTERFACE_INDEX'], ['SOURCE_SUB_INTERFACE_INDEX'],
  ['DESTINATION_INTERFACE_INDEX'], ['DESTINATION_SUB_INTERFACE_INDEX'], ['FLAGS'], ['IP_PHYSICAL_ARRIVAL_INTERFACE'],
  ['ARRIVAL_INTERFACE_PROFILE_ID'], ['IP_PHYSICAL_NEXTHOP_INTERFACE'], ['NEXTHOP_INTERFACE_PROFILE_ID'],
  ['COMPARTMENT_ID'],
] as const satisfies readonly FieldSpec[];
const INBOUND_TRANSPORT = [
  ['IP_PROTOCOL'], ['IP_LOCAL_ADDRESS'], ['IP_REMOTE_ADDRESS'], ['IP_LOCAL_ADDRESS_TYPE'], ['IP_LOCAL_PORT'],
  ['IP_REMOTE_PORT'], ['IP_LOCAL_INTERFACE'], ['INTERFACE_INDEX'], ['SUB_INTERFACE_INDEX'], ['FLAGS'],
  ['INTERFACE_TYPE'], ['TUNNEL_TYPE'], ['PROFILE_ID', 'CURRENT_PROFILE_ID'], ['IPSEC_SECURITY_REALM_ID'],
  ['COMPARTMENT_ID'],
] as const satisfies readonly FieldSpec[];
const OUTBOUND_TRANSPORT = [
  ['IP_PROTOCOL'], ['IP_LOCAL_ADDRESS'], ['IP_LOCAL_ADDRESS_TYPE'], ['IP_REMOTE_ADDRESS'], ['IP_LOCAL_PORT'],
  ['IP_REMOTE_PORT'], ['IP_LOCAL_INTERFACE'], ['INTERFACE_INDEX'], ['SUB_INTERFACE_INDEX'],
  ['IP_DESTINATION_ADDRESS_TYPE'], ['FLAGS'], ['INTERFACE_TYPE'], ['TUNNEL_TYPE'], ['PROFILE_ID', 'CURRENT_PROFILE_ID'],
  ['IPSEC_SECURITY_REALM_ID'], ['COMPARTMENT_ID'],
] as const satisfies readonly FieldSpec[];
const STREAM = [
  ['IP_LOCAL_ADDRESS'], ['IP_LOCAL_ADDRESS_TYPE'], ['IP_REMOTE_ADDRESS'], ['IP_LOCAL_PORT'], ['IP_REMOTE_PORT'],
  ['DIRECTION'], ['FLAGS'], ['COMPARTMENT_ID'],
] as const satisfies readonly FieldSpec[];
const DATAGRAM_DATA = [
  ['IP_PROTOCOL'], ['IP_LOCAL_ADDRESS'], ['IP_REMOTE_ADDRESS'], ['IP_LOCAL_ADDRESS_TYPE'], ['IP_LOCAL_PORT'],
  ['IP_REMOTE_PORT'], ['IP_LOCAL_INTERFACE'], ['INTERFACE_INDEX'], ['SUB_INTERFACE_INDEX'], ['DIRECTION'], ['FLAGS'],
  ['INTERFACE_TYPE'], ['TUNNEL_TYPE'], ['COMPARTMENT_ID'],
] as const satisfies readonly FieldSpec[];
const INBOUND_ICMP_ERROR = [
  ['EMBEDDED_PROTOCOL'], ['IP_LOCAL_ADDRESS'], ['IP_REMOTE_ADDRESS'], ['EMBEDDED_REMOTE_ADDRESS'],
  ['EMBEDDED_LOCAL_ADDRESS_TYPE'], ['EMBEDDED_LOCAL_PORT'], ['EMBEDDED_REMOTE_PORT'], ['IP_LOCAL_INTERFACE'],
  ['ICMP_TYPE', 'IP_LOCAL_PORT'], ['ICMP_CODE', 'IP_REMOTE_PORT'], ['INTERFACE_INDEX'], ['SUB_INTERFACE_INDEX'],
  ['INTERFACE_TYPE'], ['TUNNEL_TYPE'], ['IP_ARRIVAL_INTERFACE'], ['ARRIVAL_INTERFACE_INDEX'],
  ['ARRIVAL_INTERFACE_TYPE'], ['ARRIVAL_TUNNEL_TYPE'], ['FLAGS'], ['ARRIVAL_INTERFACE_PROFILE_ID'],
  ['INTERFACE_QUARANTINE_EPOCH'], ['COMPARTMENT_ID'],
] as const satisfies readonly FieldSpec[];
// V4 names the ICMP type/code slots ICMP_TYPE/ICMP_CODE, V6 names them IP_LOCAL_PORT/IP_REMOTE_PORT (same keys).
const OUTBOUND_ICMP_ERROR_V4 = [
  ['IP_LOCAL_ADDRESS'], ['IP_REMOTE_ADDRESS'], ['IP_LOCAL_ADDRESS_TYPE'], ['IP_LOCAL_INTERFACE'],
  ['ICMP_TYPE', 'IP_LOCAL_PORT'], ['ICMP_CODE', 'IP_REMOTE_PORT'], ['INTERFACE_INDEX'], ['SUB_INTERFACE_INDEX'],
  ['INTERFACE_TYPE'], ['TUNNEL_TYPE'], ['FLAGS'], ['NEXTHOP_INTERFACE_PROFILE_ID'], ['INTERFACE_QUARANTINE_EPOCH'],
  ['COMPARTMENT_ID'],
] as const satisfies readonly FieldSpec[];
const OUTBOUND_ICMP_ERROR_V6 = [
  ['IP_LOCAL_ADDRESS'], ['IP_REMOTE_ADDRESS'], ['IP_LOCAL_ADDRESS_TYPE'], ['IP_LOCAL_INTERFACE'], ['IP_LOCAL_PORT'],
  ['IP_REMOTE_PORT'], ['INTERFACE_INDEX'], ['SUB_INTERFACE_INDEX'], ['INTERFACE_TYPE'], ['TUNNEL_TYPE'], ['FLAGS'],
  ['NEXTHOP_INTERFACE_PROFILE_ID'], ['INTERFACE_QUARANTINE_EPOCH'], ['COMPARTMENT_ID'],
] as const satisfies readonly FieldSpec[];
const ALE_RESOURCE_ASSIGNMENT = [
  ['ALE_APP_ID'], ['ALE_USER_ID'], ['IP_LOCAL_ADDRESS'], ['IP_LOCAL_ADDRESS_TYPE'], ['IP_LOCAL_PORT'],
  ['IP_PROTOCOL'], ['ALE_PROMISCUOUS_MODE'], ['IP_LOCAL_INTERFACE'], ['FLAGS'], ['INTERFACE_TYPE'], ['TUNNEL_TYPE'],
  ['LOCAL_INTERFACE_PROFILE_ID'], ['SIO_FIREWALL_SOCKET_PROPERTY', null, FWP_UINT32], ['ALE_PACKAGE_ID'],
  ['ALE_SECURITY_ATTRIBUTE_FQBN_VALUE'], ['COMPARTMENT_ID'],
] as const satisfies readonly FieldSpec[];
const ALE_AUTH_LISTEN = [
  ['ALE_APP_ID'], ['ALE_USER_ID'], ['IP_LOCAL_ADDRESS'], ['IP_LOCAL_ADDRESS_TYPE'], ['IP_LOCAL_PORT'],
  ['IP_LOCAL_INTERFACE'], ['FLAGS'], ['INTERFACE_TYPE'], ['TUNNEL_TYPE'], ['LOCAL_INTERFACE_PROFILE_ID'],
  ['SIO_FIREWALL_SOCKET_PROPERTY', null, FWP_UINT32], ['ALE_PACKAGE_ID'], ['ALE_SECURITY_ATTRIBUTE_FQBN_VALUE'],
  ['COMPARTMENT_ID'],
] as const satisfies readonly FieldSpec[];
const ALE_AUTH_RECV_ACCEPT = [
  ['ALE_APP_ID'], ['ALE_USER_ID'], ['IP_LOCAL_ADDRESS'], ['IP_LOCAL_ADDRESS_TYPE'], ['IP_LOCAL_PORT'],
  ['IP_PROTOCOL'], ['IP_REMOTE_ADDRESS'], ['IP_REMOTE_PORT'], ['ALE_REMOTE_USER_ID'], ['ALE_REMOTE_MACHINE_ID'],
  ['IP_LOCAL_INTERFACE'], ['FLAGS'], ['SIO_FIREWALL_SYSTEM_PORT', 'ALE_SIO_FIREWALL_SYSTEM_PORT'],
  ['NAP_CONTEXT', 'ALE_NAP_CONTEXT'], ['INTERFACE_TYPE'], ['TUNNEL_TYPE'], ['INTERFACE_INDEX'],
  ['SUB_INTERFACE_INDEX'], ['IP_ARRIVAL_INTERFACE'], ['ARRIVAL_INTERFACE_TYPE'], ['ARRIVAL_TUNNEL_TYPE'],
  ['ARRIVAL_INTERFACE_INDEX'], ['NEXTHOP_SUB_INTERFACE_INDEX'], ['IP_NEXTHOP_INTERFACE'], ['NEXTHOP_INTERFACE_TYPE'],
  ['NEXTHOP_TUNNEL_TYPE'], ['NEXTHOP_INTERFACE_INDEX'], ['ORIGINAL_PROFILE_ID'], ['CURRENT_PROFILE_ID'],
  ['REAUTHORIZE_REASON'], ['ORIGINAL_ICMP_TYPE'], ['INTERFACE_QUARANTINE_EPOCH'], ['ALE_PACKAGE_ID'],
  ['ALE_SECURITY_ATTRIBUTE_FQBN_VALUE'], ['COMPARTMENT_ID'],
] as const satisfies readonly FieldSpec[];
const ALE_AUTH_CONNECT = [
  ['ALE_APP_ID'], ['ALE_USER_ID'], ['IP_LOCAL_ADDRESS'], ['IP_LOCAL_ADDRESS_TYPE'], ['IP_LOCAL_PORT'],
  ['IP_PROTOCOL'], ['IP_REMOTE_ADDRESS'], ['IP_REMOTE_PORT'], ['ALE_REMOTE_USER_ID'], ['ALE_REMOTE_MACHINE_ID'],
  ['IP_DESTINATION_ADDRESS_TYPE'], ['IP_LOCAL_INTERFACE'], ['FLAGS'], ['INTERFACE_TYPE'], ['TUNNEL_TYPE'],
  ['INTERFACE_INDEX'], ['SUB_INTERFACE_INDEX'], ['IP_ARRIVAL_INTERFACE'], ['ARRIVAL_INTERFACE_TYPE'],
  ['ARRIVAL_TUNNEL_TYPE'], ['ARRIVAL_INTERFACE_INDEX'], ['NEXTHOP_SUB_INTERFACE_INDEX'], ['IP_NEXTHOP_INTERFACE'],
  ['NEXTHOP_INTERFACE_TYPE'], ['NEXTHOP_TUNNEL_TYPE'], ['NEXTHOP_INTERFACE_INDEX'], ['ORIGINAL_PROFILE_ID'],
  ['CURRENT_PROFILE_ID'], ['REAUTHORIZE_REASON'], ['PEER_NAME'], ['ORIGINAL_ICMP_TYPE'],
  ['INTERFACE_QUARANTINE_EPOCH'], ['ALE_ORIGINAL_APP_ID'], ['ALE_PACKAGE_ID'], ['ALE_SECURITY_ATTRIBUTE_FQBN_VALUE'],
  ['ALE_EFFECTIVE_NAME'], ['COMPARTMENT_ID'],
] as const satisfies readonly FieldSpec[];
const ALE_FLOW_ESTABLISHED = [
  ['ALE_APP_ID'], ['ALE_USER_ID'], ['IP_LOCAL_ADDRESS'], ['IP_LOCAL_ADDRESS_TYPE'], ['IP_LOCAL_PORT'],
  ['IP_PROTOCOL'], ['IP_REMOTE_ADDRESS'], ['IP_REMOTE_PORT'], ['ALE_REMOTE_USER_ID'], ['ALE_REMOTE_MACHINE_ID'],
  ['IP_DESTINATION_ADDRESS_TYPE'], ['IP_LOCAL_INTERFACE'], ['DIRECTION'], ['INTERFACE_TYPE'], ['TUNNEL_TYPE'],
  ['FLAGS'], ['ALE_ORIGINAL_APP_ID'], ['ALE_PACKAGE_ID'], ['ALE_SECURITY_ATTRIBUTE_FQBN_VALUE'], ['COMPARTMENT_ID'],
] as const satisfies readonly FieldSpec[];
const MAC_FRAME_ETHERNET = [
  ['INTERFACE_MAC_ADDRESS'], ['MAC_LOCAL_ADDRESS'], ['MAC_REMOTE_ADDRESS'], ['MAC_LOCAL_ADDRESS_TYPE'],
  ['MAC_REMOTE_ADDRESS_TYPE'], ['ETHER_TYPE'], ['VLAN_ID'], ['INTERFACE', 'IP_LOCAL_INTERFACE'], ['INTERFACE_INDEX'],
  ['NDIS_PORT'], ['L2_FLAGS'], ['COMPARTMENT_ID'],
] as const satisfies readonly FieldSpec[];
const VSWITCH_ETHERNET_HEAD = [
  ['MAC_SOURCE_ADDRESS'], ['MAC_SOURCE_ADDRESS_TYPE'], ['MAC_DESTINATION_ADDRESS'], ['MAC_DESTINATION_ADDRESS_TYPE'],
  ['ETHER_TYPE'], ['VLAN_ID'], ['VSWITCH_TENANT_NETWORK_ID'], ['VSWITCH_ID'], ['VSWITCH_NETWORK_TYPE'],
  ['VSWITCH_SOURCE_INTERFACE_ID'], ['VSWITCH_SOURCE_INTERFACE_TYPE'], ['VSWITCH_SOURCE_VM_ID'],
] as const satisfies readonly FieldSpec[];
const INGRESS_VSWITCH_ETHERNET = [...VSWITCH_ETHERNET_HEAD, ['L2_FLAGS'], ['COMPARTMENT_ID']] as const satisfies readonly FieldSpec[];
const EGRESS_VSWITCH_ETHERNET = [
  ...VSWITCH_ETHERNET_HEAD,
  ['VSWITCH_DESTINATION_INTERFACE_ID'], ['VSWITCH_DESTINATION_INTERFACE_TYPE'], ['VSWITCH_DESTINATION_VM_ID'],
  ['L2_FLAGS'], ['COMPARTMENT_ID'],
] as const satisfies readonly FieldSpec[];

// ---------------------------------------------------------------------------------------------------------------
// Layer descriptions
// ---------------------------------------------------------------------------------------------------------------

export interface FieldInfo {
  /** Position in FWPS_INCOMING_VALUES0.incomingValue (the FWPS_FIELD_* value). */
  readonly index: number;
  /** FWPS_FIELD_<layer>_<name> suffix, e.g. IP_REMOTE_ADDRESS. */
  readonly name: string;
  /** FWPM_CONDITION_* key filters use for this field; null when the field has no documented key. */
  readonly conditionKey: GUID | null;
  /** FWP_DATA_TYPE of the incoming value (R70: v4 addresses UINT32 host order, v6 BYTE_ARRAY16 network order). */
  readonly dataType: number;
  /** An IP address field: conditions may use V4/V6_ADDR_MASK, and the index keys it by prefix. */
  readonly isAddress: boolean;
}

/** Where the NBL's current data offset points when a layer indicates it (R68). */
export type DataOffsetPosition =
  | 'mac-header'
  | 'ip-header'
  | 'transport-header'
  | 'payload'
  | 'icmp-header'
  | 'inner-ip-header' // inbound ICMP error: the IP header embedded in the ICMP message
  | 'stream-data';

export type LayerFamily = 'v4' | 'v6' | 'ethernet';
export type LayerDirection = 'inbound' | 'outbound' | 'both' | 'none';
/** What classifyFn's layerData is here: an NBL, nothing, an NBL except for TCP (R28), or stream data. */
export type LayerDataKind = 'nbl' | 'none' | 'nbl-except-tcp' | 'stream';

export interface LayerInfo {
  readonly layerId: number;
  /** Run-time name without prefix, e.g. ALE_AUTH_CONNECT_V4. */
  readonly name: string;
  readonly layerKey: GUID;
  readonly family: LayerFamily;
  readonly direction: LayerDirection;
  readonly fields: readonly FieldInfo[];
  /** Field index by FWPM_CONDITION_* key. */
  readonly fieldIndexByKey: ReadonlyMap<GUID, number>;
  /** FWPS_METADATA_FIELD_* bits the layer can supply (metadata-fields-at-each-filtering-layer). */
  readonly metadataFields: number;
  /** FWPS_L2_METADATA_FIELD_* bits the layer can supply. */
  readonly l2MetadataFields: number;
  /** Data offset position of inbound / outbound indications (null: the layer never sees that direction). */
  readonly dataOffset: { readonly inbound: DataOffsetPosition | null; readonly outbound: DataOffsetPosition | null };
  readonly layerData: LayerDataKind;
  /** FwpsPendOperation0 is possible in an initial classify here (the four ALE authorization layers; R21, R22). */
  readonly pendable: boolean;
  readonly isDiscard: boolean;
  /** The _DISCARD twin a plain BLOCK is indicated at (R44), or -1 (discard layers, MAC and vSwitch layers). */
  readonly discardLayerId: number;
  /** For a discard layer, the layer it is the twin of; otherwise the layer itself. */
  readonly baseLayerId: number;
}

function resolveFields(specs: readonly FieldSpec[], family: LayerFamily): FieldInfo[] {
  return specs.map(([name, keyOverride, typeOverride], index): FieldInfo => {
    const keyName = keyOverride === undefined ? (name as ConditionKeyName) : keyOverride;
    const keySpec = keyName === null ? undefined : CONDITION_KEYS[keyName];
    if (keyName !== null && keySpec === undefined) throw new Error(`layers: unknown condition key ${keyName}`);
    const specType = keySpec?.type ?? typeOverride ?? FWP_UINT32;
    const isAddress = specType === ADDRESS;
    const dataType = isAddress ? (family === 'v6' ? FWP_BYTE_ARRAY16_TYPE : FWP_UINT32) : specType;
    return { index, name, conditionKey: keySpec?.key ?? null, dataType, isAddress };
  });
}

const M = {
  DISCARD: FWPS_METADATA_FIELD_DISCARD_REASON,
  FLOW: FWPS_METADATA_FIELD_FLOW_HANDLE,
  IPH: FWPS_METADATA_FIELD_IP_HEADER_SIZE,
  PATH: FWPS_METADATA_FIELD_PROCESS_PATH,
  TOKEN: FWPS_METADATA_FIELD_TOKEN,
  PID: FWPS_METADATA_FIELD_PROCESS_ID,
  SYSFLAGS: FWPS_METADATA_FIELD_SYSTEM_FLAGS,
  RESERVED: FWPS_METADATA_FIELD_RESERVED,
  TPH: FWPS_METADATA_FIELD_TRANSPORT_HEADER_SIZE,
  COMP: FWPS_METADATA_FIELD_COMPARTMENT_ID,
  FRAG: FWPS_METADATA_FIELD_FRAGMENT_DATA,
  MTU: FWPS_METADATA_FIELD_PATH_MTU,
  COMPLETION: FWPS_METADATA_FIELD_COMPLETION_HANDLE,
  ENDPOINT: FWPS_METADATA_FIELD_TRANSPORT_ENDPOINT_HANDLE,
  CONTROL: FWPS_METADATA_FIELD_TRANSPORT_CONTROL_DATA,
  SCOPE: FWPS_METADATA_FIELD_REMOTE_SCOPE_ID,
  DIRECTION: FWPS_METADATA_FIELD_PACKET_DIRECTION,
  ALE_REQUIRED: FWPS_METADATA_FIELD_ALE_CLASSIFY_REQUIRED,
  PARENT: FWPS_METADATA_FIELD_PARENT_ENDPOINT_HANDLE,
  ICMP_ID: FWPS_METADATA_FIELD_ICMP_ID_AND_SEQUENCE,
} as const;

const ALE_PROCESS = M.PATH | M.TOKEN | M.PID | M.RESERVED;
const L2_VSWITCH =
  FWPS_L2_METADATA_FIELD_ETHERNET_MAC_HEADER_SIZE |
  FWPS_L2_METADATA_FIELD_WIFI_OPERATION_MODE |
  FWPS_L2_METADATA_FIELD_VSWITCH_SOURCE_PORT_ID |
  FWPS_L2_METADATA_FIELD_VSWITCH_SOURCE_NIC_INDEX |
  FWPS_L2_METADATA_FIELD_VSWITCH_PACKET_CONTEXT |
  FWPS_L2_METADATA_FIELD_VSWITCH_DESTINATION_PORT_ID;

interface LayerPairSpec {
  readonly name: string; // without _V4/_V6
  readonly v4Id: number;
  readonly keys: readonly [v4: GUID, v4Discard: GUID, v6: GUID, v6Discard: GUID];
  readonly fields: readonly FieldSpec[];
  readonly fieldsV6?: readonly FieldSpec[];
  readonly direction: LayerDirection;
  readonly metadata: number;
  readonly inbound: DataOffsetPosition | null;
  readonly outbound: DataOffsetPosition | null;
  readonly layerData: LayerDataKind;
  readonly pendable: boolean;
}

const IP_LAYER_PAIRS: readonly LayerPairSpec[] = [
  {
    name: 'INBOUND_IPPACKET', v4Id: FWPS_LAYER_INBOUND_IPPACKET_V4,
    keys: [FWPM_LAYER_INBOUND_IPPACKET_V4, FWPM_LAYER_INBOUND_IPPACKET_V4_DISCARD, FWPM_LAYER_INBOUND_IPPACKET_V6, FWPM_LAYER_INBOUND_IPPACKET_V6_DISCARD],
    fields: INBOUND_IPPACKET, direction: 'inbound', metadata: M.IPH | M.COMP | M.FRAG,
    inbound: 'transport-header', outbound: null, layerData: 'nbl', pendable: false,
  },
  {
    name: 'OUTBOUND_IPPACKET', v4Id: FWPS_LAYER_OUTBOUND_IPPACKET_V4,
    keys: [FWPM_LAYER_OUTBOUND_IPPACKET_V4, FWPM_LAYER_OUTBOUND_IPPACKET_V4_DISCARD, FWPM_LAYER_OUTBOUND_IPPACKET_V6, FWPM_LAYER_OUTBOUND_IPPACKET_V6_DISCARD],
    fields: OUTBOUND_IPPACKET, direction: 'outbound', metadata: M.IPH | M.TPH | M.COMP | M.FRAG | M.MTU,
    inbound: null, outbound: 'ip-header', layerData: 'nbl', pendable: false,
  },
  {
    name: 'IPFORWARD', v4Id: FWPS_LAYER_IPFORWARD_V4,
    keys: [FWPM_LAYER_IPFORWARD_V4, FWPM_LAYER_IPFORWARD_V4_DISCARD, FWPM_LAYER_IPFORWARD_V6, FWPM_LAYER_IPFORWARD_V6_DISCARD],
    fields: IPFORWARD, direction: 'both', metadata: M.COMP,
    inbound: 'ip-header', outbound: 'ip-header', layerData: 'nbl', pendable: false,
  },
  {
    name: 'INBOUND_TRANSPORT', v4Id: FWPS_LAYER_INBOUND_TRANSPORT_V4,
    keys: [FWPM_LAYER_INBOUND_TRANSPORT_V4, FWPM_LAYER_INBOUND_TRANSPORT_V4_DISCARD, FWPM_LAYER_INBOUND_TRANSPORT_V6, FWPM_LAYER_INBOUND_TRANSPORT_V6_DISCARD],
    fields: INBOUND_TRANSPORT, direction: 'inbound',
    metadata: M.FLOW | M.IPH | M.SYSFLAGS | M.RESERVED | M.TPH | M.COMP | M.ENDPOINT | M.ALE_REQUIRED | M.ICMP_ID,
    inbound: 'payload', outbound: null, layerData: 'nbl', pendable: false,
  },
  {
    name: 'OUTBOUND_TRANSPORT', v4Id: FWPS_LAYER_OUTBOUND_TRANSPORT_V4,
    keys: [FWPM_LAYER_OUTBOUND_TRANSPORT_V4, FWPM_LAYER_OUTBOUND_TRANSPORT_V4_DISCARD, FWPM_LAYER_OUTBOUND_TRANSPORT_V6, FWPM_LAYER_OUTBOUND_TRANSPORT_V6_DISCARD],
    fields: OUTBOUND_TRANSPORT, direction: 'outbound',
    metadata: M.FLOW | M.SYSFLAGS | M.RESERVED | M.TPH | M.COMP | M.ENDPOINT | M.CONTROL | M.SCOPE | M.ICMP_ID,
    inbound: null, outbound: 'transport-header', layerData: 'nbl', pendable: false,
  },
  {
    name: 'STREAM', v4Id: FWPS_LAYER_STREAM_V4,
    keys: [FWPM_LAYER_STREAM_V4, FWPM_LAYER_STREAM_V4_DISCARD, FWPM_LAYER_STREAM_V6, FWPM_LAYER_STREAM_V6_DISCARD],
    fields: STREAM, direction: 'both', metadata: M.FLOW | M.SYSFLAGS,
    inbound: 'stream-data', outbound: 'stream-data', layerData: 'stream', pendable: false,
  },
  {
    name: 'DATAGRAM_DATA', v4Id: FWPS_LAYER_DATAGRAM_DATA_V4,
    keys: [FWPM_LAYER_DATAGRAM_DATA_V4, FWPM_LAYER_DATAGRAM_DATA_V4_DISCARD, FWPM_LAYER_DATAGRAM_DATA_V6, FWPM_LAYER_DATAGRAM_DATA_V6_DISCARD],
    fields: DATAGRAM_DATA, direction: 'both',
    metadata: M.FLOW | M.IPH | M.SYSFLAGS | M.TPH | M.COMP | M.ENDPOINT | M.CONTROL | M.SCOPE | M.ICMP_ID,
    inbound: 'payload', outbound: 'transport-header', layerData: 'nbl', pendable: false,
  },
  {
    name: 'INBOUND_ICMP_ERROR', v4Id: FWPS_LAYER_INBOUND_ICMP_ERROR_V4,
    keys: [FWPM_LAYER_INBOUND_ICMP_ERROR_V4, FWPM_LAYER_INBOUND_ICMP_ERROR_V4_DISCARD, FWPM_LAYER_INBOUND_ICMP_ERROR_V6, FWPM_LAYER_INBOUND_ICMP_ERROR_V6_DISCARD],
    fields: INBOUND_ICMP_ERROR, direction: 'inbound', metadata: M.IPH | M.TPH | M.COMP | M.ENDPOINT,
    inbound: 'inner-ip-header', outbound: null, layerData: 'nbl', pendable: false,
  },
  {
    name: 'OUTBOUND_ICMP_ERROR', v4Id: FWPS_LAYER_OUTBOUND_ICMP_ERROR_V4,
    keys: [FWPM_LAYER_OUTBOUND_ICMP_ERROR_V4, FWPM_LAYER_OUTBOUND_ICMP_ERROR_V4_DISCARD, FWPM_LAYER_OUTBOUND_ICMP_ERROR_V6, FWPM_LAYER_OUTBOUND_ICMP_ERROR_V6_DISCARD],
    fields: OUTBOUND_ICMP_ERROR_V4, fieldsV6: OUTBOUND_ICMP_ERROR_V6, direction: 'outbound',
    metadata: M.SYSFLAGS | M.TPH | M.COMP | M.ENDPOINT | M.CONTROL | M.SCOPE,
    inbound: null, outbound: 'icmp-header', layerData: 'nbl', pendable: false,
  },
  {
    name: 'ALE_RESOURCE_ASSIGNMENT', v4Id: FWPS_LAYER_ALE_RESOURCE_ASSIGNMENT_V4,
    keys: [FWPM_LAYER_ALE_RESOURCE_ASSIGNMENT_V4, FWPM_LAYER_ALE_RESOURCE_ASSIGNMENT_V4_DISCARD, FWPM_LAYER_ALE_RESOURCE_ASSIGNMENT_V6, FWPM_LAYER_ALE_RESOURCE_ASSIGNMENT_V6_DISCARD],
    fields: ALE_RESOURCE_ASSIGNMENT, direction: 'none', metadata: ALE_PROCESS | M.COMPLETION | M.ENDPOINT,
    inbound: null, outbound: null, layerData: 'none', pendable: true,
  },
  {
    name: 'ALE_AUTH_LISTEN', v4Id: FWPS_LAYER_ALE_AUTH_LISTEN_V4,
    keys: [FWPM_LAYER_ALE_AUTH_LISTEN_V4, FWPM_LAYER_ALE_AUTH_LISTEN_V4_DISCARD, FWPM_LAYER_ALE_AUTH_LISTEN_V6, FWPM_LAYER_ALE_AUTH_LISTEN_V6_DISCARD],
    fields: ALE_AUTH_LISTEN, direction: 'none', metadata: ALE_PROCESS | M.COMPLETION | M.ENDPOINT,
    inbound: null, outbound: null, layerData: 'none', pendable: true,
  },
  {
    name: 'ALE_AUTH_RECV_ACCEPT', v4Id: FWPS_LAYER_ALE_AUTH_RECV_ACCEPT_V4,
    keys: [FWPM_LAYER_ALE_AUTH_RECV_ACCEPT_V4, FWPM_LAYER_ALE_AUTH_RECV_ACCEPT_V4_DISCARD, FWPM_LAYER_ALE_AUTH_RECV_ACCEPT_V6, FWPM_LAYER_ALE_AUTH_RECV_ACCEPT_V6_DISCARD],
    fields: ALE_AUTH_RECV_ACCEPT, direction: 'both',
    metadata: M.FLOW | M.IPH | ALE_PROCESS | M.TPH | M.COMP | M.COMPLETION | M.ENDPOINT | M.DIRECTION | M.PARENT | M.ICMP_ID,
    inbound: 'payload', outbound: 'transport-header', layerData: 'nbl', pendable: true,
  },
  {
    name: 'ALE_AUTH_CONNECT', v4Id: FWPS_LAYER_ALE_AUTH_CONNECT_V4,
    keys: [FWPM_LAYER_ALE_AUTH_CONNECT_V4, FWPM_LAYER_ALE_AUTH_CONNECT_V4_DISCARD, FWPM_LAYER_ALE_AUTH_CONNECT_V6, FWPM_LAYER_ALE_AUTH_CONNECT_V6_DISCARD],
    fields: ALE_AUTH_CONNECT, direction: 'both',
    metadata: M.FLOW | ALE_PROCESS | M.TPH | M.COMP | M.COMPLETION | M.ENDPOINT | M.SCOPE | M.DIRECTION | M.PARENT | M.ICMP_ID,
    // Spec §1.2 gives the transport header (outbound); an inbound packet only reaches this layer in a
    // reauthorization, where [emu] it is positioned like RECV_ACCEPT's inbound indications (payload).
    inbound: 'payload', outbound: 'transport-header', layerData: 'nbl-except-tcp', pendable: true,
  },
  {
    name: 'ALE_FLOW_ESTABLISHED', v4Id: FWPS_LAYER_ALE_FLOW_ESTABLISHED_V4,
    keys: [FWPM_LAYER_ALE_FLOW_ESTABLISHED_V4, FWPM_LAYER_ALE_FLOW_ESTABLISHED_V4_DISCARD, FWPM_LAYER_ALE_FLOW_ESTABLISHED_V6, FWPM_LAYER_ALE_FLOW_ESTABLISHED_V6_DISCARD],
    fields: ALE_FLOW_ESTABLISHED, direction: 'both', metadata: M.FLOW | ALE_PROCESS | M.ENDPOINT | M.PARENT | M.ICMP_ID,
    inbound: 'payload', outbound: 'transport-header', layerData: 'nbl', pendable: false,
  },
];

function indexByKey(fields: readonly FieldInfo[]): Map<GUID, number> {
  const m = new Map<GUID, number>();
  for (const f of fields) if (f.conditionKey !== null && !m.has(f.conditionKey)) m.set(f.conditionKey, f.index);
  return m;
}

function buildLayers(): LayerInfo[] {
  const out: LayerInfo[] = [];
  for (const p of IP_LAYER_PAIRS) {
    for (const family of ['v4', 'v6'] as const) {
      const id = p.v4Id + (family === 'v6' ? 2 : 0);
      const fields = resolveFields(family === 'v6' ? (p.fieldsV6 ?? p.fields) : p.fields, family);
      const fieldIndexByKey = indexByKey(fields);
      const suffix = family === 'v6' ? 'V6' : 'V4';
      const keyBase = family === 'v6' ? 2 : 0;
      const common = {
        family,
        direction: p.direction,
        fields,
        fieldIndexByKey,
        l2MetadataFields: 0,
        dataOffset: { inbound: p.inbound, outbound: p.outbound },
        layerData: p.layerData,
      };
      out.push({
        ...common,
        layerId: id,
        name: `${p.name}_${suffix}`,
        layerKey: p.keys[keyBase],
        metadataFields: p.metadata,
        pendable: p.pendable,
        isDiscard: false,
        discardLayerId: id + 1,
        baseLayerId: id,
      });
      // The discard twin shares the field layout; it adds DISCARD_REASON, and nothing there can be pended or
      // absorbed (a discard indication is already a drop).
      out.push({
        ...common,
        layerId: id + 1,
        name: `${p.name}_${suffix}_DISCARD`,
        layerKey: p.keys[keyBase + 1],
        metadataFields: p.metadata | M.DISCARD,
        pendable: false,
        isDiscard: true,
        discardLayerId: -1,
        baseLayerId: id,
      });
    }
  }
  const l2 = (
    layerId: number,
    name: string,
    layerKey: GUID,
    specs: readonly FieldSpec[],
    direction: LayerDirection,
    offset: DataOffsetPosition,
    l2MetadataFields: number,
  ): LayerInfo => {
    const fields = resolveFields(specs, 'ethernet');
    return {
      layerId, name, layerKey, family: 'ethernet', direction, fields, fieldIndexByKey: indexByKey(fields),
      metadataFields: 0, l2MetadataFields,
      dataOffset: { inbound: direction === 'outbound' ? null : offset, outbound: direction === 'inbound' ? null : offset },
      layerData: 'nbl', pendable: false, isDiscard: false, discardLayerId: -1, baseLayerId: layerId,
    };
  };
  // R68: at INBOUND_MAC_FRAME_ETHERNET the MAC header has already been advanced over (offset at the IP header).
  out.push(l2(FWPS_LAYER_INBOUND_MAC_FRAME_ETHERNET, 'INBOUND_MAC_FRAME_ETHERNET', FWPM_LAYER_INBOUND_MAC_FRAME_ETHERNET,
    MAC_FRAME_ETHERNET, 'inbound', 'ip-header', FWPS_L2_METADATA_FIELD_ETHERNET_MAC_HEADER_SIZE));
  out.push(l2(FWPS_LAYER_OUTBOUND_MAC_FRAME_ETHERNET, 'OUTBOUND_MAC_FRAME_ETHERNET', FWPM_LAYER_OUTBOUND_MAC_FRAME_ETHERNET,
    MAC_FRAME_ETHERNET, 'outbound', 'mac-header', 0));
  out.push(l2(FWPS_LAYER_INGRESS_VSWITCH_ETHERNET, 'INGRESS_VSWITCH_ETHERNET', FWPM_LAYER_INGRESS_VSWITCH_ETHERNET,
    INGRESS_VSWITCH_ETHERNET, 'both', 'mac-header', L2_VSWITCH & ~FWPS_L2_METADATA_FIELD_VSWITCH_DESTINATION_PORT_ID));
  out.push(l2(FWPS_LAYER_EGRESS_VSWITCH_ETHERNET, 'EGRESS_VSWITCH_ETHERNET', FWPM_LAYER_EGRESS_VSWITCH_ETHERNET,
    EGRESS_VSWITCH_ETHERNET, 'both', 'mac-header', L2_VSWITCH));
  return out;
}

const LAYERS_BY_ID: ReadonlyArray<LayerInfo | undefined> = (() => {
  const arr: Array<LayerInfo | undefined> = new Array(LAYER_ID_LIMIT).fill(undefined);
  for (const l of buildLayers()) arr[l.layerId] = l;
  return arr;
})();

const LAYERS_BY_KEY: ReadonlyMap<GUID, LayerInfo> = new Map(
  LAYERS_BY_ID.filter((l): l is LayerInfo => l !== undefined).map((l) => [l.layerKey, l]),
);

/** Every layer the engine models, in run-time id order. */
export const ALL_LAYERS: readonly LayerInfo[] = LAYERS_BY_ID.filter((l): l is LayerInfo => l !== undefined);

export function layerById(layerId: number): LayerInfo | undefined {
  return LAYERS_BY_ID[layerId];
}

export function layerByKey(layerKey: GUID): LayerInfo | undefined {
  return LAYERS_BY_KEY.get(canonicalGuid(layerKey) ?? layerKey);
}

/** `FWPS_LAYER_ALE_AUTH_CONNECT_V4` for logs; `layer#N` for an unknown id. */
export function layerName(layerId: number): string {
  const l = LAYERS_BY_ID[layerId];
  return l ? `FWPS_LAYER_${l.name}` : `layer#${layerId}`;
}

/** The FWPS_FIELD_* index of the field carrying condition `conditionKey` at a layer, or -1. */
export function fieldIndex(layerId: number, conditionKey: GUID): number {
  return LAYERS_BY_ID[layerId]?.fieldIndexByKey.get(canonicalGuid(conditionKey) ?? conditionKey) ?? -1;
}

// ---------------------------------------------------------------------------------------------------------------
// FWPS_FIELDS_<layer> enumerations: `FWPS_FIELDS_ALE_AUTH_CONNECT_V4.IP_REMOTE_ADDRESS` is the C code's
// FWPS_FIELD_ALE_AUTH_CONNECT_V4_IP_REMOTE_ADDRESS. Each also carries MAX (the field count).
// ---------------------------------------------------------------------------------------------------------------
/** `FWPS_FIELDS_<layer>`: one member per field name of the spec (typos are compile errors), plus MAX. */
export type FieldEnum<S extends readonly FieldSpec[]> = { readonly [K in S[number][0]]: number } & { readonly MAX: number };

function fieldEnum<S extends readonly FieldSpec[]>(layerId: number, spec: S): FieldEnum<S> {
  const l = LAYERS_BY_ID[layerId];
  if (!l || l.fields.length !== spec.length) throw new Error(`layers: no layer ${layerId} with that field table`);
  const e: Record<string, number> = {};
  for (const f of l.fields) e[f.name] = f.index;
  e['MAX'] = l.fields.length;
  return Object.freeze(e) as FieldEnum<S>;
}

export const FWPS_FIELDS_INBOUND_IPPACKET_V4 = fieldEnum(FWPS_LAYER_INBOUND_IPPACKET_V4, INBOUND_IPPACKET);
export const FWPS_FIELDS_INBOUND_IPPACKET_V6 = fieldEnum(FWPS_LAYER_INBOUND_IPPACKET_V6, INBOUND_IPPACKET);
export const FWPS_FIELDS_OUTBOUND_IPPACKET_V4 = fieldEnum(FWPS_LAYER_OUTBOUND_IPPACKET_V4, OUTBOUND_IPPACKET);
export const FWPS_FIELDS_OUTBOUND_IPPACKET_V6 = fieldEnum(FWPS_LAYER_OUTBOUND_IPPACKET_V6, OUTBOUND_IPPACKET);
export const FWPS_FIELDS_IPFORWARD_V4 = fieldEnum(FWPS_LAYER_IPFORWARD_V4, IPFORWARD);
export const FWPS_FIELDS_IPFORWARD_V6 = fieldEnum(FWPS_LAYER_IPFORWARD_V6, IPFORWARD);
export const FWPS_FIELDS_INBOUND_TRANSPORT_V4 = fieldEnum(FWPS_LAYER_INBOUND_TRANSPORT_V4, INBOUND_TRANSPORT);
export const FWPS_FIELDS_INBOUND_TRANSPORT_V6 = fieldEnum(FWPS_LAYER_INBOUND_TRANSPORT_V6, INBOUND_TRANSPORT);
export const FWPS_FIELDS_OUTBOUND_TRANSPORT_V4 = fieldEnum(FWPS_LAYER_OUTBOUND_TRANSPORT_V4, OUTBOUND_TRANSPORT);
export const FWPS_FIELDS_OUTBOUND_TRANSPORT_V6 = fieldEnum(FWPS_LAYER_OUTBOUND_TRANSPORT_V6, OUTBOUND_TRANSPORT);
export const FWPS_FIELDS_STREAM_V4 = fieldEnum(FWPS_LAYER_STREAM_V4, STREAM);
export const FWPS_FIELDS_STREAM_V6 = fieldEnum(FWPS_LAYER_STREAM_V6, STREAM);
export const FWPS_FIELDS_DATAGRAM_DATA_V4 = fieldEnum(FWPS_LAYER_DATAGRAM_DATA_V4, DATAGRAM_DATA);
export const FWPS_FIELDS_DATAGRAM_DATA_V6 = fieldEnum(FWPS_LAYER_DATAGRAM_DATA_V6, DATAGRAM_DATA);
export const FWPS_FIELDS_INBOUND_ICMP_ERROR_V4 = fieldEnum(FWPS_LAYER_INBOUND_ICMP_ERROR_V4, INBOUND_ICMP_ERROR);
export const FWPS_FIELDS_INBOUND_ICMP_ERROR_V6 = fieldEnum(FWPS_LAYER_INBOUND_ICMP_ERROR_V6, INBOUND_ICMP_ERROR);
export const FWPS_FIELDS_OUTBOUND_ICMP_ERROR_V4 = fieldEnum(FWPS_LAYER_OUTBOUND_ICMP_ERROR_V4, OUTBOUND_ICMP_ERROR_V4);
export const FWPS_FIELDS_OUTBOUND_ICMP_ERROR_V6 = fieldEnum(FWPS_LAYER_OUTBOUND_ICMP_ERROR_V6, OUTBOUND_ICMP_ERROR_V6);
export const FWPS_FIELDS_ALE_RESOURCE_ASSIGNMENT_V4 = fieldEnum(FWPS_LAYER_ALE_RESOURCE_ASSIGNMENT_V4, ALE_RESOURCE_ASSIGNMENT);
export const FWPS_FIELDS_ALE_RESOURCE_ASSIGNMENT_V6 = fieldEnum(FWPS_LAYER_ALE_RESOURCE_ASSIGNMENT_V6, ALE_RESOURCE_ASSIGNMENT);
export const FWPS_FIELDS_ALE_AUTH_LISTEN_V4 = fieldEnum(FWPS_LAYER_ALE_AUTH_LISTEN_V4, ALE_AUTH_LISTEN);
export const FWPS_FIELDS_ALE_AUTH_LISTEN_V6 = fieldEnum(FWPS_LAYER_ALE_AUTH_LISTEN_V6, ALE_AUTH_LISTEN);
export const FWPS_FIELDS_ALE_AUTH_RECV_ACCEPT_V4 = fieldEnum(FWPS_LAYER_ALE_AUTH_RECV_ACCEPT_V4, ALE_AUTH_RECV_ACCEPT);
export const FWPS_FIELDS_ALE_AUTH_RECV_ACCEPT_V6 = fieldEnum(FWPS_LAYER_ALE_AUTH_RECV_ACCEPT_V6, ALE_AUTH_RECV_ACCEPT);
export const FWPS_FIELDS_ALE_AUTH_CONNECT_V4 = fieldEnum(FWPS_LAYER_ALE_AUTH_CONNECT_V4, ALE_AUTH_CONNECT);
export const FWPS_FIELDS_ALE_AUTH_CONNECT_V6 = fieldEnum(FWPS_LAYER_ALE_AUTH_CONNECT_V6, ALE_AUTH_CONNECT);
export const FWPS_FIELDS_ALE_FLOW_ESTABLISHED_V4 = fieldEnum(FWPS_LAYER_ALE_FLOW_ESTABLISHED_V4, ALE_FLOW_ESTABLISHED);
export const FWPS_FIELDS_ALE_FLOW_ESTABLISHED_V6 = fieldEnum(FWPS_LAYER_ALE_FLOW_ESTABLISHED_V6, ALE_FLOW_ESTABLISHED);
export const FWPS_FIELDS_INBOUND_MAC_FRAME_ETHERNET = fieldEnum(FWPS_LAYER_INBOUND_MAC_FRAME_ETHERNET, MAC_FRAME_ETHERNET);
export const FWPS_FIELDS_OUTBOUND_MAC_FRAME_ETHERNET = fieldEnum(FWPS_LAYER_OUTBOUND_MAC_FRAME_ETHERNET, MAC_FRAME_ETHERNET);
export const FWPS_FIELDS_INGRESS_VSWITCH_ETHERNET = fieldEnum(FWPS_LAYER_INGRESS_VSWITCH_ETHERNET, INGRESS_VSWITCH_ETHERNET);
export const FWPS_FIELDS_EGRESS_VSWITCH_ETHERNET = fieldEnum(FWPS_LAYER_EGRESS_VSWITCH_ETHERNET, EGRESS_VSWITCH_ETHERNET);
