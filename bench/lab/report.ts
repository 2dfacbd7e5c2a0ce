/**
 * Turning per-joiner measurements into the headline metrics, the wfp/kernel ratios, the floors and plain-text tables.
 */
import type { CpuResult, PingResult, TcpResult, UdpResult } from './measure.js';

export interface JoinerResult {
  id: string;
  label: string;
  /** ok: everything measured; partial: some measurements failed; not-run: could not start; failed: setup failed. */
  status: 'ok' | 'partial' | 'not-run' | 'failed';
  reason?: string;
  settings?: Record<string, unknown>;
  /** 1-minute load average when this joiner's measurements started and ended (the machine may be shared). */
  loadavg?: [number, number];
  ping?: PingResult;
  tcp1?: TcpResult & { cpu: CpuResult };
  tcp4?: TcpResult & { cpu: CpuResult };
  udp?: UdpResult & { cpu: CpuResult };
  errors: Record<string, string>;
}

/** The headline numbers of one joiner (null = not measured). */
export interface Headline {
  tcp1Gbps: number | null;
  tcp4Gbps: number | null;
  udpKpps: number | null;
  rttP50Us: number | null;
  rttP99Us: number | null;
  /** "Bridge CPU per frame" (UDP run): the forwarding process for wfp; the softirq approximation for the kernel. */
  cpuNsPerFrame: number | null;
  cpuSource: string;
  softirqNsPerFrame: number | null;
  busyNsPerFrame: number | null;
}

export function headline(r: JoinerResult): Headline {
  const cpu = r.udp?.cpu;
  const proc = cpu?.processNsPerFrame ?? null;
  return {
    tcp1Gbps: r.tcp1 ? r.tcp1.bitsPerSecond / 1e9 : null,
    tcp4Gbps: r.tcp4 ? r.tcp4.bitsPerSecond / 1e9 : null,
    udpKpps: r.udp ? r.udp.deliveredPps / 1e3 : null,
    rttP50Us: r.ping?.p50 ?? null,
    rttP99Us: r.ping?.p99 ?? null,
    cpuNsPerFrame: proc ?? cpu?.softirqNsPerFrame ?? null,
    cpuSource: !cpu ? 'n/a' : proc !== null ? 'bridge process utime+stime' : 'softirq (approximation, machine-wide)',
    softirqNsPerFrame: cpu?.softirqNsPerFrame ?? null,
    busyNsPerFrame: cpu?.busyNsPerFrame ?? null,
  };
}

export interface Ratio {
  metric: string;
  kernel: number | null;
  wfp: number | null;
  ratio: number | null;
  better: 'higher' | 'lower';
  note?: string;
}

export function ratios(k: Headline, w: Headline): Ratio[] {
  const r = (metric: string, kv: number | null, wv: number | null, better: 'higher' | 'lower', note?: string): Ratio => ({
    metric,
    kernel: kv,
    wfp: wv,
    ratio: kv !== null && wv !== null && kv > 0 ? wv / kv : null,
    better,
    ...(note ? { note } : {}),
  });
  return [
    r('TCP 1 stream (Gbit/s)', k.tcp1Gbps, w.tcp1Gbps, 'higher'),
    r('TCP 4 streams (Gbit/s)', k.tcp4Gbps, w.tcp4Gbps, 'higher'),
    r('UDP 64 B delivered (kpps)', k.udpKpps, w.udpKpps, 'higher'),
    r('ping RTT p50 (µs)', k.rttP50Us, w.rttP50Us, 'lower'),
    r('ping RTT p99 (µs)', k.rttP99Us, w.rttP99Us, 'lower'),
    r('bridge CPU per frame (ns)', k.cpuNsPerFrame, w.cpuNsPerFrame, 'lower', 'kernel side = softirq approximation'),
    r('machine busy CPU per frame (ns)', k.busyNsPerFrame, w.busyNsPerFrame, 'lower', 'whole machine, shared: noisy'),
  ];
}

export interface Floor {
  name: string;
  requirement: string;
  value: number | null;
  status: 'PASS' | 'FAIL' | 'NOT EVALUATED';
  why?: string;
}

export const FLOOR_TCP1_RATIO = 0.5;
export const FLOOR_ADDED_RTT_P50_US = 250;

export function floors(k: Headline | null, w: Headline | null, wfpWhy: string | null): Floor[] {
  const tcp = k?.tcp1Gbps != null && w?.tcp1Gbps != null && k.tcp1Gbps > 0 ? w.tcp1Gbps / k.tcp1Gbps : null;
  const rtt = k?.rttP50Us != null && w?.rttP50Us != null ? w.rttP50Us - k.rttP50Us : null;
  const missing = (what: string): string => wfpWhy ?? `${what} not measured for both joiners`;
  return [
    {
      name: 'TCP 1-stream throughput ratio (wfp/kernel)',
      requirement: `≥ ${FLOOR_TCP1_RATIO}`,
      value: tcp,
      status: tcp === null ? 'NOT EVALUATED' : tcp >= FLOOR_TCP1_RATIO ? 'PASS' : 'FAIL',
      ...(tcp === null ? { why: missing('TCP 1-stream') } : {}),
    },
    {
      name: 'added RTT p50 (wfp p50 − kernel p50, µs)',
      requirement: `≤ ${FLOOR_ADDED_RTT_P50_US}`,
      value: rtt,
      status: rtt === null ? 'NOT EVALUATED' : rtt <= FLOOR_ADDED_RTT_P50_US ? 'PASS' : 'FAIL',
      ...(rtt === null ? { why: missing('ping RTT') } : {}),
    },
  ];
}

export function fmt(v: number | null | undefined, digits = 2): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return v.toFixed(digits);
}

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The per-joiner table: every number with the detail that qualifies it. */
export function joinerTable(r: JoinerResult): string {
  if (r.status === 'not-run' || r.status === 'failed') return `${r.label}: ${r.status.toUpperCase()} — ${r.reason ?? ''}`;
  const h = headline(r);
  const rows: string[][] = [
    ['TCP 1 stream', `${fmt(h.tcp1Gbps)} Gbit/s`, r.tcp1 ? `retr ${r.tcp1.retransmits ?? '?'}, ${r.tcp1.seconds} s` : r.errors.tcp1 ?? ''],
    ['TCP 4 streams', `${fmt(h.tcp4Gbps)} Gbit/s`, r.tcp4 ? `retr ${r.tcp4.retransmits ?? '?'}, ${r.tcp4.seconds} s` : r.errors.tcp4 ?? ''],
    [
      `UDP ${r.udp?.payloadBytes ?? 64} B delivered`,
      `${fmt(h.udpKpps, 1)} kpps`,
      r.udp ? `sent ${r.udp.sentPackets}, lost ${fmt(r.udp.lostPercent, 1)}%, ${r.udp.offeredRate}` : r.errors.udp ?? '',
    ],
    ['ping RTT p50', `${fmt(h.rttP50Us, 1)} µs`, r.ping ? `${r.ping.received}/${r.ping.sent} replies, every ${r.ping.intervalS * 1000} ms` : r.errors.ping ?? ''],
    ['ping RTT p99', `${fmt(h.rttP99Us, 1)} µs`, r.ping ? `min ${fmt(r.ping.min, 1)}, max ${fmt(r.ping.max, 1)}, mean ${fmt(r.ping.mean, 1)}` : ''],
    ['bridge CPU / frame (UDP)', `${fmt(h.cpuNsPerFrame, 0)} ns`, h.cpuSource],
    ['softirq CPU / frame (UDP)', `${fmt(h.softirqNsPerFrame, 0)} ns`, 'machine-wide, includes endpoint receive path'],
    ['busy CPU / frame (UDP)', `${fmt(h.busyNsPerFrame, 0)} ns`, r.udp ? `${r.udp.cpu.frames} frames in ${fmt(r.udp.cpu.wallSeconds, 1)} s` : ''],
  ];
  if (r.tcp1?.cpu.processNsPerFrame != null) rows.push(['bridge CPU (TCP 1 stream)', `${fmt(r.tcp1.cpu.processCpuPct, 0)} %`, `${fmt(r.tcp1.cpu.processNsPerFrame, 0)} ns/frame`]);
  const errs = Object.entries(r.errors).map(([k, v]) => `  error in ${k}: ${v}`);
  const load = r.loadavg ? ` — load ${r.loadavg[0].toFixed(2)} → ${r.loadavg[1].toFixed(2)}` : '';
  return [`${r.label}${r.status === 'partial' ? ' (PARTIAL)' : ''}${load}`, table(['metric', 'value', 'detail'], rows), ...errs].join('\n');
}

export function ratioTable(rs: Ratio[]): string {
  return table(
    ['metric', 'kernel', 'wfp', 'wfp/kernel', 'better'],
    rs.map((r) => [r.metric + (r.note ? ` (${r.note})` : ''), fmt(r.kernel), fmt(r.wfp), r.ratio === null ? '—' : `${fmt(r.ratio)}×`, r.better]),
  );
}

export function floorLines(fs: Floor[]): string {
  return fs
    .map((f) => `${f.status.padEnd(13)} ${f.name} ${f.requirement}: ${f.value === null ? '—' : fmt(f.value)}${f.why ? ` (${f.why})` : ''}`)
    .join('\n');
}
