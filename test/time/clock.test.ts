import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { VirtualClock } from '../../src/time/clock.js';

describe('VirtualClock', () => {
  it('fires timers in (due, creation) order and only when time reaches them', () => {
    const c = new VirtualClock(1000);
    const fired: string[] = [];
    c.setTimer(50, () => fired.push('b50'));
    c.setTimer(10, () => fired.push('a10'));
    c.setTimer(50, () => fired.push('c50'));
    c.advanceTo(1049);
    expect(fired).toEqual(['a10']);
    c.advanceTo(1050);
    expect(fired).toEqual(['a10', 'b50', 'c50']);
    expect(c.nowMs()).toBe(1050);
  });

  it('sets now to the timer due time while it fires, and runs timers scheduled by timers', () => {
    const c = new VirtualClock();
    const seen: number[] = [];
    c.setTimer(10, () => {
      seen.push(c.nowMs());
      c.setTimer(5, () => seen.push(c.nowMs()));
    });
    c.advanceTo(100);
    expect(seen).toEqual([10, 15]);
    expect(c.nowMs()).toBe(100);
  });

  it('cancelled timers never fire and do not count as pending', () => {
    const c = new VirtualClock();
    let n = 0;
    const t = c.setTimer(5, () => n++);
    c.setTimer(7, () => n++);
    t.cancel();
    expect(c.pendingTimers).toBe(1);
    expect(c.nextDueMs()).toBe(7);
    c.advanceTo(10);
    expect(n).toBe(1);
    expect(c.nextDueMs()).toBeNull();
  });

  it('fires any set of timers in sorted order (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(1000), fc.boolean()), { maxLength: 200 }), (specs) => {
        const c = new VirtualClock();
        const fired: number[] = [];
        const expected: Array<[number, number]> = [];
        specs.forEach(([d, cancel], i) => {
          const t = c.setTimer(d, () => fired.push(i));
          if (cancel) t.cancel();
          else expected.push([d, i]);
        });
        c.advanceTo(2000);
        expected.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        expect(fired).toEqual(expected.map((e) => e[1]));
      }),
    );
  });
});
