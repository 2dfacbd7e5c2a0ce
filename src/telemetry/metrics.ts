/**
 * Prometheus metrics without a dependency. The hot path holds direct references to counter cells (resolved once per
 * label set, at setup or on first sight of a filter or port) and increments plain numbers; formatting happens only
 * when scraped.
 */
type Labels = Readonly<Record<string, string>>;

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelKey(names: readonly string[], labels: Labels): string {
  return names.map((n) => `${n}="${escapeLabel(labels[n] ?? '')}"`).join(',');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** One time series: a mutable number. */
export class Cell {
  value = 0;
  inc(n = 1): void {
    this.value += n;
  }
  set(v: number): void {
    this.value = v;
  }
}

abstract class Family {
  protected readonly cells = new Map<string, Cell>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    readonly type: 'counter' | 'gauge',
  ) {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) throw new Error(`bad metric name ${name}`);
  }

  /** The cell for a label set; keep it and increment it directly on the hot path. */
  labels(labels: Labels = {}): Cell {
    const key = labelKey(this.labelNames, labels);
    let c = this.cells.get(key);
    if (!c) {
      c = new Cell();
      this.cells.set(key, c);
    }
    return c;
  }

  /** Values computed at scrape time (e.g. a table's size) register a collector instead of a cell. */
  collect?: () => Array<[Labels, number]>;

  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
    out.push(`# TYPE ${this.name} ${this.type}`);
    for (const [key, c] of this.cells) out.push(`${this.name}${key ? `{${key}}` : ''} ${formatValue(c.value)}`);
    if (this.collect) {
      for (const [labels, v] of this.collect()) {
        const key = labelKey(this.labelNames, labels);
        out.push(`${this.name}${key ? `{${key}}` : ''} ${formatValue(v)}`);
      }
    }
  }
}

export class Counter extends Family {
  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    super(name, help, labelNames, 'counter');
  }
}

export class Gauge extends Family {
  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    super(name, help, labelNames, 'gauge');
  }
}

/** A histogram with fixed upper bounds; observe() is a short linear scan over a handful of buckets. */
export class Histogram {
  private readonly counts: Float64Array;
  private sum = 0;
  private count = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(v: number): void {
    this.sum += v;
    this.count++;
    for (let i = 0; i < this.bounds.length; i++) {
      if (v <= this.bounds[i]!) {
        this.counts[i]!++;
        return;
      }
    }
  }

  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help}`);
    out.push(`# TYPE ${this.name} histogram`);
    let cum = 0;
    for (let i = 0; i < this.bounds.length; i++) {
      cum += this.counts[i]!;
      out.push(`${this.name}_bucket{le="${formatValue(this.bounds[i]!)}"} ${cum}`);
    }
    out.push(`${this.name}_bucket{le="+Inf"} ${this.count}`);
    out.push(`${this.name}_sum ${formatValue(this.sum)}`);
    out.push(`${this.name}_count ${this.count}`);
  }
}

export class Registry {
  private readonly families = new Map<string, { render(out: string[]): void }>();

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.add(name, new Counter(name, help, labelNames));
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    return this.add(name, new Gauge(name, help, labelNames));
  }

  histogram(name: string, help: string, bounds: readonly number[]): Histogram {
    return this.add(name, new Histogram(name, help, bounds));
  }

  /** Prometheus text exposition format 0.0.4. */
  render(): string {
    const out: string[] = [];
    for (const f of this.families.values()) f.render(out);
    return out.join('\n') + '\n';
  }

  private add<T extends { render(out: string[]): void }>(name: string, f: T): T {
    if (this.families.has(name)) throw new Error(`metric ${name} registered twice`);
    this.families.set(name, f);
    return f;
  }
}
