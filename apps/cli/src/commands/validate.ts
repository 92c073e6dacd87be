import { loadValidConfig } from '../load.js';

export async function validate(options: { config: string }): Promise<number> {
  const config = await loadValidConfig(options.config);
  const parts = [
    `${config.datasources.length} datasource${config.datasources.length === 1 ? '' : 's'}`,
    `${config.rules.length} rule${config.rules.length === 1 ? '' : 's'}`,
    `${config.targets.length} export target${config.targets.length === 1 ? '' : 's'}`,
  ];
  process.stdout.write(`${options.config}: valid (${parts.join(', ')})\n`);
  return 0;
}
