import { setMaxListeners } from 'node:events';
import type { PipelineConfig, ConnectorSection } from '../config/load.js';
import { describeError, isRetryable } from '../errors.js';
import { compilePushdown, compileRule } from '../rules/compile.js';
import { normalizeRule } from '../rules/normalize.js';
import type { CompiledRule, DataRecord, Exporter, Logger, ReadContext, Source } from '../types.js';
import { NdjsonDeadLetterStore, type DeadLetterStore } from './dead-letter.js';
import { backoffDelay, sleep, withRetry, withTimeout } from './retry.js';
import { Route } from './route.js';
import { makeRunId } from './run-id.js';
import { emptySummary, finalizeSummary, type RunSummary, type SourceSummary } from './summary.js';

export interface PipelineOptions {
  readonly config: PipelineConfig;
  readonly logger: Logger;
  /** Injected clients by datasource or target name (a pg Pool, an ioredis instance, an S3Client). */
  readonly clients?: Readonly<Record<string, unknown>>;
  /** Replaces the NDJSON dead-letter files. */
  readonly deadLetters?: (runId: string) => DeadLetterStore;
}

export interface RunOptions {
  /** Aborting stops reading at once and abandons deliveries in flight (a forced stop). */
  readonly signal?: AbortSignal;
  /** Called after every batch with the counters so far. */
  readonly onProgress?: (summary: Readonly<RunSummary>) => void;
}

export interface CheckResult {
  readonly kind: 'source' | 'exporter';
  readonly name: string;
  readonly type: string;
  readonly ok: boolean;
  readonly error?: string;
  readonly durationMs: number;
}

interface Connected<T> {
  readonly section: ConnectorSection;
  readonly instance: T;
}

/**
 * A configured pipeline: its connectors are created once and kept across
 * runs (so pools live as long as the pipeline); each `run()` reads every
 * datasource, evaluates the rules and delivers the matches.
 */
export class Pipeline {
  private readonly sources: Connected<Source>[];
  private readonly exporters: Map<string, Connected<Exporter>>;
  private closed = false;

  constructor(private readonly options: PipelineOptions) {
    const { config, logger, clients = {} } = options;
    const create = <T>(section: ConnectorSection, kind: string): Connected<T> => {
      const client = clients[section.name];
      const instance = section.definition.create(section.options as never, {
        name: section.name,
        path: section.path,
        logger: logger.child({ [kind]: section.name }),
        settings: config.settings,
        baseDir: config.baseDir,
        ...(client === undefined ? {} : { client }),
      }) as T;
      return { section, instance };
    };
    this.sources = config.datasources.map((section) => create<Source>(section, 'datasource'));
    this.exporters = new Map(config.targets.map((section) => [section.name, create<Exporter>(section, 'target')]));
  }

  get config(): PipelineConfig {
    return this.options.config;
  }

  private compileRules(runStartedAt: Date): CompiledRule[] {
    const allDatasources = this.sources.map(({ section }) => section.name);
    return this.options.config.rules.map((rule) => compileRule(normalizeRule(rule, { runStartedAt, allDatasources })));
  }

  /** One run over every datasource. Never throws for data or connector failures: the summary says. */
  async run(options: RunOptions = {}): Promise<RunSummary> {
    if (this.closed) throw new Error('pipeline is closed');
    const startedAt = new Date();
    const runId = makeRunId(startedAt);
    const { config, logger } = this.options;
    const signal = options.signal ?? new AbortController().signal;
    // Every route and source waits on this one signal: a pipeline with many routes is not a leak (Node.js warns above 10).
    setMaxListeners(0, signal);
    const summary = emptySummary(runId, startedAt);
    const rules = this.compileRules(startedAt);
    for (const { rule } of rules) summary.rules[rule.name] = { matched: 0, missing: 0, unconvertible: 0 };
    for (const name of this.exporters.keys()) summary.targets[name] = { routed: 0, exported: 0, deadLettered: 0 };
    const deadLetters = this.options.deadLetters?.(runId) ?? new NdjsonDeadLetterStore(config.settings.deadLetter.path, runId);
    const runLogger = logger.child({ run_id: runId });
    runLogger.info(`run started`);

    const pending = this.sources.filter(({ section }) => rules.some(({ rule }) => rule.datasources.includes(section.name)));
    const workers = Array.from({ length: Math.min(config.settings.maxConcurrency, pending.length) }, async () => {
      for (let next = pending.shift(); next; next = pending.shift()) {
        await this.readSource(next, rules, { runId, startedAt, signal, summary, deadLetters, logger: runLogger, onProgress: options.onProgress });
      }
    });
    await Promise.all(workers);

    for (const compiled of rules) {
      const counters = summary.rules[compiled.rule.name]!;
      counters.missing = compiled.stats.missing;
      counters.unconvertible = compiled.stats.unconvertible;
    }
    try {
      await deadLetters.close();
    } catch (error) {
      runLogger.error({ err: describeError(error) }, 'the dead-letter store failed: records may be lost');
      summary.deadLetterError = describeError(error);
    }
    if (deadLetters.location) summary.deadLetterFile = deadLetters.location;
    summary.cancelled = signal.aborted;
    summary.durationMs = Date.now() - startedAt.getTime();
    return finalizeSummary(summary);
  }

  private async readSource(
    { section, instance: source }: Connected<Source>,
    allRules: readonly CompiledRule[],
    run: {
      runId: string;
      startedAt: Date;
      signal: AbortSignal;
      summary: RunSummary;
      deadLetters: DeadLetterStore;
      logger: Logger;
      onProgress: RunOptions['onProgress'];
    },
  ): Promise<void> {
    const began = Date.now();
    const { settings } = this.options.config;
    const stats: SourceSummary = { read: 0, skipped: 0, invalid: 0, matched: 0, notMatched: 0, durationMs: 0 };
    run.summary.sources[section.name] = stats;
    const logger = run.logger.child({ datasource: section.name });
    const rules = allRules.filter(({ rule }) => rule.datasources.includes(section.name));
    const ruleStats = rules.map(({ rule }) => run.summary.rules[rule.name]!);
    const routes = rules.map(({ rule }) =>
      rule.targets.map((target) => {
        const exporter = this.exporters.get(target)!.instance;
        return new Route({
          exporter,
          settings,
          deadLetters: run.deadLetters,
          stats: run.summary.targets[target]!,
          signal: run.signal,
          run: {
            runId: run.runId,
            runStartedAt: run.startedAt,
            rule: rule.name,
            datasource: section.name,
            target,
            signal: run.signal,
            logger: logger.child({ rule: rule.name, target }),
          },
        });
      }),
    );

    // Targets warm up (connect, look up their schema) while the source starts; a failure shows on the first write.
    for (const target of new Set(rules.flatMap(({ rule }) => rule.targets))) {
      this.exporters.get(target)!.instance.prepare?.(run.signal).catch((error: unknown) => logger.debug({ err: describeError(error), target }, 'target warm-up failed'));
    }

    const rejections: Promise<void>[] = [];
    const ctx: ReadContext = {
      signal: run.signal,
      batchSize: settings.batchSize,
      rules: rules.length > 0 ? compilePushdown(rules, run.startedAt) : undefined,
      runId: run.runId,
      runStartedAt: run.startedAt,
      logger,
      reject: (input, error, location) => {
        stats.invalid++;
        logger.warn({ location, err: error.message }, 'input rejected');
        rejections.push(
          run.deadLetters.write([{ stage: 'source', datasource: section.name, error: describeError(error), input, ...(location ? { location } : {}) }]),
        );
      },
      skipped: (count) => {
        stats.skipped += count;
        stats.read += count;
        stats.notMatched += count;
      },
    };

    // Deliveries in progress, oldest first: at most `depth` while the next batch is read.
    const inFlight: Promise<unknown>[] = [];
    const depth = deliveryDepth(routes.flat());
    const matches: DataRecord[][] = rules.map(() => []);
    for (let attempt = 1; ; attempt++) {
      let yielded = false;
      try {
        for await (const batch of source.read(ctx)) {
          yielded = true;
          stats.read += batch.length;
          for (const record of batch) {
            let matched = false;
            for (let i = 0; i < rules.length; i++) {
              if (rules[i]!.test(record)) {
                matched = true;
                matches[i]!.push(record);
              }
            }
            if (matched) stats.matched++;
            else stats.notMatched++;
          }
          // A bounded number of batches in flight per route while the next is read: bounded memory, no idle source.
          while (inFlight.length >= depth) await inFlight.shift();
          const deliveries: Promise<void>[] = [];
          for (let i = 0; i < rules.length; i++) {
            const found = matches[i]!;
            if (found.length === 0) continue;
            ruleStats[i]!.matched += found.length;
            for (const route of routes[i]!) deliveries.push(route.deliver(found));
            matches[i] = [];
          }
          const delivered = Promise.all(deliveries);
          // Awaited in turn above; until then a failure must not count as unhandled.
          delivered.catch(() => undefined);
          inFlight.push(delivered);
          run.onProgress?.(run.summary);
          if (rejections.length > 256) await Promise.all(rejections.splice(0));
        }
        break;
      } catch (error) {
        if (!yielded && attempt < settings.retry.attempts && !run.signal.aborted && isRetryable(error)) {
          const delay = backoffDelay(attempt, settings.retry, error);
          logger.warn({ err: describeError(error), retry: attempt, delay_ms: Math.round(delay) }, `${section.path}: read failed, retrying`);
          await sleep(delay, run.signal).catch(() => undefined);
          continue;
        }
        stats.error = run.signal.aborted ? 'cancelled' : describeError(error);
        logger.error({ err: stats.error }, `${section.path}: read failed`);
        break;
      }
    }
    await Promise.all(inFlight);
    await Promise.all(rejections);
    await Promise.all(routes.flat().map((route) => route.finish()));
    stats.durationMs = Date.now() - began;
  }

  /** Tests every connection (`sluice check`): each source and target in parallel. */
  async check(signal: AbortSignal = new AbortController().signal): Promise<CheckResult[]> {
    const { settings } = this.options.config;
    setMaxListeners(0, signal);
    const probe = async (kind: 'source' | 'exporter', section: ConnectorSection, check?: (signal: AbortSignal) => Promise<void>): Promise<CheckResult> => {
      const began = Date.now();
      try {
        if (check) {
          await withRetry(() => withTimeout(check, settings.timeout, signal, `${section.path}: check`), { ...settings.retry, attempts: Math.min(2, settings.retry.attempts) }, { signal });
        }
        return { kind, name: section.name, type: section.type, ok: true, durationMs: Date.now() - began };
      } catch (error) {
        return { kind, name: section.name, type: section.type, ok: false, error: describeError(error), durationMs: Date.now() - began };
      }
    };
    return Promise.all([
      ...this.sources.map(({ section, instance }) => probe('source', section, instance.check?.bind(instance))),
      ...[...this.exporters.values()].map(({ section, instance }) => probe('exporter', section, instance.check?.bind(instance))),
    ]);
  }

  /** What each source will do with push-down, e.g. the SQL it will run (`--explain`). */
  async explain(): Promise<{ datasource: string; plan: string }[]> {
    const startedAt = new Date();
    const rules = this.compileRules(startedAt);
    const plans = [];
    for (const { section, instance } of this.sources) {
      const mine = rules.filter(({ rule }) => rule.datasources.includes(section.name));
      const pushdown = mine.length > 0 ? compilePushdown(mine, startedAt) : undefined;
      const plan = instance.explain ? await instance.explain(pushdown) : `${section.type}: no push-down; every record is read and evaluated`;
      plans.push({ datasource: section.name, plan });
    }
    return plans;
  }

  /** Closes every connector once; later calls do nothing. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const all = [...this.sources.map(({ instance }) => instance), ...[...this.exporters.values()].map(({ instance }) => instance)];
    const results = await Promise.allSettled(all.map((connector) => connector.close?.()));
    for (const result of results) {
      if (result.status === 'rejected') this.options.logger.warn({ err: describeError(result.reason) }, 'closing a connector failed');
    }
  }
}

/** Batches a datasource may have in delivery at once: what its most constrained route allows. */
function deliveryDepth(routes: readonly Route[]): number {
  return routes.reduce((depth, route) => Math.min(depth, route.maxInFlight), routes.length > 0 ? Number.POSITIVE_INFINITY : 1);
}
