import { describe, expect, it } from 'vitest';
import {
  copyFromNetBuffer,
  NDIS_STATUS_RESOURCES,
  NDIS_STATUS_SUCCESS,
  peekData,
  setDataLength,
  shiftIndicatedView,
  writeByteToNetBuffer,
  writeToNetBuffer,
} from '../../src/engine/nbl.js';
import { NblMisuse } from '../../src/engine/nbl-misuse.js';
import { NTSTATUS } from '../../src/engine/ntstatus.js';
import { bytesOf, makeLab } from './nbl-fixtures.js';

const FRAME = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];

describe('NBL model and NDIS helpers', () => {
  it('exposes the indicated window through the NET_BUFFER accessors', () => {
    const { api, indicate } = makeLab();
    const nbl = indicate(FRAME, 16);
    const nb = api.NET_BUFFER_LIST_FIRST_NB(nbl)!;
    expect(api.NET_BUFFER_DATA_OFFSET(nb)).toBe(16);
    expect(api.NET_BUFFER_DATA_LENGTH(nb)).toBe(FRAME.length);
    expect(api.NET_BUFFER_NEXT_NB(nb)).toBeNull();
    expect(api.NET_BUFFER_LIST_NEXT_NBL(nbl)).toBeNull();
    expect(api.NET_BUFFER_LIST_STATUS(nbl)).toBe(NTSTATUS.STATUS_SUCCESS);
    expect(nbl.origin).toBe('stack');
    expect(nbl.modified).toBe(false);
  });

  it('NdisRetreatNetBufferDataStart uses existing headroom and reports NDIS_STATUS_RESOURCES beyond it', () => {
    const { api, indicate } = makeLab();
    const nbl = indicate(FRAME, 4);
    const nb = nbl.firstNb!;
    expect(api.NdisRetreatNetBufferDataStart(nb, 4, 0, null)).toBe(NDIS_STATUS_SUCCESS);
    expect([nb.dataOffset, nb.dataLength]).toEqual([0, FRAME.length + 4]);
    expect(api.NdisRetreatNetBufferDataStart(nb, 1, 0, null)).toBe(NDIS_STATUS_RESOURCES);
    expect([nb.dataOffset, nb.dataLength]).toEqual([0, FRAME.length + 4]); // unchanged on failure
  });

  it('NdisAdvanceNetBufferDataStart moves the start and refuses (and reports) going past the data end', () => {
    const { api, indicate, violations } = makeLab();
    const nbl = indicate(FRAME, 0);
    const nb = nbl.firstNb!;
    api.NdisAdvanceNetBufferDataStart(nb, 6, false, null);
    expect(bytesOf(nbl)).toEqual(FRAME.slice(6));
    api.NdisAdvanceNetBufferDataStart(nb, 7, false, null);
    expect(bytesOf(nbl)).toEqual(FRAME.slice(6));
    expect(violations.map((v) => v.kind)).toEqual([NblMisuse.InvalidLayout]);
  });

  it('NdisGetDataBuffer returns a view of the contiguous bytes, or null when fewer bytes are there', () => {
    const { api, indicate } = makeLab();
    const nbl = indicate(FRAME, 8);
    const nb = nbl.firstNb!;
    const view = api.NdisGetDataBuffer(nb, 4, null, 1, 0)!;
    expect(Array.from(view)).toEqual([1, 2, 3, 4]);
    expect(view.buffer).toBe(nb.data.buffer); // a view, not a copy
    expect(api.NdisGetDataBuffer(nb, FRAME.length + 1, new Uint8Array(64), 1, 0)).toBeNull();
  });

  it('copyFromNetBuffer copies out of the window and refuses ranges outside it', () => {
    const { indicate } = makeLab();
    const nb = indicate(FRAME, 3).firstNb!;
    const dest = new Uint8Array(6);
    expect(copyFromNetBuffer(nb, 2, 4, dest, 1)).toBe(4);
    expect(Array.from(dest)).toEqual([0, 3, 4, 5, 6, 0]);
    expect(copyFromNetBuffer(nb, 10, 4, dest)).toBe(0);
  });
});

describe('modification tracking (what makes `modified` true)', () => {
  it('a write through the helpers marks modified; reads do not', () => {
    const { indicate } = makeLab();
    const a = indicate(FRAME);
    copyFromNetBuffer(a.firstNb!, 0, 4, new Uint8Array(4));
    peekData(a.firstNb!);
    expect(a.modified).toBe(false);
    expect(writeToNetBuffer(a.firstNb!, 2, Uint8Array.of(0xff))).toBe(true);
    expect(a.modified).toBe(true);

    const b = indicate(FRAME);
    expect(writeByteToNetBuffer(b.firstNb!, 100, 1)).toBe(false); // out of range: nothing written
    expect(b.modified).toBe(false);
    writeByteToNetBuffer(b.firstNb!, 0, 0xee);
    expect(b.modified).toBe(true);
  });

  it('an advance/retreat that is undone leaves the packet unmodified; one that is not, counts', () => {
    const { api, indicate } = makeLab();
    const nbl = indicate(FRAME, 14);
    const nb = nbl.firstNb!;
    api.NdisRetreatNetBufferDataStart(nb, 14, 0, null);
    expect(nbl.modified).toBe(true);
    api.NdisAdvanceNetBufferDataStart(nb, 14, false, null);
    expect(nbl.modified).toBe(false);
    api.NdisAdvanceNetBufferDataStart(nb, 2, false, null);
    expect(nbl.modified).toBe(true);
  });

  it('a length change is structural and stays counted even when set back', () => {
    const { indicate } = makeLab();
    const nbl = indicate(FRAME);
    const nb = nbl.firstNb!;
    expect(setDataLength(nb, 4)).toBe(true);
    expect(setDataLength(nb, FRAME.length)).toBe(true);
    expect(nbl.modified).toBe(true);
  });

  it('a write through a view from NdisGetDataBuffer is detected; an untouched view is not', () => {
    const { api, indicate } = makeLab();
    const read = indicate(FRAME);
    api.NdisGetDataBuffer(read.firstNb!, 6, null, 1, 0);
    expect(read.modified).toBe(false);

    const edited = indicate(FRAME);
    const mac = api.NdisGetDataBuffer(edited.firstNb!, 6, null, 1, 0)!;
    mac[0] = 0x02; // the C idiom: edit the header in place through the returned pointer
    expect(edited.modified).toBe(true);
    mac[0] = 1; // even written back, it was modified (sticky)
    expect(edited.modified).toBe(true);
  });

  it('a write through an earlier view is not hidden when a later, wider view re-hashes the range', () => {
    const { api, indicate } = makeLab();
    const nbl = indicate(FRAME);
    const first = api.NdisGetDataBuffer(nbl.firstNb!, 2, null, 1, 0)!;
    first[1] = 0x77;
    api.NdisGetDataBuffer(nbl.firstNb!, 8, null, 1, 0);
    expect(nbl.modified).toBe(true);
  });

  it('a write through a clone marks its parent and sibling clones: they share the bytes (R66)', () => {
    const { indicate, clone } = makeLab();
    const parent = indicate(FRAME);
    const a = clone(parent);
    const b = clone(parent);
    writeToNetBuffer(a.firstNb!, 0, Uint8Array.of(9));
    expect([parent.modified, a.modified, b.modified]).toEqual([true, true, true]);
    expect(bytesOf(b)[0]).toBe(9);
    expect(clone(parent).modified).toBe(true); // a later clone describes the changed bytes too
  });

  it('a clone taken from a retreated window counts as moved until advanced back to the indicated view', () => {
    const { api, indicate, clone } = makeLab();
    const parent = indicate(FRAME, 20);
    api.NdisRetreatNetBufferDataStart(parent.firstNb!, 20, 0, null);
    const c = clone(parent);
    api.NdisAdvanceNetBufferDataStart(parent.firstNb!, 20, false, null);
    expect(parent.modified).toBe(false);
    expect(c.modified).toBe(true);
    api.NdisAdvanceNetBufferDataStart(c.firstNb!, 20, false, null);
    expect(c.modified).toBe(false);
  });

  it("the engine's move between layers (shiftIndicatedView) is not a modification; a callout's leftover advance still is", () => {
    const { api, indicate } = makeLab();
    const nbl = indicate(FRAME, 0);
    expect(shiftIndicatedView(nbl, 4)).toBe(true); // e.g. past a MAC header
    expect(nbl.modified).toBe(false);
    expect(bytesOf(nbl)).toEqual(FRAME.slice(4));
    api.NdisAdvanceNetBufferDataStart(nbl.firstNb!, 2, false, null);
    expect(shiftIndicatedView(nbl, -4)).toBe(true);
    expect(nbl.modified).toBe(true);
    expect(shiftIndicatedView(nbl, 100)).toBe(false);
  });

  it('an allocated NBL filled by writing into its own buffer is not modified; helper writes are', () => {
    const { allocate } = makeLab();
    const buffer = new Uint8Array(32);
    const nbl = allocate(buffer, 4, 20);
    buffer.set([1, 2, 3], 4); // the caller's buffer is the caller's to fill
    expect(nbl.modified).toBe(false);
    writeByteToNetBuffer(nbl.firstNb!, 0, 7);
    expect(nbl.modified).toBe(true);
  });
});
