/**
 * Wireshark's tools as the independent reference: what tshark and capinfos say about a file is what our reader must
 * say. Also a small record collector that copies frames out of the reader's buffer.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { openCaptureFileSync, type PcapRecord, type ReaderOptions } from '../../src/pcap/index.js';

function has(cmd: string): boolean {
  try {
    execFileSync(cmd, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const hasWireshark = has('tshark') && has('capinfos');
/** For describe.skipIf titles, in the same style as lab.ts's NEEDS_ROOT. */
export const NEEDS_WIRESHARK = hasWireshark ? '' : ' [skipped: needs tshark and capinfos]';

export interface TsharkFrame {
  number: number;
  timeEpoch: string;
  len: number;
  capLen: number;
  interfaceId: number | undefined;
  comments: string[];
  /** epb_flags direction bits, when the file has them. */
  direction: number | undefined;
  hex: string;
}

type Layer = Record<string, unknown>;

/** A field anywhere in a layer (tshark nests some, e.g. flag bits under "frame.packet_flags_tree"). */
function field(layer: Layer | undefined, name: string): string | undefined {
  if (!layer) return undefined;
  const v = layer[name];
  if (v !== undefined) return Array.isArray(v) ? String(v[0]) : String(v);
  for (const child of Object.values(layer)) {
    if (child && typeof child === 'object' && !Array.isArray(child)) {
      const found = field(child as Layer, name);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** Every frame as tshark sees it (JSON output with raw bytes; duplicate keys merged so all comments survive). */
export function tsharkFrames(path: string): TsharkFrame[] {
  const out = execFileSync('tshark', ['-r', path, '-T', 'json', '--no-duplicate-keys', '-x', '-J', 'frame pkt_comment'], {
    maxBuffer: 256 << 20,
    stdio: ['ignore', 'pipe', 'ignore'],
  }).toString('utf8');
  const packets = JSON.parse(out) as { _source: { layers: Layer } }[];
  return packets.map((p) => {
    const layers = p._source.layers;
    const frame = layers['frame'] as Layer;
    const raw = layers['frame_raw'] as unknown[];
    const hex = String(Array.isArray(raw[0]) ? (raw[0] as unknown[])[0] : raw[0]);
    const commentLayer = layers['pkt_comment'] as Layer | undefined;
    const c = commentLayer?.['frame.comment'];
    const comments = c === undefined ? [] : Array.isArray(c) ? c.map(String) : [String(c)];
    const iface = field(frame, 'frame.interface_id');
    const dir = field(frame, 'frame.packet_flags_direction');
    return {
      number: Number(field(frame, 'frame.number')),
      timeEpoch: field(frame, 'frame.time_epoch')!,
      len: Number(field(frame, 'frame.len')),
      capLen: Number(field(frame, 'frame.cap_len')),
      interfaceId: iface === undefined ? undefined : Number(iface),
      comments,
      direction: dir === undefined ? undefined : Number(dir),
      hex,
    };
  });
}

/** `capinfos -c -M`: the packet count Wireshark's file library reads. */
export function capinfosCount(path: string): number {
  const out = execFileSync('capinfos', ['-c', '-M', path], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  const m = /Number of packets:\s*(\d+)/.exec(out);
  if (!m) throw new Error(`capinfos printed no packet count for ${path}:\n${out}`);
  return Number(m[1]);
}

/** `capinfos` as text (for interface listings). */
export function capinfos(path: string): string {
  return execFileSync('capinfos', [path], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
}

export interface Collected {
  recordIndex: number;
  interfaceIndex: number;
  interfaceId: number;
  sectionIndex: number;
  linkType: number;
  timestampNs: bigint;
  caplen: number;
  origlen: number;
  data: Uint8Array;
  comments: string[];
  flags: number | undefined;
  dropCount: bigint | undefined;
}

export function collect(rec: PcapRecord): Collected {
  return {
    recordIndex: rec.recordIndex,
    interfaceIndex: rec.interfaceIndex,
    interfaceId: rec.interfaceId,
    sectionIndex: rec.sectionIndex,
    linkType: rec.linkType,
    timestampNs: rec.timestampNs,
    caplen: rec.caplen,
    origlen: rec.origlen,
    data: rec.copyData(),
    comments: [...rec.comments],
    flags: rec.flags,
    dropCount: rec.dropCount,
  };
}

export function readAll(path: string, opts?: ReaderOptions): Collected[] {
  const r = openCaptureFileSync(path, opts);
  try {
    return [...r].map(collect);
  } finally {
    r.close();
  }
}

export function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}
