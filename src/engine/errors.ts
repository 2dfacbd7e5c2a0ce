/**
 * The idiomatic core reports a failed management call by throwing FwpError with the NTSTATUS the Fwpm* function
 * returns; the facade (src/fwp) turns it back into a return value. Run-time calls whose successes differ
 * (STATUS_PENDING, STATUS_OBJECT_NAME_EXISTS…) return their status instead of throwing.
 */
import { ntStatusName } from './ntstatus.js';

export class FwpError extends Error {
  constructor(
    readonly status: number,
    detail?: string,
  ) {
    super(detail ? `${ntStatusName(status)}: ${detail}` : ntStatusName(status));
    this.name = 'FwpError';
  }
}

/** Runs `fn` and returns STATUS_SUCCESS, or the status of the FwpError it threw (anything else propagates). */
export function statusOf(fn: () => void): number {
  try {
    fn();
    return 0;
  } catch (err) {
    if (err instanceof FwpError) return err.status;
    throw err;
  }
}
