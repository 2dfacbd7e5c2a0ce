/**
 * LINKTYPE_* values: the numbers written in pcap and pcapng files (tcpdump.org's link-layer header type registry).
 * They are not always the DLT_* values of the capturing platform (DLT_RAW is 12 or 14 on some BSDs, but files say
 * 101), which is why only LINKTYPE numbers appear here.
 *
 * The reader rejects numbers that are not in the registry below unless told to accept them, because an unknown link
 * type almost always means a corrupt header, and replay cannot decode frames it cannot place.
 */

export const LINKTYPE_NULL = 0; // BSD loopback: 4-byte address family in host byte order, then the packet
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_EN10MB = LINKTYPE_ETHERNET; // the DLT_ spelling, for callers used to it
export const LINKTYPE_RAW = 101; // bare IPv4 or IPv6, the version nibble tells which
export const LINKTYPE_LINUX_SLL = 113; // Linux "cooked" capture v1 (tcpdump -i any, old)
export const LINKTYPE_LINUX_SLL2 = 276; // Linux "cooked" capture v2 (tcpdump -i any, current)
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LOOP = 108; // OpenBSD loopback: like NULL but the family is big-endian
export const LINKTYPE_IEEE802_11 = 105;
export const LINKTYPE_IEEE802_11_RADIOTAP = 127;
export const LINKTYPE_NFLOG = 239;
export const LINKTYPE_NETLINK = 253;
export const LINKTYPE_USER0 = 147;
export const LINKTYPE_USER15 = 162;

/**
 * DLT_* spellings for the values that are the same on every platform. DLT_RAW is deliberately absent: it is 12 on
 * Linux and 14 on OpenBSD, while files always say LINKTYPE_RAW (101).
 */
export const DLT_NULL = LINKTYPE_NULL;
export const DLT_EN10MB = LINKTYPE_ETHERNET;
export const DLT_LINUX_SLL = LINKTYPE_LINUX_SLL;
export const DLT_LINUX_SLL2 = LINKTYPE_LINUX_SLL2;
export const DLT_IPV4 = LINKTYPE_IPV4;
export const DLT_IPV6 = LINKTYPE_IPV6;

/** Registered link types by number. */
const NAMES: ReadonlyMap<number, string> = new Map<number, string>([
  [0, 'NULL'],
  [1, 'ETHERNET'],
  [3, 'AX25'],
  [6, 'IEEE802_5'],
  [7, 'ARCNET_BSD'],
  [8, 'SLIP'],
  [9, 'PPP'],
  [10, 'FDDI'],
  [50, 'PPP_HDLC'],
  [51, 'PPP_ETHER'],
  [100, 'ATM_RFC1483'],
  [101, 'RAW'],
  [104, 'C_HDLC'],
  [105, 'IEEE802_11'],
  [107, 'FRELAY'],
  [108, 'LOOP'],
  [113, 'LINUX_SLL'],
  [114, 'LTALK'],
  [117, 'PFLOG'],
  [119, 'IEEE802_11_PRISM'],
  [122, 'IP_OVER_FC'],
  [123, 'SUNATM'],
  [127, 'IEEE802_11_RADIOTAP'],
  [129, 'ARCNET_LINUX'],
  [138, 'APPLE_IP_OVER_IEEE1394'],
  [139, 'MTP2_WITH_PHDR'],
  [140, 'MTP2'],
  [141, 'MTP3'],
  [142, 'SCCP'],
  [143, 'DOCSIS'],
  [144, 'LINUX_IRDA'],
  ...Array.from({ length: 16 }, (_, i) => [147 + i, `USER${i}`] as [number, string]),
  [163, 'IEEE802_11_AVS'],
  [165, 'BACNET_MS_TP'],
  [166, 'PPP_PPPD'],
  [169, 'GPRS_LLC'],
  [170, 'GPF_T'],
  [171, 'GPF_F'],
  [177, 'LINUX_LAPD'],
  [182, 'MFR'],
  [187, 'BLUETOOTH_HCI_H4'],
  [189, 'USB_LINUX'],
  [192, 'PPI'],
  [195, 'IEEE802_15_4_WITHFCS'],
  [196, 'SITA'],
  [197, 'ERF'],
  [201, 'BLUETOOTH_HCI_H4_WITH_PHDR'],
  [202, 'AX25_KISS'],
  [203, 'LAPD'],
  [204, 'PPP_WITH_DIR'],
  [205, 'C_HDLC_WITH_DIR'],
  [206, 'FRELAY_WITH_DIR'],
  [207, 'LAPB_WITH_DIR'],
  [209, 'IPMB_LINUX'],
  [210, 'FLEXRAY'],
  [212, 'LIN'],
  [215, 'IEEE802_15_4_NONASK_PHY'],
  [220, 'USB_LINUX_MMAPPED'],
  [224, 'FC_2'],
  [225, 'FC_2_WITH_FRAME_DELIMS'],
  [226, 'IPNET'],
  [227, 'CAN_SOCKETCAN'],
  [228, 'IPV4'],
  [229, 'IPV6'],
  [230, 'IEEE802_15_4_NOFCS'],
  [231, 'DBUS'],
  [235, 'DVB_CI'],
  [236, 'MUX27010'],
  [237, 'STANAG_5066_D_PDU'],
  [239, 'NFLOG'],
  [240, 'NETANALYZER'],
  [241, 'NETANALYZER_TRANSPARENT'],
  [242, 'IPOIB'],
  [243, 'MPEG_2_TS'],
  [244, 'NG40'],
  [245, 'NFC_LLCP'],
  [247, 'INFINIBAND'],
  [248, 'SCTP'],
  [249, 'USBPCAP'],
  [250, 'RTAC_SERIAL'],
  [251, 'BLUETOOTH_LE_LL'],
  [253, 'NETLINK'],
  [254, 'BLUETOOTH_LINUX_MONITOR'],
  [255, 'BLUETOOTH_BREDR_BB'],
  [256, 'BLUETOOTH_LE_LL_WITH_PHDR'],
  [257, 'PROFIBUS_DL'],
  [258, 'PKTAP'],
  [259, 'EPON'],
  [260, 'IPMI_HPM_2'],
  [261, 'ZWAVE_R1_R2'],
  [262, 'ZWAVE_R3'],
  [263, 'WATTSTOPPER_DLM'],
  [264, 'ISO_14443'],
  [265, 'RDS'],
  [266, 'USB_DARWIN'],
  [268, 'SDLC'],
  [270, 'LORATAP'],
  [271, 'VSOCK'],
  [272, 'NORDIC_BLE'],
  [273, 'DOCSIS31_XRA31'],
  [274, 'ETHERNET_MPACKET'],
  [275, 'DISPLAYPORT_AUX'],
  [276, 'LINUX_SLL2'],
  [278, 'OPENVIZSLA'],
  [279, 'EBHSCR'],
  [280, 'VPP_DISPATCH'],
  [281, 'DSA_TAG_BRCM'],
  [282, 'DSA_TAG_BRCM_PREPEND'],
  [283, 'IEEE802_15_4_TAP'],
  [284, 'DSA_TAG_DSA'],
  [285, 'DSA_TAG_EDSA'],
  [286, 'ELEE'],
  [287, 'Z_WAVE_SERIAL'],
  [288, 'USB_2_0'],
  [289, 'ATSC_ALP'],
  [290, 'ETW'],
  [292, 'ZBOSS_NCP'],
  [293, 'USB_2_0_LOW_SPEED'],
  [294, 'USB_2_0_FULL_SPEED'],
  [295, 'USB_2_0_HIGH_SPEED'],
  [296, 'AUERSWALD_LOG'],
  [297, 'ZWAVE_TAP'],
  [298, 'SILABS_DEBUG_CHANNEL'],
  [299, 'FIRA_UCI'],
  [300, 'MDB'],
  [301, 'DECT_NR'],
]);

export function isKnownLinkType(linkType: number): boolean {
  return NAMES.has(linkType);
}

/** "ETHERNET", "LINUX_SLL2", … or "LINKTYPE_<n>" for a number outside the registry. */
export function linkTypeName(linkType: number): string {
  return NAMES.get(linkType) ?? `LINKTYPE_${linkType}`;
}
