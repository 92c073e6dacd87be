import { Pipeline } from '@sluice/core';
import { loadValidConfig } from '../load.js';
import { createLogger } from '../logger.js';

/** `sluice check`: every connection, in parallel; exit 1 if any fails. */
export async function check(options: { config: string; logLevel?: string }): Promise<number> {
  const config = await loadValidConfig(options.config);
  const logger = await createLogger(options.logLevel ?? 'warn');
  const pipeline = new Pipeline({ config, logger });
  try {
    const results = await pipeline.check();
    for (const result of results) {
      const path = `${result.kind === 'source' ? 'datasources' : 'export_targets'}.${result.name}`;
      const what = `${path} (${result.type})`;
      // Connector errors usually start with their own config path already.
      const reason = result.error?.startsWith(`${path}: `) ? result.error.slice(path.length + 2) : result.error;
      process.stdout.write(result.ok ? `ok    ${what} ${result.durationMs} ms\n` : `FAIL  ${what}: ${reason}\n`);
    }
    return results.every((result) => result.ok) ? 0 : 1;
  } finally {
    await pipeline.close();
  }
}
