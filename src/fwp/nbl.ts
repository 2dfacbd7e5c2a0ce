/**
 * The NBL, injection-handle and injection-state surface of fwpsk.h / ndis.h with their documented names and
 * parameter orders, bound to one engine's pool and injection manager, so a callout ported from C reads line by line:
 * out-parameters are `{ value }` refs, statuses are NTSTATUS numbers from src/engine/ntstatus.ts, pool handles and
 * MDL handlers are accepted and ignored. Misuse is reported through the pool's violation log, never thrown.
 *
 * Emulator notes ([emu], see the engine modules for the why):
 *  - an MDL chain is one Uint8Array (an NB's data is always contiguous, so NdisGetDataBuffer never copies);
 *  - NdisRetreatNetBufferDataStart uses existing headroom only, else NDIS_STATUS_RESOURCES;
 *  - R74 needs the caller's callout flags: a driver registering with FWP_CALLOUT_FLAG_ALLOW_L2_BATCH_CLASSIFY binds its
 *    own API with `calloutFlags`, so its clone calls fail wherever they are made from;
 *  - FwpsInjectionHandleDestroy0 cannot block: it returns STATUS_PENDING while completions are outstanding;
 *    FwpsInjectionHandleDestroy0Async is the form that waits (R58).
 */
import type { FWPS_PACKET_INJECTION_STATE } from '../engine/constants.js';
import { NTSTATUS } from '../engine/ntstatus.js';
import {
  advanceDataStart,
  getDataBuffer,
  NDIS_STATUS_FAILURE,
  retreatDataStart,
  type NetBuffer,
  type NetBufferList,
} from '../engine/nbl.js';
import { NblMisuse } from '../engine/nbl-misuse.js';
import type { NblPool } from '../engine/nbl-pool.js';
import type { InjectCompleteFn, InjectionHandle, InjectionManager } from '../engine/injection.js';

export { NDIS_STATUS_FAILURE, NDIS_STATUS_RESOURCES, NDIS_STATUS_SUCCESS } from '../engine/nbl.js';

export type NET_BUFFER_LIST = NetBufferList;
export type NET_BUFFER = NetBuffer;
/** The emulator's MDL chain: one contiguous buffer. */
export type MDL = Uint8Array;
/** NDIS pool handles and MDL handlers have nothing to point at here; any value is accepted. */
export type NDIS_HANDLE = unknown;
export type FWPS_INJECT_COMPLETE0 = InjectCompleteFn;
export type INJECTION_HANDLE = InjectionHandle;

export interface NblApiOptions {
  /** FWPS_CALLOUT0.flags of the driver using this API (R74). */
  calloutFlags?: number;
}

export interface NblApi {
  FwpsAllocateCloneNetBufferList0(
    originalNetBufferList: NET_BUFFER_LIST,
    netBufferListPoolHandle: NDIS_HANDLE,
    netBufferPoolHandle: NDIS_HANDLE,
    allocateCloneFlags: number,
    netBufferList: { value: NET_BUFFER_LIST | null },
  ): number;
  FwpsFreeCloneNetBufferList0(netBufferList: NET_BUFFER_LIST, freeCloneFlags: number): void;
  FwpsAllocateNetBufferAndNetBufferList0(
    poolHandle: NDIS_HANDLE,
    contextSize: number,
    contextBackFill: number,
    mdlChain: MDL | null,
    dataOffset: number,
    dataLength: number,
    netBufferList: { value: NET_BUFFER_LIST | null },
  ): number;
  FwpsFreeNetBufferList0(netBufferList: NET_BUFFER_LIST): void;
  FwpsReferenceNetBufferList0(netBufferList: NET_BUFFER_LIST, intendToModify: boolean): void;
  FwpsDereferenceNetBufferList0(netBufferList: NET_BUFFER_LIST, dispatchLevel: boolean): void;

  FwpsInjectionHandleCreate0(
    addressFamily: number,
    flags: number,
    injectionHandle: { value: INJECTION_HANDLE | null },
  ): number;
  FwpsInjectionHandleDestroy0(injectionHandle: INJECTION_HANDLE): number;
  FwpsInjectionHandleDestroy0Async(injectionHandle: INJECTION_HANDLE): Promise<number>;
  FwpsQueryPacketInjectionState0(
    injectionHandle: INJECTION_HANDLE,
    netBufferList: NET_BUFFER_LIST,
    injectionContext?: { value: unknown } | null,
  ): FWPS_PACKET_INJECTION_STATE;

  NET_BUFFER_LIST_FIRST_NB(netBufferList: NET_BUFFER_LIST): NET_BUFFER | null;
  NET_BUFFER_LIST_NEXT_NBL(netBufferList: NET_BUFFER_LIST): NET_BUFFER_LIST | null;
  NET_BUFFER_LIST_STATUS(netBufferList: NET_BUFFER_LIST): number;
  NET_BUFFER_NEXT_NB(netBuffer: NET_BUFFER): NET_BUFFER | null;
  NET_BUFFER_DATA_OFFSET(netBuffer: NET_BUFFER): number;
  NET_BUFFER_DATA_LENGTH(netBuffer: NET_BUFFER): number;

  NdisRetreatNetBufferDataStart(
    netBuffer: NET_BUFFER,
    dataOffsetDelta: number,
    dataBackFill: number,
    allocateMdlHandler: NDIS_HANDLE,
  ): number;
  NdisAdvanceNetBufferDataStart(
    netBuffer: NET_BUFFER,
    dataOffsetDelta: number,
    freeMdl: boolean,
    freeMdlHandler: NDIS_HANDLE,
  ): void;
  NdisGetDataBuffer(
    netBuffer: NET_BUFFER,
    bytesNeeded: number,
    storage: Uint8Array | null,
    alignMultiple: number,
    alignOffset: number,
  ): Uint8Array | null;
}

export function createNblApi(pool: NblPool, injection: InjectionManager, options: NblApiOptions = {}): NblApi {
  const calloutFlags = options.calloutFlags ?? 0;

  /** Null checks stand in for the bugcheck a NULL would cause in C; freed NBLs are reported by the pool. */
  const liveNbl = (nbl: NET_BUFFER_LIST | null | undefined, api: string): nbl is NET_BUFFER_LIST =>
    nbl != null && pool.checkLive(nbl, api);
  const liveNb = (nb: NET_BUFFER | null | undefined, api: string): nb is NET_BUFFER => {
    if (nb == null) return false;
    if (nb.live) return true;
    pool.report(NblMisuse.UseAfterFree, 0, `${api}: NET_BUFFER was freed`);
    return false;
  };

  return {
    FwpsAllocateCloneNetBufferList0(original, _nblPool, _nbPool, allocateCloneFlags, netBufferList) {
      if (netBufferList == null) return NTSTATUS.STATUS_INVALID_PARAMETER;
      netBufferList.value = null;
      if (original == null || allocateCloneFlags !== 0) return NTSTATUS.STATUS_INVALID_PARAMETER; // no flags defined
      return pool.clone(original, calloutFlags, netBufferList);
    },
    FwpsFreeCloneNetBufferList0(netBufferList) {
      if (netBufferList != null) pool.freeClone(netBufferList);
    },
    FwpsAllocateNetBufferAndNetBufferList0(_pool, _contextSize, _backFill, mdlChain, dataOffset, dataLength, out) {
      // contextSize/contextBackFill size an NBL context area the emulator does not model.
      if (out == null) return NTSTATUS.STATUS_INVALID_PARAMETER;
      return pool.allocate(mdlChain, dataOffset, dataLength, out);
    },
    FwpsFreeNetBufferList0(netBufferList) {
      if (netBufferList != null) pool.freeAllocated(netBufferList);
    },
    FwpsReferenceNetBufferList0(netBufferList, intendToModify) {
      if (netBufferList != null) pool.reference(netBufferList, intendToModify);
    },
    FwpsDereferenceNetBufferList0(netBufferList) {
      if (netBufferList != null) pool.dereference(netBufferList);
    },

    FwpsInjectionHandleCreate0(addressFamily, flags, injectionHandle) {
      return injection.createHandle(addressFamily, flags, injectionHandle);
    },
    FwpsInjectionHandleDestroy0(injectionHandle) {
      return injection.destroyHandle(injectionHandle);
    },
    FwpsInjectionHandleDestroy0Async(injectionHandle) {
      return injection.destroyHandleAsync(injectionHandle);
    },
    FwpsQueryPacketInjectionState0(injectionHandle, netBufferList, injectionContext = null) {
      return injection.queryInjectionState(injectionHandle, netBufferList, injectionContext);
    },

    NET_BUFFER_LIST_FIRST_NB(netBufferList) {
      return liveNbl(netBufferList, 'NET_BUFFER_LIST_FIRST_NB') ? netBufferList.firstNb : null;
    },
    NET_BUFFER_LIST_NEXT_NBL(netBufferList) {
      return liveNbl(netBufferList, 'NET_BUFFER_LIST_NEXT_NBL') ? netBufferList.next : null;
    },
    NET_BUFFER_LIST_STATUS(netBufferList) {
      if (!liveNbl(netBufferList, 'NET_BUFFER_LIST_STATUS')) return NTSTATUS.STATUS_INVALID_PARAMETER;
      return netBufferList.status;
    },
    NET_BUFFER_NEXT_NB(netBuffer) {
      return liveNb(netBuffer, 'NET_BUFFER_NEXT_NB') ? netBuffer.next : null;
    },
    NET_BUFFER_DATA_OFFSET(netBuffer) {
      return liveNb(netBuffer, 'NET_BUFFER_DATA_OFFSET') ? netBuffer.dataOffset : 0;
    },
    NET_BUFFER_DATA_LENGTH(netBuffer) {
      return liveNb(netBuffer, 'NET_BUFFER_DATA_LENGTH') ? netBuffer.dataLength : 0;
    },

    NdisRetreatNetBufferDataStart(netBuffer, dataOffsetDelta) {
      if (!liveNb(netBuffer, 'NdisRetreatNetBufferDataStart')) return NDIS_STATUS_FAILURE;
      const status = retreatDataStart(netBuffer, dataOffsetDelta);
      if (status === NDIS_STATUS_FAILURE) {
        const message = `NdisRetreatNetBufferDataStart: bad delta ${dataOffsetDelta}`;
        pool.report(NblMisuse.InvalidLayout, netBuffer.owner!.serial, message);
      }
      return status;
    },
    NdisAdvanceNetBufferDataStart(netBuffer, dataOffsetDelta) {
      if (!liveNb(netBuffer, 'NdisAdvanceNetBufferDataStart')) return;
      if (!advanceDataStart(netBuffer, dataOffsetDelta)) {
        pool.report(
          NblMisuse.InvalidLayout,
          netBuffer.owner!.serial,
          `NdisAdvanceNetBufferDataStart: delta ${dataOffsetDelta} with ${netBuffer.dataLength} bytes of data`,
        );
      }
    },
    NdisGetDataBuffer(netBuffer, bytesNeeded) {
      return liveNb(netBuffer, 'NdisGetDataBuffer') ? getDataBuffer(netBuffer, bytesNeeded) : null;
    },
  };
}
