import path from 'node:path';
import { formatIssues, loadConfigFile, type PipelineConfig } from '@sluice/core';
import { saveCompileCaches } from '@sluice/core/script-cache';
import { ExitError, EXIT_USAGE } from './exit.js';
import { createResolver } from './registry.js';

/**
 * Loads and validates a config, printing every issue with file and line.
 * Throws an ExitError (exit code 2) when there are errors; nothing connects.
 */
export async function loadValidConfig(file: string): Promise<PipelineConfig> {
  // As the user wrote it when absolute; else relative to where they are (`../x.yaml` from a path given from elsewhere).
  const display = path.isAbsolute(file) ? file : path.relative(process.cwd(), file) || file;
  const { config, issues } = await loadConfigFile(file, { resolve: createResolver(), env: process.env });
  // What starting and reading a config compiled is what every start compiles again: keep it for the next (see core's script-cache.ts).
  saveCompileCaches();
  if (issues.length > 0) process.stderr.write(`${formatIssues(issues, display)}\n`);
  if (!config) {
    const count = issues.filter((issue) => issue.severity === 'error').length;
    throw new ExitError(`${display}: ${count} error${count === 1 ? '' : 's'}; nothing was run`, EXIT_USAGE);
  }
  return config;
}
