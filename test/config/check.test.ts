import { describe, expect, it } from 'vitest';
import { ConfigError, Field, parseJsonConfig } from '../../src/config/check.js';

function err(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('config checking', () => {
  it('names the path, the value and what was expected', () => {
    const root = new Field({ filters: [{ weight: 3 }, { weight: 'heavy' }] }, '', 'policy.json');
    const e = err(() => root.at('filters').array()[1]!.at('weight').integer(0, 15));
    expect(e.path).toBe('filters[1].weight');
    expect(e.value).toBe('heavy');
    expect(e.message).toBe('policy.json: filters[1].weight: got "heavy", expected an integer from 0 to 15');
  });

  it('refuses unknown keys so a misspelt option is not ignored', () => {
    const e = err(() => new Field({ port: 1, wieght: 2 }, 'filters[0]').onlyKeys(['port', 'weight']));
    expect(e.path).toBe('filters[0].wieght');
    expect(e.message).toContain('known: port, weight');
  });

  it('reads durations in ms, s and m, within bounds', () => {
    expect(new Field('300ms', 'x').durationMs(0, 10_000)).toBe(300);
    expect(new Field('5s', 'x').durationMs(0, 10_000)).toBe(5000);
    expect(new Field(undefined, 'x').durationMs(0, 10_000, 42)).toBe(42);
    expect(err(() => new Field('2m', 'x').durationMs(0, 10_000)).expected).toContain('from 0 ms to 10000 ms');
    expect(err(() => new Field('soon', 'x').durationMs(0, 10_000)).path).toBe('x');
  });

  it('checks enumerations, booleans and strings', () => {
    expect(new Field('reset', 'a').oneOf(['reset', 'icmp', 'drop'] as const)).toBe('reset');
    expect(err(() => new Field('rst', 'a').oneOf(['reset', 'icmp', 'drop'] as const)).message).toBe(
      'a: got "rst", expected one of reset, icmp, drop',
    );
    expect(err(() => new Field(1, 'b').boolean()).expected).toBe('true or false');
    expect(err(() => new Field('', 'c').string()).expected).toBe('a non-empty string');
    expect(err(() => new Field([], 'd').object()).message).toBe('d: got an array of 0, expected an object');
  });

  it('reports JSON syntax errors with line and column', () => {
    const e = err(() => parseJsonConfig('{\n  "a": 1,\n  oops\n}', 'p.json'));
    expect(e.message).toMatch(/^p\.json: \(top level\): got "oops\\n}", expected valid JSON at line 3, column 3/);
  });
});
