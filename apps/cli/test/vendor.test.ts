import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importsOutsideVendor } from '../../../scripts/vendor-imports.mjs';

const src = fileURLToPath(new URL('../src', import.meta.url));

describe('vendored dependencies', () => {
  it('commander and pino are loaded at run time only through src/vendor', () => {
    expect(importsOutsideVendor(src, ['commander', 'pino'])).toEqual([]);
  });
});
