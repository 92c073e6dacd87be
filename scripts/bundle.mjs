// Run from a package folder after `tsc -b` (and scripts/vendor.mjs): bundles
// the package's own modules, as tsc emitted them to dist/, into one file per
// entry point, so a start resolves, reads and links a handful of files
// instead of one per source module (a CSV → file run loads ~90 of them:
// about 20 ms of every `sluice run`, measured with hyperfine).
//
//   node ../../scripts/bundle.mjs [out=in[:cached] ...]     (default: index.bundle=index)
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
//
// `out=in:cached` (core's index: zod and yaml, 750 kB) makes `out.js` a
// small ES module that runs `out.script.cjs`, the same code bundled as
// CommonJS, through V8's code cache (src/script-cache.ts of the package,
// compiled by tsc to dist/script-cache.js): a start then skips compiling
// it. Such a bundle may import Node.js built-ins only, since a CommonJS
// script cannot load this repository's ES-module packages; the build fails
// otherwise. The CLI saves the cache once the config is loaded
// (`saveCompileCaches()` of `@sluice/core/script-cache`).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const dist = path.resolve('dist');
const pairs = process.argv.length > 2 ? process.argv.slice(2) : ['index.bundle=index'];
const entries = pairs.map((pair) => {
  const [out, spec] = pair.split('=');
  const [input, mode] = (spec ?? '').split(':');
  if (!out || !input || out === input || (mode !== undefined && mode !== 'cached')) throw new Error(`bundle.mjs: expected out=in or out=in:cached (different names), got "${pair}"`);
  return { out, input: path.join(dist, `${input}.js`), cached: mode === 'cached' };
});

// The previous build's chunks have other hashes: clear them with the entry points.
for (const file of readdirSync(dist)) {
  if (/\.chunk\.js(\.map)?$/.test(file)) rmSync(path.join(dist, file));
}
for (const { out } of entries) {
  for (const file of [`${out}.js`, `${out}.js.map`, `${out}.script.cjs`, `${out}.script.cjs.map`]) rmSync(path.join(dist, file), { force: true });
}

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  // The vendored dependencies' license notices (/*! … */) travel with their code.
  legalComments: 'eof',
  logLevel: 'warning',
};

const modules = entries.filter((entry) => !entry.cached);
if (modules.length > 0) {
  await build({
    ...common,
    entryPoints: Object.fromEntries(modules.map(({ out, input }) => [out, input])),
    outdir: dist,
    splitting: true,
    chunkNames: '[name]-[hash].chunk',
    format: 'esm',
  });
}

/**
 * Fails the build on an import a cached script cannot make: anything but a
 * static import of a Node.js built-in or a file of the bundle (a script run
 * by `vm` on Node.js 20 has `import()` only as an experimental feature).
 */
const builtinsOnly = {
  name: 'builtins-only',
  setup(build) {
    build.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === 'dynamic-import' && !args.path.startsWith('.')) return { errors: [{ text: `a :cached bundle may not import() "${args.path}"` }] };
      if (/^[./]/.test(args.path)) return undefined;
      return args.path.startsWith('node:') ? { path: args.path, external: true } : { errors: [{ text: `a :cached bundle may import Node.js built-ins only (as node:…), not "${args.path}"` }] };
    });
  },
};

for (const { out, input } of entries.filter((entry) => entry.cached)) {
  // The export names, from an ES-module build of the same input (not written).
  const probe = await build({ ...common, entryPoints: [input], outfile: path.join(dist, `${out}.js`), format: 'esm', write: false, metafile: true, sourcemap: false });
  const exports = Object.values(probe.metafile.outputs).flatMap((output) => output.exports ?? []);
  if (exports.includes('default')) throw new Error(`bundle.mjs: ${input} has a default export, which a :cached bundle does not carry`);
  await build({
    ...common,
    entryPoints: [input],
    outfile: path.join(dist, `${out}.script.cjs`),
    format: 'cjs',
    plugins: [builtinsOnly],
    // The vendored modules' createRequire(import.meta.url): in a CommonJS script, the script's own URL.
    define: { 'import.meta.url': '__bundleImportMetaUrl' },
    banner: { js: 'var __bundleImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
  });
  const script = readFileSync(path.join(dist, `${out}.script.cjs`));
  // ASCII (esbuild escapes strings, but keeps some comments as they are) reads faster as latin1, exactly.
  const encoding = script.every((byte) => byte < 0x80) ? 'latin1' : 'utf8';
  const key = createHash('sha256').update(script).digest('hex').slice(0, 32);
  const base = path.basename(out);
  writeFileSync(
    path.join(dist, `${out}.js`),
    [
      `// Made by scripts/bundle.mjs: runs ${base}.script.cjs (this package's modules as one CommonJS bundle) through V8's code cache.`,
      `import { loadCachedScript } from '${path.relative(path.dirname(path.join(dist, out)), path.join(dist, 'script-cache.js')).replace(/^(?!\.)/, './')}';`,
      `const { exports: bundle } = loadCachedScript(new URL('./${base}.script.cjs', import.meta.url), { key: '${key}', encoding: '${encoding}' });`,
      `export const { ${exports.join(', ')} } = bundle;`,
      '',
    ].join('\n'),
  );
}
