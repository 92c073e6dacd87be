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
  // Loading commander or pino from node_modules at run time would load the
  // files the build bundles into dist/vendor again.
  it('commander and pino are loaded at run time only through src/vendor', () => {
    const runtimeImport = /^(?:import|export)\s+(?!type\b)[^;]*from\s+'(?:commander|pino)'|require\('(?:commander|pino)'\)/m;
    const offenders = sources(src).filter((file) => runtimeImport.test(readFileSync(file, 'utf8')));
    expect(offenders.map((file) => path.relative(src, file))).toEqual([]);
  });
});
