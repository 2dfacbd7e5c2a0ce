/**
 * The "stack ready" switch (R4, R13, spec bridge-mapping §3): pend, every inject function and
 * FwpsInjectionHandleCreate0 answer STATUS_FWP_TCPIP_NOT_READY until the engine's ports are up and again once
 * shutdown has begun. Shutdown is one-way: a stopping engine never becomes ready again.
 */
export type StackPhase = 'starting' | 'ready' | 'stopping';

export class StackState {
  private current: StackPhase = 'starting';

  get phase(): StackPhase {
    return this.current;
  }

  get isReady(): boolean {
    return this.current === 'ready';
  }

  /** The ports are up. Ignored once shutdown has begun. */
  markReady(): void {
    if (this.current === 'starting') this.current = 'ready';
  }

  beginShutdown(): void {
    this.current = 'stopping';
  }
}
