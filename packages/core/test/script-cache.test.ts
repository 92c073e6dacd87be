import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CACHES_KEPT_PER_SCRIPT, compileCacheLoads, defaultCompileCacheDir, loadCachedScript, saveCompileCaches } from '../src/script-cache.js';

const root = mkdtempSync(path.join(tmpdir(), 'sluice-script-cache-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let loads = 0;
const scriptFile = path.join(root, 'copy', 'bundle.script.cjs');
/**
 * The script, written again at one path with a different last line of the
 * same length each time: V8 keeps what an isolate compiled by source text,
 * so only a new text makes it read the cache, as a new process would; the
 * cache (named by the path and the key) still fits, since V8 checks only
 * the source's length.
 */
function scriptCopy(source: string, file = scriptFile): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${source}\n// load ${String(loads++).padStart(6, '0')}\n`);
  return file;
}

const source = `
const path = require('node:path');
function lazy(n) { let s = 0; for (let i = 0; i < n; i++) s += i; return s; }
exports.answer = 42;
exports.sum = lazy;
exports.base = path.basename(__filename);
exports.self = this === module.exports;
`;

describe('loadCachedScript', () => {
  it('runs the script as CommonJS, saves its code when asked, and the next load takes it', () => {
    const cacheDir = path.join(root, 'cache-a');
    const first = loadCachedScript(scriptCopy(source), { key: 'k1', cacheDir });
    expect(first.exports).toMatchObject({ answer: 42, base: 'bundle.script.cjs', self: true });
    expect((first.exports.sum as (n: number) => number)(4)).toBe(6);
    expect(first.cache).toBe('missing');
    expect(existsSync(first.cacheFile!)).toBe(false);
    expect(compileCacheLoads()).toContain(first);

    saveCompileCaches();
    expect(readdirSync(cacheDir)).toEqual([path.basename(first.cacheFile!)]);
    expect(path.basename(first.cacheFile!)).toMatch(new RegExp(`^bundle\\.script\\.cjs-k1-[0-9a-f]{8}-${process.version}-${process.arch}\\.v8$`));

    const second = loadCachedScript(scriptCopy(source), { key: 'k1', cacheDir });
    expect(second.cacheFile).toBe(first.cacheFile);
    expect(second.cache).toBe('accepted');
    expect((second.exports.sum as (n: number) => number)(5)).toBe(10);
    // Nothing left to save: an accepted cache is not written again.
    saveCompileCaches();
    expect(readdirSync(cacheDir)).toHaveLength(1);
  });

  it('a cache V8 refuses is compiled past and replaced', () => {
    const cacheDir = path.join(root, 'cache-b');
    const probe = loadCachedScript(scriptCopy(source), { key: 'k2', cacheDir: null });
    expect(probe.cache).toBe('off');
    mkdirSync(cacheDir);
    const cacheFile = loadCachedScript(scriptCopy(source), { key: 'k2', cacheDir }).cacheFile!;
    writeFileSync(cacheFile, Buffer.from('not code from V8'));

    const refused = loadCachedScript(scriptCopy(source), { key: 'k2', cacheDir });
    expect(refused.cache).toBe('rejected');
    expect(refused.exports.answer).toBe(42);
    saveCompileCaches();
    expect(loadCachedScript(scriptCopy(source), { key: 'k2', cacheDir }).cache).toBe('accepted');
  });

  it('another build of the script (another key) gets a cache of its own', () => {
    const cacheDir = path.join(root, 'cache-c');
    loadCachedScript(scriptCopy(source), { key: 'old', cacheDir });
    saveCompileCaches();
    const changed = loadCachedScript(scriptCopy(`${source}\nexports.answer = 43;`), { key: 'new', cacheDir });
    expect(changed.cache).toBe('missing');
    expect(changed.exports.answer).toBe(43);
  });

  it('keeps the newest few caches of a script, whatever else the folder holds', () => {
    const cacheDir = path.join(root, 'cache-prune');
    mkdirSync(cacheDir);
    writeFileSync(path.join(cacheDir, 'other.script.cjs-x-v20.0.0-x64.v8'), '');
    writeFileSync(path.join(cacheDir, 'notes.txt'), '');
    const builds = CACHES_KEPT_PER_SCRIPT + 2;
    for (let b = 0; b < builds; b++) {
      const { cacheFile } = loadCachedScript(scriptCopy(`${source}\nexports.build = ${b};`), { key: `build${b}`, cacheDir });
      saveCompileCaches();
      // Written a second apart, as builds are: the order by time is the order of the builds.
      utimesSync(cacheFile!, new Date(), new Date(Date.now() - (builds - b) * 1000));
    }
    const left = readdirSync(cacheDir).sort();
    expect(left.filter((name) => name.startsWith('bundle.script.cjs-')).map((name) => name.split('-')[1])).toEqual(
      Array.from({ length: CACHES_KEPT_PER_SCRIPT }, (_, i) => `build${builds - CACHES_KEPT_PER_SCRIPT + i}`),
    );
    expect(left).toContain('other.script.cjs-x-v20.0.0-x64.v8');
    expect(left).toContain('notes.txt');
  });

  it('a copy of the script elsewhere (another checkout or install) gets a cache of its own, so its stack traces name its own file', () => {
    const cacheDir = path.join(root, 'cache-copies');
    const thrower = `${source}\nexports.where = () => new Error('here').stack;`;
    const here = loadCachedScript(scriptCopy(thrower), { key: 'k7', cacheDir });
    saveCompileCaches();
    const elsewhere = path.join(root, 'elsewhere', 'bundle.script.cjs');
    const copy = loadCachedScript(scriptCopy(thrower, elsewhere), { key: 'k7', cacheDir });
    expect(copy.cacheFile).not.toBe(here.cacheFile);
    expect(copy.cache).toBe('missing');
    expect((copy.exports.where as () => string)()).toContain(elsewhere);
    saveCompileCaches();
    // Its own cache, taken by its next start, still names it.
    const again = loadCachedScript(scriptCopy(thrower, elsewhere), { key: 'k7', cacheDir });
    expect(again.cache).toBe('accepted');
    expect((again.exports.where as () => string)()).toContain(elsewhere);
  });

  it('a cache that cannot be written changes nothing but the next start’s speed', () => {
    const blocked = path.join(root, 'not-a-folder');
    writeFileSync(blocked, '');
    const load = loadCachedScript(scriptCopy(source), { key: 'k3', cacheDir: path.join(blocked, 'cache') });
    expect(load.cache).toBe('missing');
    expect(() => saveCompileCaches()).not.toThrow();
    expect(load.exports.answer).toBe(42);
  });

  it('reads an ASCII bundle as latin1, and any other as UTF-8', () => {
    const utf8Source = `exports.s = 'naïve';`;
    expect(loadCachedScript(scriptCopy(utf8Source), { key: 'k4', cacheDir: null, encoding: 'utf8' }).exports.s).toBe('naïve');
    // Why latin1 is only for ASCII: it reads UTF-8 bytes one by one.
    expect(loadCachedScript(scriptCopy(utf8Source), { key: 'k5', cacheDir: null, encoding: 'latin1' }).exports.s).toBe('na\u00c3\u00afve');
    // esbuild escapes non-ASCII in strings, so a bundle's text comes out the same either way.
    expect(loadCachedScript(scriptCopy(`exports.s = 'na\\u00efve';`), { key: 'k6', cacheDir: null, encoding: 'latin1' }).exports.s).toBe('naïve');
  });
});

describe('defaultCompileCacheDir', () => {
  it('is SLUICE_COMPILE_CACHE, else under XDG_CACHE_HOME, else ~/.cache; off turns it off', () => {
    expect(defaultCompileCacheDir({ SLUICE_COMPILE_CACHE: '/var/cache/x' })).toBe('/var/cache/x');
    expect(defaultCompileCacheDir({ SLUICE_COMPILE_CACHE: 'off' })).toBeNull();
    expect(defaultCompileCacheDir({ SLUICE_COMPILE_CACHE: '0' })).toBeNull();
    expect(defaultCompileCacheDir({ XDG_CACHE_HOME: '/xdg' })).toBe('/xdg/sluice/compile');
    expect(defaultCompileCacheDir({ XDG_CACHE_HOME: 'relative/cache' })).toMatch(/[/\\]\.cache[/\\]sluice[/\\]compile$/);
    expect(defaultCompileCacheDir({})).toMatch(/[/\\]\.cache[/\\]sluice[/\\]compile$/);
  });
});
