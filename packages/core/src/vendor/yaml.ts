// The parts of `yaml` the config loader uses. `pnpm build` replaces this
// module's output with a single-file bundle (scripts/vendor.mjs): yaml is
// ~80 CommonJS files, ~25 ms of every CLI start when required one by one.
// Built by tsc alone, it is this plain re-export.
export { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit } from 'yaml';
export type { Document, Node } from 'yaml';
