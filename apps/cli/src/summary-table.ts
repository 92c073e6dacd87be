import type { RunSummary } from '@sluice/core';

// Created on first use: building a NumberFormat costs ~20 ms of start-up (ICU), and `--summary none|json` never needs it.
let number: Intl.NumberFormat | undefined;
const n = (value: number): string => (number ??= new Intl.NumberFormat('en-US')).format(value);

/** Names left-aligned, numbers right-aligned; a last text column (a status, maybe a long error) left-aligned and unpadded. */
function table(rows: readonly (readonly string[])[], textLast = false): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const last = widths.length - 1;
  const align = (cell: string, i: number): string => (i === 0 ? cell.padEnd(widths[i]!) : textLast && i === last ? cell : cell.padStart(widths[i]!));
  return rows.map((row) => row.map(align).join('  ').trimEnd()).join('\n');
}

function duration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** The end-of-run summary a person reads in a terminal or a CI log. */
export function renderSummary(summary: RunSummary): string {
  const seconds = Math.max(summary.durationMs, 1) / 1000;
  const lines = [
    `run ${summary.runId}: ${summary.ok ? 'ok' : summary.cancelled ? 'cancelled' : 'completed with failures'} in ${duration(summary.durationMs)}` +
      ` (${n(Math.round(summary.read / seconds))} records/s)`,
    '',
    table([
      ['datasource', 'read', 'matched', 'not matched', 'invalid', 'status'],
      ...Object.entries(summary.sources).map(([name, s]) => [name, n(s.read), n(s.matched), n(s.notMatched), n(s.invalid), s.error ? `failed: ${s.error}` : 'ok']),
    ], true),
    '',
    table([
      ['rule', 'matched', 'field missing', 'not convertible'],
      ...Object.entries(summary.rules).map(([name, r]) => [name, n(r.matched), n(r.missing), n(r.unconvertible)]),
    ]),
    '',
    table([
      ['target', 'routed', 'exported', 'dead-lettered'],
      ...Object.entries(summary.targets).map(([name, t]) => [name, n(t.routed), n(t.exported), n(t.deadLettered)]),
    ]),
  ];
  if (summary.deadLettered > 0) lines.push('', `dead-lettered: ${n(summary.deadLettered)} → ${summary.deadLetterFile ?? '(dead-letter store)'}`);
  if (summary.deadLetterError) lines.push('', `the dead-letter store failed: ${summary.deadLetterError}`);
  return `${lines.join('\n')}\n`;
}

/** The summary as plain JSON (`--summary json`). */
export function summaryJson(summary: RunSummary): string {
  return `${JSON.stringify({ ...summary, startedAt: summary.startedAt.toISOString() })}\n`;
}
