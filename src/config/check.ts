/**
 * Validation for configuration read from files and control messages. Every error names the path of the offending
 * field, the value found and what was expected, e.g.
 *   policy.json: filters[3].conditions[0].matchType: got "EQUALS", expected one of FWP_MATCH_EQUAL, …
 * Readers take `unknown` and return typed values, so nothing downstream handles an unchecked shape.
 */
export class ConfigError extends Error {
  constructor(
    readonly path: string,
    readonly value: unknown,
    readonly expected: string,
    readonly source = '',
  ) {
    super(`${source ? source + ': ' : ''}${path || '(top level)'}: got ${describe(value)}, expected ${expected}`);
    this.name = 'ConfigError';
  }
}

export function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v.length > 80 ? v.slice(0, 77) + '...' : v);
  if (typeof v === 'bigint') return `${v}`;
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v && typeof v === 'object') return 'an object';
  return String(v);
}

/** A cursor over untrusted JSON: knows its path, so errors can say where. */
export class Field {
  constructor(
    readonly value: unknown,
    readonly path: string,
    readonly source = '',
  ) {}

  fail(expected: string): never {
    throw new ConfigError(this.path, this.value, expected, this.source);
  }

  get present(): boolean {
    return this.value !== undefined && this.value !== null;
  }

  at(key: string): Field {
    const obj = this.object();
    return new Field(obj[key], this.path ? `${this.path}.${key}` : key, this.source);
  }

  object(): Record<string, unknown> {
    if (typeof this.value !== 'object' || this.value === null || Array.isArray(this.value)) this.fail('an object');
    return this.value as Record<string, unknown>;
  }

  /** Refuses keys outside `allowed`: a misspelt option must not be silently ignored. */
  onlyKeys(allowed: readonly string[]): this {
    for (const k of Object.keys(this.object())) {
      if (!allowed.includes(k)) {
        throw new ConfigError(this.path ? `${this.path}.${k}` : k, this.object()[k], `no field "${k}" here (known: ${allowed.join(', ')})`, this.source);
      }
    }
    return this;
  }

  array(): Field[] {
    if (!Array.isArray(this.value)) this.fail('an array');
    return (this.value as unknown[]).map((v, i) => new Field(v, `${this.path}[${i}]`, this.source));
  }

  optionalArray(): Field[] {
    return this.present ? this.array() : [];
  }

  string(): string {
    if (typeof this.value !== 'string' || this.value.length === 0) this.fail('a non-empty string');
    return this.value as string;
  }

  optionalString(fallback?: string): string | undefined {
    return this.present ? this.string() : fallback;
  }

  boolean(fallback?: boolean): boolean {
    if (!this.present && fallback !== undefined) return fallback;
    if (typeof this.value !== 'boolean') this.fail('true or false');
    return this.value as boolean;
  }

  integer(min: number, max: number, fallback?: number): number {
    if (!this.present && fallback !== undefined) return fallback;
    const v = this.value;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) this.fail(`an integer from ${min} to ${max}`);
    return v as number;
  }

  /** A number of milliseconds, from a number or a string like "300ms", "5s", "2m". */
  durationMs(min: number, max: number, fallback?: number): number {
    if (!this.present && fallback !== undefined) return fallback;
    let ms: number | undefined;
    if (typeof this.value === 'number' && Number.isFinite(this.value)) ms = this.value;
    else if (typeof this.value === 'string') {
      const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m)$/.exec(this.value.trim());
      if (m) ms = Number(m[1]) * (m[2] === 's' ? 1000 : m[2] === 'm' ? 60_000 : 1);
    }
    if (ms === undefined || ms < min || ms > max) this.fail(`a duration from ${min} ms to ${max} ms (a number of ms, or "5s", "300ms", "2m")`);
    return ms;
  }

  oneOf<T extends string>(choices: readonly T[], fallback?: T): T {
    if (!this.present && fallback !== undefined) return fallback;
    if (typeof this.value !== 'string' || !choices.includes(this.value as T)) this.fail(`one of ${choices.join(', ')}`);
    return this.value as T;
  }
}

/** Parse JSON text into a Field, turning a syntax error into a ConfigError with line and column. */
export function parseJsonConfig(text: string, source: string): Field {
  try {
    return new Field(JSON.parse(text), '', source);
  } catch (err) {
    const msg = (err as Error).message;
    const pos = /position (\d+)/.exec(msg);
    let where = '';
    let near: unknown = text.length > 0 ? text.slice(0, 20) : '(an empty file)';
    if (pos) {
      near = text.slice(Number(pos[1]), Number(pos[1]) + 20);
      const upto = text.slice(0, Number(pos[1]));
      const line = upto.split('\n').length;
      const col = upto.length - upto.lastIndexOf('\n');
      where = ` at line ${line}, column ${col}`;
    }
    throw new ConfigError('', near, `valid JSON${where} (${msg})`, source);
  }
}
