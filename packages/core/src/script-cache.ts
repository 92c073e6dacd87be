/**
 * Loads a CommonJS bundle through V8's code cache, so a start does not
 * compile the same half megabyte of JavaScript (core with zod and yaml)
 * again every time. Node.js 22 does this for ES modules with
 * `module.enableCompileCache()`; Node.js 20, which Sluice supports, has only
 * `vm.Script`'s `cachedData` for it.
 *
 * The first start of a build compiles the bundle; `saveCompileCaches()`
 * (the CLI calls it once the config is loaded) then saves V8's code for
 * everything compiled so far, including what the config's parsing compiled
 * lazily (the YAML parser, zod's parsers), and later starts take that code
 * as is. Not on exit: V8 ties a cache to its flags as they are when the
 * cache is made, and a run may change them (the CSV reader's heap setting),
 * which would make every later start refuse the cache.
 *
 * The cache lives in `$SLUICE_COMPILE_CACHE`, else
 * `$XDG_CACHE_HOME/sluice/compile` (`~/.cache/sluice/compile`).
 * `SLUICE_COMPILE_CACHE=off` turns it off. A cache file is named by the
 * bundle's content hash (made at build time: V8 itself only checks the
 * source's length), Node.js' version and the architecture; the four most
 * recently written per script are kept. A cache V8 refuses (other flags) is
 * replaced; a cache that cannot be read or written just means compiling as
 * before.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

export interface CachedScriptOptions {
  /** Identifies the script's content (a hash made when it was built): part of the cache file's name. */
  readonly key: string;
  /** How the file is read: `latin1` (faster) only when it is ASCII. */
  readonly encoding?: 'latin1' | 'utf8';
  /** Where cache files go; `null` turns caching off. Defaults from the environment, as above. */
  readonly cacheDir?: string | null;
}

/** What one load did, for tests and `--debug` logs. */
export interface CachedScriptLoad {
  readonly exports: Record<string, unknown>;
  /** The cache file used or to be written; undefined when caching is off. */
  readonly cacheFile: string | undefined;
  /** `accepted`: V8 took the cached code; `missing`/`rejected`: compiled, and `saveCompileCaches()` saves it. */
  readonly cache: 'accepted' | 'rejected' | 'missing' | 'off';
}

const loads: CachedScriptLoad[] = [];
const unsaved: (() => void)[] = [];

/** Every script loaded so far and what became of its cache (for `--log-level debug`). */
export function compileCacheLoads(): readonly CachedScriptLoad[] {
  return loads;
}

/** Saves the code of every script loaded without a usable cache: call it once the start's work is compiled, before anything changes V8's flags. */
export function saveCompileCaches(): void {
  for (const save of unsaved.splice(0)) save();
}

/** The default cache folder, or null when caching is off. */
export function defaultCompileCacheDir(env: NodeJS.ProcessEnv = process.env): string | null {
  const setting = env.SLUICE_COMPILE_CACHE;
  if (setting !== undefined && setting !== '') return /^(off|0|false|no)$/i.test(setting) ? null : path.resolve(setting);
  // The XDG spec: a relative XDG_CACHE_HOME is invalid and ignored.
  const xdg = env.XDG_CACHE_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : userCacheHome();
  return base ? path.join(base, 'sluice', 'compile') : null;
}

/** `~/.cache`, or '' for a user without a home (os.homedir() throws for a uid with no passwd entry and no HOME). */
function userCacheHome(): string {
  try {
    const home = homedir();
    return home ? path.join(home, '.cache') : '';
  } catch {
    return '';
  }
}

/** Runs the CommonJS file at `file` (its built-in `require`s work; it gets no other modules, and no `import()`) and returns its `module.exports`. */
export function loadCachedScript(file: URL | string, options: CachedScriptOptions): CachedScriptLoad {
  const filename = typeof file === 'string' ? file : fileURLToPath(file);
  const source = readFileSync(filename, options.encoding ?? 'utf8');
  const cacheDir = options.cacheDir === undefined ? defaultCompileCacheDir() : options.cacheDir;
  // The file's own place is part of the name: V8 takes a script's name from a cache it accepts, so a cache made by another copy of
  // the same bundle (another checkout or install) would put that copy's paths in every stack trace.
  const cacheFile =
    cacheDir === null ? undefined : path.join(cacheDir, `${path.basename(filename)}-${options.key}-${placeHash(filename)}-${process.version}-${process.arch}.v8`);
  let cachedData: Buffer | undefined;
  if (cacheFile) {
    try {
      cachedData = readFileSync(cacheFile);
    } catch {
      cachedData = undefined;
    }
  }
  // No `importModuleDynamically`: Node.js 20 has it only as an experimental feature, so a cached bundle may not `import()` (bundle.mjs refuses one).
  const script = new vm.Script(Module.wrap(source), { filename, cachedData });
  const cache: CachedScriptLoad['cache'] = !cacheFile ? 'off' : cachedData === undefined ? 'missing' : script.cachedDataRejected ? 'rejected' : 'accepted';
  const module = { exports: {} as Record<string, unknown> };
  const wrapper = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: unknown, filename: string, dirname: string) => void;
  wrapper.call(module.exports, module.exports, createRequire(filename), module, filename, path.dirname(filename));
  const load: CachedScriptLoad = { exports: module.exports, cacheFile, cache };
  loads.push(load);
  if (cacheFile && cache !== 'accepted') unsaved.push(() => writeCache(cacheFile, `${path.basename(filename)}-`, script.createCachedData()));
  return load;
}

/** Caches kept per script: a few builds or Node.js versions side by side, not one more for every build ever run. */
export const CACHES_KEPT_PER_SCRIPT = 4;

function writeCache(file: string, prefix: string, data: Buffer): void {
  // Written aside and renamed: starts at the same moment never read half a file.
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(temporary, data, { mode: 0o600 });
    renameSync(temporary, file);
  } catch {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // No folder, no half-written file either.
    }
    return;
  }
  pruneCaches(path.dirname(file), prefix);
}

/** Removes the oldest caches of one script (by when they were written) beyond CACHES_KEPT_PER_SCRIPT. */
function pruneCaches(dir: string, prefix: string): void {
  try {
    const caches = readdirSync(dir)
      .filter((name) => name.startsWith(prefix) && name.endsWith('.v8'))
      .map((name) => ({ file: path.join(dir, name), written: statSync(path.join(dir, name)).mtimeMs }))
      .sort((a, b) => b.written - a.written);
    for (const { file } of caches.slice(CACHES_KEPT_PER_SCRIPT)) rmSync(file, { force: true });
  } catch {
    // Another start pruning at the same moment, or a file gone: the next write prunes again.
  }
}

/** FNV-1a of a path, 8 hex digits: names the copy a cache belongs to (node:crypto would cost the start more than the whole lookup). */
function placeHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}
