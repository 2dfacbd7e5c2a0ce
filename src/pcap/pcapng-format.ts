/**
 * pcapng's numbers, named once: block types, field offsets from the start of each block, option codes. Offsets are
 * from the block start (type at 0, total length at 4), so a reader and a writer index the same way.
 */

// Block types.
export const BT_SHB = 0x0a0d0d0a; // a palindrome: recognisable before the byte order is known
export const BT_IDB = 0x00000001;
export const BT_PB = 0x00000002; // obsolete Packet Block: still written by old tools
export const BT_SPB = 0x00000003;
export const BT_NRB = 0x00000004;
export const BT_ISB = 0x00000005;
export const BT_EPB = 0x00000006;
export const BT_SJE = 0x00000009; // systemd journal export
export const BT_DSB = 0x0000000a; // decryption secrets
export const BT_CUSTOM = 0x00000bad;
export const BT_CUSTOM_NOCOPY = 0x40000bad;
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
export const PCAPNG_VERSION_MAJOR = 1;
export const PCAPNG_VERSION_MINOR = 0;

// Generic block framing.
export const BLK_TYPE = 0;
export const BLK_TOTAL_LENGTH = 4;
export const BLK_BODY = 8;
/** Type, leading length, trailing length. */
export const BLK_OVERHEAD = 12;
export const BLK_TRAILER = 4;

// Section Header Block.
export const SHB_BYTE_ORDER_MAGIC = 8;
export const SHB_VERSION_MAJOR = 12;
export const SHB_VERSION_MINOR = 14;
export const SHB_SECTION_LENGTH = 16;
export const SHB_OPTIONS = 24;
export const SHB_MIN_LEN = SHB_OPTIONS + BLK_TRAILER; // 28

// Interface Description Block.
export const IDB_LINKTYPE = 8;
export const IDB_RESERVED = 10;
export const IDB_SNAPLEN = 12;
export const IDB_OPTIONS = 16;
export const IDB_MIN_LEN = IDB_OPTIONS + BLK_TRAILER; // 20

// Enhanced Packet Block.
export const EPB_INTERFACE_ID = 8;
export const EPB_TS_HIGH = 12;
export const EPB_TS_LOW = 16;
export const EPB_CAPLEN = 20;
export const EPB_ORIGLEN = 24;
export const EPB_DATA = 28;
export const EPB_MIN_LEN = EPB_DATA + BLK_TRAILER; // 32

// Obsolete Packet Block: like the EPB but a 16-bit interface id and a 16-bit drop count.
export const PB_INTERFACE_ID = 8;
export const PB_DROPS_COUNT = 10;
export const PB_TS_HIGH = 12;
export const PB_TS_LOW = 16;
export const PB_CAPLEN = 20;
export const PB_ORIGLEN = 24;
export const PB_DATA = 28;
export const PB_MIN_LEN = PB_DATA + BLK_TRAILER;

// Simple Packet Block: no interface id (always 0), no timestamp, no caplen.
export const SPB_ORIGLEN = 8;
export const SPB_DATA = 12;
export const SPB_MIN_LEN = SPB_DATA + BLK_TRAILER; // 16

// Interface Statistics Block.
export const ISB_INTERFACE_ID = 8;
export const ISB_TS_HIGH = 12;
export const ISB_TS_LOW = 16;
export const ISB_OPTIONS = 20;
export const ISB_MIN_LEN = ISB_OPTIONS + BLK_TRAILER; // 24

// Name Resolution Block.
export const NRB_RECORDS = 8;
export const NRB_RECORD_END = 0;
export const NRB_RECORD_IPV4 = 1;
export const NRB_RECORD_IPV6 = 2;

// Options: code (u16), length (u16), value padded to 32 bits.
export const OPT_HEADER_LEN = 4;
export const OPT_ENDOFOPT = 0;
export const OPT_COMMENT = 1;
export const OPT_CUSTOM_STR = 2988;
export const OPT_CUSTOM_BIN = 2989;
export const OPT_CUSTOM_STR_NOCOPY = 19372;
export const OPT_CUSTOM_BIN_NOCOPY = 19373;
export const SHB_HARDWARE = 2;
export const SHB_OS = 3;
export const SHB_USERAPPL = 4;
export const IF_NAME = 2;
export const IF_DESCRIPTION = 3;
export const IF_TSRESOL = 9;
export const IF_FILTER = 11;
export const IF_OS = 12;
export const IF_FCSLEN = 13;
export const IF_TSOFFSET = 14;
export const IF_HARDWARE = 15;
export const EPB_FLAGS = 2;
export const EPB_HASH = 3;
export const EPB_DROPCOUNT = 4;
export const EPB_PACKETID = 5;
export const EPB_QUEUE = 6;
export const PB_FLAGS = 2;
export const PB_HASH = 3;
export const ISB_STARTTIME = 2;
export const ISB_ENDTIME = 3;
export const ISB_IFRECV = 4;
export const ISB_IFDROP = 5;
export const ISB_FILTERACCEPT = 6;
export const ISB_OSDROP = 7;
export const ISB_USRDELIV = 8;

/** if_tsresol's top bit: the rest is a negative power of two instead of ten. */
export const TSRESOL_POW2 = 0x80;
export const DEFAULT_TSRESOL = 6;
