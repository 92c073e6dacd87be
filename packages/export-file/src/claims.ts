import type { ExportRun } from '@sluice/core';

/** The session that first wrote a path in a run. */
interface Owner {
  readonly target: string;
  readonly rule: string;
  readonly datasource: string;
}

/** Runs whose claims are kept: a run's claims matter only while it runs, and runs of one process rarely overlap. */
const KEPT_RUNS = 8;

/**
 * Which session of a run writes each output path. Two sessions that render
 * the same path (a template without `{rule}` or `{datasource}`, names that
 * sanitise alike, two targets with one template) would otherwise rename
 * their files over each other while both count their records as exported.
 *
 * Shared by every file exporter of the process, because the filesystem is:
 * two targets with the same template collide just like two rules do.
 */
const runs = new Map<string, Map<string, Owner>>();

/** macOS and Windows filesystems are case-insensitive by default: `High.csv` and `high.csv` are one file there. */
const caseFolds = process.platform === 'darwin' || process.platform === 'win32';

/**
 * Claims `path` for the run's session; a retry of the same session (same
 * target, rule and datasource) may claim it again.
 *
 * @returns the other session that already claimed it, or undefined.
 */
export function claimPath(run: ExportRun, path: string): Owner | undefined {
  let claims = runs.get(run.runId);
  if (claims === undefined) {
    claims = new Map();
    runs.set(run.runId, claims);
    for (const old of runs.keys()) {
      if (runs.size <= KEPT_RUNS) break;
      runs.delete(old);
    }
  }
  const key = caseFolds ? path.toLowerCase() : path;
  const owner = claims.get(key);
  if (owner === undefined) {
    claims.set(key, { target: run.target, rule: run.rule, datasource: run.datasource });
    return undefined;
  }
  return owner.target === run.target && owner.rule === run.rule && owner.datasource === run.datasource ? undefined : owner;
}

/** `rule "a" / datasource "b"`, with the target when it is not the one asking. */
export function describeOwner(owner: Owner, fromTarget: string): string {
  const session = `rule "${owner.rule}" / datasource "${owner.datasource}"`;
  return owner.target === fromTarget ? session : `${session} of target "${owner.target}"`;
}
