// The API build writes dist/apps/api/package.json and a pruned lock file for
// `npm ci --omit=dev` in the Docker image's final stage. Nx's generated
// package.json leaves out the root package.json's `overrides`, but the lock
// it writes was resolved with them (e.g. @fastify/static's content-disposition
// pinned to 2.0.1), so npm ci refuses the pair as out of sync. This plugin
// copies the root `overrides` into the generated package.json, after Nx
// emits it. tools/checks/deploy-package.test.mjs runs that npm ci on the output.
const { readFileSync } = require('fs');
const { join } = require('path');

const NAME = 'PackageOverridesPlugin';

/** The generated package.json text with the root's `overrides` added. */
function withRootOverrides(packageJsonText, rootPackageJson) {
  const pkg = JSON.parse(packageJsonText);
  if (rootPackageJson.overrides) pkg.overrides = rootPackageJson.overrides;
  return JSON.stringify(pkg, null, 2) + '\n';
}

class PackageOverridesPlugin {
  constructor(workspaceRoot = join(__dirname, '../..')) {
    this.rootPackageJson = join(workspaceRoot, 'package.json');
  }

  apply(compiler) {
    const { Compilation, sources } = compiler.webpack;
    compiler.hooks.thisCompilation.tap(NAME, (compilation) => {
      compilation.hooks.processAssets.tap(
        // Nx's GeneratePackageJsonPlugin emits at STAGE_ADDITIONAL; this runs after it.
        { name: NAME, stage: Compilation.PROCESS_ASSETS_STAGE_PRE_PROCESS },
        () => {
          const asset = compilation.getAsset('package.json');
          if (!asset) return;
          const root = JSON.parse(readFileSync(this.rootPackageJson, 'utf8'));
          compilation.updateAsset(
            'package.json',
            new sources.RawSource(
              withRootOverrides(asset.source.source().toString(), root),
            ),
          );
        },
      );
    });
  }
}

module.exports = { PackageOverridesPlugin, withRootOverrides };
