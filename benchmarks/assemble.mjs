// Rebuilds benchmarks/RESULTS.md from the sections in benchmarks/results/.
process.argv.push('--assemble');
await import('./run.mjs');
