import type { z } from 'zod';

/**
 * A record: one row, document or event. Plain data only.
 *
 * @example
 * const record: DataRecord = { sensor_id: 's-1', value: 1250.5, payload: { temp: 21 } };
 */
export type DataRecord = { [field: string]: unknown };

/** A pino-compatible logger subset, so core never depends on pino itself. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  debug(msg: string): void;
  info(obj: object, msg?: string): void;
  info(msg: string): void;
  warn(obj: object, msg?: string): void;
  warn(msg: string): void;
  error(obj: object, msg?: string): void;
  error(msg: string): void;
  child(bindings: object): Logger;
}

// ---------------------------------------------------------------------------
// Rules: the normalised, typed tree every package may walk.
// ---------------------------------------------------------------------------

/** Canonical operator names (aliases such as `>` or `operator:` are resolved away). */
export type Operator =
  | 'greater_than'
  | 'greater_than_or_equal'
  | 'less_than'
  | 'less_than_or_equal'
  | 'equals'
  | 'not_equals'
  | 'between'
  | 'not_between'
  | 'in'
  | 'not_in'
  | 'contains'
  | 'not_contains'
  | 'starts_with'
  | 'ends_with'
  | 'matches'
  | 'is_null'
  | 'is_not_null';

/**
 * How a leaf compares: decided by its threshold value, never by the record.
 * `number`: the record value is coerced to a number (`"1000.50"` → 1000.5).
 * `time`: coerced to epoch milliseconds (Date or ISO-8601 string).
 * `boolean`: true/false or the strings "true"/"false".
 * `string`: compared as strings (numbers are stringified).
 */
export type ValueType = 'number' | 'time' | 'string' | 'boolean';

/** A typed threshold value. Time values are epoch milliseconds. */
export type Scalar =
  | { readonly type: 'number'; readonly value: number }
  | { readonly type: 'time'; readonly value: number }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'boolean'; readonly value: boolean };

/** The operand of a leaf, by operator family. */
export type LeafOperand =
  | { readonly kind: 'none' } // is_null, is_not_null
  | { readonly kind: 'scalar'; readonly value: Scalar } // comparisons, equals, contains, starts_with, ends_with
  | { readonly kind: 'range'; readonly low: Scalar; readonly high: Scalar } // between / not_between, inclusive
  | { readonly kind: 'list'; readonly values: readonly Scalar[] } // in / not_in
  | { readonly kind: 'pattern'; readonly source: string; readonly flags: string }; // matches

/** A single comparison on one field. `path` is `field` split on dots. */
export interface LeafNode {
  readonly kind: 'leaf';
  readonly field: string;
  readonly path: readonly string[];
  readonly op: Operator;
  readonly operand: LeafOperand;
}

export interface AllNode {
  readonly kind: 'all';
  readonly children: readonly ConditionNode[];
}
export interface AnyNode {
  readonly kind: 'any';
  readonly children: readonly ConditionNode[];
}
export interface NotNode {
  readonly kind: 'not';
  readonly child: ConditionNode;
}

/**
 * A normalised condition tree. Time windows are normalised into leaves on
 * `time` values (`last: 1h` → `field >= runStart - 1h`; `{from, to}` →
 * `field >= from AND field < to`), so walkers only ever see these four kinds.
 */
export type ConditionNode = LeafNode | AllNode | AnyNode | NotNode;

/** A rule after validation and normalisation. */
export interface NormalizedRule {
  readonly name: string;
  readonly description?: string;
  /** Datasource names this rule reads; every datasource when the config names none. */
  readonly datasources: readonly string[];
  /** Export target names that receive this rule's matches. */
  readonly targets: readonly string[];
  readonly condition: ConditionNode;
}

/** Per-rule counters the compiled predicate increments instead of throwing. */
export interface RuleStats {
  /** Leaf evaluations that met a missing or null field (short-circuited leaves are not evaluated). */
  missing: number;
  /** Leaf evaluations that met a value not convertible to the threshold's type. */
  unconvertible: number;
}

/** A rule compiled once into a plain function. */
export interface CompiledRule {
  readonly rule: NormalizedRule;
  /** Top-level field names the rule reads (first segment of each dotted path). */
  readonly fields: readonly string[];
  /** Evaluates the rule. Never throws, never allocates per call where avoidable. */
  readonly test: (record: DataRecord) => boolean;
  readonly stats: RuleStats;
}

/**
 * What the runner hands a source so it may drop non-candidates early.
 * A source may ignore it entirely: the runner re-evaluates every rule.
 */
export interface PushdownRules {
  /** The rules that read this datasource. */
  readonly rules: readonly CompiledRule[];
  /** Union of top-level fields those rules reference. */
  readonly fields: readonly string[];
  /** OR of those rules: false means no rule can match this record. */
  readonly candidate: (record: DataRecord) => boolean;
  /** OR of the rules' condition trees, for sources that translate (e.g. to SQL). */
  readonly condition: ConditionNode;
  /** When the run started; time windows were resolved against it. */
  readonly runStartedAt: Date;
}

// ---------------------------------------------------------------------------
// Sources
// ---------------------------------------------------------------------------

export interface ReadContext {
  /** Aborted when the run is cancelled or times out: stop reading promptly. */
  readonly signal: AbortSignal;
  /** Target number of records per yielded batch. */
  readonly batchSize: number;
  /** Present when at least one rule reads this source. */
  readonly rules?: PushdownRules;
  readonly runId: string;
  readonly runStartedAt: Date;
  readonly logger: Logger;
  /**
   * Reports input that could not become a record (a malformed CSV line, a
   * non-JSON page). It is counted and dead-lettered; the source carries on.
   */
  reject(input: unknown, error: Error, location?: string): void;
  /** Counts records a source read but dropped through push-down, so "read" stays honest. */
  skipped(count: number): void;
}

/** A source streams records in batches. */
export interface Source {
  read(ctx: ReadContext): AsyncIterable<DataRecord[]>;
  /** Connectivity check (`sluice check`). Throws a {@link ConnectorError} on failure. */
  check?(signal: AbortSignal): Promise<void>;
  /** Human-readable plan, e.g. the SQL that will run with push-down (`--explain`). */
  explain?(rules: PushdownRules | undefined): Promise<string> | string;
  /** Releases pools and handles. Must be safe to call twice. */
  close?(): Promise<void>;
}

// ---------------------------------------------------------------------------
// Exporters
// ---------------------------------------------------------------------------

/** One session is opened per run, rule, datasource and target. */
export interface ExportRun {
  readonly runId: string;
  readonly runStartedAt: Date;
  readonly rule: string;
  readonly datasource: string;
  readonly target: string;
  readonly signal: AbortSignal;
  readonly logger: Logger;
}

/** A record the target refused (constraint violation, bad key, 4xx) with the reason. */
export interface RejectedRecord {
  readonly record: DataRecord;
  readonly error: Error;
}

export interface WriteResult {
  /** Records of the batch the target refused for record-level reasons; the rest were written. */
  readonly rejected?: readonly RejectedRecord[];
  /**
   * Optional, session delivery: the batch's bytes as the session encoded
   * them anyway, when they read back into exactly its records. The runner's
   * spool keeps these bytes instead of encoding the batch again, so they
   * must not change afterwards. Never set together with `rejected`.
   */
  readonly encoded?: EncodedBatch;
}

/**
 * A batch as a target encoded it, in a form that reads back into exactly its
 * records: `json-lines`, UTF-8 JSON lines (one object per line,
 * `\n`-terminated) that JSON.parse turns back into the records (NDJSON of
 * strings, finite numbers, booleans and null); `csv-rows`, {@link CsvRows}.
 */
export type EncodedBatch = { readonly kind: 'json-lines'; readonly bytes: Uint8Array } | ({ readonly kind: 'csv-rows' } & CsvRows);

/**
 * CSV rows (no header) of records whose own keys are all `keys`, in that
 * order, with only string values: each value written as it is (then it
 * holds no character of `delimiter`, no quote, no CR or LF) or quoted
 * (`"…"`, `""` standing for `"`); values separated by `delimiter`, every row
 * ended by `lineEnding`; UTF-8.
 */
export interface CsvRows {
  readonly bytes: Uint8Array;
  readonly keys: readonly string[];
  readonly delimiter: string;
  readonly lineEnding: string;
}

export interface ExportSession {
  /**
   * Writes one batch. Resolving means: for `batch` delivery the records are
   * durable (minus `rejected`); for `session` delivery they are accepted for
   * the object that `end()` finalises. Throwing fails the whole batch; the
   * runner retries retryable errors and dead-letters the rest.
   */
  write(batch: readonly DataRecord[], signal: AbortSignal): Promise<WriteResult | void>;
  /** Flushes and finalises (closes the file, completes the upload). */
  end(signal: AbortSignal): Promise<WriteResult | void>;
  /** Discards partial output (aborts a multipart upload, removes a temp file). */
  abort?(reason: Error): Promise<void>;
}

export interface Exporter {
  /**
   * `batch`: each write is durable on its own (PostgreSQL, Redis, REST).
   * `session`: nothing is durable until `end()` (files, S3 objects); the
   * runner spools the session's records so it can replay them on retry or
   * dead-letter them if the session ultimately fails.
   */
  readonly delivery: 'batch' | 'session';
  /**
   * Batch delivery only: how many writes of one route (rule × datasource)
   * the runner may have in progress at once; default 1. Above 1 the session
   * must take concurrent `write` calls, and batches written together may
   * land in any order (fine for appends, not for last-write-wins upserts).
   * Memory grows to about `batch_size ×` (maxInFlight + 1) batches per route.
   */
  readonly maxInFlight?: number;
  /**
   * Batch delivery only: the session sends a batch as several requests and
   * retries each request itself (with `settings.retry`, honouring
   * Retry-After), times each one out itself, and resolves with the records
   * it still could not deliver as `rejected`. The runner then calls `write`
   * once per batch, without a retry or a write timeout of its own: retrying
   * or timing out the batch as a whole would dead-letter the records of
   * requests the target had already acknowledged.
   */
  readonly retriesRequests?: boolean;
  open(run: ExportRun): Promise<ExportSession>;
  /**
   * Optional warm-up the runner starts, without waiting for it, when a run
   * begins reading a datasource whose rules deliver here: connect, look up
   * the target's schema. It must not write anything; a failure is ignored
   * (the first write reports it).
   */
  prepare?(signal: AbortSignal): Promise<void>;
  check?(signal: AbortSignal): Promise<void>;
  /** Must be safe to call twice. */
  close?(): Promise<void>;
}

// ---------------------------------------------------------------------------
// Connector packages
// ---------------------------------------------------------------------------

export interface RetrySettings {
  readonly attempts: number;
  /** Milliseconds. */
  readonly initialDelay: number;
  /** Milliseconds. */
  readonly maxDelay: number;
}

/** Global `settings:` after defaults; durations in milliseconds. */
export interface Settings {
  readonly batchSize: number;
  readonly maxConcurrency: number;
  readonly retry: RetrySettings;
  readonly timeout: number;
  readonly deadLetter: { readonly path: string };
  readonly logLevel: string;
}

export interface ConnectorDeps {
  /** The config key (`my_database`, `alert_api`). */
  readonly name: string;
  /** The config path of the section (`datasources.my_database`), for error messages. */
  readonly path: string;
  readonly logger: Logger;
  readonly settings: Settings;
  /** Directory of the config file: relative paths in connector options resolve against it. */
  readonly baseDir: string;
  /**
   * An injected client (a pg Pool, an ioredis instance, an S3Client) for
   * embedders and tests; a connector creates its own when absent.
   */
  readonly client?: unknown;
}

/**
 * What a connector package default-exports.
 *
 * @example
 * export default defineConnector({
 *   type: 'file', kind: 'exporter',
 *   schema: z.strictObject({ path: z.string().describe('Output path template') }),
 *   create: (config, deps) => new FileExporter(config, deps),
 * });
 */
export interface ConnectorDefinition<S extends z.ZodType = z.ZodType, K extends 'source' | 'exporter' = 'source' | 'exporter'> {
  readonly type: string;
  readonly aliases?: readonly string[];
  readonly kind: K;
  /** The connector's options, without `type`. The only truth about them. */
  readonly schema: S;
  create(config: z.infer<S>, deps: ConnectorDeps): K extends 'source' ? Source : Exporter;
  /**
   * Exporters: problems only the whole config shows, given every route that
   * delivers here (one session per route and run), e.g. two routes whose
   * sessions would write one output path. Validation reports each issue at
   * `export_targets.<name>.<field>` with its line.
   */
  checkRoutes?(config: z.infer<S>, routes: readonly ExportRoute[]): readonly RouteIssue[];
}

/** One way records reach an export target in every run: a rule reading a datasource. */
export interface ExportRoute {
  readonly rule: string;
  readonly datasource: string;
  readonly target: string;
}

/** A problem {@link ConnectorDefinition.checkRoutes} found, about one option (`field`) or the whole section. */
export interface RouteIssue {
  readonly field?: string;
  readonly message: string;
}
