import { describe, expect, it } from 'vitest';
import {
  FWPS_PACKET_INJECTED_BY_OTHER,
  FWPS_PACKET_INJECTED_BY_SELF,
  FWPS_PACKET_NOT_INJECTED,
  FWPS_PACKET_PREVIOUSLY_INJECTED_BY_SELF,
} from '../../src/engine/constants.js';
import { NTSTATUS } from '../../src/engine/ntstatus.js';
import type { NetBufferList } from '../../src/engine/nbl.js';
import type { InjectionHandle } from '../../src/engine/injection.js';
import { makeLab, transportSend } from './nbl-fixtures.js';

const FRAME = [0x45, 0, 0, 20, 9, 9, 9, 9];

describe('injection state (spec §4.4)', () => {
  it('R55: a stack packet is NOT_INJECTED and the context ref is cleared', () => {
    const { api, indicate, handle } = makeLab();
    const ctx = { value: 'stale' as unknown };
    expect(api.FwpsQueryPacketInjectionState0(handle(), indicate(FRAME), ctx)).toBe(FWPS_PACKET_NOT_INJECTED);
    expect(ctx.value).toBeNull();
  });

  it('R17: the re-indicated packet is INJECTED_BY_SELF for its injector, with the injectionContext given', () => {
    const lab = makeLab();
    const self = lab.handle();
    const other = lab.handle();
    const seen: [number, unknown, number][] = [];
    // The delivery path is where the injector's own filters see the packet again.
    const deliver = (nbl: NetBufferList) => {
      const ctx = { value: null as unknown };
      const mine = lab.api.FwpsQueryPacketInjectionState0(self, nbl, ctx);
      seen.push([mine, ctx.value, lab.api.FwpsQueryPacketInjectionState0(other, nbl, ctx)]);
      return NTSTATUS.STATUS_SUCCESS;
    };
    const injected = lab.clone(lab.indicate(FRAME));
    lab.injection.beginInjection(self, injected, () => {}, null, transportSend({ deliver, injectionContext: 'record-7' }));
    lab.injection.drainCompletions();
    expect(seen).toEqual([[FWPS_PACKET_INJECTED_BY_SELF, 'record-7', FWPS_PACKET_INJECTED_BY_OTHER]]);
  });

  it("R55: another handle's injection is INJECTED_BY_OTHER, and no context leaks to the querier", () => {
    const lab = makeLab();
    const [a, b] = [lab.handle(), lab.handle()];
    const nbl = lab.clone(lab.indicate(FRAME));
    lab.injection.beginInjection(a, nbl, () => {}, null, transportSend({ injectionContext: 'a-secret' }));
    const ctx = { value: 'x' as unknown };
    expect(lab.api.FwpsQueryPacketInjectionState0(b, nbl, ctx)).toBe(FWPS_PACKET_INJECTED_BY_OTHER);
    expect(ctx.value).toBeNull();
  });

  it('R55: injected by H, cloned and reinjected by G, the packet is PREVIOUSLY_INJECTED_BY_SELF for H', () => {
    const lab = makeLab();
    const [h, g] = [lab.handle(), lab.handle()];
    let reinjected: NetBufferList | null = null;
    // G's callout sees H's packet on the delivery path, clones it and reinjects the clone.
    const deliverViaG = (nbl: NetBufferList) => {
      reinjected = lab.clone(nbl);
      lab.injection.beginInjection(g, reinjected, () => {}, null, transportSend({ injectionContext: 'g-ctx' }));
      return NTSTATUS.STATUS_SUCCESS;
    };
    const first = lab.clone(lab.indicate(FRAME));
    lab.injection.beginInjection(h, first, () => {}, null, transportSend({ deliver: deliverViaG, injectionContext: 'h-ctx' }));
    lab.injection.drainCompletions();

    const ctx = { value: null as unknown };
    expect(lab.api.FwpsQueryPacketInjectionState0(h, reinjected!, ctx)).toBe(FWPS_PACKET_PREVIOUSLY_INJECTED_BY_SELF);
    expect(ctx.value).toBe('h-ctx'); // H's own context, not the last injector's
    expect(lab.api.FwpsQueryPacketInjectionState0(g, reinjected!, ctx)).toBe(FWPS_PACKET_INJECTED_BY_SELF);
    expect(ctx.value).toBe('g-ctx');
    expect(reinjected!.injection.handles.toArray()).toEqual([h.id, g.id]);
    expect(reinjected!.injection.context).toBe('g-ctx');
  });

  it('clones inherit the history; an allocated NBL starts with none', () => {
    const lab = makeLab();
    const h = lab.handle();
    const injected = lab.clone(lab.indicate(FRAME));
    lab.injection.beginInjection(h, injected, () => {}, null, transportSend({ injectionContext: 7 }));
    const child = lab.clone(injected);
    expect(lab.api.FwpsQueryPacketInjectionState0(h, child, null)).toBe(FWPS_PACKET_INJECTED_BY_SELF);
    expect(lab.api.FwpsQueryPacketInjectionState0(h, lab.allocate(new Uint8Array(4)), null)).toBe(FWPS_PACKET_NOT_INJECTED);
  });

  it('the same handle injecting twice stays INJECTED_BY_SELF with the latest context', () => {
    const lab = makeLab();
    const h = lab.handle();
    const first = lab.clone(lab.indicate(FRAME));
    lab.injection.beginInjection(h, first, () => {}, null, transportSend({ injectionContext: 1 }));
    lab.injection.drainCompletions();
    const second = lab.clone(first);
    lab.injection.beginInjection(h, second, () => {}, null, transportSend({ injectionContext: 2 }));
    const ctx = { value: null as unknown };
    expect(lab.api.FwpsQueryPacketInjectionState0(h, second, ctx)).toBe(FWPS_PACKET_INJECTED_BY_SELF);
    expect(ctx.value).toBe(2);
  });

  it('a destroyed handle still compares by identity; a null one sees only NOT_INJECTED or INJECTED_BY_OTHER', () => {
    const lab = makeLab();
    const h = lab.handle();
    const nbl = lab.clone(lab.indicate(FRAME));
    lab.injection.beginInjection(h, nbl, () => {}, null, transportSend());
    lab.injection.drainCompletions();
    lab.api.FwpsInjectionHandleDestroy0(h);
    expect(lab.api.FwpsQueryPacketInjectionState0(h, nbl, null)).toBe(FWPS_PACKET_INJECTED_BY_SELF);
    expect(lab.injection.queryInjectionState(null as unknown as InjectionHandle, nbl, null)).toBe(
      FWPS_PACKET_INJECTED_BY_OTHER,
    );
  });
});
