/**
 * Test 5: failure paths. System-call failures become exceptions that name the call and the errno; closed ports
 * refuse work clearly; close is idempotent and safe from inside the batch handler; bad arguments are refused
 * before anything reaches the kernel; write errors other than EAGAIN are counted, not thrown.
 */
import { afterAll, describe, expect, it } from 'vitest';

import { UplinkPort } from '../../src/io/packet-socket.js';
import { FrameSlab } from '../../src/io/slab.js';
import { TapPort } from '../../src/io/tap.js';
import { isRoot, Lab, NEEDS_ROOT, sh } from '../helpers/lab.js';
import { exited, moveLink, nodeIn, quietNamespace, sleep, staticNeighbour, udpSenderScript, waitFor } from './io-lab.js';

describe.skipIf(!isRoot)(`I/O error paths${NEEDS_ROOT}`, () => {
  const lab = new Lab('wio5');
  afterAll(() => lab.cleanup());

  it('a TAP name longer than 15 bytes, or one the kernel refuses, throws naming TUNSETIFF and EINVAL', () => {
    const long = 'x'.repeat(16);
    expect(() => TapPort.open({ name: long })).toThrow(/^TUNSETIFF failed: EINVAL \(Invalid argument\): interface name "x{16}"/);
    expect(() => TapPort.open({ name: long })).toThrow(expect.objectContaining({ code: 'EINVAL', errno: 22, syscall: 'TUNSETIFF' }));
    expect(() => TapPort.open({ name: 'bad/name' })).toThrow(/^TUNSETIFF failed: EINVAL \(Invalid argument\)/);
  });

  it('attaching to a TAP that does not exist throws ENODEV', () => {
    expect(() => TapPort.attach(lab.name('none'))).toThrow(expect.objectContaining({ code: 'ENODEV', syscall: 'TUNSETIFF' }));
  });

  it('AF_PACKET on a non-existent interface throws naming SIOCGIFINDEX and ENODEV', () => {
    const name = lab.name('nx');
    expect(() => UplinkPort.open(name)).toThrow(`SIOCGIFINDEX failed: ENODEV (No such device): interface "${name}"`);
    expect(() => UplinkPort.open('y'.repeat(20))).toThrow(/^SIOCGIFINDEX failed: EINVAL/);
  });

  it('close twice is safe; a closed port refuses writeBatch, start and resume with ERR_PORT_CLOSED', () => {
    const tap = TapPort.open({ name: lab.name('c') });
    lab.trackLink(tap.name);
    const q = tap.queues[0]!;
    tap.close();
    tap.close();
    q.close();
    expect(q.closed).toBe(true);
    expect(q.fd).toBe(-1);
    const buf = new Uint8Array(64);
    expect(() => q.writeBatch(buf, Uint32Array.of(0), Uint32Array.of(60), 1)).toThrow(
      expect.objectContaining({ message: 'writeBatch: port is closed', code: 'ERR_PORT_CLOSED' }),
    );
    expect(() => q.start(() => undefined)).toThrow(/start: port is closed/);
    expect(() => q.resume()).toThrow(/resume: port is closed/);
    q.pause(); // harmless
    expect(q.counters().txFrames).toBe(0); // counters stay readable after close
  });

  it('refuses bad arguments before the kernel sees anything; write errors are counted by errno, not thrown', async () => {
    const tap = TapPort.open({ name: lab.name('a') });
    lab.trackLink(tap.name);
    try {
      const q = tap.queues[0]!;
      const buf = new Uint8Array(100);
      // Frame 1 runs past the end: the whole batch is refused, frame 0 included.
      expect(() => q.writeBatch(buf, Uint32Array.of(0, 90), Uint32Array.of(60, 20), 2)).toThrow(RangeError);
      expect(() => q.writeBatch(buf, Uint32Array.of(0), Uint32Array.of(60), 2)).toThrow(/count 2 exceeds/);
      expect(q.counters().txBatches).toBe(0);
      expect(() => q.start(() => undefined, { slab: new FrameSlab(4, 2048), maxBatch: 8 })).toThrow(/4 slots, maxBatch is 8/);
      expect(() => q.native.start(new Uint8Array(1000), 2048, new Uint32Array(1), 1, () => undefined)).toThrow(/slab of 1000 bytes/);
      expect(() => q.native.start(new Uint8Array(4096), 2048, new Uint32Array(1), 2, () => undefined)).toThrow(/fewer than maxBatch/);
      expect(q.started).toBe(false);

      // The TAP is down: the kernel refuses writes with EIO. Counted per errno; the call reports both handled.
      const frames = new Uint8Array(120).fill(0xff, 0, 6);
      expect(q.writeBatch(frames, Uint32Array.of(0, 60), Uint32Array.of(60, 60), 2)).toBe(2);
      const c = q.counters();
      expect(c.txFrames).toBe(0);
      expect(c.txErrors).toBe(2);
      expect(c.errors).toEqual({ EIO: 2 });
      expect(c.txBatches).toBe(1);
      tap.up();
      expect(q.writeBatch(frames, Uint32Array.of(0), Uint32Array.of(60), 1)).toBe(1);
      expect(q.counters().txFrames).toBe(1);
    } finally {
      tap.close();
    }
  });

  it('closing from inside the batch handler stops delivery at once and removes the TAP', async () => {
    const ns = await lab.addNamespace('h');
    await quietNamespace(lab, ns);
    const tap = TapPort.open({ name: lab.name('h') });
    lab.trackLink(tap.name);
    await moveLink(lab, tap.name, ns, '192.0.2.1/24');
    await staticNeighbour(lab, ns, tap.name, '192.0.2.2', '02:00:00:00:00:02');
    let calls = 0;
    let framesInFirst = 0;
    tap.start(
      (count, _rx, port) => {
        calls++;
        framesInFirst = count;
        port.close();
        port.close();
        expect(port.closed).toBe(true);
      },
      { maxBatch: 4 },
    );
    const sender = nodeIn(lab, ns, udpSenderScript('192.0.2.2', 9, 1, 20));
    await exited(sender.proc);
    await waitFor('the first batch', () => calls > 0);
    await sleep(200);
    expect(calls).toBe(1); // 20 frames were waiting, but nothing came after close
    expect(framesInFirst).toBeGreaterThan(0);
    expect(tap.closed).toBe(true);
    // The last fd of a non-persistent TAP is gone, so is the device.
    await expect(lab.nsExec(ns, 'ip', ['link', 'show', tap.name])).rejects.toThrow(/does not exist/);
  });

  it('a TAP deleted under a started port stops it with an error naming read and EBADFD', async () => {
    const tap = TapPort.open({ name: lab.name('d'), persist: true });
    lab.trackLink(tap.name);
    try {
      const errors: Error[] = [];
      tap.start(() => undefined, { onError: (e) => errors.push(e) });
      await sh('ip', ['link', 'del', tap.name]);
      await waitFor('the error', () => errors.length > 0);
      expect(errors[0]!.message).toMatch(/^read failed: EBADFD/);
      expect(tap.queues[0]!.polling).toBe(false);
      expect(tap.queues[0]!.lastError).toBe(errors[0]);
      expect(tap.counters().errors).toEqual({ EBADFD: 1 });
    } finally {
      tap.close();
    }
  });
});
