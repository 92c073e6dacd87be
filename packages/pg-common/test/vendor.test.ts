import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importsOutsideVendor } from '../../../scripts/vendor-imports.mjs';

const src = fileURLToPath(new URL('../src', import.meta.url));
const built = fileURLToPath(new URL('../dist/index.bundle.js', import.meta.url));

describe('vendored dependencies', () => {
  it('pg is imported at run time only through src/vendor', () => {
    expect(importsOutsideVendor(src, ['pg'])).toEqual([]);
  });

  it('loading the built package does not load Node.js\'s own undici (pg\'s Cloudflare probe is answered in the bundle)', () => {
    const script = `const m = await import(${JSON.stringify(built)});
const pool = m.createPool({ host: '127.0.0.1', pool: { max: 1, idle_timeout: '1s' } }, { path: 'datasources.db', baseDir: '/', logger: { warn() {}, debug() {} } });
await pool.end();
console.log(JSON.stringify(process.moduleLoadList.filter((name) => name.includes('undici'))));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual([]);
  });
});
