// The parts of commander the CLI uses. The build bundles this module into one
// file (scripts/vendor.mjs at the repository root): ~8 ms less on every start
// than requiring commander's CommonJS files through the ES module loader.
// Built by tsc alone, it is this plain re-export.
export { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
