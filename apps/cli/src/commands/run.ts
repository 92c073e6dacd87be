import { describeError, Pipeline, type RunSummary } from '@sluice/core';
import { compileCacheLoads } from '@sluice/core/script-cache';
import { EXIT_FAILURES, EXIT_OK, ExitError, EXIT_USAGE } from '../exit.js';
import { loadValidConfig } from '../load.js';
import { createLogger } from '../logger.js';
import { Progress } from '../progress.js';
import { renderSummary, summaryJson } from '../summary-table.js';

export interface RunCommandOptions {
  readonly config: string;
  readonly continuous?: boolean;
  /** Seconds between run starts in continuous mode. */
  readonly interval: number;
  readonly logLevel?: string;
  readonly summary: 'table' | 'json' | 'none';
  readonly explain?: boolean;
}

/**
 * Stops gracefully on the first SIGINT/SIGTERM (the run in flight finishes,
 * targets flush, connections close) and forcefully on the second.
 */
class StopSignal {
  requested = false;
  readonly force = new AbortController();
  private wake: (() => void) | undefined;

  constructor(private readonly onSignal: (signal: string, forced: boolean) => void) {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => this.receive(signal));
  }

  private receive(signal: string): void {
    const forced = this.requested;
    this.requested = true;
    this.onSignal(signal, forced);
    if (forced) this.force.abort(new Error(`stopped by ${signal}`));
    this.wake?.();
  }

  /** Sleeps until `ms` passed or a stop was requested. */
  sleep(ms: number): Promise<void> {
    if (this.requested || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

export async function run(options: RunCommandOptions): Promise<number> {
  if (!Number.isFinite(options.interval) || options.interval <= 0) throw new ExitError(`--interval must be a positive number of seconds`, EXIT_USAGE);
  const config = await loadValidConfig(options.config);
  const logger = await createLogger(options.logLevel ?? config.settings.logLevel);
  for (const { cacheFile, cache } of compileCacheLoads()) logger.debug({ file: cacheFile, cache }, 'compile cache');
  const pipeline = new Pipeline({ config, logger });

  if (options.explain) {
    try {
      for (const { datasource, plan } of await pipeline.explain()) process.stdout.write(`datasources.${datasource}:\n${plan}\n\n`);
      return EXIT_OK;
    } finally {
      await pipeline.close();
    }
  }

  const stop = new StopSignal((signal, forced) => {
    if (forced) {
      logger.warn(`${signal} again: stopping now`);
      // Give the abort a moment to unwind, then leave no matter what.
      setTimeout(() => process.exit(130), 2000).unref();
    } else logger.info(`${signal}: finishing the run in flight, then stopping (send again to force)`);
  });
  const progress = process.stderr.isTTY && options.summary !== 'json' ? new Progress() : undefined;
  let exitCode = EXIT_OK;
  try {
    do {
      const began = Date.now();
      let summary: RunSummary;
      try {
        summary = await pipeline.run({ signal: stop.force.signal, ...(progress ? { onProgress: progress.update } : {}) });
      } finally {
        progress?.clear();
      }
      report(summary, options.summary, logger);
      if (stop.force.signal.aborted) return 130;
      if (!options.continuous) exitCode = summary.ok ? EXIT_OK : EXIT_FAILURES;
      if (options.continuous && !stop.requested) {
        // Fixed rate: the next run starts `interval` after this one started, never overlapping it.
        const wait = began + options.interval * 1000 - Date.now();
        if (wait < 0) logger.warn({ overrun_ms: -wait }, 'the run took longer than the interval; starting the next one now');
        await stop.sleep(wait);
      }
    } while (options.continuous && !stop.requested);
    return exitCode;
  } catch (error) {
    logger.fatal({ err: describeError(error) }, 'run failed');
    return EXIT_FAILURES;
  } finally {
    await pipeline.close();
  }
}

function report(summary: RunSummary, format: RunCommandOptions['summary'], logger: { info(obj: object, msg?: string): void }): void {
  const { sources, rules, targets, runId, durationMs, read, matched, exported, deadLettered, invalid, ok, deadLetterFile } = summary;
  // In a terminal the table below shows the details: the log line keeps to the totals there instead of printing them twice.
  const details = format === 'table' && process.stderr.isTTY ? {} : { sources, rules, targets };
  logger.info(
    { run_id: runId, duration_ms: durationMs, read, matched, exported, dead_lettered: deadLettered, invalid, ok, dead_letter_file: deadLetterFile, ...details },
    'run finished',
  );
  if (format === 'table') process.stderr.write(renderSummary(summary));
  else if (format === 'json') process.stdout.write(summaryJson(summary));
}

