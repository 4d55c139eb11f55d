// The module-boundary lint rule really constrains the projects: these imports must be refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createProjectGraphAsync } from '@nx/devkit';
import { ESLint } from 'eslint';

// The rule reads Nx's project graph; build it first (a fresh clone has none cached).
await createProjectGraphAsync({ exitOnError: true });

const eslint = new ESLint({ cwd: process.cwd() });

async function boundaryErrors(filePath, code) {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages
    .filter((m) => m.ruleId === '@nx/enforce-module-boundaries')
    .map((m) => m.message);
}

test('the web app cannot import the API', async () => {
  const errors = await boundaryErrors(
    'apps/web/src/app/boundary-probe.ts',
    "import { AppModule } from '../../../api/src/app.module';\nexport const x = AppModule;\n",
  );
  assert.ok(errors.length > 0, 'expected a module-boundary error');
});

test('the API cannot import the web app', async () => {
  const errors = await boundaryErrors(
    'apps/api/src/boundary-probe.ts',
    "import { appConfig } from '../../web/src/app/app.config';\nexport const x = appConfig;\n",
  );
  assert.ok(errors.length > 0, 'expected a module-boundary error');
});

test('the shared contract cannot import an app', async () => {
  const errors = await boundaryErrors(
    'libs/shared/api-contract/src/lib/boundary-probe.ts',
    "import { loadConfig } from '../../../../../apps/api/src/config/app-config';\nexport const x = loadConfig;\n",
  );
  assert.ok(errors.length > 0, 'expected a module-boundary error');
});

test('both apps may import the shared contract', async () => {
  for (const file of [
    'apps/web/src/app/boundary-probe.ts',
    'apps/api/src/boundary-probe.ts',
  ]) {
    const errors = await boundaryErrors(
      file,
      "import type { Quota } from '@tally/api-contract';\nexport type X = Quota;\n",
    );
    assert.deepEqual(errors, [], file);
  }
});

test('tags constrain what each scope may import', async () => {
  const cases = [
    [
      'libs/shared/api-contract/src/lib/boundary-probe.ts',
      "import { Injectable } from '@nestjs/common';\nexport const x = Injectable;\n",
    ],
    [
      'libs/shared/api-contract/src/lib/boundary-probe.ts',
      "import { signal } from '@angular/core';\nexport const x = signal;\n",
    ],
    [
      'apps/web/src/app/boundary-probe.ts',
      "import { DataSource } from 'typeorm';\nexport const x = DataSource;\n",
    ],
    [
      'apps/api/src/boundary-probe.ts',
      "import { signal } from '@angular/core';\nexport const x = signal;\n",
    ],
  ];
  for (const [file, code] of cases) {
    const errors = await boundaryErrors(file, code);
    assert.ok(
      errors.some((e) => /tagged with/.test(e)),
      `${file}: ${code.split('\n')[0]} → ${errors.join('; ') || 'allowed'}`,
    );
  }
});
