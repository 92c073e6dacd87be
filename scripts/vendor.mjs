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
const names = readdirSync(vendor).filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'));

// CommonJS dependencies (yaml, commander) require Node built-ins; an ES module has no `require` of its own.
const requireShim = "import { createRequire as __vendorCreateRequire } from 'node:module';\nconst require = __vendorCreateRequire(import.meta.url);";

await Promise.all(
  names.map((file) =>
    build({
      entryPoints: [path.join(vendor, file)],
      outfile: path.resolve('dist/vendor', file.replace(/\.ts$/, '.js')),
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      sourcemap: true,
      legalComments: 'eof',
      banner: { js: requireShim },
      logLevel: 'warning',
    }),
  ),
);
