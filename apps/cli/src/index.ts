export { createProgram, main } from './cli.js';
export { CONNECTOR_PACKAGES, createResolver, loadAllConnectors } from './registry.js';
export { renderSummary } from './summary-table.js';
