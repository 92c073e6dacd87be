// The parts of yaml the config loader uses. The build bundles this module
// into one file (scripts/vendor.mjs at the repository root): yaml is ~80
// CommonJS files, ~25 ms of every start when they are required one by one.
// Built by tsc alone, it is this plain re-export.
export { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit } from 'yaml';
export type { Document, Node } from 'yaml';
