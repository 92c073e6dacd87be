// Run from a package folder after `tsc -b`: bundles each src/vendor/<name>.ts
// of that package (a re-export of a third-party dependency) into one file,
// dist/vendor/<name>.js, over tsc's plain re-export. A dependency made of
// many small modules (zod ~95 ES modules, yaml ~80 CommonJS files) then
// costs one file to resolve and compile on every start instead of all of
// them. Same code, at the version the package pins; if tsc later re-emits
// such a file, it is a plain re-export again: slower to load, same behaviour.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const vendor = path.resolve('src/vendor');
// `<name>.ts` becomes an ES module `<name>.js`; `<name>.cts` (a dependency some code requires synchronously) CommonJS `<name>.cjs`.
const names = readdirSync(vendor).filter((file) => /(?<!\.d)\.c?ts$/.test(file));

// CommonJS dependencies (yaml, commander) require Node built-ins; an ES module has no `require` of its own.
const requireShim = "import { createRequire as __vendorCreateRequire } from 'node:module';\nconst require = __vendorCreateRequire(import.meta.url);";

await Promise.all(
  names.map((file) =>
    build({
      entryPoints: [path.join(vendor, file)],
      outfile: path.resolve('dist/vendor', file.replace(/\.ts$/, '.js').replace(/\.cts$/, '.cjs')),
      bundle: true,
      format: file.endsWith('.cts') ? 'cjs' : 'esm',
      platform: 'node',
      target: 'node20',
      sourcemap: true,
      legalComments: 'eof',
      ...(file.endsWith('.cts') ? {} : { banner: { js: requireShim } }),
      logLevel: 'warning',
    }),
  ),
);
