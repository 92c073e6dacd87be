/** Counters of one datasource in one run. */
export interface SourceSummary {
  /** Records the source produced, plus those it dropped through push-down. */
  read: number;
  /** Records dropped early by push-down (counted as not matched). */
  skipped: number;
  /** Inputs the source could not turn into records (dead-lettered). */
  invalid: number;
  /** Records that matched at least one rule. */
  matched: number;
  notMatched: number;
  /** Why the source stopped early, if it did. */
  error?: string;
  durationMs: number;
}

export interface RuleSummary {
  matched: number;
  /** Evaluations that met a missing or null field. */
  missing: number;
  /** Evaluations that met a value not convertible to the threshold's type. */
  unconvertible: number;
}

export interface TargetSummary {
  /** Record deliveries routed to this target (a record matched by two rules counts twice). */
  routed: number;
  exported: number;
  deadLettered: number;
}

/**
 * What one run did. The books balance: per source, `read = matched +
 * notMatched`; per target, `routed = exported + deadLettered`.
 */
export interface RunSummary {
  readonly runId: string;
  readonly startedAt: Date;
  durationMs: number;
  read: number;
  invalid: number;
  matched: number;
  notMatched: number;
  exported: number;
  /** Dead-letter entries written: invalid inputs plus undeliverable records. */
  deadLettered: number;
  readonly sources: Record<string, SourceSummary>;
  readonly rules: Record<string, RuleSummary>;
  readonly targets: Record<string, TargetSummary>;
  /** The dead-letter file, when anything was written to it. */
  deadLetterFile?: string;
  /** Why the dead-letter store failed, if it did: records meant for it may be lost. */
  deadLetterError?: string;
  /** True when every record was delivered and every source read to the end. */
  ok: boolean;
  /** True when the run was cancelled before it finished. */
  cancelled: boolean;
}

export function emptySummary(runId: string, startedAt: Date): RunSummary {
  return {
    runId,
    startedAt,
    durationMs: 0,
    read: 0,
    invalid: 0,
    matched: 0,
    notMatched: 0,
    exported: 0,
    deadLettered: 0,
    sources: {},
    rules: {},
    targets: {},
    ok: true,
    cancelled: false,
  };
}

/** Totals the per-source and per-target counters and decides `ok`. */
export function finalizeSummary(summary: RunSummary): RunSummary {
  const sources = Object.values(summary.sources);
  const targets = Object.values(summary.targets);
  summary.read = sources.reduce((n, s) => n + s.read, 0);
  summary.invalid = sources.reduce((n, s) => n + s.invalid, 0);
  summary.matched = sources.reduce((n, s) => n + s.matched, 0);
  summary.notMatched = sources.reduce((n, s) => n + s.notMatched, 0);
  summary.exported = targets.reduce((n, t) => n + t.exported, 0);
  summary.deadLettered = summary.invalid + targets.reduce((n, t) => n + t.deadLettered, 0);
  summary.ok = !summary.cancelled && summary.deadLettered === 0 && summary.deadLetterError === undefined && sources.every((s) => s.error === undefined);
  return summary;
}
