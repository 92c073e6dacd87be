// Run from a package folder after `tsc -b` (and scripts/vendor.mjs): bundles
// the package's own modules, as tsc emitted them to dist/, into one file per
// entry point, so a start resolves, reads and links a handful of files
// instead of one per source module (a CSV → file run loads ~90 of them:
// about 20 ms of every `sluice run`, measured with hyperfine).
//
//   node ../../scripts/bundle.mjs [out=in ...]     (default: index.bundle=index)
//
// Each pair names an output and an input under dist/, without `.js`: the
// input is tsc's output, which tsc keeps current, and the output is a file
// tsc never writes, made anew on every build; a bundle is never read back as
// an input, so it cannot go stale behind tsc's incremental build. Other
// packages (`@sluice/*` and every dependency) stay imports; a dynamic
// import() of a module of this package stays lazy, in a chunk of its own.
// Chunks sit in dist/ itself, beside the entry points, so a module's
// `import.meta.url`-relative paths (the CLI's ../package.json, the CSV
// reader's worker file, the vendored pino) mean what they meant in tsc's
// output. Source maps chain to tsc's, so stack traces point at src/.
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const dist = path.resolve('dist');
const pairs = process.argv.length > 2 ? process.argv.slice(2) : ['index.bundle=index'];
const entryPoints = Object.fromEntries(
  pairs.map((pair) => {
    const [out, input] = pair.split('=');
    if (!out || !input || out === input) throw new Error(`bundle.mjs: expected out=in (different names), got "${pair}"`);
    return [out, path.join(dist, `${input}.js`)];
  }),
);

// The previous build's chunks have other hashes: clear them with the entry points.
for (const file of readdirSync(dist)) {
  if (/\.chunk\.js(\.map)?$/.test(file)) rmSync(path.join(dist, file));
}
for (const out of Object.keys(entryPoints)) {
  rmSync(path.join(dist, `${out}.js`), { force: true });
  rmSync(path.join(dist, `${out}.js.map`), { force: true });
}

await build({
  entryPoints,
  outdir: dist,
  bundle: true,
  splitting: true,
  chunkNames: '[name]-[hash].chunk',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  // The vendored dependencies' license notices (/*! … */) travel with their code.
  legalComments: 'eof',
  logLevel: 'warning',
});
