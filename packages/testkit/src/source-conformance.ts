import type { DataRecord, Source } from '@sluice/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalKey, isAbortError, sortRecords, within } from './compare.js';
import { makeReadContext, type ReadContextInit } from './context.js';
import { greaterThanPushdown } from './pushdown.js';
import { conformanceRecords } from './records.js';

/** What a source's conformance `setup` returns. */
export interface SourceFixture {
  readonly source: Source;
  /** What the source yields for the seeded records (CSV yields strings, say); default: the records as given. */
  readonly expected?: readonly DataRecord[];
  teardown?(): Promise<void> | void;
}

export interface SourceConformanceOptions {
  /** Seeds the records into the medium (a table, a file, an HTTP server) and builds the source over it. Called once. */
  setup(records: readonly DataRecord[]): Promise<SourceFixture>;
  /** Records to seed; default {@link conformanceRecords}. */
  readonly records?: readonly DataRecord[];
  /** The source promises to yield records in the medium's order. Default false: compared as multisets. */
  readonly ordered?: boolean;
  /** Applied to yielded and expected records before comparing. */
  normalize?(record: DataRecord): DataRecord;
  /** Field of the push-down rule `field > threshold`; default `int_value`. */
  readonly pushdownField?: string;
  /** Default 0. */
  readonly pushdownThreshold?: number;
  /** How long a read may take before it counts as hung; default 10 000 ms. */
  readonly timeoutMs?: number;
}

/**
 * The conformance suite every source runs: a vitest `describe` block that
 * reads through the public contract only.
 *
 * @example
 * describeSourceConformance('csv', {
 *   async setup(records) {
 *     const file = await writeCsv(records);
 *     return { source: csv.create({ path: file }, deps), expected: records.map(asCsvStrings) };
 *   },
 * });
 */
export function describeSourceConformance(name: string, options: SourceConformanceOptions): void {
  const records = options.records ?? conformanceRecords;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const normalize = (list: readonly DataRecord[]): DataRecord[] => (options.normalize ? list.map(options.normalize) : [...list]);
  let fixture: SourceFixture | undefined;
  let expected: DataRecord[] = [];

  const source = (): Source => {
    if (!fixture) throw new Error(`${name}: setup() did not complete`);
    return fixture.source;
  };
  const readAll = async (init: ReadContextInit = {}) => {
    const ctx = makeReadContext(init);
    const batches: DataRecord[][] = [];
    await within(
      (async () => {
        for await (const batch of source().read(ctx)) batches.push(normalize(batch));
      })(),
      timeoutMs,
      `${name}: read()`,
    );
    return { ctx, batches, records: batches.flat() };
  };
  const expectSameRecords = (actual: readonly DataRecord[], wanted: readonly DataRecord[]): void => {
    if (options.ordered) expect(actual).toEqual(wanted);
    else expect(sortRecords(actual)).toEqual(sortRecords(wanted));
  };

  describe(`source conformance: ${name}`, () => {
    beforeAll(async () => {
      fixture = await options.setup(records);
      expected = normalize(fixture.expected ?? records);
    });
    afterAll(async () => {
      try {
        await fixture?.source.close?.();
      } finally {
        await fixture?.teardown?.();
      }
    });

    it('check() resolves on a healthy source', async () => {
      const check = source().check?.bind(source());
      if (check) await within(check(new AbortController().signal), timeoutMs, `${name}: check()`);
    });

    it('yields the expected records', async () => {
      const { records: actual, ctx } = await readAll();
      expectSameRecords(actual, expected);
      expect(ctx.rejected).toEqual([]);
    });

    it.each([1, 3, 5])('respects batchSize %i: no larger and no empty batches', async (batchSize) => {
      const { batches, records: actual } = await readAll({ batchSize });
      for (const batch of batches) {
        expect(batch.length).toBeGreaterThan(0);
        expect(batch.length).toBeLessThanOrEqual(batchSize);
      }
      expectSameRecords(actual, expected);
    });

    it('reading twice yields the same data', async () => {
      const first = await readAll({ batchSize: 4 });
      const second = await readAll({ batchSize: 4 });
      expectSameRecords(second.records, first.records);
    });

    it('push-down never changes the result: it yields a superset of the matches', async () => {
      const field = options.pushdownField ?? 'int_value';
      const rules = greaterThanPushdown(field, options.pushdownThreshold ?? 0);
      const all = (await readAll()).records;
      const matches = all.filter((record) => rules.candidate(record));
      expect(matches.length, `no record has ${field} > threshold: set pushdownField`).toBeGreaterThan(0);
      const pushed = (await readAll({ rules })).records;
      const available = countKeys(all);
      for (const record of pushed) {
        const key = canonicalKey(record);
        expect(available.get(key) ?? 0, `push-down yielded a record the source does not hold: ${key}`).toBeGreaterThan(0);
        available.set(key, (available.get(key) ?? 0) - 1);
      }
      const yielded = countKeys(pushed);
      for (const record of matches) {
        const key = canonicalKey(record);
        expect(yielded.get(key) ?? 0, `push-down dropped a matching record: ${key}`).toBeGreaterThan(0);
        yielded.set(key, (yielded.get(key) ?? 0) - 1);
      }
    });

    it('explain() describes the plan, with and without push-down', async () => {
      const explain = source().explain?.bind(source());
      if (!explain) return;
      for (const rules of [undefined, greaterThanPushdown(options.pushdownField ?? 'int_value', options.pushdownThreshold ?? 0)]) {
        const plan = await within(Promise.resolve(explain(rules)), timeoutMs, `${name}: explain()`);
        expect(typeof plan).toBe('string');
        expect(plan.length).toBeGreaterThan(0);
      }
    });

    it('stops promptly when the signal is already aborted', async () => {
      const ctx = makeReadContext({ batchSize: 1 });
      ctx.abort();
      let batches = 0;
      const outcome = await within(
        (async () => {
          try {
            for await (const _batch of source().read(ctx)) batches++;
            return undefined;
          } catch (error) {
            return error;
          }
        })(),
        timeoutMs,
        `${name}: read() with an aborted signal`,
      );
      if (outcome !== undefined) expect(isAbortError(outcome, ctx.signal), `not an abort error: ${String(outcome)}`).toBe(true);
      expect(batches, 'batches yielded after the signal was aborted').toBeLessThanOrEqual(1);
    });

    it('stops promptly when aborted mid-read', async () => {
      const ctx = makeReadContext({ batchSize: 1 });
      let afterAbort = 0;
      const outcome = await within(
        (async () => {
          try {
            for await (const _batch of source().read(ctx)) {
              if (ctx.signal.aborted) afterAbort++;
              else ctx.abort();
            }
            return undefined;
          } catch (error) {
            return error;
          }
        })(),
        timeoutMs,
        `${name}: read() aborted mid-read`,
      );
      if (outcome !== undefined) expect(isAbortError(outcome, ctx.signal), `not an abort error: ${String(outcome)}`).toBe(true);
      // One batch may already be in flight (a prefetched page, a cursor fetch).
      expect(afterAbort, 'batches yielded after the signal was aborted').toBeLessThanOrEqual(1);
    });

    it('reads everything again after an aborted read', async () => {
      expectSameRecords((await readAll({ batchSize: 2 })).records, expected);
    });

    it('close() is safe to call twice', async () => {
      await within(Promise.resolve(source().close?.()), timeoutMs, `${name}: close()`);
      await within(Promise.resolve(source().close?.()), timeoutMs, `${name}: second close()`);
    });
  });
}

function countKeys(records: readonly DataRecord[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const record of records) {
    const key = canonicalKey(record);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}
