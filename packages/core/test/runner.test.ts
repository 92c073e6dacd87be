import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { decodeLine } from '../src/runner/codec.js';
import { Pipeline } from '../src/runner/pipeline.js';
import type { DataRecord, Exporter, Source } from '../src/types.js';
import { fixedConnector, memorySource, recordingExporter, resolverFor, retryable, silent } from './helpers.js';

const records: DataRecord[] = Array.from({ length: 95 }, (_, i) => ({
  id: i,
  value: i % 10 === 0 ? String(i * 100) : i * 10, // some numeric strings, as CSV gives them
  status: i % 3 === 0 ? 'active' : 'idle',
  at: new Date(Date.UTC(2026, 0, 1, 0, i)),
}));

async function pipelineFor(options: { source?: Source; exporter: Exporter; extraRules?: string; settings?: string }): Promise<{ pipeline: Pipeline; deadLetterDir: string }> {
  const deadLetterDir = await mkdtemp(path.join(os.tmpdir(), 'sluice-dl-'));
  const text = `settings:
  batch_size: 10
  retry: { attempts: 3, initial_delay: 1ms, max_delay: 5ms }
  dead_letter: { path: ${JSON.stringify(deadLetterDir)} }
${options.settings ?? ''}
datasources:
  mem: { type: memory }
processing_rules:
  - name: big
    threshold_field: value
    threshold_type: greater_than
    threshold_value: 500
    export_target: sink
${options.extraRules ?? ''}
export_targets:
  sink: { type: recorder }
`;
  const resolve = resolverFor([fixedConnector('source', 'memory', options.source ?? memorySource(records)), fixedConnector('exporter', 'recorder', options.exporter)]);
  const { config, issues } = await loadConfig(text, { resolve, env: {} });
  if (!config) throw new Error(JSON.stringify(issues));
  return { pipeline: new Pipeline({ config, logger: silent }), deadLetterDir };
}

const expectedBig = records.filter((r) => Number(r.value) > 500);

async function deadLetters(dir: string): Promise<Record<string, unknown>[]> {
  const files = await readdir(dir);
  const lines = (await Promise.all(files.map((file) => readFile(path.join(dir, file), 'utf8')))).join('').split('\n').filter(Boolean);
  return lines.map((line) => decodeLine(line) as Record<string, unknown>);
}

describe('Pipeline.run', () => {
  it('routes matches to their targets and balances the books', async () => {
    const exporter = recordingExporter('batch');
    const { pipeline } = await pipelineFor({
      exporter,
      extraRules: `  - name: active
    conditions:
      - { field: status, type: equals, value: active }
    export_targets: [sink]`,
    });
    const summary = await pipeline.run();
    expect(exporter.delivered.get('big')).toEqual(expectedBig);
    expect(exporter.delivered.get('active')).toEqual(records.filter((r) => r.status === 'active'));
    expect(summary).toMatchObject({ ok: true, read: 95, invalid: 0, deadLettered: 0 });
    expect(summary.matched + summary.notMatched).toBe(95);
    const both = records.filter((r) => Number(r.value) > 500 || r.status === 'active').length;
    expect(summary.matched).toBe(both);
    expect(summary.rules.big?.matched).toBe(expectedBig.length);
    expect(summary.targets.sink).toEqual({ routed: expectedBig.length + 32, exported: expectedBig.length + 32, deadLettered: 0 });
    await pipeline.close();
    await pipeline.close();
  });

  it('retries retryable batch failures and delivers everything', async () => {
    const exporter = recordingExporter('batch', { write: (_, call) => (call % 2 === 1 ? retryable() : undefined) });
    const { pipeline } = await pipelineFor({ exporter });
    const summary = await pipeline.run();
    expect(summary.ok).toBe(true);
    expect(exporter.delivered.get('big')).toEqual(expectedBig);
    expect(summary.targets.sink).toMatchObject({ exported: expectedBig.length, deadLettered: 0 });
  });

  it('dead-letters a batch that fails for good, and keeps going with the others', async () => {
    const exporter = recordingExporter('batch', { write: (_, call) => (call === 1 ? new Error('400 bad request') : undefined) });
    const { pipeline, deadLetterDir } = await pipelineFor({ exporter });
    const summary = await pipeline.run();
    const letters = await deadLetters(deadLetterDir);
    const delivered = exporter.delivered.get('big') ?? [];
    expect(summary.ok).toBe(false);
    expect(letters.length).toBe(summary.targets.sink!.deadLettered);
    expect(letters.length).toBeGreaterThan(0);
    expect(letters.length + delivered.length).toBe(expectedBig.length);
    expect(letters[0]).toMatchObject({ stage: 'export', datasource: 'mem', rule: 'big', target: 'sink', error: '400 bad request' });
    // Dates survive the round trip through the dead-letter file.
    expect((letters[0]!.record as DataRecord).at).toBeInstanceOf(Date);
    expect(summary.deadLetterFile).toBe(path.join(deadLetterDir, `${summary.runId}.ndjson`));
  });

  it('does not open a target again at the end of the run when it never opened', async () => {
    let opens = 0;
    const exporter: Exporter = {
      delivery: 'batch',
      async open() {
        opens++;
        throw new Error('401 unauthorized');
      },
    };
    const { pipeline } = await pipelineFor({ exporter });
    const summary = await pipeline.run();
    const batchesWithMatches = new Set(expectedBig.map((r) => Math.floor((r.id as number) / 10))).size;
    expect(summary.targets.sink).toEqual({ routed: expectedBig.length, exported: 0, deadLettered: expectedBig.length });
    expect(opens).toBe(batchesWithMatches);
  });

  it('starts each target\'s warm-up with the read, once per run, and ignores its failure', async () => {
    const exporter = recordingExporter('batch');
    const prepared: boolean[] = [];
    /** What the exporter had been asked when each warm-up started (asserted below: a throw in here is swallowed). */
    const callsBefore: string[][] = [];
    exporter.prepare = async (signal) => {
      prepared.push(signal.aborted);
      callsBefore.push([...exporter.calls]);
      throw new Error('connection refused');
    };
    const { pipeline } = await pipelineFor({ exporter });
    const summary = await pipeline.run();
    expect(prepared).toEqual([false]);
    // Before the first write: the warm-up does not wait for records.
    expect(callsBefore).toEqual([[]]);
    expect(summary.targets.sink).toEqual({ routed: expectedBig.length, exported: expectedBig.length, deadLettered: 0 });
    expect(exporter.delivered.get('big')).toEqual(expectedBig);
    await pipeline.run();
    expect(prepared).toEqual([false, false]);
  });

  it('dead-letters only the records a target refuses', async () => {
    const exporter = recordingExporter('batch', { write: (batch) => ({ reject: batch.slice(0, 1) }) });
    const { pipeline, deadLetterDir } = await pipelineFor({ exporter });
    const summary = await pipeline.run();
    const letters = await deadLetters(deadLetterDir);
    expect(letters.length).toBe(summary.targets.sink!.deadLettered);
    expect(summary.targets.sink!.exported + letters.length).toBe(expectedBig.length);
    expect(letters[0]).toMatchObject({ error: 'refused by target' });
  });

  it('replays a session from its spool when the object fails at the end, then succeeds', async () => {
    const exporter = recordingExporter('session', { end: (call) => (call === 1 ? retryable('upload reset') : undefined) });
    const { pipeline } = await pipelineFor({ exporter });
    const summary = await pipeline.run();
    expect(summary).toMatchObject({ ok: true, deadLettered: 0 });
    expect(exporter.delivered.get('big')).toEqual(expectedBig);
    expect(exporter.calls.filter((call) => call === 'abort')).toHaveLength(1);
    expect(summary.targets.sink).toMatchObject({ exported: expectedBig.length });
  });

  it('dead-letters every record of a session that keeps failing', async () => {
    const exporter = recordingExporter('session', { write: (_, call) => (call === 2 ? retryable('disk full') : undefined), end: () => retryable('disk full') });
    const { pipeline, deadLetterDir } = await pipelineFor({ exporter });
    const summary = await pipeline.run();
    const letters = await deadLetters(deadLetterDir);
    expect(exporter.delivered.get('big')).toBeUndefined();
    expect(letters.map((letter) => (letter.record as DataRecord).id)).toEqual(expectedBig.map((r) => r.id));
    expect(summary.targets.sink).toEqual({ routed: expectedBig.length, exported: 0, deadLettered: expectedBig.length });
  });

  it('reports a failing source, keeps what it read, and counts rejected input', async () => {
    const source: Source = {
      async *read(ctx) {
        yield records.slice(0, 10);
        ctx.reject('a,b,"c', new Error('unclosed quote'), 'data.csv:12');
        throw new Error('connection lost');
      },
    };
    const exporter = recordingExporter('batch');
    const { pipeline, deadLetterDir } = await pipelineFor({ source, exporter });
    const summary = await pipeline.run();
    expect(summary.ok).toBe(false);
    expect(summary.sources.mem).toMatchObject({ read: 10, invalid: 1, error: 'connection lost' });
    expect(summary.deadLettered).toBe(1);
    expect(await deadLetters(deadLetterDir)).toEqual([
      expect.objectContaining({ stage: 'source', datasource: 'mem', input: 'a,b,"c', location: 'data.csv:12', error: 'unclosed quote' }),
    ]);
  });

  it('retries a source that fails before its first batch', async () => {
    let attempts = 0;
    const source: Source = {
      async *read() {
        if (++attempts < 3) throw retryable('ECONNREFUSED');
        yield records;
      },
    };
    const { pipeline } = await pipelineFor({ source, exporter: recordingExporter('batch') });
    const summary = await pipeline.run();
    expect(attempts).toBe(3);
    expect(summary).toMatchObject({ ok: true, read: 95 });
  });

  it('counts push-down skips as read and not matched', async () => {
    const source: Source = {
      async *read(ctx) {
        const candidates = records.filter((record) => ctx.rules!.candidate(record));
        ctx.skipped(records.length - candidates.length);
        yield candidates;
      },
    };
    const exporter = recordingExporter('batch');
    const { pipeline } = await pipelineFor({ source, exporter });
    const summary = await pipeline.run();
    expect(summary).toMatchObject({ read: 95, matched: expectedBig.length, notMatched: 95 - expectedBig.length });
    expect(exporter.delivered.get('big')).toEqual(expectedBig);
  });

  it('times out a write that hangs and retries it', async () => {
    let calls = 0;
    const exporter: Exporter = {
      delivery: 'batch',
      async open() {
        return {
          write: () => (++calls === 1 ? new Promise<never>(() => {}) : Promise.resolve()),
          end: async () => {},
        };
      },
    };
    const { pipeline } = await pipelineFor({ exporter, settings: '  timeout: 50ms' });
    const summary = await pipeline.run();
    expect(summary.ok).toBe(true);
    expect(calls).toBeGreaterThan(1);
  });
});

describe('Pipeline.run: writes in flight', () => {
  /** 20 batches of 10, every record a match. */
  const allMatch: DataRecord[] = Array.from({ length: 200 }, (_, i) => ({ id: i, value: 1000 + i }));

  /** A target whose writes take a few milliseconds; records which writes overlapped. */
  function slowExporter(delivery: 'batch' | 'session', maxInFlight: number | undefined, fail?: (call: number) => boolean) {
    const written: DataRecord[] = [];
    const state = { active: 0, peak: 0, calls: 0 };
    const exporter: Exporter = {
      delivery,
      ...(maxInFlight === undefined ? {} : { maxInFlight }),
      async open() {
        return {
          async write(batch) {
            const call = ++state.calls;
            state.active++;
            state.peak = Math.max(state.peak, state.active);
            await new Promise((resolve) => setTimeout(resolve, 3 + (call % 3)));
            state.active--;
            if (fail?.(call)) throw new Error(`write ${call} refused`);
            written.push(...batch);
            return {};
          },
          end: async () => ({}),
        };
      },
    };
    return { exporter, written, state };
  }

  it.each([
    ['batch', undefined, 1],
    ['batch', 2, 2],
    ['batch', 3, 3],
    ['batch', 0, 1],
    ['session', 3, 1],
  ] as const)('%s delivery with maxInFlight %s keeps at most %i writes in flight', async (delivery, maxInFlight, expected) => {
    const { exporter, written, state } = slowExporter(delivery, maxInFlight);
    const { pipeline } = await pipelineFor({ source: memorySource(allMatch), exporter });
    const summary = await pipeline.run();
    expect(state.peak).toBe(expected);
    expect(summary.targets.sink).toEqual({ routed: 200, exported: 200, deadLettered: 0 });
    // Overlapping batches may land in any order, but each record exactly once.
    expect(written.map((record) => record.id).sort((a, b) => Number(a) - Number(b))).toEqual(allMatch.map((record) => record.id));
  });

  it('dead-letters the batches that fail among overlapping writes and balances the books', async () => {
    const { exporter, written, state } = slowExporter('batch', 3, (call) => call % 4 === 0);
    const { pipeline, deadLetterDir } = await pipelineFor({ source: memorySource(allMatch), exporter });
    const summary = await pipeline.run();
    const letters = await deadLetters(deadLetterDir);
    expect(state.peak).toBe(3);
    expect(summary.targets.sink).toEqual({ routed: 200, exported: written.length, deadLettered: letters.length });
    expect(letters.length).toBeGreaterThan(0);
    const ids = [...written, ...letters.map((letter) => letter.record as DataRecord)].map((record) => Number(record.id));
    expect(ids.sort((a, b) => a - b)).toEqual(allMatch.map((record) => record.id));
  });

  it('an exporter that retries its own requests gets each batch once, with no write timeout of the runner', async () => {
    let calls = 0;
    const exporter: Exporter = {
      delivery: 'batch',
      retriesRequests: true,
      async open() {
        return {
          async write(batch) {
            calls++;
            // Longer than settings.timeout: the session times its own requests.
            await new Promise((resolve) => setTimeout(resolve, 40));
            if (calls === 1) throw retryable('the session gave up on this one');
            return { rejected: batch.slice(0, 1).map((record) => ({ record, error: new Error('refused') })) };
          },
          end: async () => ({}),
        };
      },
    };
    const { pipeline, deadLetterDir } = await pipelineFor({ source: memorySource(allMatch.slice(0, 30)), exporter, settings: '  timeout: 10ms' });
    const summary = await pipeline.run();
    expect(calls).toBe(3);
    // The first batch failed whole (not retried by the runner), the other two refused one record each.
    expect(summary.targets.sink).toEqual({ routed: 30, exported: 18, deadLettered: 12 });
    expect((await deadLetters(deadLetterDir)).length).toBe(12);
  });
});

describe('Pipeline.run: many routes', () => {
  it('waits on one signal from every route without Node.js warning of a listener leak', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      const exporter: Exporter = {
        delivery: 'batch',
        async open() {
          return {
            write: async () => new Promise((resolve) => setTimeout(() => resolve({}), 5)),
            end: async () => ({}),
          };
        },
      };
      const extraRules = Array.from({ length: 14 }, (_, i) => `  - { name: r${i}, threshold_field: value, threshold_type: greater_than, threshold_value: 0, export_target: sink }`).join('\n');
      const { pipeline } = await pipelineFor({ exporter, extraRules });
      const summary = await pipeline.run();
      await new Promise((resolve) => setImmediate(resolve));
      expect(summary.targets.sink!.exported).toBeGreaterThan(14 * 10);
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe('Pipeline.check', () => {
  it('reports each connection', async () => {
    const source: Source = { ...memorySource([]), check: async () => {} };
    const exporter: Exporter = { ...recordingExporter('batch'), check: async () => Promise.reject(new Error('connection refused')) };
    const { pipeline } = await pipelineFor({ source, exporter });
    const results = await pipeline.check();
    expect(results.map((r) => [r.kind, r.name, r.ok, r.error])).toEqual([
      ['source', 'mem', true, undefined],
      ['exporter', 'sink', false, 'connection refused'],
    ]);
  });
});
