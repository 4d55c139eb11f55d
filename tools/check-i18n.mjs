#!/usr/bin/env node
/**
 * Fails (exit 1) when the web client's translation files do not have the same
 * keys, when a value is empty or not a string, when a template uses a
 * literal key (`'a.b' | translate`, `'a.b' | plural`) that en.json lacks, or
 * when a template shows hard-coded words: text between tags, a literal
 * `aria-label`, `title`, `placeholder`, `alt` or tooltip, or a string shown
 * through an interpolation without the translate pipe.
 *
 *   node tools/check-i18n.mjs [dir-with-json] [templates-dir]
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  TmplAstRecursiveVisitor,
  parseTemplate,
  tmplAstVisitAll,
} from '@angular/compiler';

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

// No hard-coded words in templates.
/** Attributes a person reads or hears. */
const SHOWN_ATTRIBUTES = new Set([
  'aria-label',
  'aria-description',
  'aria-placeholder',
  'aria-roledescription',
  'aria-valuetext',
  'title',
  'placeholder',
  'alt',
  'label',
  'matTooltip',
  // inputs of the app's own components that take a translation key
  'hint',
  'what',
]);
/** Pipes whose input is a translation key, not text. */
const KEY_PIPES = new Set(['translate', 'plural']);
const WORDS = /\p{L}/u;

/** String literals of an expression that end up on screen as they are. */
function shownLiterals(ast, out = []) {
  if (!ast || typeof ast !== 'object') {
    return out;
  }
  const kind = ast.constructor?.name;
  if (kind === 'BindingPipe') {
    // A key for the translate pipe; other pipes' arguments are options.
    return KEY_PIPES.has(ast.name) ? out : shownLiterals(ast.exp, out);
  }
  if (kind === 'Call' || kind === 'SafeCall') {
    // A function's arguments are its business (e.g. a key it translates).
    return shownLiterals(ast.receiver, out);
  }
  if (kind === 'Binary' && ['==', '===', '!=', '!=='].includes(ast.operation)) {
    return out; // a comparison shows no literal
  }
  if (kind === 'LiteralPrimitive') {
    if (typeof ast.value === 'string' && WORDS.test(ast.value)) {
      out.push(ast.value);
    }
    return out;
  }
  for (const [key, value] of Object.entries(ast)) {
    if (key === 'span' || key === 'sourceSpan' || key === 'nameSpan') {
      continue;
    }
    for (const child of Array.isArray(value) ? value : [value]) {
      if (child && typeof child === 'object' && 'span' in child) {
        shownLiterals(child, out);
      }
    }
  }
  return out;
}

function expressionOf(value) {
  return value?.ast ?? value;
}

class HardCodedText extends TmplAstRecursiveVisitor {
  constructor(report) {
    super();
    this.report = report;
  }
  visitText(node) {
    if (WORDS.test(node.value)) {
      this.report(node, `text "${node.value.trim()}"`);
    }
  }
  visitBoundText(node) {
    for (const literal of shownLiterals(expressionOf(node.value))) {
      this.report(node, `"${literal}" shown without the translate pipe`);
    }
  }
  visitTextAttribute(node) {
    if (
      SHOWN_ATTRIBUTES.has(node.name) &&
      WORDS.test(node.value) &&
      !reference.has(node.value)
    ) {
      this.report(node, `${node.name}="${node.value}"`);
    }
  }
  visitBoundAttribute(node) {
    if (SHOWN_ATTRIBUTES.has(node.name)) {
      for (const literal of shownLiterals(expressionOf(node.value))) {
        this.report(
          node,
          `[${node.name}] shows "${literal}" without the translate pipe`,
        );
      }
    }
  }
}

/** A component's templates: the .html file, or `template:` in the .ts file, with the line each starts on. */
function templatesOf(path, text) {
  if (path.endsWith('.html')) {
    return [{ template: text, line: 0 }];
  }
  return [...text.matchAll(/\btemplate:\s*`([\s\S]*?)`/g)].map((m) => ({
    template: m[1],
    line: text.slice(0, m.index + m[0].indexOf('`') + 1).split('\n').length - 1,
  }));
}

for (const path of walk(srcDir)) {
  if (path.endsWith('index.html')) {
    continue; // the page shell: only the brand, which is not translated
  }
  const text = readFileSync(path, 'utf8');
  for (const { template, line } of templatesOf(path, text)) {
    const parsed = parseTemplate(template, path, {
      preserveWhitespaces: false,
    });
    const where = (node) =>
      `${relative(root, path)}:${line + node.sourceSpan.start.line + 1}`;
    for (const error of parsed.errors ?? []) {
      problems.push(`${relative(root, path)}: template error: ${error.msg}`);
    }
    tmplAstVisitAll(
      new HardCodedText((node, what) =>
        problems.push(`${where(node)}: hard-coded ${what}; translate it`),
      ),
      parsed.nodes,
    );
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
