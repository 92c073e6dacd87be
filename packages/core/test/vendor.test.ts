import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importsOutsideVendor } from '../../../scripts/vendor-imports.mjs';

const src = fileURLToPath(new URL('../src', import.meta.url));

describe('vendored dependencies', () => {
  it('zod and yaml are imported at run time only through src/vendor', () => {
    expect(importsOutsideVendor(src, ['zod', 'yaml'])).toEqual([]);
  });
});
