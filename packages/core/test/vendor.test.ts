import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = fileURLToPath(new URL('../src', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'vendor' ? [] : sources(file);
    return file.endsWith('.ts') ? [file] : [];
  });
}

describe('vendored dependencies', () => {
  // A run-time import of zod or yaml outside src/vendor would load the ~175
  // modules the build bundles away again (and a second copy of zod).
  it('zod and yaml are imported at run time only through src/vendor', () => {
    const offenders = sources(src).filter((file) => /^(?:import|export)\s+(?!type\b)[^;]*from\s+'(?:zod|yaml)(?:\/[^']*)?'/m.test(readFileSync(file, 'utf8')));
    expect(offenders.map((file) => path.relative(src, file))).toEqual([]);
  });
});
