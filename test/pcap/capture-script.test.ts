/**
 * scripts/capture-lab-traffic.sh is how test/captures is made; keep it shellcheck-clean, keep its cleanup trap, and
 * keep test/captures/README.md describing every file in the folder. (The script itself takes ~10 s and creates
 * namespaces: it is run by hand when captures are regenerated, not by the suite.)
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const SCRIPT = join(ROOT, 'scripts', 'capture-lab-traffic.sh');
const CAPTURES = join(ROOT, 'test', 'captures');

function has(cmd: string): boolean {
  try {
    execFileSync(cmd, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('scripts/capture-lab-traffic.sh', () => {
  const text = readFileSync(SCRIPT, 'utf8');

  it('parses, and is strict with a cleanup trap on exit', () => {
    execFileSync('bash', ['-n', SCRIPT]);
    expect(text).toMatch(/^set -euo pipefail$/m);
    expect(text).toMatch(/^trap cleanup EXIT$/m);
    expect(text).toContain('ip netns del');
  });

  it.skipIf(!has('shellcheck'))('is shellcheck-clean', () => {
    execFileSync('shellcheck', [SCRIPT]);
  });

  it('test/captures/README.md lists every capture, with its frame count', () => {
    const readme = readFileSync(join(CAPTURES, 'README.md'), 'utf8');
    for (const f of readdirSync(CAPTURES).filter((x) => /\.pcap(ng)?$/.test(x))) {
      expect(readme, f).toContain(`\`${f}\``);
    }
    expect(readme).toContain('--bulk');
  });
});
