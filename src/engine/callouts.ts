/**
 * Run-time callouts: FwpsCalloutRegister*, FwpsCalloutUnregisterById0/ByKey0 (spec §1.4, R43, R47–R49), and how a
 * callout's answer is read through its filter's action type (R38, R39).
 *
 * Callout ids are shared with the management side: FwpmCalloutAdd0 and FwpsCalloutRegister0 may come in either order
 * and both report the same id for a key, so ids come from one allocator per engine.
 */
import {
  FWP_ACTION_BLOCK,
  FWP_ACTION_CALLOUT_INSPECTION,
  FWP_ACTION_CALLOUT_TERMINATING,
  FWP_ACTION_CONTINUE,
  FWP_ACTION_PERMIT,
} from './constants.js';
import { canonicalGuid, type GUID } from './guid.js';
import { NTSTATUS } from './ntstatus.js';
import type {
  FWPS_CALLOUT_CLASSIFY_FN0,
  FWPS_CALLOUT_CLASSIFY_FN1,
  FWPS_CALLOUT_FLOW_DELETE_NOTIFY_FN0,
  FWPS_CALLOUT_NOTIFY_FN0,
} from './structs.js';

/** One calloutId per callout key for the life of the engine. */
export class CalloutIdAllocator {
  private readonly ids = new Map<GUID, number>();
  private next = 1;

  idFor(key: GUID): number {
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.next++;
      this.ids.set(key, id);
    }
    return id;
  }

  peek(key: GUID): number | undefined {
    return this.ids.get(key);
  }
}

export class RegisteredCallout {
  /** classifyFn invocations of this callout currently on the stack. */
  activeClassifies = 0;

  constructor(
    readonly calloutId: number,
    readonly calloutKey: GUID,
    readonly flags: number,
    /** classifyFn0, or classifyFn1+ when `takesClassifyContext`. */
    readonly classifyFn: FWPS_CALLOUT_CLASSIFY_FN0 | FWPS_CALLOUT_CLASSIFY_FN1,
    readonly takesClassifyContext: boolean,
    readonly notifyFn: FWPS_CALLOUT_NOTIFY_FN0,
    readonly flowDeleteFn: FWPS_CALLOUT_FLOW_DELETE_NOTIFY_FN0 | null,
    readonly deviceObject: unknown,
  ) {}
}

export interface CalloutRegistration {
  calloutKey: GUID;
  flags?: number;
  classifyFn: FWPS_CALLOUT_CLASSIFY_FN0 | FWPS_CALLOUT_CLASSIFY_FN1;
  notifyFn: FWPS_CALLOUT_NOTIFY_FN0;
  flowDeleteFn?: FWPS_CALLOUT_FLOW_DELETE_NOTIFY_FN0 | null;
}

export class CalloutRegistry {
  /** Indexed by calloutId: the classify path looks callouts up by id on every callout filter. */
  private readonly byId: Array<RegisteredCallout | undefined> = [];
  private readonly byKey = new Map<GUID, RegisteredCallout>();

  constructor(
    private readonly ids: CalloutIdAllocator,
    /** Does any flow still carry a context of this callout? (R49) */
    private readonly hasFlowContexts: (calloutId: number) => boolean,
  ) {}

  get(calloutId: number): RegisteredCallout | undefined {
    return this.byId[calloutId];
  }

  byCalloutKey(key: GUID): RegisteredCallout | undefined {
    return this.byKey.get(canonicalGuid(key) ?? key);
  }

  /**
   * FwpsCalloutRegister0..3. `takesClassifyContext` selects the classifyFn1+ signature. Returns the status and, on
   * success, the id. Registering never notifies about filters that already reference the callout (R47).
   */
  register(
    deviceObject: unknown,
    callout: CalloutRegistration | null | undefined,
    takesClassifyContext: boolean,
  ): { status: number; calloutId: number } {
    if (!callout) return { status: NTSTATUS.STATUS_FWP_NULL_POINTER, calloutId: 0 };
    const key = typeof callout.calloutKey === 'string' ? canonicalGuid(callout.calloutKey) : null;
    // [emu] A callout without classifyFn or notifyFn cannot be called; Windows documents both as required.
    if (key === null || typeof callout.classifyFn !== 'function' || typeof callout.notifyFn !== 'function') {
      return { status: NTSTATUS.STATUS_INVALID_PARAMETER, calloutId: 0 };
    }
    if (callout.flowDeleteFn !== undefined && callout.flowDeleteFn !== null && typeof callout.flowDeleteFn !== 'function') {
      return { status: NTSTATUS.STATUS_INVALID_PARAMETER, calloutId: 0 };
    }
    if (this.byKey.has(key)) return { status: NTSTATUS.STATUS_FWP_ALREADY_EXISTS, calloutId: 0 }; // R48
    const id = this.ids.idFor(key);
    const rc = new RegisteredCallout(
      id,
      key,
      (callout.flags ?? 0) >>> 0,
      callout.classifyFn,
      takesClassifyContext,
      callout.notifyFn,
      callout.flowDeleteFn ?? null,
      deviceObject,
    );
    this.byKey.set(key, rc);
    this.byId[id] = rc;
    return { status: NTSTATUS.STATUS_SUCCESS, calloutId: id };
  }

  /**
   * FwpsCalloutUnregisterById0 (R49). Succeeds even while filters reference the callout (they then act per R43).
   * [emu] STATUS_FWP_IN_USE when the callout's own classifyFn is on the stack (Windows would wait for it).
   */
  unregisterById(calloutId: number): number {
    const rc = this.byId[calloutId];
    if (rc === undefined) return NTSTATUS.STATUS_FWP_CALLOUT_NOT_FOUND;
    if (rc.activeClassifies > 0) return NTSTATUS.STATUS_FWP_IN_USE;
    if (this.hasFlowContexts(calloutId)) return NTSTATUS.STATUS_DEVICE_BUSY;
    this.byId[calloutId] = undefined;
    this.byKey.delete(rc.calloutKey);
    return NTSTATUS.STATUS_SUCCESS;
  }

  /** FwpsCalloutUnregisterByKey0. */
  unregisterByKey(calloutKey: GUID): number {
    const rc = this.byCalloutKey(calloutKey);
    return rc === undefined ? NTSTATUS.STATUS_FWP_CALLOUT_NOT_FOUND : this.unregisterById(rc.calloutId);
  }

  isRegistered(calloutId: number): boolean {
    return this.byId[calloutId] !== undefined;
  }
}

/**
 * What a callout's answer means under its filter's action type (FWPS_ACTION0; R38, R39):
 * CALLOUT_TERMINATING → PERMIT or BLOCK, anything else BLOCK; CALLOUT_INSPECTION → always CONTINUE;
 * CALLOUT_UNKNOWN → PERMIT, BLOCK or CONTINUE, [emu] anything else BLOCK (fail closed).
 */
export function coerceCalloutAction(filterActionType: number, returned: number): number {
  if (filterActionType === FWP_ACTION_CALLOUT_INSPECTION) return FWP_ACTION_CONTINUE;
  if (returned === FWP_ACTION_PERMIT || returned === FWP_ACTION_BLOCK) return returned;
  if (filterActionType === FWP_ACTION_CALLOUT_TERMINATING) return FWP_ACTION_BLOCK;
  return returned === FWP_ACTION_CONTINUE ? FWP_ACTION_CONTINUE : FWP_ACTION_BLOCK;
}
