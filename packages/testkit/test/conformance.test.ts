import type { DataRecord } from '@sluice/core';
import { describe, expect, it } from 'vitest';
import {
  canonicalKey,
  describeExporterConformance,
  describeSourceConformance,
  flatConformanceRecords,
  greaterThanPushdown,
  isAbortError,
  abortError,
  sortRecords,
  within,
} from '../src/index.js';
import { ArraySource, MemoryExporter } from './reference-connectors.js';

// The suites run against the simplest correct connectors: they must pass.
describeSourceConformance('array source', {
  ordered: true,
  async setup(records) {
    return { source: new ArraySource(records) };
  },
});

// A source whose medium turns everything into text, like CSV.
describeSourceConformance('stringly source', {
  records: flatConformanceRecords,
  async setup(records) {
    const asText = records.map((r) =>
      Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v === null ? '' : String(v)])),
    );
    return { source: new ArraySource(asText), expected: asText };
  },
});

describeExporterConformance('memory exporter', {
  async setup() {
    const exporter = new MemoryExporter();
    return { exporter, readBack: async (run) => exporter.store.get(MemoryExporter.key(run)) ?? [] };
  },
});

describeExporterConformance('memory exporter, one shared place', {
  isolatesRuns: false,
  async setup() {
    const exporter = new MemoryExporter();
    return {
      exporter,
      readBack: async (run) => [...exporter.store.entries()].filter(([key]) => key.startsWith(`${run.runId}/`)).flatMap(([, r]) => r),
      normalize: (r) => ({ ...r, created_at: (r.created_at as Date).toISOString() }),
    };
  },
});

describe('helpers', () => {
  it('canonicalKey ignores key order and undefined fields', () => {
    const d = new Date(0);
    expect(canonicalKey({ a: 1, b: d, c: undefined })).toBe(canonicalKey({ b: new Date(0), a: 1 }));
    expect(canonicalKey({ n: 10n })).not.toBe(canonicalKey({ n: 10 }));
    expect(sortRecords([{ id: 2 }, { id: 1 }])).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it('within rejects with a message naming what hung', async () => {
    await expect(within(new Promise(() => {}), 20, 'read()')).rejects.toThrow('read() did not settle within 20 ms');
    await expect(within(Promise.resolve(5), 20, 'x')).resolves.toBe(5);
  });

  it('isAbortError follows causes and the signal reason', () => {
    const controller = new AbortController();
    const reason = new Error('stop');
    controller.abort(reason);
    expect(isAbortError(abortError())).toBe(true);
    expect(isAbortError(new Error('wrapped', { cause: abortError() }))).toBe(true);
    expect(isAbortError(reason, controller.signal)).toBe(true);
    expect(isAbortError(new Error('boom'))).toBe(false);
  });

  it('greaterThanPushdown coerces like core: numeric strings count, junk does not', () => {
    const rules = greaterThanPushdown('value', 10);
    const records: DataRecord[] = [{ value: 11 }, { value: ' 12.5 ' }, { value: '9' }, { value: 'abc' }, { value: null }, {}];
    expect(records.map(rules.candidate)).toEqual([true, true, false, false, false, false]);
    expect(rules.fields).toEqual(['value']);
    expect(rules.condition).toMatchObject({ kind: 'any', children: [{ kind: 'leaf', field: 'value', op: 'greater_than' }] });
  });
});
