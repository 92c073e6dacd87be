import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../src/config/load.js';
import type { DeadLetterEntry, DeadLetterStore } from '../src/runner/dead-letter.js';
import { Route } from '../src/runner/route.js';
import type { DataRecord, Exporter, ExportSession, WriteResult } from '../src/types.js';
import { retryable, silent } from './helpers.js';

/** A session exporter that hands back its batches as JSON lines (as NDJSON of plain records does). */
function jsonLinesExporter(behaviour: { end: (call: number) => Error | undefined; lines?: (batch: readonly DataRecord[]) => Uint8Array | undefined }) {
  const written: DataRecord[][] = [];
  let ends = 0;
  const exporter: Exporter = {
    delivery: 'session',
    async open(): Promise<ExportSession> {
      const pending: DataRecord[] = [];
      return {
        async write(batch): Promise<WriteResult> {
          pending.push(...batch);
          const lines = behaviour.lines ? behaviour.lines(batch) : Buffer.from(batch.map((record) => `${JSON.stringify(record)}\n`).join(''));
          return lines === undefined ? {} : { encoded: { kind: 'json-lines', bytes: lines } };
        },
        async end() {
          const error = behaviour.end(++ends);
          if (error) throw error;
          written.push(pending.splice(0));
        },
        async abort() {
          pending.length = 0;
        },
      };
    },
  };
  return { exporter, written };
}

function routeFor(exporter: Exporter) {
  const letters: DeadLetterEntry[] = [];
  const deadLetters: DeadLetterStore = {
    location: undefined,
    async write(entries) {
      letters.push(...entries);
    },
    async close() {},
  };
  const stats = { routed: 0, exported: 0, deadLettered: 0 };
  const settings = { ...defaultSettings(), batchSize: 4, retry: { attempts: 2, initialDelay: 1, maxDelay: 2 } };
  const signal = new AbortController().signal;
  const run = { runId: 'r', runStartedAt: new Date(0), rule: 'rule', datasource: 'mem', target: 'out', signal, logger: silent };
  return { route: new Route({ exporter, run, settings, deadLetters, stats, signal }), letters, stats };
}

const batches: DataRecord[][] = [
  [
    { id: '1', note: 'said "hello", twice' },
    { id: '2', note: 'é\n😀' },
  ],
  [{ id: '3', n: 1.5, ok: true, none: null }],
  [{ id: '4', note: '' }],
];

describe('Route with a session that returns JSON lines', () => {
  it('replays the spooled lines into a new object when the first one fails', async () => {
    const { exporter, written } = jsonLinesExporter({ end: (call) => (call === 1 ? retryable('upload reset') : undefined) });
    const { route, stats } = routeFor(exporter);
    for (const batch of batches) await route.deliver(batch);
    await route.finish();
    expect(written).toEqual([batches.flat()]);
    expect(stats).toEqual({ routed: 4, exported: 4, deadLettered: 0 });
  });

  it('dead-letters exactly the records when every object fails', async () => {
    const { exporter } = jsonLinesExporter({ end: () => retryable('disk full') });
    const { route, letters, stats } = routeFor(exporter);
    for (const batch of batches) await route.deliver(batch);
    await route.finish();
    expect(letters.map((letter) => letter.record)).toEqual(batches.flat());
    expect(stats).toEqual({ routed: 4, exported: 0, deadLettered: 4 });
  });

  it('spools the records themselves when a batch comes without lines', async () => {
    const tagged = [{ id: '5', at: new Date(Date.UTC(2026, 0, 2)), big: 12345678901234567890n }];
    const { exporter } = jsonLinesExporter({ end: () => retryable('disk full'), lines: (batch) => (batch === tagged ? undefined : Buffer.from(batch.map((r) => `${JSON.stringify(r)}\n`).join(''))) });
    const { route, letters } = routeFor(exporter);
    await route.deliver(batches[0]!);
    await route.deliver(tagged);
    await route.finish();
    expect(letters.map((letter) => letter.record)).toEqual([...batches[0]!, ...tagged]);
  });
});
