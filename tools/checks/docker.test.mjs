// The Docker setup, checked without a Docker engine: every path the
// Dockerfile copies exists in the build context or the build output, the
// context leaves out what must never go into an image, the image is built the
// way the issue asks (Node 22, npm ci from the lock, a non-root user owning
// /app/data, a HEALTHCHECK with fetch), compose waits for healthy services,
// and .env.example lists exactly the variables the API reads.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { test } from 'node:test';

const ROOT = resolve(import.meta.dirname, '../..');
const read = (path) => readFileSync(join(ROOT, path), 'utf8');
const DOCKERFILE = read('docker/Dockerfile');
const COMPOSE = read('docker/compose.yaml');
const ENV_EXAMPLE = read('.env.example');

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
function instructions(text) {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const [op, ...rest] = line.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

/** The stages: their base image, workdir and instructions. */
function stages() {
  const out = [];
  for (const i of instructions(DOCKERFILE)) {
    if (i.op === 'FROM') {
      const [image, , name] = i.args.split(/\s+/);
      out.push({ image, name, steps: [] });
    } else {
      out.at(-1).steps.push(i);
    }
  }
  return out;
}

/** .dockerignore as predicates (the patterns this file uses: names, dirs, `**\/`, `*` and `!`). */
function dockerignore() {
  const rules = read('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((pattern) => {
      const negate = pattern.startsWith('!');
      const body = (negate ? pattern.slice(1) : pattern).replace(/\/$/, '');
      const source = body
        .split('/')
        .map((part) =>
          part === '**'
            ? '(?:.*/)?'
            : part
                .replace(/[.+^${}()|[\]\\]/g, '\\$&')
                .replace(/\*/g, '[^/]*') + '/',
        )
        .join('')
        .replace(/\/$/, '');
      return {
        negate,
        re: new RegExp(
          `^${source.replace(/\/\(\?:\.\*\/\)\?/g, '/(?:.*/)?')}(?:/.*)?$`,
        ),
      };
    });
  return (path) => {
    let ignored = false;
    for (const rule of rules) if (rule.re.test(path)) ignored = !rule.negate;
    return ignored;
  };
}

/** Where the builds write, read from the projects' own configuration. */
function buildOutputs() {
  const webpack = read('apps/api/webpack.config.js');
  const api = /join\(__dirname,\s*'([^']+)'\)/.exec(webpack)?.[1];
  assert.ok(api, 'apps/api/webpack.config.js names its output path');
  assert.match(
    webpack,
    /generatePackageJson:\s*true/,
    'the API build writes package.json and package-lock.json',
  );
  const web = JSON.parse(read('apps/web/project.json')).targets.build.options
    .outputPath;
  return {
    [relative(ROOT, resolve(ROOT, 'apps/api', api))]: [
      'main.js',
      'package.json',
      'package-lock.json',
    ],
    [web]: ['browser/index.html'],
  };
}

test('every COPY source exists in the build context or the build output', () => {
  const ignored = dockerignore();
  const outputs = buildOutputs();
  const all = stages();
  let copies = 0;
  for (const stage of all) {
    const workdirs = stage.steps.filter((s) => s.op === 'WORKDIR');
    for (const step of stage.steps.filter(
      (s) => s.op === 'COPY' || s.op === 'ADD',
    )) {
      assert.equal(step.op, 'COPY', 'COPY, not ADD');
      const parts = step.args.split(/\s+/);
      const from = parts.find((p) => p.startsWith('--from='))?.slice(7);
      const paths = parts.filter((p) => !p.startsWith('--'));
      const sources = paths.slice(0, -1);
      assert.ok(sources.length > 0, `COPY with a source: ${step.args}`);
      for (const source of sources) {
        copies++;
        if (!from) {
          if (source === '.') continue;
          assert.ok(
            existsSync(join(ROOT, source)),
            `${source} exists in the repository`,
          );
          assert.ok(
            !ignored(source),
            `${source} is not left out by .dockerignore`,
          );
          continue;
        }
        const builder = all.find((s) => s.name === from);
        assert.ok(builder, `stage ${from} exists`);
        const workdir = builder.steps.find((s) => s.op === 'WORKDIR')?.args;
        assert.ok(
          workdir && source.startsWith(`${workdir}/`),
          `${source} is under ${from}'s WORKDIR ${workdir}`,
        );
        const path = source.slice(workdir.length + 1);
        const output = Object.keys(outputs).find(
          (dir) => path === dir || path.startsWith(`${dir}/`),
        );
        if (output) {
          const file = path.slice(output.length + 1);
          assert.ok(
            file === '' ||
              outputs[output].some(
                (f) => f === file || f.startsWith(`${file}/`),
              ),
            `${source} is written by the build of ${output}`,
          );
          // Where the build has run here, the files are really there.
          if (existsSync(join(ROOT, output))) {
            for (const f of outputs[output]) {
              if (file === '' || f === file)
                assert.ok(
                  existsSync(join(ROOT, output, f)),
                  `${output}/${f} exists after the build`,
                );
            }
          }
        } else {
          assert.ok(
            existsSync(join(ROOT, path)),
            `${source} exists in the repository`,
          );
        }
      }
      assert.ok(workdirs.length > 0, 'a WORKDIR before the COPY');
    }
  }
  assert.ok(copies >= 5, `the Dockerfile copies ${copies} paths`);
});

test('.dockerignore leaves out installed packages, build output, caches, data and git', () => {
  const ignored = dockerignore();
  for (const path of [
    'node_modules',
    'node_modules/express/index.js',
    'apps/web/node_modules/x',
    'data',
    'data/jwt-secret',
    'data/pglite/base/1/1234',
    '.nx/cache',
    'dist/apps/api/main.js',
    'tmp/web-e2e/api.log',
    '.git/HEAD',
    '.env',
    'coverage/lcov.info',
  ]) {
    assert.ok(ignored(path), `${path} is left out of the build context`);
  }
  for (const path of [
    'package.json',
    'package-lock.json',
    'apps/api/src/main.ts',
    '.env.example',
    'docker/Dockerfile',
  ]) {
    assert.ok(!ignored(path), `${path} is in the build context`);
  }
});

test('the image: Node 22 LTS or newer, npm ci from the lock in both stages, a non-root user owning /app/data, a HEALTHCHECK with fetch', () => {
  const all = stages();
  assert.equal(all.length, 2);
  for (const stage of all) {
    // Node 22 LTS or a newer LTS line (even majors); Node 20 left support in April 2026.
    const major = Number(/^node:(\d+)[.-]/.exec(stage.image)?.[1]);
    assert.ok(
      major >= 22 && major % 2 === 0,
      `${stage.image} is Node 22 LTS or a newer LTS`,
    );
    const runs = stage.steps.filter((s) => s.op === 'RUN').map((s) => s.args);
    assert.ok(
      runs.some((r) => /\bnpm ci\b/.test(r)),
      `stage ${stage.name ?? 'final'} installs with npm ci`,
    );
    assert.ok(
      !runs.some((r) => /\bnpm (install|i)\b/.test(r)),
      'never npm install',
    );
  }
  const final = all.at(-1).steps;
  const user = final
    .filter((s) => s.op === 'USER')
    .map((s) => s.args)
    .at(-1);
  assert.ok(
    user && user !== 'root' && user !== '0',
    `runs as ${user}, not root`,
  );
  const chown = final.find(
    (s) => s.op === 'RUN' && /chown\s+(\S+)\s+\/app\/data/.test(s.args),
  );
  assert.ok(chown, '/app/data is given to the user');
  assert.match(
    chown.args,
    new RegExp(`chown\\s+${user}(:${user})?\\s+/app/data`),
  );
  assert.ok(
    final.findIndex((s) => s === chown) <
      final.findIndex((s) => s.op === 'VOLUME'),
    'the folder is owned before it is declared a volume',
  );
  const health = final.find((s) => s.op === 'HEALTHCHECK');
  assert.ok(health, 'a HEALTHCHECK');
  assert.match(health.args, /fetch\(/);
  assert.match(health.args, /\/api\/health/);
  assert.doesNotMatch(health.args, /curl|wget/);
});

test('compose: PostgreSQL, Redis and the API, with health checks, restart policies and env_file', () => {
  const services = {};
  let current = null;
  let inServices = false;
  for (const line of COMPOSE.split('\n')) {
    if (/^services:/.test(line)) inServices = true;
    else if (/^\S/.test(line)) inServices = false;
    const name = inServices && /^ {2}([a-z][\w-]*):\s*$/.exec(line)?.[1];
    if (name) services[(current = name)] = [];
    else if (inServices && current) services[current].push(line);
  }
  assert.deepEqual(Object.keys(services).sort(), ['api', 'db', 'redis']);
  for (const [name, lines] of Object.entries(services)) {
    const text = lines.join('\n');
    assert.match(text, /^ {4}healthcheck:/m, `${name} has a health check`);
    assert.match(
      text,
      /^ {4}restart: (unless-stopped|always|on-failure)/m,
      `${name} restarts`,
    );
  }
  assert.match(services.db.join('\n'), /image: postgres:/);
  assert.match(services.redis.join('\n'), /image: redis:/);
  const api = services.api.join('\n');
  assert.match(api, /dockerfile: docker\/Dockerfile/);
  assert.match(api, /env_file:/);
  assert.match(api, /db:\n\s+condition: service_healthy/);
  assert.match(api, /redis:\n\s+condition: service_healthy/);
  assert.match(api, /DATABASE_URL: postgres:\/\/\w+:\w+@db:5432\//);
  assert.match(api, /REDIS_URL: redis:\/\/redis:6379/);
});

/** Every environment variable the API's configuration reads. */
function configVariables() {
  const dir = join(ROOT, 'apps/api/src/config');
  const names = new Set();
  for (const file of readdirSync(dir).filter(
    (f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'),
  )) {
    const text = readFileSync(join(dir, file), 'utf8');
    for (const m of text.matchAll(/\(\s*env\s*,\s*'([A-Z][A-Z0-9_]*)'/g))
      names.add(m[1]);
    for (const m of text.matchAll(
      /\benv(?:\.([A-Z][A-Z0-9_]*)|\[\s*'([A-Z][A-Z0-9_]*)'\s*\])/g,
    ))
      names.add(m[1] ?? m[2]);
  }
  return names;
}

test('.env.example lists every variable the API reads, each once, and no other', () => {
  const read = configVariables();
  assert.ok(
    read.size >= 30,
    `found ${read.size} variables in the configuration`,
  );
  for (const name of [
    'PORT',
    'DATABASE_URL',
    'JWT_SECRET',
    'LOG_FORMAT',
    'METRICS_TOKEN',
    'TRUST_PROXY',
  ]) {
    assert.ok(read.has(name), `the scan finds ${name}`);
  }
  const names = [...ENV_EXAMPLE.matchAll(/^(?:#\s*)?([A-Z][A-Z0-9_]*)=/gm)].map(
    (m) => m[1],
  );
  assert.deepEqual(
    names.filter((n, i) => names.indexOf(n) !== i),
    [],
    'variables .env.example lists more than once',
  );
  const listed = new Set(names);
  assert.deepEqual(
    [...read].filter((n) => !listed.has(n)).sort(),
    [],
    'variables the API reads but .env.example does not list',
  );
  assert.deepEqual(
    [...listed].filter((n) => !read.has(n)).sort(),
    [],
    'variables .env.example lists but the API does not read',
  );
});
