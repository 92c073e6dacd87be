import { buildJsonSchema } from '@sluice/core';
import { loadAllConnectors } from '../registry.js';

/** `sluice schema`: the JSON Schema of a whole config, core plus every connector installed. */
export async function schema(): Promise<number> {
  const connectors = await loadAllConnectors();
  process.stdout.write(`${JSON.stringify(buildJsonSchema(connectors), null, 2)}\n`);
  return 0;
}
