import type { RunSummary } from '@sluice/core';
import { describe, expect, it } from 'vitest';
import { renderSummary } from '../src/summary-table.js';

const source = { read: 10, skipped: 0, invalid: 0, matched: 4, notMatched: 6, durationMs: 5 };

describe('renderSummary', () => {
  it('keeps a short status next to its numbers when another source failed with a long error', () => {
    const summary: RunSummary = {
      runId: 'r1',
      startedAt: new Date(0),
      durationMs: 1200,
      read: 20,
      invalid: 0,
      matched: 8,
      notMatched: 12,
      exported: 8,
      deadLettered: 0,
      sources: {
        good: source,
        bad: { ...source, error: `datasources.bad: GET http://127.0.0.1:1/x: ${'connection refused, '.repeat(6)}` },
      },
      rules: { r: { matched: 8, missing: 0, unconvertible: 0 } },
      targets: { t: { routed: 8, exported: 8, deadLettered: 0 } },
      ok: false,
      cancelled: false,
    };
    const lines = renderSummary(summary).split('\n');
    const good = lines.find((line) => line.startsWith('good'))!;
    const bad = lines.find((line) => line.startsWith('bad'))!;
    expect(good).toMatch(/ 0 {2}ok$/);
    expect(bad).toMatch(/ 0 {2}failed: datasources\.bad: GET/);
    expect(good.indexOf('ok')).toBe(bad.indexOf('failed'));
    expect(lines.every((line) => line === line.trimEnd())).toBe(true);
  });
});
