/** A pool + injection manager + facade wired the way an engine wires them, with a manual drain and recorded misuse. */
import { NTSTATUS } from '../../src/engine/ntstatus.js';
import { NblPool, type NblPoolOptions } from '../../src/engine/nbl-pool.js';
import type { NetBufferList } from '../../src/engine/nbl.js';
import type { NblViolation } from '../../src/engine/nbl-misuse.js';
import { StackState } from '../../src/engine/stack-state.js';
import {
  InjectionManager,
  InjectionKind,
  type DeliverFn,
  type InjectionHandle,
  type InjectionRequest,
} from '../../src/engine/injection.js';
import { manualDrainScheduler, type DrainScheduler } from '../../src/engine/completion-queue.js';
import { createNblApi, type NblApiOptions } from '../../src/fwp/nbl.js';
import { FWPS_INJECTION_TYPE_L2 } from '../../src/engine/constants.js';

export interface LabOptions {
  pool?: NblPoolOptions;
  capacity?: number;
  scheduler?: DrainScheduler;
  api?: NblApiOptions;
  stackReady?: boolean;
}

export function makeLab(options: LabOptions = {}) {
  const violations: NblViolation[] = [];
  const pool = new NblPool({ ...options.pool, onViolation: (v) => violations.push(v) });
  const stack = new StackState();
  if (options.stackReady !== false) stack.markReady();
  const injection = new InjectionManager({
    pool,
    stack,
    scheduler: options.scheduler ?? manualDrainScheduler,
    ...(options.capacity !== undefined ? { capacity: options.capacity } : {}),
  });
  const api = createNblApi(pool, injection, options.api);

  /** A stack NBL over a fresh slot: `headroom` zero bytes, then `payload`. */
  const indicate = (payload: ArrayLike<number>, headroom = 16): NetBufferList => {
    const slot = new Uint8Array(headroom + payload.length);
    slot.set(payload, headroom);
    return pool.indicate(slot, headroom, payload.length)!;
  };

  const handle = (flags = 0, af = 0): InjectionHandle => {
    const ref = { value: null as InjectionHandle | null };
    const status = api.FwpsInjectionHandleCreate0(af, flags, ref);
    if (status !== NTSTATUS.STATUS_SUCCESS) throw new Error(`handle create failed: ${status.toString(16)}`);
    return ref.value!;
  };

  const clone = (nbl: NetBufferList) => {
    const ref = { value: null as NetBufferList | null };
    const status = api.FwpsAllocateCloneNetBufferList0(nbl, null, null, 0, ref);
    if (status !== NTSTATUS.STATUS_SUCCESS) throw new Error(`clone failed: ${status.toString(16)}`);
    return ref.value!;
  };

  const allocate = (bytes: Uint8Array, offset = 0, length = bytes.length - offset) => {
    const ref = { value: null as NetBufferList | null };
    const status = api.FwpsAllocateNetBufferAndNetBufferList0(null, 0, 0, bytes, offset, length, ref);
    if (status !== NTSTATUS.STATUS_SUCCESS) throw new Error(`allocate failed: ${status.toString(16)}`);
    return ref.value!;
  };

  return { pool, stack, injection, api, violations, indicate, handle, clone, allocate };
}

export type Lab = ReturnType<typeof makeLab>;

export const deliverOk: DeliverFn = () => NTSTATUS.STATUS_SUCCESS;

export function request(kind: InjectionRequest['kind'], overrides: Partial<InjectionRequest> = {}): InjectionRequest {
  return { kind, injectionContext: null, flags: 0, reserved: null, deliver: deliverOk, ...overrides };
}

export const transportSend = (overrides: Partial<InjectionRequest> = {}) =>
  request(InjectionKind.TransportSend, overrides);

export const L2 = FWPS_INJECTION_TYPE_L2;

export function bytesOf(nbl: NetBufferList): number[] {
  const nb = nbl.firstNb!;
  return Array.from(nb.data.subarray(nb.dataOffset, nb.dataOffset + nb.dataLength));
}
