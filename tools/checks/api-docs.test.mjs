// docs/api.md, the API reference for users, names every route the API
// serves: the routes are read from the controllers' decorators, so a new
// route without a line in the reference fails here. Also: the README's links
// to files stay inside the repository and point at files that exist.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';

const ROOT = resolve(import.meta.dirname, '../..');
const read = (path) => readFileSync(join(ROOT, path), 'utf8');
const METHODS = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'];

/** Routes outside the global `api` prefix (create-app.ts excludes them). */
const UNPREFIXED = /^\/(v1|metrics)(\/|$)/;

function controllerFiles(dir) {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? controllerFiles(join(dir, e.name))
      : e.name.endsWith('.controller.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

/** `METHOD /path` of every route the controllers declare. */
function routes() {
  const out = [];
  for (const file of controllerFiles('apps/api/src')) {
    const text = read(file);
    const base = /@Controller\(\s*'([^']*)'\s*\)/.exec(text)?.[1];
    assert.ok(base !== undefined, `${file} names its path in @Controller`);
    for (const m of text.matchAll(
      /@(Get|Post|Patch|Put|Delete)\(\s*(?:'([^']*)')?\s*\)/g,
    )) {
      const path = `/${[base, m[2]].filter(Boolean).join('/')}`;
      out.push(
        `${m[1].toUpperCase()} ${UNPREFIXED.test(path) ? path : `/api${path}`}`,
      );
    }
  }
  // The OpenAPI document, served by SwaggerModule.setup in create-app.ts.
  const app = read('apps/api/src/create-app.ts');
  const ui = /SwaggerModule\.setup\(\s*'([^']+)'/.exec(app)?.[1];
  const json = /jsonDocumentUrl:\s*'([^']+)'/.exec(app)?.[1];
  assert.ok(ui && json, 'create-app.ts serves the OpenAPI document');
  out.push(`GET /${ui}`, `GET /${json}`);
  return out;
}

/**
 * `METHOD /path` of every route docs/api.md names: a path after one or more
 * methods (`GET /api/x`, `` `GET`, `PATCH /api/x/:id` ``), with or without
 * its query string.
 */
function documented(markdown) {
  const found = new Set();
  const re = new RegExp(
    `((?:\\b(?:${METHODS.join('|')})\\b\`?,?\\s*\`?)+)(/(?:api|v1|metrics)[^\\s\`?|)]*)`,
    'g',
  );
  for (const m of markdown.matchAll(re)) {
    for (const method of m[1].match(new RegExp(METHODS.join('|'), 'g')))
      found.add(`${method} ${m[2]}`);
  }
  return found;
}

test('docs/api.md names every route the API serves', () => {
  const all = routes();
  assert.ok(all.length >= 50, `found ${all.length} routes in the controllers`);
  for (const r of [
    'GET /api/health',
    'POST /v1/chat/completions',
    'GET /metrics',
  ])
    assert.ok(all.includes(r), `the scan finds ${r}`);
  const docs = documented(read('docs/api.md'));
  assert.deepEqual(
    all.filter((r) => !docs.has(r)).sort(),
    [],
    'routes missing from docs/api.md',
  );
  assert.deepEqual(
    [...docs].filter((r) => !all.includes(r)).sort(),
    [],
    'routes docs/api.md names that the API does not serve',
  );
});

test('the README and docs/ link only to files of the repository that exist, never to API.md', () => {
  const files = [
    'README.md',
    ...readdirSync(join(ROOT, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ];
  for (const file of files) {
    const text = read(file);
    // A file named alone ("see API.md") is a link nobody can follow.
    assert.deepEqual(
      text.split('\n').filter((line) => /\bAPI\.md\b/.test(line)),
      [],
      `${file} names API.md, which is not in the repository`,
    );
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^(https?:|mailto:|#)/.test(target)) continue;
      const path = target.split('#')[0];
      assert.ok(
        existsSync(resolve(ROOT, dirname(file), path)),
        `${file} links to ${target}, which is not in the repository`,
      );
    }
  }
});
