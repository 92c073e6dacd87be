// pino, which the logger requires synchronously on the first line it writes
// (CommonJS, hence .cts). The build bundles this module into one file
// (scripts/vendor.mjs at the repository root): ~12 ms less on a run that
// logs (the default level, info) than requiring pino's ~30 files one by one.
// Built by tsc alone, it is this plain re-export.
import pino = require('pino');
export = pino;
