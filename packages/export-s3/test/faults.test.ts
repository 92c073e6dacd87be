import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError, type DataRecord } from '@sluice/core';
import { chunk, createExporter, exportBatches, s3Options, testLogger, testRun } from './helpers/harness.js';
import { startTestS3, type TestS3 } from './helpers/s3.js';

let s3: TestS3;
beforeAll(async () => {
  s3 = await startTestS3();
});
afterEach(() => s3.proxy.failWhen(undefined));
afterAll(async () => {
  await s3?.stop();
});

const PAD = 'x'.repeat(1000);
/** About 12 MB of NDJSON: three 5 MiB parts. */
const bigRecords = (): DataRecord[] => Array.from({ length: 12_000 }, (_, i) => ({ id: i, pad: PAD }));
const ids = (text: string): number[] =>
  text
    .trim()
    .split('\n')
    .map((line) => (JSON.parse(line) as { id: number }).id);
const multipart = (prefix: string, extra: object = {}) =>
  s3Options(s3, { format: 'ndjson', prefix, part_size: '5MiB', queue_size: 2, ...extra });

describe('a server that fails parts mid-upload', () => {
  it('a part that fails once is resent alone and the object is complete', async () => {
    const exporter = createExporter(multipart('retry-part'));
    let seen = 0;
    s3.proxy.failWhen(({ isPart, query }) => isPart && query.get('partNumber') === '2' && seen++ === 0);
    const records = bigRecords();
    const { keys } = await exportBatches(exporter, testRun(), chunk(records, 1000));
    expect(s3.proxy.traffic.failedParts).toBe(1);
    expect(ids(await s3.text(keys[0]!))).toEqual(records.map((r) => r.id));
    expect(s3.proxy.orphans()).toEqual([]);
    await exporter.close();
  });

  it('parts that keep failing: the upload is aborted, nothing under the key, a retryable error, and a replay writes everything', async () => {
    const exporter = createExporter(multipart('fail-parts'));
    const before = s3.proxy.traffic.aborted.size;
    s3.proxy.failWhen(({ isPart }) => isPart);
    const run = testRun();
    const records = bigRecords();
    const failure = await exportBatches(exporter, run, chunk(records, 1000)).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ConnectorError);
    expect((failure as ConnectorError).retryable).toBe(true);
    expect((failure as ConnectorError).message).toMatch(/^export_targets\.archive: upload of s3:\/\/.+\/fail-parts\/.+-00000\.ndjson failed/);
    expect(s3.proxy.traffic.aborted.size).toBe(before + 1);
    expect(s3.proxy.orphans()).toEqual([]);
    expect(await s3.list('fail-parts/')).toEqual([]);

    // The runner replays the spooled session: same run, same keys.
    s3.proxy.failWhen(undefined);
    const { keys } = await exportBatches(exporter, run, chunk(records, 1000));
    expect(ids(await s3.text(keys[0]!))).toEqual(records.map((r) => r.id));
    expect(s3.proxy.orphans()).toEqual([]);
    await exporter.close();
  });

  it('a later part object that fails removes the objects the session already completed', async () => {
    const exporter = createExporter(s3Options(s3, { format: 'ndjson', prefix: 'fail-rollover', max_records_per_object: 10 }));
    s3.proxy.failWhen(({ method, path }) => method === 'PUT' && path.includes('-00001.ndjson'));
    const records = Array.from({ length: 25 }, (_, i) => ({ id: i }));
    await expect(exportBatches(exporter, testRun(), chunk(records, 5))).rejects.toMatchObject({ retryable: true });
    expect(await s3.list('fail-rollover/')).toEqual([]);
    await exporter.close();
  });

  it('objects it cannot delete during an outage are named in the error (which the dead letters carry) and logged as errors', async () => {
    const exporter = createExporter(s3Options(s3, { format: 'ndjson', prefix: 'left-behind', max_records_per_object: 10 }));
    const logger = testLogger();
    const run = testRun({ logger });
    const records = Array.from({ length: 25 }, (_, i) => ({ id: i }));
    const deletes = ({ method, query }: { method: string; query: URLSearchParams }) => method === 'DELETE' && !query.has('uploadId');
    // Object 00000 is written, then the store goes down for everything else.
    s3.proxy.failWhen((req) => deletes(req) || (req.method === 'PUT' && req.path.includes('-00001.ndjson')));
    const first = await exportBatches(exporter, run, chunk(records, 5)).catch((e: unknown) => e);
    const [left] = await s3.list('left-behind/');
    expect(left).toMatch(/-00000\.ndjson$/);
    const note = `1 object(s) of this session could not be deleted and stay in the bucket (s3://${s3.bucket}/${left}), holding 10 of its records: delete them before replaying these dead letters, or those records are written twice`;
    expect(first).toBeInstanceOf(ConnectorError);
    expect((first as ConnectorError).retryable).toBe(true);
    expect((first as Error).message).toMatch(/^export_targets\.archive: upload of s3:\/\/.+-00001\.ndjson failed: .+; 1 object/);
    expect((first as Error).message).toContain(note);
    expect(logger.errors).toEqual([expect.stringMatching(/^objects of a failed session could not be deleted and stay in the bucket\. .*"keys":\[".+-00000\.ndjson"\],"records":10/)]);
    expect(logger.warnings.join('\n')).not.toContain('retry of this run');

    // The runner's next attempt fails before writing anything: its error still names what the first one left.
    s3.proxy.failWhen((req) => deletes(req) || req.method === 'PUT');
    const second = await exportBatches(exporter, run, chunk(records, 5)).catch((e: unknown) => e);
    expect((second as Error).message).toMatch(/-00000\.ndjson failed: .+; 1 object/);
    expect((second as Error).message).toContain(note);

    // Once the store is back, a successful attempt replaces the object and says so.
    s3.proxy.failWhen(undefined);
    const { keys } = await exportBatches(exporter, run, chunk(records, 5));
    expect(keys).toHaveLength(3);
    expect(logger.infos).toEqual([expect.stringMatching(/^replaced an object a failed attempt of this session had left in the bucket .*-00000\.ndjson/)]);
    await exporter.close();
  });

  it('a successful attempt that did not replace every object left behind says so', async () => {
    const exporter = createExporter(s3Options(s3, { format: 'ndjson', prefix: 'left-stale', max_records_per_object: 10 }));
    const logger = testLogger();
    const run = testRun({ logger });
    s3.proxy.failWhen(({ method, path, query }) => (method === 'DELETE' && !query.has('uploadId')) || (method === 'PUT' && path.includes('-00002.ndjson')));
    await expect(exportBatches(exporter, run, chunk(Array.from({ length: 25 }, (_, i) => ({ id: i })), 5))).rejects.toThrow('2 object(s)');
    s3.proxy.failWhen(undefined);
    await exportBatches(exporter, run, [[{ id: 0 }]]);
    expect(logger.errors.at(-1)).toMatch(/^objects a failed attempt of this session left in the bucket were not replaced: .*"keys":\[".+-00001\.ndjson"\],"records":10/);
    await exporter.close();
  });

  it('session.abort() mid-upload discards the multipart upload', async () => {
    const exporter = createExporter(multipart('abort'));
    const run = testRun();
    const session = await exporter.open(run);
    const signal = new AbortController().signal;
    for (const batch of chunk(bigRecords(), 1000).slice(0, 8)) await session.write(batch, signal);
    await session.abort!(new Error('runner gave up'));
    expect(s3.proxy.orphans()).toEqual([]);
    expect(await s3.list('abort/')).toEqual([]);
    await exporter.close();
  });

  it('a cancelled run settles and leaves nothing behind', async () => {
    const exporter = createExporter(multipart('cancel'));
    const controller = new AbortController();
    const session = await exporter.open(testRun());
    const batches = chunk(bigRecords(), 1000);
    await session.write(batches[0]!, controller.signal);
    controller.abort(new Error('SIGTERM'));
    await expect(session.write(batches[1]!, controller.signal)).rejects.toThrow(/run cancelled/);
    await session.abort!(new Error('cancelled'));
    expect(s3.proxy.orphans()).toEqual([]);
    expect(await s3.list('cancel/')).toEqual([]);
    await exporter.close();
  });
});

describe('streaming', () => {
  it('uploads parts while records are still arriving: memory is bounded by parts, not by the object', async () => {
    const exporter = createExporter(multipart('streaming', { queue_size: 1 }));
    const run = testRun();
    const session = await exporter.open(run);
    const signal = new AbortController().signal;
    const partsBefore = s3.proxy.traffic.partRequests;
    // ~36 MB written before end(): at most (queue_size + 1) parts may wait in memory.
    for (let round = 0; round < 3; round++) {
      for (const batch of chunk(bigRecords(), 1000)) await session.write(batch.map((r) => ({ ...r, round })), signal);
    }
    expect(s3.proxy.traffic.partRequests - partsBefore).toBeGreaterThanOrEqual(4);
    await session.end(signal);
    expect(ids(await s3.text((session as { keys: readonly string[] }).keys[0]!))).toHaveLength(36_000);
    expect(s3.proxy.orphans()).toEqual([]);
    await exporter.close();
  });
});
