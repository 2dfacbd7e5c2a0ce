/**
 * What classification reads: per layer, the sublayers that hold filters there, in sublayer order, each with its
 * filters. Committed management changes publish and unpublish filters here; nothing else writes.
 *
 * Copy-on-write: the per-layer bucket array is replaced (never mutated) when a sublayer appears or empties, and a
 * bucket's BucketView is an immutable snapshot rebuilt lazily after its filter set changes. A classify captures the
 * views once at its start, so a callout that adds or deletes filters from inside classifyFn cannot disturb the walk
 * in progress (a filter deleted meanwhile is skipped via its `deleted` flag).
 */
import { buildBucketView, DEFAULT_INDEX_THRESHOLD, type BucketView } from './filter-index.js';
import type { GUID } from './guid.js';
import { LAYER_ID_LIMIT } from './layers.js';
import { compareFilterOrder, compareSublayerOrder, type FilterRecord, type SublayerRecord } from './records.js';

export class SublayerBucket {
  private readonly members: FilterRecord[] = [];
  private view: BucketView | null = null;

  constructor(
    readonly sublayer: SublayerRecord,
    private readonly tables: RuntimeTables,
  ) {}

  get size(): number {
    return this.members.length;
  }

  add(f: FilterRecord): void {
    this.members.push(f);
    this.view = null;
  }

  remove(f: FilterRecord): boolean {
    const i = this.members.indexOf(f);
    if (i < 0) return false;
    this.members.splice(i, 1);
    this.view = null;
    return true;
  }

  invalidate(): void {
    this.view = null;
  }

  /** The current snapshot, rebuilt if the filter set changed since the last one. */
  snapshot(): BucketView {
    let v = this.view;
    if (v === null) {
      v = buildBucketView(this.members.slice().sort(compareFilterOrder), this.tables.indexThreshold);
      this.view = v;
    }
    return v;
  }
}

export class LayerTable {
  /** Buckets in sublayer order (weight desc, then insertion). Replaced, never mutated. */
  buckets: readonly SublayerBucket[] = [];
  private readonly bySublayer = new Map<GUID, SublayerBucket>();

  constructor(private readonly tables: RuntimeTables) {}

  add(f: FilterRecord): void {
    let b = this.bySublayer.get(f.sublayer.subLayerKey);
    if (b === undefined) {
      b = new SublayerBucket(f.sublayer, this.tables);
      this.bySublayer.set(f.sublayer.subLayerKey, b);
      this.buckets = [...this.buckets, b].sort((x, y) => compareSublayerOrder(x.sublayer, y.sublayer));
    }
    b.add(f);
  }

  remove(f: FilterRecord): void {
    const b = this.bySublayer.get(f.sublayer.subLayerKey);
    if (b === undefined || !b.remove(f)) return;
    if (b.size === 0) {
      this.bySublayer.delete(f.sublayer.subLayerKey);
      this.buckets = this.buckets.filter((x) => x !== b);
    }
  }

  filterCount(): number {
    let n = 0;
    for (const b of this.buckets) n += b.size;
    return n;
  }
}

export class RuntimeTables {
  readonly layers: readonly LayerTable[];
  private threshold = DEFAULT_INDEX_THRESHOLD;

  constructor() {
    this.layers = Array.from({ length: LAYER_ID_LIMIT }, () => new LayerTable(this));
  }

  /**
   * Sublayers with at most this many filters are scanned linearly; Infinity turns the candidate index off (the
   * linear-scan reference), 0 indexes every sublayer. Results are identical whatever the value.
   */
  get indexThreshold(): number {
    return this.threshold;
  }

  set indexThreshold(n: number) {
    if (n === this.threshold) return;
    this.threshold = n;
    for (const l of this.layers) for (const b of l.buckets) b.invalidate();
  }

  publish(f: FilterRecord): void {
    if (f.published) return;
    this.layers[f.layer.layerId]!.add(f);
    f.published = true;
  }

  unpublish(f: FilterRecord): void {
    if (!f.published) return;
    this.layers[f.layer.layerId]!.remove(f);
    f.published = false;
  }
}
