import { describe, expect, it } from 'vitest';
import {
  AF_INET,
  AF_INET6,
  FWPS_INJECTION_TYPE_FORWARD,
  FWPS_INJECTION_TYPE_NETWORK,
  FWPS_INJECTION_TYPE_STREAM,
  FWPS_INJECTION_TYPE_TRANSPORT,
  FWPS_INJECTION_TYPE_VSWITCH_TRANSPORT,
} from '../../src/engine/constants.js';
import { NTSTATUS } from '../../src/engine/ntstatus.js';
import {
  InjectionKind,
  InjectionManager,
  type InjectionHandle,
  type InjectCompleteFn,
} from '../../src/engine/injection.js';
import { manualDrainScheduler, microtaskDrainScheduler } from '../../src/engine/completion-queue.js';
import { writeByteToNetBuffer, type NetBufferList } from '../../src/engine/nbl.js';
import { L2, makeLab, request, transportSend } from './nbl-fixtures.js';

const FRAME = [0x45, 0, 0, 20, 1, 2, 3, 4];
const ALL_KINDS = Object.values(InjectionKind);

/** A completionFn recording every call (context, NBL, status at call time). */
function recorder() {
  const calls: { context: unknown; nbl: NetBufferList; status: number; next: NetBufferList | null }[] = [];
  const fn: InjectCompleteFn = (context, nbl) => calls.push({ context, nbl, status: nbl.status, next: nbl.next });
  return { calls, fn };
}

function accepted(lab: ReturnType<typeof makeLab>, h: InjectionHandle, kind: (typeof ALL_KINDS)[number]): number {
  const nbl = lab.clone(lab.indicate(FRAME));
  return lab.injection.beginInjection(h, nbl, () => {}, null, request(kind));
}

describe('injection handles', () => {
  it('R57: FwpsInjectionHandleCreate0 with flags 0 yields a transport + stream + forward handle', () => {
    const lab = makeLab();
    const h = lab.handle(0);
    expect(h.types).toBe(FWPS_INJECTION_TYPE_TRANSPORT | FWPS_INJECTION_TYPE_STREAM | FWPS_INJECTION_TYPE_FORWARD);
    for (const kind of ['stream', 'transport-send', 'transport-receive', 'forward'] as const) {
      expect(accepted(lab, h, kind), kind).toBe(NTSTATUS.STATUS_SUCCESS);
    }
  });

  it('R56: network injection with a handle lacking NETWORK, or MAC injection lacking L2, is STATUS_FWP_INJECT_HANDLE_STALE', () => {
    const lab = makeLab();
    const transport = lab.handle(FWPS_INJECTION_TYPE_TRANSPORT, AF_INET);
    for (const kind of ['network-send', 'network-receive', 'mac-send', 'mac-receive'] as const) {
      expect(accepted(lab, transport, kind), kind).toBe(NTSTATUS.STATUS_FWP_INJECT_HANDLE_STALE);
    }
    expect(lab.injection.stats().outstanding).toBe(0);
  });

  it('R56 [emu]: every inject kind refuses a handle of the wrong type with STATUS_FWP_INJECT_HANDLE_STALE', () => {
    const lab = makeLab();
    const network = lab.handle(FWPS_INJECTION_TYPE_NETWORK, AF_INET6);
    for (const kind of ALL_KINDS.filter((k) => !k.startsWith('network'))) {
      expect(accepted(lab, network, kind), kind).toBe(NTSTATUS.STATUS_FWP_INJECT_HANDLE_STALE);
    }
    expect(accepted(lab, network, 'network-send')).toBe(NTSTATUS.STATUS_SUCCESS);
  });

  it('C5: vSwitch injection accepts an L2 (0x10) handle and a 0x20 handle', () => {
    const lab = makeLab();
    for (const flags of [L2, FWPS_INJECTION_TYPE_VSWITCH_TRANSPORT]) {
      const h = lab.handle(flags);
      expect(accepted(lab, h, 'vswitch-ingress')).toBe(NTSTATUS.STATUS_SUCCESS);
      expect(accepted(lab, h, 'vswitch-egress')).toBe(NTSTATUS.STATUS_SUCCESS);
    }
    expect(accepted(lab, lab.handle(FWPS_INJECTION_TYPE_VSWITCH_TRANSPORT), 'mac-send')).toBe(
      NTSTATUS.STATUS_FWP_INJECT_HANDLE_STALE,
    );
  });

  it('[emu] network injection needs a per-family handle: AF_UNSPEC is STATUS_FWP_INJECT_HANDLE_STALE', () => {
    const lab = makeLab();
    expect(accepted(lab, lab.handle(FWPS_INJECTION_TYPE_NETWORK), 'network-receive')).toBe(
      NTSTATUS.STATUS_FWP_INJECT_HANDLE_STALE,
    );
    const perFamily = lab.handle(FWPS_INJECTION_TYPE_NETWORK, AF_INET);
    expect(accepted(lab, perFamily, 'network-receive')).toBe(NTSTATUS.STATUS_SUCCESS);
  });

  it('R4: FwpsInjectionHandleCreate0 is STATUS_FWP_TCPIP_NOT_READY before the ports are up and after shutdown began', () => {
    const lab = makeLab({ stackReady: false });
    const ref = { value: null as InjectionHandle | null };
    expect(lab.api.FwpsInjectionHandleCreate0(0, 0, ref)).toBe(NTSTATUS.STATUS_FWP_TCPIP_NOT_READY);
    expect(ref.value).toBeNull();
    lab.stack.markReady();
    expect(lab.api.FwpsInjectionHandleCreate0(0, 0, ref)).toBe(NTSTATUS.STATUS_SUCCESS);
    lab.stack.beginShutdown();
    lab.stack.markReady(); // shutdown is one-way
    expect(lab.api.FwpsInjectionHandleCreate0(0, 0, ref)).toBe(NTSTATUS.STATUS_FWP_TCPIP_NOT_READY);
  });

  it('[emu] FwpsInjectionHandleCreate0 refuses unknown address families and type bits', () => {
    const { api } = makeLab();
    const ref = { value: null as InjectionHandle | null };
    expect(api.FwpsInjectionHandleCreate0(10, 0, ref)).toBe(NTSTATUS.STATUS_INVALID_PARAMETER); // Linux AF_INET6
    expect(api.FwpsInjectionHandleCreate0(0, 0x40, ref)).toBe(NTSTATUS.STATUS_INVALID_PARAMETER);
  });
});

describe('the common injection contract', () => {
  it('R13: injection on a closing handle is STATUS_FWP_INJECT_HANDLE_CLOSING and on a not-ready stack STATUS_FWP_TCPIP_NOT_READY', () => {
    const lab = makeLab();
    const h = lab.handle();
    expect(accepted(lab, h, 'transport-send')).toBe(NTSTATUS.STATUS_SUCCESS);
    expect(lab.api.FwpsInjectionHandleDestroy0(h)).toBe(NTSTATUS.STATUS_PENDING);
    expect(h.state).toBe('closing');
    expect(accepted(lab, h, 'transport-send')).toBe(NTSTATUS.STATUS_FWP_INJECT_HANDLE_CLOSING);

    const other = lab.handle();
    lab.stack.beginShutdown();
    expect(accepted(lab, other, 'transport-send')).toBe(NTSTATUS.STATUS_FWP_TCPIP_NOT_READY);
  });

  it('[emu] non-zero flags or a non-null reserved parameter are STATUS_INVALID_PARAMETER', () => {
    const lab = makeLab();
    const h = lab.handle(L2);
    const nbl = lab.clone(lab.indicate(FRAME));
    expect(lab.injection.beginInjection(h, nbl, () => {}, null, request('vswitch-egress', { flags: 1 }))).toBe(
      NTSTATUS.STATUS_INVALID_PARAMETER,
    );
    expect(lab.injection.beginInjection(h, nbl, () => {}, null, request('vswitch-egress', { reserved: {} }))).toBe(
      NTSTATUS.STATUS_INVALID_PARAMETER,
    );
    expect(nbl.injection.handles.toArray()).toEqual([]);
  });

  it('R20: completionFn is required for cloned, allocated and modified NBLs, optional for an unaltered original', () => {
    const lab = makeLab();
    const h = lab.handle(L2);
    const egress = request('vswitch-egress');
    const original = lab.indicate(FRAME);
    const clone = lab.clone(original);
    expect(lab.injection.beginInjection(h, clone, null, null, egress)).toBe(NTSTATUS.STATUS_INVALID_PARAMETER);
    expect(lab.injection.beginInjection(h, lab.allocate(new Uint8Array(8)), null, null, egress)).toBe(
      NTSTATUS.STATUS_INVALID_PARAMETER,
    );
    const edited = lab.indicate(FRAME);
    writeByteToNetBuffer(edited.firstNb!, 0, 0);
    expect(lab.injection.beginInjection(h, edited, null, null, egress)).toBe(NTSTATUS.STATUS_INVALID_PARAMETER);
    expect(lab.injection.beginInjection(h, original, null, null, egress)).toBe(NTSTATUS.STATUS_SUCCESS);
    expect(lab.injection.drainCompletions()).toBe(1);
    expect(lab.injection.stats()).toMatchObject({ outstanding: 0, completed: 1 });
  });

  it('R12: STATUS_SUCCESS now; completionFn later with its context and the delivery outcome in NET_BUFFER_LIST_STATUS', () => {
    const lab = makeLab();
    const h = lab.handle();
    const { calls, fn } = recorder();
    const ok = lab.clone(lab.indicate(FRAME));
    const failed = lab.clone(lab.indicate(FRAME));
    const deliver = (nbl: NetBufferList) => (nbl === failed ? NTSTATUS.STATUS_NOT_FOUND : NTSTATUS.STATUS_SUCCESS);
    expect(lab.injection.beginInjection(h, ok, fn, 'ctx-1', transportSend({ deliver }))).toBe(NTSTATUS.STATUS_SUCCESS);
    expect(lab.injection.beginInjection(h, failed, fn, null, transportSend({ deliver }))).toBe(NTSTATUS.STATUS_SUCCESS);
    expect(calls).toEqual([]);
    lab.injection.drainCompletions();
    expect(calls.map((c) => [c.nbl, c.context, c.status])).toEqual([
      [ok, 'ctx-1', NTSTATUS.STATUS_SUCCESS],
      [failed, null, NTSTATUS.STATUS_NOT_FOUND],
    ]);
    expect(lab.api.NET_BUFFER_LIST_STATUS(failed)).toBe(NTSTATUS.STATUS_NOT_FOUND);
  });

  it('R14: a failed injection never calls completionFn, records nothing, and leaves the NBL to the caller', () => {
    const lab = makeLab();
    const h = lab.handle(FWPS_INJECTION_TYPE_TRANSPORT);
    const { calls, fn } = recorder();
    const c = lab.clone(lab.indicate(FRAME));
    expect(lab.injection.beginInjection(h, c, fn, null, request('mac-send'))).toBe(NTSTATUS.STATUS_FWP_INJECT_HANDLE_STALE);
    lab.injection.drainCompletions();
    expect(calls).toEqual([]);
    expect(c.injection.handles.toArray()).toEqual([]);
    lab.api.FwpsFreeCloneNetBufferList0(c, 0); // the caller frees it, without complaint
    expect(lab.violations).toEqual([]);
  });

  it('completionFn never runs inside the inject call, not even when injecting from inside a completionFn', () => {
    const lab = makeLab();
    const h = lab.handle();
    const log: string[] = [];
    const second = lab.clone(lab.indicate(FRAME));
    const secondFn: InjectCompleteFn = () => log.push('second completed');
    const firstFn: InjectCompleteFn = () => {
      log.push('first completed');
      log.push(`inject second: ${lab.injection.beginInjection(h, second, secondFn, null, transportSend())}`);
      log.push('inject second returned');
    };
    lab.injection.beginInjection(h, lab.clone(lab.indicate(FRAME)), firstFn, null, transportSend());
    log.push('inject first returned');
    lab.injection.drainCompletions();
    expect(log).toEqual(['inject first returned', 'first completed', 'inject second: 0', 'inject second returned']);
    lab.injection.drainCompletions(); // a drain takes what was queued when it started
    expect(log.at(-1)).toBe('second completed');
  });

  it('with the microtask scheduler completions run on their own after the synchronous work returns', async () => {
    const lab = makeLab({ scheduler: microtaskDrainScheduler });
    const { calls, fn } = recorder();
    lab.injection.beginInjection(lab.handle(), lab.clone(lab.indicate(FRAME)), fn, null, transportSend());
    expect(calls).toHaveLength(0);
    await Promise.resolve();
    expect(calls).toHaveLength(1);
  });

  it('R19: a chain completes exactly once per NBL, with the same context, each on its own (next cleared)', () => {
    const lab = makeLab();
    const { calls, fn } = recorder();
    const parent = lab.indicate(FRAME);
    const [a, b, c] = [lab.clone(parent), lab.clone(parent), lab.clone(parent)];
    a.next = b;
    b.next = c;
    expect(lab.injection.beginInjection(lab.handle(L2), a, fn, 'chain', request('vswitch-egress'))).toBe(
      NTSTATUS.STATUS_SUCCESS,
    );
    lab.injection.drainCompletions();
    lab.injection.drainCompletions();
    expect(calls.map((x) => x.nbl)).toEqual([a, b, c]);
    expect(calls.every((x) => x.context === 'chain' && x.next === null)).toBe(true);
  });

  it('a chain is admitted all or nothing: one bad NBL refuses the whole chain untouched', () => {
    const lab = makeLab();
    const parent = lab.indicate(FRAME);
    const [a, b] = [lab.clone(parent), lab.clone(parent)];
    lab.api.FwpsFreeCloneNetBufferList0(b, 0);
    a.next = b;
    expect(lab.injection.beginInjection(lab.handle(), a, () => {}, null, transportSend())).toBe(
      NTSTATUS.STATUS_INVALID_PARAMETER,
    );
    expect(a.next).toBe(b);
    expect(a.injection.handles.toArray()).toEqual([]);
    expect(lab.injection.stats().outstanding).toBe(0);
  });

  it('a chain listing one NBL twice (or looping) is refused rather than walked forever', () => {
    const lab = makeLab();
    const a = lab.clone(lab.indicate(FRAME));
    a.next = a;
    expect(lab.injection.beginInjection(lab.handle(), a, () => {}, null, transportSend())).toBe(
      NTSTATUS.STATUS_INVALID_PARAMETER,
    );
  });

  it('overflow policy: beyond the capacity an injection is refused with STATUS_INSUFFICIENT_RESOURCES, nothing is lost', () => {
    const lab = makeLab({ capacity: 2 });
    const h = lab.handle();
    const { calls, fn } = recorder();
    const parent = lab.indicate(FRAME);
    const [a, b, c] = [lab.clone(parent), lab.clone(parent), lab.clone(parent)];
    a.next = b;
    b.next = c;
    expect(lab.injection.beginInjection(h, a, fn, null, transportSend())).toBe(NTSTATUS.STATUS_INSUFFICIENT_RESOURCES);
    expect(a.next).toBe(b); // whole chain refused
    b.next = null;
    expect(lab.injection.beginInjection(h, a, fn, null, transportSend())).toBe(NTSTATUS.STATUS_SUCCESS);
    expect(lab.injection.beginInjection(h, c, fn, null, transportSend())).toBe(NTSTATUS.STATUS_INSUFFICIENT_RESOURCES);
    expect(calls).toEqual([]); // the refused one never completes (R14)
    expect(lab.injection.stats()).toMatchObject({ outstanding: 2, queued: 2, rejectedForCapacity: 2 });

    lab.injection.drainCompletions();
    expect(calls.map((x) => x.nbl)).toEqual([a, b]);
    expect(lab.injection.beginInjection(h, c, fn, null, transportSend())).toBe(NTSTATUS.STATUS_SUCCESS);
    lab.injection.drainCompletions();
    expect(calls).toHaveLength(3);
    expect(lab.injection.stats()).toMatchObject({ outstanding: 0, internalErrors: 0 });
  });

  it('capacity counts NBLs held on the delivery path, so completions deferred by holds can always be queued', () => {
    const lab = makeLab({ capacity: 1 });
    const h = lab.handle();
    const { calls, fn } = recorder();
    let held: NetBufferList | null = null;
    const deliver = (nbl: NetBufferList) => {
      lab.api.FwpsReferenceNetBufferList0(nbl, false); // another callout on the path pends it
      held = nbl;
      return NTSTATUS.STATUS_SUCCESS;
    };
    lab.injection.beginInjection(h, lab.clone(lab.indicate(FRAME)), fn, null, transportSend({ deliver }));
    lab.injection.drainCompletions();
    expect(lab.injection.stats()).toMatchObject({ outstanding: 1, queued: 0 });
    expect(lab.injection.beginInjection(h, lab.clone(lab.indicate(FRAME)), fn, null, transportSend())).toBe(
      NTSTATUS.STATUS_INSUFFICIENT_RESOURCES,
    );
    lab.api.FwpsDereferenceNetBufferList0(held!, false);
    lab.injection.drainCompletions();
    expect(calls).toHaveLength(1);
  });

  it('completion waits for holds taken on the delivery path (a second callout referencing or cloning it)', () => {
    const lab = makeLab();
    const { calls, fn } = recorder();
    let pathClone: NetBufferList | null = null;
    const deliver = (nbl: NetBufferList) => {
      lab.api.FwpsReferenceNetBufferList0(nbl, true);
      pathClone = lab.clone(nbl);
      return NTSTATUS.STATUS_SUCCESS;
    };
    const injected = lab.clone(lab.indicate(FRAME));
    lab.injection.beginInjection(lab.handle(), injected, fn, null, transportSend({ deliver }));
    lab.injection.drainCompletions();
    expect(calls).toHaveLength(0);
    lab.api.FwpsDereferenceNetBufferList0(injected, false);
    lab.injection.drainCompletions();
    expect(calls).toHaveLength(0); // its clone still holds it
    lab.api.FwpsFreeCloneNetBufferList0(pathClone!, 0);
    expect(calls).toHaveLength(0); // queued, not run inside the free
    lab.injection.drainCompletions();
    expect(calls).toHaveLength(1);
    lab.api.FwpsFreeCloneNetBufferList0(injected, 0); // now the injector may free it
    expect(lab.violations).toEqual([]);
  });

  it('a hold taken while the completion is queued (the stack still indicating the original) delays it again', () => {
    const lab = makeLab();
    const { calls, fn } = recorder();
    const original = lab.indicate(FRAME); // still in its own indication
    let pathClone: NetBufferList | null = null;
    const deliver = (nbl: NetBufferList) => ((pathClone = lab.clone(nbl)), NTSTATUS.STATUS_SUCCESS);
    lab.injection.beginInjection(lab.handle(L2), original, fn, null, request('vswitch-egress', { deliver }));
    lab.injection.drainCompletions();
    lab.api.FwpsFreeCloneNetBufferList0(pathClone!, 0); // completion queued
    const lateClone = lab.clone(original); // a callout of the original indication clones it before the drain
    lab.injection.drainCompletions();
    expect(calls).toHaveLength(0);
    lab.api.FwpsFreeCloneNetBufferList0(lateClone, 0);
    lab.injection.drainCompletions();
    expect(calls).toHaveLength(1);
    lab.pool.releaseStack(original);
    expect(original.live).toBe(false);
  });

  it("the injector's own reference on a reinjected original does not hold up its completion", () => {
    const lab = makeLab();
    const original = lab.indicate(FRAME);
    lab.api.FwpsReferenceNetBufferList0(original, false); // kept past classify, absorbed
    lab.pool.releaseStack(original);
    const completion: InjectCompleteFn = (_ctx, nbl) => lab.api.FwpsDereferenceNetBufferList0(nbl, true);
    expect(lab.injection.beginInjection(lab.handle(L2), original, completion, null, request('vswitch-egress'))).toBe(
      NTSTATUS.STATUS_SUCCESS,
    );
    lab.injection.drainCompletions();
    expect(original.live).toBe(false); // dereferenced in its completionFn, then recycled
    expect(lab.pool.leaks()).toEqual({ clones: 0, allocated: 0, references: 0, stackHeldAfterRelease: 0 });
  });

  it('shutdown between admission and delivery completes the NBL with STATUS_FWP_TCPIP_NOT_READY, undelivered', () => {
    const lab = makeLab();
    const { calls, fn } = recorder();
    let delivered = 0;
    const deliver = () => (delivered++, NTSTATUS.STATUS_SUCCESS);
    lab.injection.beginInjection(lab.handle(), lab.clone(lab.indicate(FRAME)), fn, null, transportSend({ deliver }));
    lab.stack.beginShutdown();
    lab.injection.drainCompletions();
    expect(delivered).toBe(0);
    expect(calls.map((c) => c.status)).toEqual([NTSTATUS.STATUS_FWP_TCPIP_NOT_READY]);
  });

  it('a throwing deliver or completionFn is counted and contained; the completion still happens exactly once', () => {
    const errors: string[] = [];
    const lab = makeLab();
    const injection = new InjectionManager({
      pool: lab.pool,
      stack: lab.stack,
      scheduler: manualDrainScheduler,
      onCallbackError: (_e, where) => errors.push(where),
    });
    const ref = { value: null as InjectionHandle | null };
    injection.createHandle(0, 0, ref);
    const statuses: number[] = [];
    const deliver = () => {
      throw new Error('engine bug');
    };
    const completionFn: InjectCompleteFn = (_ctx, nbl) => {
      statuses.push(nbl.status);
      throw new Error('callout bug');
    };
    injection.beginInjection(ref.value, lab.clone(lab.indicate(FRAME)), completionFn, null, transportSend({ deliver }));
    expect(() => injection.drainCompletions()).not.toThrow();
    expect(statuses).toEqual([NTSTATUS.STATUS_UNSUCCESSFUL]);
    expect(errors).toEqual(['deliver', 'completionFn']);
    expect(injection.stats()).toMatchObject({ callbackErrors: 2, outstanding: 0 });
  });
});

describe('FwpsInjectionHandleDestroy0', () => {
  it('R58: the waiting form resolves only after every outstanding completionFn has run', async () => {
    const lab = makeLab();
    const h = lab.handle();
    const log: string[] = [];
    for (const name of ['a', 'b']) {
      const fn: InjectCompleteFn = () => log.push(`completed ${name}`);
      lab.injection.beginInjection(h, lab.clone(lab.indicate(FRAME)), fn, null, transportSend());
    }
    const destroyed = lab.api.FwpsInjectionHandleDestroy0Async(h).then((status) => log.push(`destroyed ${status}`));
    await Promise.resolve();
    expect(log).toEqual([]);
    expect(h.state).toBe('closing');
    expect(h.outstanding).toBe(2);
    lab.injection.drainCompletions();
    await destroyed;
    expect(log).toEqual(['completed a', 'completed b', 'destroyed 0']);
    expect(h.state).toBe('destroyed');
  });

  it('the synchronous form refuses new injections, reports what is outstanding, and finishes when it drains', () => {
    const lab = makeLab();
    const h = lab.handle();
    lab.injection.beginInjection(h, lab.clone(lab.indicate(FRAME)), () => {}, null, transportSend());
    expect(lab.api.FwpsInjectionHandleDestroy0(h)).toBe(NTSTATUS.STATUS_PENDING);
    expect(h.outstanding).toBe(1);
    lab.injection.drainCompletions();
    expect(h.state).toBe('destroyed');
  });

  it('destroys at once with nothing outstanding; a destroyed handle is STATUS_INVALID_HANDLE', async () => {
    const lab = makeLab();
    const h = lab.handle();
    expect(lab.api.FwpsInjectionHandleDestroy0(h)).toBe(NTSTATUS.STATUS_SUCCESS);
    expect(h.state).toBe('destroyed');
    expect(lab.api.FwpsInjectionHandleDestroy0(h)).toBe(NTSTATUS.STATUS_INVALID_HANDLE);
    expect(await lab.api.FwpsInjectionHandleDestroy0Async(h)).toBe(NTSTATUS.STATUS_INVALID_HANDLE);
    expect(accepted(lab, h, 'transport-send')).toBe(NTSTATUS.STATUS_INVALID_HANDLE);
  });
});
