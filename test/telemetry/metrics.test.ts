import { describe, expect, it } from 'vitest';
import { Registry } from '../../src/telemetry/metrics.js';

describe('metrics registry', () => {
  it('renders counters, gauges with collectors and histograms in Prometheus text format', () => {
    const r = new Registry();
    const frames = r.counter('wfp_frames_total', 'Frames received per port', ['port']);
    const tap0 = frames.labels({ port: 'tap0' });
    tap0.inc();
    tap0.inc(2);
    frames.labels({ port: 'we"ird\\' }).inc();
    const pends = r.gauge('wfp_pends_outstanding', 'Pended operations not yet completed');
    pends.collect = () => [[{}, 4]];
    const h = r.histogram('wfp_pend_seconds', 'Time from pend to completion', [0.1, 1]);
    h.observe(0.05);
    h.observe(0.5);
    h.observe(5);
    expect(r.render()).toBe(
      [
        '# HELP wfp_frames_total Frames received per port',
        '# TYPE wfp_frames_total counter',
        'wfp_frames_total{port="tap0"} 3',
        'wfp_frames_total{port="we\\"ird\\\\"} 1',
        '# HELP wfp_pends_outstanding Pended operations not yet completed',
        '# TYPE wfp_pends_outstanding gauge',
        'wfp_pends_outstanding 4',
        '# HELP wfp_pend_seconds Time from pend to completion',
        '# TYPE wfp_pend_seconds histogram',
        'wfp_pend_seconds_bucket{le="0.1"} 1',
        'wfp_pend_seconds_bucket{le="1"} 2',
        'wfp_pend_seconds_bucket{le="+Inf"} 3',
        'wfp_pend_seconds_sum 5.55',
        'wfp_pend_seconds_count 3',
        '',
      ].join('\n'),
    );
  });

  it('returns the same cell for the same labels and refuses duplicate or malformed names', () => {
    const r = new Registry();
    const c = r.counter('x_total', 'x', ['a']);
    expect(c.labels({ a: '1' })).toBe(c.labels({ a: '1' }));
    expect(() => r.counter('x_total', 'again')).toThrow(/registered twice/);
    expect(() => r.counter('bad-name', 'x')).toThrow(/bad metric name/);
  });
});
