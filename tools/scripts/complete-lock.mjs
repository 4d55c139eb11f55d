/**
 * Adds to package-lock.json the platform packages of sass-embedded that the
 * registry this lock was made against does not hold (only the linux-x64
 * build is there), so that `npm ci` accepts the lock (it refuses a lock
 * missing any optional dependency: "Missing: sass-embedded-* from lock
 * file"). Each entry names only its version and the platforms it is for:
 * npm skips it on every other platform, and on its own fetches it from the
 * registry by version. Run after `npm install` changes the lock:
 * `node tools/scripts/complete-lock.mjs`.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const path = new URL('../../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8'));
const SPECIAL = {
  'all-unknown': { cpu: ['!arm', '!arm64', '!riscv64', '!x64'] },
  'unknown-all': { os: ['!android', '!darwin', '!linux', '!win32'] },
};

const entries = Object.entries(lock.packages);
const out = [];
let added = 0;
for (const [key, value] of entries) {
  out.push([key, value]);
  if (key !== 'node_modules/sass-embedded') continue;
  for (const [name, version] of Object.entries(
    value.optionalDependencies ?? {},
  )) {
    const at = `node_modules/${name}`;
    if (lock.packages[at]) continue;
    const suffix = name.slice('sass-embedded-'.length);
    const parts = suffix.split('-');
    const platform = SPECIAL[suffix] ?? {
      cpu: [parts.at(-1)],
      ...(parts[0] === 'linux'
        ? { libc: parts.includes('musl') ? 'musl' : 'glibc' }
        : {}),
      os: [parts[0]],
    };
    out.push([
      at,
      { version, dev: true, optional: true, license: 'MIT', ...platform },
    ]);
    added++;
  }
}
lock.packages = Object.fromEntries(
  out.sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : 0)),
);
writeFileSync(path, JSON.stringify(lock, null, 2) + '\n');
console.log(`complete-lock: added ${added} entr${added === 1 ? 'y' : 'ies'}`);
