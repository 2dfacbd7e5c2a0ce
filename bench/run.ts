/**
 * `npm run bench [name…]`: runs every benchmark module in bench/ (or the named ones) in turn and prints what each
 * reports. Each module exports `run(): Promise<unknown>` and prints its own table; numbers never gate tests.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const modules = readdirSync(here)
  .filter((f) => f.endsWith('.js') && f !== 'run.js')
  .map((f) => f.replace(/\.js$/, ''))
  .filter((name) => wanted.length === 0 || wanted.includes(name))
  .sort();

if (wanted.length > 0 && modules.length !== wanted.length) {
  const missing = wanted.filter((w) => !modules.includes(w));
  console.error(`unknown benchmark(s): ${missing.join(', ')}`);
  process.exit(2);
}

for (const name of modules) {
  const mod = (await import(pathToFileURL(join(here, `${name}.js`)).href)) as { run?: () => Promise<unknown> };
  if (typeof mod.run !== 'function') continue;
  console.log(`\n== ${name} ==`);
  await mod.run();
}
