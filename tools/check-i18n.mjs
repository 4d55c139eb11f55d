#!/usr/bin/env node
/**
 * Fails (exit 1) when the web client's translation files do not have the same
 * keys, when a value is empty or not a string, or when a template uses a
 * literal key (`'a.b' | translate`, `'a.b' | plural`) that en.json lacks.
 *
 *   node tools/check-i18n.mjs [dir-with-json] [templates-dir]
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = process.cwd();
const i18nDir = process.argv[2] ?? join(root, 'apps/web/public/i18n');
const srcDir = process.argv[3] ?? join(root, 'apps/web/src');
const REFERENCE = 'en';

/** `{a: {b: 'x'}}` → Map { 'a.b' => 'x' } */
function flatten(value, prefix, out, problems, file) {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value)) {
      flatten(child, prefix ? `${prefix}.${key}` : key, out, problems, file);
    }
  } else if (typeof value !== 'string') {
    problems.push(`${file}: "${prefix}" is not a string`);
  } else {
    if (value.trim() === '') {
      problems.push(`${file}: "${prefix}" is empty`);
    }
    out.set(prefix, value);
  }
  return out;
}

function walk(dir, files = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      walk(path, files);
    } else if (/\.(html|ts)$/.test(name) && !/\.spec\.ts$/.test(name)) {
      files.push(path);
    }
  }
  return files;
}

const problems = [];
const files = readdirSync(i18nDir)
  .filter((name) => name.endsWith('.json'))
  .sort();
if (!files.includes(`${REFERENCE}.json`)) {
  console.error(`check-i18n: ${REFERENCE}.json not found in ${i18nDir}`);
  process.exit(1);
}
const dictionaries = new Map();
for (const file of files) {
  let json;
  try {
    json = JSON.parse(readFileSync(join(i18nDir, file), 'utf8'));
  } catch (error) {
    problems.push(`${file}: not valid JSON (${error.message})`);
    continue;
  }
  dictionaries.set(file, flatten(json, '', new Map(), problems, file));
}

const reference = dictionaries.get(`${REFERENCE}.json`) ?? new Map();
for (const [file, keys] of dictionaries) {
  if (file === `${REFERENCE}.json`) {
    continue;
  }
  for (const key of reference.keys()) {
    if (!keys.has(key)) {
      problems.push(`${file}: missing "${key}" (present in ${REFERENCE}.json)`);
    }
  }
  for (const key of keys.keys()) {
    if (!reference.has(key)) {
      problems.push(`${file}: extra "${key}" (absent from ${REFERENCE}.json)`);
    }
  }
  // The same {{placeholders}} in every language.
  for (const [key, value] of keys) {
    const want = reference.get(key);
    if (want === undefined) {
      continue;
    }
    const names = (text) =>
      [...text.matchAll(/\{\{\s*(\w+)\s*\}\}/g)]
        .map((m) => m[1])
        .sort()
        .join(',');
    if (names(value) !== names(want)) {
      problems.push(
        `${file}: "${key}" has placeholders {${names(value)}}, ${REFERENCE}.json has {${names(want)}}`,
      );
    }
  }
}

// Literal keys used in templates must exist.
const KEY = "'([a-zA-Z][\\w-]*(?:\\.[\\w-]+)+)'";
const usages = [
  [new RegExp(`${KEY}\\s*\\|\\s*translate\\b`, 'g'), 'translate'],
  [new RegExp(`\\|\\s*plural\\s*:\\s*${KEY}`, 'g'), 'plural'],
];
for (const path of walk(srcDir)) {
  const text = readFileSync(path, 'utf8');
  for (const [pattern, pipe] of usages) {
    for (const match of text.matchAll(pattern)) {
      const key = match[1];
      const present =
        pipe === 'plural'
          ? reference.has(`${key}.one`) && reference.has(`${key}.other`)
          : reference.has(key);
      if (!present) {
        problems.push(
          `${relative(root, path)}: uses "${key}" (${pipe}), not in ${REFERENCE}.json`,
        );
      }
    }
  }
}

if (problems.length > 0) {
  console.error(`check-i18n: ${problems.length} problem(s)`);
  for (const problem of problems) {
    console.error(`  - ${problem}`);
  }
  process.exit(1);
}
console.log(`check-i18n: ${files.join(', ')} agree (${reference.size} keys)`);
