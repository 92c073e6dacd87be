import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * Shared test config: workspace packages resolve to their TypeScript sources,
 * so a package's tests never depend on another package having been built.
 */
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@sluice\/cli$/, replacement: `${root}apps/cli/src/index.ts` },
      { find: /^@sluice\/core\/compile$/, replacement: `${root}packages/core/src/rules/compile.ts` },
      { find: /^@sluice\/core\/script-cache$/, replacement: `${root}packages/core/src/script-cache.ts` },
      { find: /^@sluice\/([a-z0-9-]+)$/, replacement: `${root}packages/$1/src/index.ts` },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
