// The translation check (tools/check-i18n.mjs) really refuses what it is there to refuse.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const dirs = [];
after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true })));

/** Runs the check on translation files and one component; returns its exit code and output. */
function check({ en, ru = en, component }) {
  const dir = mkdtempSync(join(tmpdir(), 'check-i18n-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'i18n'));
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'i18n/en.json'), JSON.stringify(en));
  writeFileSync(join(dir, 'i18n/ru.json'), JSON.stringify(ru));
  writeFileSync(join(dir, 'src/probe.component.ts'), component);
  const run = spawnSync(
    process.execPath,
    ['tools/check-i18n.mjs', join(dir, 'i18n'), join(dir, 'src')],
    { encoding: 'utf8' },
  );
  return { status: run.status, output: run.stdout + run.stderr };
}

const component = (template) =>
  `@Component({\n  template: \`\n${template}\n  \`,\n})\nexport class Probe {}\n`;
const DICTIONARY = { probe: { title: 'Title', close: 'Close' } };

test('the web app passes', () => {
  const run = spawnSync(process.execPath, ['tools/check-i18n.mjs'], {
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, run.stdout + run.stderr);
});

test('translated templates pass, numbers and punctuation included', () => {
  const { status, output } = check({
    en: DICTIONARY,
    component: component(
      `<h1>{{ 'probe.title' | translate }}</h1>
       <p>{{ used | localNumber }} / {{ limit | localNumber: 'compact' }} ·</p>
       @if (mode === 'open') {
         <button [attr.aria-label]="'probe.close' | translate" [attr.data-testid]="'close-' + id"></button>
       }
       <app-editor label="probe.title" />`,
    ),
  });
  assert.equal(status, 0, output);
});

test('hard-coded words in a template fail', () => {
  const { status, output } = check({
    en: DICTIONARY,
    component: component(
      `<h1>Welcome</h1>
       <button aria-label="Close"></button>
       <input [placeholder]="'Type here'" />
       <p>{{ done ? 'Saved' : ('probe.title' | translate) }}</p>`,
    ),
  });
  assert.equal(status, 1, output);
  for (const what of [
    '"Welcome"',
    'aria-label="Close"',
    '"Type here"',
    '"Saved"',
  ]) {
    assert.ok(output.includes(what), `${what} not reported:\n${output}`);
  }
  assert.match(output, /probe\.component\.ts:3: hard-coded text "Welcome"/);
});

test('keys missing from one language, or unknown keys, fail', () => {
  const { status, output } = check({
    en: DICTIONARY,
    ru: { probe: { title: 'Заголовок' } },
    component: component(`<p>{{ 'probe.nothing' | translate }}</p>`),
  });
  assert.equal(status, 1, output);
  assert.match(output, /ru\.json: missing "probe\.close"/);
  assert.match(output, /uses "probe\.nothing"/);
});
