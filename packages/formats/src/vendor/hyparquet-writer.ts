// The parts of hyparquet-writer the Parquet encoder uses. The build bundles
// this module into one file (scripts/vendor.mjs at the repository root):
// hyparquet-writer and the hyparquet modules it imports are ~50 ES modules,
// ~20 ms of every start that loads @sluice/formats, Parquet or not. Built by
// tsc alone, it is this plain re-export.
export { ByteWriter, ParquetWriter } from 'hyparquet-writer';
// The footer's own min/max conversion, run early (see parquet-stats.ts).
export { unconvertMinMax } from 'hyparquet-writer/src/unconvert.js';
