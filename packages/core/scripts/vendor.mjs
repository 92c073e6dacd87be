// Bundles zod and yaml into dist/vendor/{zod,yaml}.js, over tsc's plain
// re-exports of src/vendor/*.ts: one file each instead of ~95 ES modules
// (zod) and ~80 CommonJS files (yaml) to resolve and compile on every start.
// The output is the same code as the packages in node_modules, at the
// versions package.json pins. If tsc later re-emits those files, they are
// plain re-exports again: slower to load, same behaviour.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/** yaml's Node build is CommonJS and requires `process` and `buffer`. */
const requireShim = "import { createRequire as __sluiceCreateRequire } from 'node:module';\nconst require = __sluiceCreateRequire(import.meta.url);";

await Promise.all(
  ['zod', 'yaml'].map((name) =>
    build({
      entryPoints: [path.join(root, 'src/vendor', `${name}.ts`)],
      outfile: path.join(root, 'dist/vendor', `${name}.js`),
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      sourcemap: true,
      legalComments: 'eof',
      logLevel: 'warning',
      ...(name === 'yaml' ? { banner: { js: requireShim } } : {}),
    }),
  ),
);
