import { createHash } from 'node:crypto';
import type { ExportRun } from '@sluice/core';

/**
 * The Idempotency-Key of one request: a digest of the run, rule, datasource,
 * target, the request's position in the session and its exact body. A
 * retried write re-sends the same position and body, so the same key; a
 * different batch can never reuse a key, even at the same position.
 */
export function idempotencyKey(run: ExportRun, position: string, body: string): string {
  const hash = createHash('sha256');
  for (const part of [run.runId, run.rule, run.datasource, run.target, position]) hash.update(part).update('\u0000');
  return `sluice-${hash.update(body).digest('hex').slice(0, 40)}`;
}
