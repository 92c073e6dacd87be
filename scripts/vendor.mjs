// Run from a package folder after `tsc -b`: bundles each src/vendor/<name>.ts
// of that package (a re-export of a third-party dependency) into one file,
// dist/vendor/<name>.js, over tsc's plain re-export. A dependency made of
// many small modules (zod ~95 ES modules, yaml ~80 CommonJS files) then
// costs one file to resolve and compile on every start instead of all of
// them. Same code, at the version the package pins; if tsc later re-emits
// such a file, it is a plain re-export again: slower to load, same behaviour.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const vendor = path.resolve('src/vendor');
// `<name>.ts` becomes an ES module `<name>.js`; `<name>.cts` (a dependency some code requires synchronously) CommonJS `<name>.cjs`.
const names = readdirSync(vendor).filter((file) => /(?<!\.d)\.c?ts$/.test(file));

// CommonJS dependencies (yaml, commander) require Node built-ins; an ES module has no `require` of its own.
const requireShim = "import { createRequire as __vendorCreateRequire } from 'node:module';\nconst require = __vendorCreateRequire(import.meta.url);";

/** The name, version and license text of every package a bundle took code from. */
function licenses(inputs) {
  const roots = new Set();
  for (const input of inputs) {
    // A plugin's module is named `namespace:path`.
    const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input.replace(/^[a-z-]+:/, ''));
    if (match) roots.add(path.resolve(match[1]));
  }
  return [...roots].sort().map((root) => {
    const { name, version, license } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
    const file = readdirSync(root).find((entry) => /^licen[cs]e/i.test(entry));
    const text = file && existsSync(path.join(root, file)) ? readFileSync(path.join(root, file), 'utf8').trim() : `License: ${license}`;
    return `${name}@${version}\n\n${text}`;
  });
}

/**
 * zod's `z.locales` holds error messages in some 60 languages (about a third
 * of the bundle, ~15 ms of every start to compile). Sluice's messages are
 * English, which zod loads on its own (classic/schemas.js imports en.js), so
 * the bundle's `z.locales` (and `z.core.locales`) keep English only.
 */
const englishOnlyZodLocales = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]v4[\\/](?:classic|core|mini)[\\/]/.test(args.importer) ? { path: path.join(path.dirname(args.importer), '../locales/index.js'), namespace: 'zod-locales' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(path.join(path.dirname(args.path), 'en.js'))};`,
      resolveDir: path.dirname(args.path),
      loader: 'js',
    }));
  },
};

/**
 * pg picks its socket at load time: `isCloudflareRuntime()` (lib/stream.js)
 * constructs a fetch `Response` to detect Cloudflare Workers, and touching
 * `Response` makes Node.js load its bundled undici, ~15 ms of every start
 * of a PostgreSQL pipeline. Sluice runs on Node.js, where the probe answers
 * false, so the bundle answers false without probing. Fails the build if a
 * pg upgrade renames the function, rather than silently keeping the probe.
 */
const pgForNode = {
  name: 'pg-for-node',
  setup(build) {
    build.onLoad({ filter: /[\\/]pg[\\/]lib[\\/]stream\.js$/ }, (args) => {
      const code = readFileSync(args.path, 'utf8');
      const probe = 'function isCloudflareRuntime() {';
      if (!code.includes(probe)) throw new Error(`${args.path}: no ${probe} to answer for Node.js; check scripts/vendor.mjs against this pg version`);
      return { contents: code.replace(probe, `${probe}\n  return false; // bundled for Node.js by Sluice's scripts/vendor.mjs`), loader: 'js' };
    });
  },
};

await Promise.all(
  names.map(async (file) => {
    const cjs = file.endsWith('.cts');
    const outfile = path.resolve('dist/vendor', file.replace(/\.c?ts$/, cjs ? '.cjs' : '.js'));
    const { metafile } = await build({
      entryPoints: [path.join(vendor, file)],
      outfile,
      bundle: true,
      format: cjs ? 'cjs' : 'esm',
      platform: 'node',
      target: 'node20',
      sourcemap: true,
      legalComments: 'eof',
      metafile: true,
      ...(cjs ? {} : { banner: { js: requireShim } }),
      logLevel: 'warning',
      plugins: [englishOnlyZodLocales, pgForNode],
      // pg's optional peers: the native binding and the Cloudflare socket, neither used on Node.js.
      external: ['pg-native', 'pg-cloudflare'],
    });
    // The bundled packages' licenses travel with their code.
    const notices = licenses(Object.keys(metafile.inputs)).map((notice) => notice.replaceAll('*/', '* /'));
    const code = readFileSync(outfile, 'utf8');
    const found = code.lastIndexOf('//# sourceMappingURL=');
    const mapComment = found === -1 ? code.length : found;
    writeFileSync(outfile, `${code.slice(0, mapComment)}/*! Bundled from:\n\n${notices.join('\n\n---\n\n')}\n*/\n${code.slice(mapComment)}`);
  }),
);
