/**
 * Ownership misuse of NBLs (spec §4.3) is detected and reported, never thrown and never allowed to corrupt state:
 * the offending call is refused (the NBL stays as it was, so leak accounting still shows it), counted here, passed
 * to an optional hook, and — where the API returns a status — answered with an error status.
 */

export const NblMisuse = {
  /** FwpsFree*NetBufferList0 on an NBL that is already back in the pool. */
  DoubleFree: 'double-free',
  /** Any other operation (clone, reference, inject, query, accessors, NDIS helpers) on a freed NBL or NB. */
  UseAfterFree: 'use-after-free',
  /** FwpsFreeCloneNetBufferList0 / FwpsFreeNetBufferList0 on a stack-owned (layerData) NBL. */
  FreeStackNbl: 'free-stack-nbl',
  /**
   * FwpsFreeCloneNetBufferList0 on an allocated NBL, FwpsFreeNetBufferList0 on a clone, or a stack release of a
   * non-stack NBL.
   */
  WrongFreeFunction: 'wrong-free-function',
  /** Freeing a clone or allocated NBL whose own clones are outstanding (childRefCount > 0). */
  FreeWithChildren: 'free-with-children',
  /** Freeing a clone or allocated NBL that is still referenced (refCount > 0). */
  FreeReferenced: 'free-referenced',
  /** Freeing an NBL handed to an inject function before its completionFn ran. */
  FreeInFlight: 'free-in-flight',
  /** FwpsDereferenceNetBufferList0 with no reference outstanding. */
  DereferenceUnderflow: 'dereference-underflow',
  /**
   * The host stack releasing a stack NBL it already released (still held by a reference, a clone or an injection,
   * or already recycled).
   */
  StackReleaseTwice: 'stack-release-twice',
  /** Injecting an NBL that is already injected and not yet completed. */
  InjectInFlight: 'inject-in-flight',
  /** A layout request outside the NB (advance past the data end, negative or fractional counts). */
  InvalidLayout: 'invalid-layout',
  /** A leak check found NBLs or references still outstanding (reported once per check). */
  Leak: 'leak',
} as const;
export type NblMisuseKind = (typeof NblMisuse)[keyof typeof NblMisuse];

export interface NblViolation {
  readonly kind: NblMisuseKind;
  /** Serial of the NBL involved (0 when none). */
  readonly serial: number;
  readonly message: string;
}

export type NblViolationHook = (violation: NblViolation) => void;

export class ViolationLog {
  private readonly counts = new Map<NblMisuseKind, number>();
  private totalCount = 0;

  constructor(private readonly hook: NblViolationHook | null = null) {}

  report(kind: NblMisuseKind, serial: number, message: string): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
    this.totalCount++;
    if (this.hook === null) return;
    try {
      this.hook({ kind, serial, message });
    } catch {
      // A faulty hook must not turn a reported misuse into a thrown one on the data path.
    }
  }

  count(kind: NblMisuseKind): number {
    return this.counts.get(kind) ?? 0;
  }

  get total(): number {
    return this.totalCount;
  }

  /** Counts per kind, for tests and shutdown reports. */
  snapshot(): Partial<Record<NblMisuseKind, number>> {
    return Object.fromEntries(this.counts) as Partial<Record<NblMisuseKind, number>>;
  }
}
