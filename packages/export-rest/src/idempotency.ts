import { createHash } from 'node:crypto';
import type { ExportRun } from '@sluice/core';

/**
 * The Idempotency-Key of one request: a digest of the run, rule, datasource,
 * target, the request's number in the session and its exact body. A retry
 * re-sends the same request, so the same key; no other request of the run
 * has that number, so none can share the key, whatever its body.
 */
export function idempotencyKey(run: ExportRun, request: string, body: string): string {
  const hash = createHash('sha256');
  for (const part of [run.runId, run.rule, run.datasource, run.target, request]) hash.update(part).update('\u0000');
  return `sluice-${hash.update(body).digest('hex').slice(0, 40)}`;
}
