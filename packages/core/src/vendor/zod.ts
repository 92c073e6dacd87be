// zod, as core and every connector use it (through `z` from @sluice/core).
// `pnpm build` replaces this module's output with a single-file bundle of zod
// (scripts/vendor.mjs): zod is ~95 ES modules, and loading them one by one is
// ~25 ms of every CLI start. Built by tsc alone, it is this plain re-export.
export { z } from 'zod';
