// zod, as core and every connector use it (through `z` from @sluice/core).
// The build bundles this module into one file (scripts/vendor.mjs at the
// repository root): zod is ~95 ES modules, ~25 ms of every start when they
// are loaded one by one. Built by tsc alone, it is this plain re-export.
export { z } from 'zod';
