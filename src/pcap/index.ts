/**
 * pcap and pcapng: streaming readers (synchronous over a descriptor for replay, asynchronous over a Readable) and
 * buffered writers. Everything throws only PcapError.
 */
export { PcapError, type PcapErrorCode, type PcapErrorPosition } from './errors.js';
export * from './linktype.js';
export {
  PcapRecord,
  NS_PER_SECOND,
  NS_PER_MICROSECOND,
  nsToSeconds,
  nsToMicros,
  formatEpochNs,
  directionOfFlags,
  flagsOfDirection,
  EPB_FLAG_DIRECTION_MASK,
  EPB_FLAG_DIRECTION_INBOUND,
  EPB_FLAG_DIRECTION_OUTBOUND,
  EPB_FLAG_RECEPTION_SHIFT,
  EPB_FLAG_FCS_LEN_SHIFT,
  EPB_FLAG_LINK_ERRORS_SHIFT,
  type PacketDirection,
  type CaptureInterface,
  type InterfaceStatistics,
} from './record.js';
export type { ReaderOptions, ReaderStats } from './decoder.js';
export type { ClassicHeader } from './classic.js';
export type { SectionInfo, NameRecord } from './pcapng.js';
export { DEFAULT_BUFFER_SIZE, DEFAULT_MAX_UNIT_BYTES } from './window.js';
export {
  PcapSyncReader,
  PcapStreamReader,
  openCaptureFileSync,
  openCaptureFdSync,
  openCaptureStream,
  type CaptureFormat,
} from './reader.js';
export { PcapWriter, type PcapWriterOptions, type PacketToWrite } from './writer-classic.js';
export {
  PcapngWriter,
  type PcapngWriterOptions,
  type PcapngInterfaceOptions,
  type PcapngPacketToWrite,
} from './writer-pcapng.js';
export type { ByteSink, ByteOrderOption } from './writer-sink.js';
