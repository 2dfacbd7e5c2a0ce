import { describe, expect, it } from 'vitest';
import { FWP_CALLOUT_FLAG_ALLOW_L2_BATCH_CLASSIFY } from '../../src/engine/constants.js';
import { NTSTATUS } from '../../src/engine/ntstatus.js';
import { writeToNetBuffer, type NetBufferList } from '../../src/engine/nbl.js';
import { bytesOf, makeLab } from './nbl-fixtures.js';

const FRAME = [0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 1, 2];

describe('clones (FwpsAllocateCloneNetBufferList0)', () => {
  it("R66: a clone shares its parent's bytes, inherits its current data offset, points at it and bumps ChildRefCount", () => {
    const { api, indicate, clone } = makeLab();
    const parent = indicate(FRAME, 10);
    api.NdisAdvanceNetBufferDataStart(parent.firstNb!, 2, false, null);
    const child = clone(parent);
    expect(child.origin).toBe('clone');
    expect(child.parent).toBe(parent);
    expect(parent.childRefCount).toBe(1);
    expect(child.firstNb).not.toBe(parent.firstNb);
    expect(child.firstNb!.data).toBe(parent.firstNb!.data); // same bytes, no copy
    expect(child.firstNb!.dataOffset).toBe(12);
    expect(bytesOf(child)).toEqual(FRAME.slice(2));
    parent.firstNb!.data[12] = 0x42;
    expect(bytesOf(child)[0]).toBe(0x42);
    clone(parent);
    expect(parent.childRefCount).toBe(2);
  });

  it('R74: a callout registered with FWP_CALLOUT_FLAG_ALLOW_L2_BATCH_CLASSIFY always gets STATUS_INVALID_PARAMETER', () => {
    const lab = makeLab({ api: { calloutFlags: FWP_CALLOUT_FLAG_ALLOW_L2_BATCH_CLASSIFY } });
    const parent = lab.indicate(FRAME);
    const out = { value: null as NetBufferList | null };
    expect(lab.api.FwpsAllocateCloneNetBufferList0(parent, null, null, 0, out)).toBe(NTSTATUS.STATUS_INVALID_PARAMETER);
    expect(out.value).toBeNull();
    expect(parent.childRefCount).toBe(0);
    expect(lab.pool.stats().clonesOutstanding).toBe(0);
  });

  it('[emu] allocateCloneFlags other than 0 are refused with STATUS_INVALID_PARAMETER', () => {
    const { api, indicate } = makeLab();
    const out = { value: null as NetBufferList | null };
    const status = api.FwpsAllocateCloneNetBufferList0(indicate(FRAME), null, null, 1, out);
    expect(status).toBe(NTSTATUS.STATUS_INVALID_PARAMETER);
  });

  it('freeing the clone drops the ChildRefCount again', () => {
    const { api, indicate, clone, pool } = makeLab();
    const parent = indicate(FRAME);
    const a = clone(parent);
    const b = clone(parent);
    api.FwpsFreeCloneNetBufferList0(a, 0);
    expect(parent.childRefCount).toBe(1);
    expect(parent.firstChild).toBe(b);
    api.FwpsFreeCloneNetBufferList0(b, 0);
    expect(parent.childRefCount).toBe(0);
    expect(pool.stats().clonesOutstanding).toBe(0);
  });
});

describe('allocated NBLs (FwpsAllocateNetBufferAndNetBufferList0)', () => {
  it('describe caller-owned bytes at the given offset and are freed with FwpsFreeNetBufferList0, leaving the buffer', () => {
    const { api, pool } = makeLab();
    const buffer = Uint8Array.from([0, 0, 5, 6, 7, 0]);
    const out = { value: null as NetBufferList | null };
    expect(api.FwpsAllocateNetBufferAndNetBufferList0(null, 0, 0, buffer, 2, 3, out)).toBe(NTSTATUS.STATUS_SUCCESS);
    const nbl = out.value!;
    expect(nbl.origin).toBe('allocated');
    expect(nbl.injection.handles.toArray()).toEqual([]);
    expect(bytesOf(nbl)).toEqual([5, 6, 7]);
    // dataOffset is backfill a retreat may use
    expect(api.NdisRetreatNetBufferDataStart(nbl.firstNb!, 2, 0, null)).toBe(NTSTATUS.STATUS_SUCCESS);
    api.NdisAdvanceNetBufferDataStart(nbl.firstNb!, 2, false, null);
    expect(pool.stats().allocatedOutstanding).toBe(1);
    api.FwpsFreeNetBufferList0(nbl);
    expect(pool.stats().allocatedOutstanding).toBe(0);
    expect(Array.from(buffer)).toEqual([0, 0, 5, 6, 7, 0]);
  });

  it('accept a NULL MDL chain only with offset and length 0, and refuse windows outside the buffer', () => {
    const { api } = makeLab();
    const out = { value: null as NetBufferList | null };
    expect(api.FwpsAllocateNetBufferAndNetBufferList0(null, 0, 0, null, 0, 0, out)).toBe(NTSTATUS.STATUS_SUCCESS);
    expect(out.value!.firstNb!.dataLength).toBe(0);
    expect(api.FwpsAllocateNetBufferAndNetBufferList0(null, 0, 0, null, 0, 4, out)).toBe(NTSTATUS.STATUS_INVALID_PARAMETER);
    expect(out.value).toBeNull();
    expect(api.FwpsAllocateNetBufferAndNetBufferList0(null, 0, 0, new Uint8Array(4), 2, 3, out)).toBe(
      NTSTATUS.STATUS_INVALID_PARAMETER,
    );
  });
});

describe('stack NBL lifetime', () => {
  it('R67: a referenced stack NBL stays valid after its indication until the matching dereference', () => {
    const { api, indicate, pool } = makeLab();
    const nbl = indicate(FRAME);
    api.FwpsReferenceNetBufferList0(nbl, true);
    expect(nbl.intendToModify).toBe(true);
    pool.releaseStack(nbl); // classify returned, the stack is done with it
    expect(nbl.live).toBe(true);
    expect(bytesOf(nbl)).toEqual(FRAME);
    expect(pool.stats().stackHeldAfterRelease).toBe(1);
    api.FwpsDereferenceNetBufferList0(nbl, false);
    expect(nbl.live).toBe(false);
    expect(pool.stats()).toMatchObject({ stackLive: 0, stackHeldAfterRelease: 0, references: 0 });
  });

  it('an unreferenced stack NBL is recycled at the end of its indication', () => {
    const { indicate, pool } = makeLab();
    const nbl = indicate(FRAME);
    pool.releaseStack(nbl);
    expect(nbl.live).toBe(false);
    expect(pool.stats().storageCopies).toBe(0);
  });

  it('R67: a referenced NBL survives reuse of its slab slot with its bytes intact (copied out at release)', () => {
    const { api, pool } = makeLab();
    const slot = new Uint8Array(64);
    slot.set(FRAME, 16);
    const kept = pool.indicate(slot, 16, FRAME.length)!;
    api.FwpsReferenceNetBufferList0(kept, false);
    const keptClone = (() => {
      const out = { value: null as NetBufferList | null };
      api.FwpsAllocateCloneNetBufferList0(kept, null, null, 0, out);
      return out.value!;
    })();
    pool.releaseStack(kept);

    // The engine reuses the slot for the next frame straight away.
    slot.fill(0x11);
    const next = pool.indicate(slot, 16, 8)!;
    expect(bytesOf(next)).toEqual(new Array(8).fill(0x11));
    expect(bytesOf(kept)).toEqual(FRAME);
    expect(bytesOf(keptClone)).toEqual(FRAME);
    expect(keptClone.firstNb!.data).toBe(kept.firstNb!.data); // the family still shares one copy
    expect(api.NdisRetreatNetBufferDataStart(kept.firstNb!, 16, 0, null)).toBe(NTSTATUS.STATUS_SUCCESS); // headroom kept
    api.NdisAdvanceNetBufferDataStart(kept.firstNb!, 16, false, null);
    expect(pool.stats()).toMatchObject({ storageCopies: 1, storageBytesCopied: 64 });

    api.FwpsFreeCloneNetBufferList0(keptClone, 0);
    api.FwpsDereferenceNetBufferList0(kept, false);
    pool.releaseStack(next);
    expect(pool.leaks()).toEqual({ clones: 0, allocated: 0, references: 0, stackHeldAfterRelease: 0 });
  });

  it('an outstanding clone keeps its released parent alive; freeing the clone recycles the parent', () => {
    const { api, indicate, clone, pool } = makeLab();
    const parent = indicate(FRAME);
    const child = clone(parent);
    pool.releaseStack(parent);
    expect(parent.live).toBe(true);
    expect(child.parent).toBe(parent);
    api.FwpsFreeCloneNetBufferList0(child, 0);
    expect(parent.live).toBe(false);
    expect(pool.stats().stackLive).toBe(0);
  });

  it('pool reuse: many indications, clones and references do not grow the pool once warm', () => {
    const { api, pool, clone } = makeLab({ pool: { quarantine: 8 } });
    const slot = new Uint8Array(128);
    const cycle = (i: number) => {
      const nbl = pool.indicate(slot, 14, 100)!;
      if (i % 3 === 0) {
        const c = clone(nbl);
        api.FwpsFreeCloneNetBufferList0(c, 0);
      }
      if (i % 5 === 0) api.FwpsReferenceNetBufferList0(nbl, false);
      pool.releaseStack(nbl);
      if (i % 5 === 0) api.FwpsDereferenceNetBufferList0(nbl, false);
    };
    for (let i = 0; i < 100; i++) cycle(i);
    const warm = pool.stats();
    for (let i = 0; i < 20_000; i++) cycle(i);
    const after = pool.stats();
    expect(after.nblObjects).toBe(warm.nblObjects);
    expect(after.nbObjects).toBe(warm.nbObjects);
    expect(after.nblObjects).toBeLessThanOrEqual(8 + 2);
    expect(after.stackLive).toBe(0);
    expect(after.violations).toBe(0);
  });

  it('at maxNbls, indicate returns null and clone/allocate fail with STATUS_INSUFFICIENT_RESOURCES', () => {
    const { api, pool, indicate } = makeLab({ pool: { maxNbls: 2, quarantine: 0 } });
    const a = indicate(FRAME);
    indicate(FRAME);
    expect(pool.indicate(new Uint8Array(8), 0, 8)).toBeNull();
    const out = { value: null as NetBufferList | null };
    expect(api.FwpsAllocateCloneNetBufferList0(a, null, null, 0, out)).toBe(NTSTATUS.STATUS_INSUFFICIENT_RESOURCES);
    expect(api.FwpsAllocateNetBufferAndNetBufferList0(null, 0, 0, new Uint8Array(4), 0, 4, out)).toBe(
      NTSTATUS.STATUS_INSUFFICIENT_RESOURCES,
    );
    expect(pool.stats().allocationFailures).toBe(3);
    pool.releaseStack(a);
    expect(pool.indicate(new Uint8Array(8), 0, 8)).not.toBeNull();
  });
});

describe('leak accounting', () => {
  it('counts outstanding clones, allocated NBLs, references and held stack NBLs, and reports them once', () => {
    const { api, pool, indicate, clone, allocate, violations } = makeLab();
    const stackNbl = indicate(FRAME);
    const c = clone(stackNbl);
    const allocated = allocate(new Uint8Array(10));
    api.FwpsReferenceNetBufferList0(stackNbl, false);
    api.FwpsReferenceNetBufferList0(stackNbl, false);
    pool.releaseStack(stackNbl);
    expect(pool.stats()).toMatchObject({ referencedNbls: 1, references: 2 });
    expect(pool.checkLeaks()).toEqual({ clones: 1, allocated: 1, references: 2, stackHeldAfterRelease: 1 });
    expect(violations.map((v) => v.kind)).toEqual(['leak']);

    api.FwpsFreeCloneNetBufferList0(c, 0);
    api.FwpsFreeNetBufferList0(allocated);
    api.FwpsDereferenceNetBufferList0(stackNbl, false);
    api.FwpsDereferenceNetBufferList0(stackNbl, false);
    expect(pool.checkLeaks()).toEqual({ clones: 0, allocated: 0, references: 0, stackHeldAfterRelease: 0 });
    expect(violations).toHaveLength(1);
    expect(pool.stats().stackLive).toBe(0);
  });

  it('writes made before the copy-out are kept by the family', () => {
    const { api, pool, indicate, clone } = makeLab();
    const nbl = indicate(FRAME);
    const c = clone(nbl);
    writeToNetBuffer(c.firstNb!, 0, Uint8Array.of(0x01));
    pool.releaseStack(nbl);
    expect(bytesOf(nbl)[0]).toBe(0x01);
    expect(c.modified).toBe(true);
    api.FwpsFreeCloneNetBufferList0(c, 0);
  });
});
