// The Docker image's final stage installs the API's production dependencies
// with `npm ci --omit=dev` from the package.json and lock file the API build
// writes beside main.js. npm ci refuses a pair that is out of sync (as when
// the generated package.json lacked the root's `overrides`), which fails the
// image build. No Docker engine is needed to see that: this runs the stage's
// own npm ci command, with --dry-run, on a copy of the build output.
//
// It needs the API build (`npx nx build api`); `npm test` builds before it
// runs these checks. Without a build it is skipped and says so; a build from
// before a change to package.json or the webpack config is tested as it is
// (build again).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

const ROOT = resolve(import.meta.dirname, '../..');
const read = (path) => readFileSync(join(ROOT, path), 'utf8');

/** The final stage's lines, continuation lines joined, comments dropped. */
function finalStage() {
  const lines = read('docker/Dockerfile')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const builder = lines.find((l) => /^FROM\s+\S+\s+AS\s+build$/i.test(l));
  assert.ok(builder, 'the Dockerfile has a build stage');
  const buildWorkdir = lines
    .slice(lines.indexOf(builder))
    .find((l) => /^WORKDIR\s/i.test(l))
    ?.split(/\s+/)[1];
  const from = lines.findLastIndex((l) => /^FROM\s/i.test(l));
  return { buildWorkdir, steps: lines.slice(from + 1) };
}

/** What the final stage copies before it installs, and the install command. */
function installStep() {
  const { buildWorkdir, steps } = finalStage();
  const run = steps.find((s) => /^RUN\s.*\bnpm ci\b/i.test(s));
  assert.ok(run, 'the final stage installs with npm ci');
  const npmCi = run
    .replace(/^RUN\s+/i, '')
    .split('&&')
    .map((part) => part.trim())
    .find((part) => part.startsWith('npm ci'));
  const copy = steps
    .slice(0, steps.indexOf(run))
    .find((s) => /^COPY\s+--from=build\s.*package-lock\.json/i.test(s));
  assert.ok(
    copy,
    'the final stage copies a lock file from the build stage before npm ci',
  );
  const sources = copy
    .split(/\s+/)
    .slice(1)
    .filter((p) => !p.startsWith('--'))
    .slice(0, -1)
    .map((p) => {
      assert.ok(
        p.startsWith(`${buildWorkdir}/`),
        `${p} is under the build stage's WORKDIR`,
      );
      return p.slice(buildWorkdir.length + 1);
    });
  return { args: npmCi.split(/\s+/).slice(1), sources };
}

test("the API build's package.json and lock install with the image's npm ci --omit=dev", (t) => {
  const { args, sources } = installStep();
  assert.ok(
    args.includes('--omit=dev'),
    `the image installs production dependencies only: npm ${args.join(' ')}`,
  );
  assert.deepEqual(sources.map((s) => s.split('/').at(-1)).sort(), [
    'package-lock.json',
    'package.json',
  ]);
  const missing = sources.filter((s) => !existsSync(join(ROOT, s)));
  if (missing.length) {
    t.skip(
      `${missing.join(', ')} not built: run \`npx nx build api\` first (npm test does)`,
    );
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'tally-deploy-package-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const s of sources)
    copyFileSync(join(ROOT, s), join(dir, s.split('/').at(-1)));
  const env = { ...process.env };
  delete env.NODE_ENV;
  const npm = spawnSync('npm', [...args, '--dry-run'], {
    cwd: dir,
    env,
    encoding: 'utf8',
  });
  // npm's errors, without the usage text it prints after them.
  const errors = `${npm.stdout}\n${npm.stderr}`
    .split('\n')
    .filter((l) => l.startsWith('npm error'))
    .join('\n')
    .split(/\nnpm error Clean install|\nnpm error Usage:/)[0];
  assert.equal(
    npm.status,
    0,
    `npm ${args.join(' ')} --dry-run on dist/apps/api failed (from an older build? run npx nx build api):\n${errors}`,
  );
  assert.match(
    npm.stdout,
    /added \d+ packages?/,
    'npm ci would install the production dependencies',
  );
  const pkg = JSON.parse(
    read(sources.find((s) => s.endsWith('/package.json'))),
  );
  assert.deepEqual(
    pkg.overrides,
    JSON.parse(read('package.json')).overrides,
    "the generated package.json carries the root's overrides, which its lock file was resolved with",
  );
});
