import type { DataRecord, Exporter, ExportRun, ExportSession, RejectedRecord, WriteResult } from '@sluice/core';
import { describe, expect, it } from 'vitest';
import { sortRecords, within } from './compare.js';
import { makeExportRun, type ExportRunInit } from './context.js';
import { uniqueName } from './names.js';
import { conformanceRecords } from './records.js';

/** What an exporter's conformance `setup` returns; called once per test. */
export interface ExporterFixture {
  readonly exporter: Exporter;
  /** Everything the target holds for this run (the file, the object, the rows or keys it wrote). */
  readBack(run: ExportRun): Promise<readonly DataRecord[]>;
  /** Applied to written and read-back records before comparing (Dates to ISO strings, numbers from text, ...). */
  normalize?(record: DataRecord): DataRecord;
  teardown?(): Promise<void> | void;
}

export interface ExporterConformanceOptions {
  setup(): Promise<ExporterFixture>;
  /** Records to write; default {@link conformanceRecords}. */
  readonly records?: readonly DataRecord[];
  /** Compare in write order; default false (order-insensitive). */
  readonly ordered?: boolean;
  /**
   * Whether `readBack(run)` sees only that run's session. Default true (a
   * file or object per rule); false for targets where every session lands
   * in one place (a table, a list), where two sessions must then read back
   * as the union, each record exactly once.
   */
  readonly isolatesRuns?: boolean;
  /** How long a call may take before it counts as hung; default 10 000 ms. */
  readonly timeoutMs?: number;
}

/**
 * The conformance suite every exporter runs: a vitest `describe` block that
 * writes through the public contract and reads back with the fixture's reader.
 *
 * @example
 * describeExporterConformance('file', {
 *   async setup() {
 *     const dir = await mkdtemp(join(tmpdir(), 'x-'));
 *     const exporter = file.create({ path: 'out/{rule}/{run_id}.ndjson' }, { ...deps, baseDir: dir });
 *     return { exporter, readBack: (run) => readNdjson(dir, run) };
 *   },
 * });
 */
export function describeExporterConformance(name: string, options: ExporterConformanceOptions): void {
  const records = options.records ?? conformanceRecords;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const isolated = options.isolatesRuns ?? true;

  async function withFixture(fn: (fixture: ExporterFixture, t: Helpers) => Promise<void>): Promise<void> {
    const fixture = await options.setup();
    const normalize = (list: readonly DataRecord[]): DataRecord[] => (fixture.normalize ? list.map(fixture.normalize) : [...list]);
    const helpers: Helpers = {
      bounded: (promise, what) => within(promise, timeoutMs, `${name}: ${what}`),
      async readBack(run) {
        return normalize(await within(fixture.readBack(run), timeoutMs, `${name}: readBack()`));
      },
      expectRecords(actual, written) {
        const wanted = normalize(written);
        if (options.ordered) expect(actual).toEqual(wanted);
        else expect(sortRecords(actual)).toEqual(sortRecords(wanted));
      },
    };
    try {
      await fn(fixture, helpers);
    } finally {
      try {
        await fixture.exporter.close?.();
      } finally {
        await fixture.teardown?.();
      }
    }
  }

  describe(`exporter conformance: ${name}`, () => {
    it('declares its delivery', () =>
      withFixture(async ({ exporter }) => {
        expect(['batch', 'session']).toContain(exporter.delivery);
      }));

    it('check() resolves on a healthy target', () =>
      withFixture(async ({ exporter }, t) => {
        if (exporter.check) await t.bounded(exporter.check(new AbortController().signal), 'check()');
      }));

    it('writes several batches and reads back what was written', () =>
      withFixture(async ({ exporter }, t) => {
        const run = makeRun();
        const session = await t.bounded(exporter.open(run), 'open()');
        const rejected: RejectedRecord[] = [];
        for (const batch of splitBatches(records, [1, 4])) {
          collect(rejected, await t.bounded(session.write(batch, run.signal), 'write()'));
        }
        collect(rejected, await t.bounded(session.end(run.signal), 'end()'));
        expect(rejected.map((r) => r.error.message)).toEqual([]);
        t.expectRecords(await t.readBack(run), records);
      }));

    it('ends an empty session cleanly', () =>
      withFixture(async ({ exporter }, t) => {
        const run = makeRun();
        const session = await t.bounded(exporter.open(run), 'open()');
        await t.bounded(session.end(run.signal), 'end()');
        expect(await t.readBack(run)).toEqual([]);
      }));

    it('keeps two sessions of different rules apart', () =>
      withFixture(async ({ exporter }, t) => {
        const runId = uniqueName('run');
        const runStartedAt = new Date();
        const runA = makeRun({ runId, runStartedAt, rule: 'conformance_rule_a' });
        const runB = makeRun({ runId, runStartedAt, rule: 'conformance_rule_b' });
        const recordsA = records.filter((_, i) => i % 2 === 0);
        const recordsB = records.filter((_, i) => i % 2 === 1);
        const [a, b] = await t.bounded(Promise.all([exporter.open(runA), exporter.open(runB)]), 'open()');
        const batchesA = splitBatches(recordsA, [2]);
        const batchesB = splitBatches(recordsB, [3]);
        for (let i = 0; i < Math.max(batchesA.length, batchesB.length); i++) {
          const writes: Promise<WriteResult | void>[] = [];
          if (batchesA[i]) writes.push(a.write(batchesA[i]!, runA.signal));
          if (batchesB[i]) writes.push(b.write(batchesB[i]!, runB.signal));
          await t.bounded(Promise.all(writes), 'write()');
        }
        await t.bounded(Promise.all([a.end(runA.signal), b.end(runB.signal)]), 'end()');
        if (isolated) {
          t.expectRecords(await t.readBack(runA), recordsA);
          t.expectRecords(await t.readBack(runB), recordsB);
        } else {
          t.expectRecords(await t.readBack(runA), [...recordsA, ...recordsB]);
        }
      }));

    it('settles promptly when the signal is aborted before writing', () =>
      withFixture(async ({ exporter }, t) => {
        const run = makeRun();
        run.abort();
        await settle(t, run, async () => {
          const session = await exporter.open(run);
          try {
            await session.write(records.slice(0, 2), run.signal);
            await session.end(run.signal);
          } catch (error) {
            await session.abort?.(error as Error);
            throw error;
          }
        });
      }));

    it('settles promptly when the signal is aborted mid-session', () =>
      withFixture(async ({ exporter }, t) => {
        const run = makeRun();
        const session = await t.bounded(exporter.open(run), 'open()');
        await t.bounded(session.write(records.slice(0, 2), run.signal), 'write()');
        run.abort();
        await settle(t, run, async () => {
          try {
            await session.write(records.slice(2, 4), run.signal);
            await session.end(run.signal);
          } catch (error) {
            await session.abort?.(error as Error);
            throw error;
          }
        });
      }));

    it('abort() discards a session-delivery session', () =>
      withFixture(async ({ exporter }, t) => {
        const run = makeRun();
        const session: ExportSession = await t.bounded(exporter.open(run), 'open()');
        await t.bounded(session.write(records, run.signal), 'write()');
        if (!session.abort) return;
        await t.bounded(session.abort(new Error('conformance: abandoned')), 'abort()');
        if (exporter.delivery === 'session') expect(await t.readBack(run)).toEqual([]);
      }));

    it('close() is safe to call twice, used or not', () =>
      withFixture(async ({ exporter }, t) => {
        const run = makeRun();
        const session = await t.bounded(exporter.open(run), 'open()');
        await t.bounded(session.write(records.slice(0, 1), run.signal), 'write()');
        await t.bounded(session.end(run.signal), 'end()');
        await t.bounded(Promise.resolve(exporter.close?.()), 'close()');
        await t.bounded(Promise.resolve(exporter.close?.()), 'second close()');
      }));

    it('close() is safe before anything was opened', async () => {
      const fixture = await options.setup();
      try {
        await within(Promise.resolve(fixture.exporter.close?.()), timeoutMs, `${name}: close()`);
        await within(Promise.resolve(fixture.exporter.close?.()), timeoutMs, `${name}: second close()`);
      } finally {
        await fixture.teardown?.();
      }
    });
  });
}

interface Helpers {
  bounded<T>(promise: Promise<T>, what: string): Promise<T>;
  readBack(run: ExportRun): Promise<DataRecord[]>;
  expectRecords(actual: readonly DataRecord[], written: readonly DataRecord[]): void;
}

function makeRun(init: ExportRunInit = {}) {
  return makeExportRun(init);
}

/** Either outcome is fine after an abort; hanging is not. */
async function settle(t: Helpers, run: { signal: AbortSignal }, fn: () => Promise<void>): Promise<void> {
  await t.bounded(
    fn().catch(() => undefined),
    'write()/end() after abort',
  );
  expect(run.signal.aborted).toBe(true);
}

/** Splits into batches of the given sizes, the last size repeating; the remainder forms the last batch. */
function splitBatches(records: readonly DataRecord[], sizes: readonly number[]): DataRecord[][] {
  const batches: DataRecord[][] = [];
  let offset = 0;
  for (let i = 0; offset < records.length; i++) {
    const size = sizes[Math.min(i, sizes.length - 1)]!;
    batches.push(records.slice(offset, offset + size));
    offset += size;
  }
  return batches;
}

function collect(into: RejectedRecord[], result: WriteResult | void): void {
  if (result?.rejected) into.push(...result.rejected);
}
