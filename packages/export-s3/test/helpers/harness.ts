import type { ConnectorDeps, DataRecord, ExportRun, Logger, RejectedRecord } from '@sluice/core';
import type { S3Client } from '@aws-sdk/client-s3';
import connector, { s3ExporterSchema, type S3ExporterOptionsInput } from '../../src/index.js';
import type { S3Exporter } from '../../src/exporter.js';
import type { S3ExportSession } from '../../src/session.js';
import type { TestS3 } from './s3.js';
import { makeConnectorDeps } from '@sluice/testkit';

export interface TestLogger extends Logger {
  readonly infos: string[];
  readonly warnings: string[];
  readonly errors: string[];
}

export function testLogger(): TestLogger {
  const [infos, warnings, errors] = [[], [], []] as string[][];
  const into = (list: string[]) => (obj: object | string, msg?: string) => {
    list.push(typeof obj === 'string' ? obj : `${msg ?? ''} ${JSON.stringify(obj)}`);
  };
  const logger: TestLogger = {
    infos: infos!,
    warnings: warnings!,
    errors: errors!,
    debug: () => undefined,
    info: into(infos!),
    warn: into(warnings!),
    error: into(errors!),
    child: () => logger,
  };
  return logger;
}

export const WHERE = 'export_targets.archive';

export function testDeps(logger: Logger = testLogger(), client?: S3Client): ConnectorDeps {
  return makeConnectorDeps({ name: 'archive', path: WHERE, logger, settings: { timeout: 60_000 }, ...(client !== undefined ? { client } : {}) });
}

/** Exporter options for the test server, with the exporter's own client. */
export function s3Options(s3: TestS3, extra: Partial<S3ExporterOptionsInput> = {}): S3ExporterOptionsInput {
  return {
    bucket: s3.bucket,
    endpoint: s3.endpoint,
    force_path_style: true,
    region: s3.region,
    access_key_id: s3.credentials.accessKeyId,
    secret_access_key: s3.credentials.secretAccessKey,
    request_checksums: 'when_required',
    ...extra,
  };
}

export function createExporter(options: S3ExporterOptionsInput, deps: ConnectorDeps = testDeps()): S3Exporter {
  const config = s3ExporterSchema.parse(options);
  return connector.create(config, deps) as S3Exporter;
}

let runCounter = 0;

export function testRun(overrides: Partial<ExportRun> = {}): ExportRun {
  return {
    runId: `run-${++runCounter}`,
    runStartedAt: new Date('2024-05-06T07:08:09.000Z'),
    rule: 'high_value',
    datasource: 'metrics',
    target: 'archive',
    signal: new AbortController().signal,
    logger: testLogger(),
    ...overrides,
  };
}

/** Opens a session, writes the batches, ends it; returns the keys written and the rejected records. */
export async function exportBatches(
  exporter: S3Exporter,
  run: ExportRun,
  batches: readonly (readonly DataRecord[])[],
): Promise<{ keys: readonly string[]; rejected: RejectedRecord[] }> {
  const session = (await exporter.open(run)) as S3ExportSession;
  const signal = new AbortController().signal;
  const rejected: RejectedRecord[] = [];
  for (const batch of batches) {
    const result = await session.write(batch, signal);
    if (result?.rejected) rejected.push(...result.rejected);
  }
  const end = await session.end(signal);
  if (end?.rejected) rejected.push(...end.rejected);
  return { keys: session.keys, rejected };
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Sample records with every type that must survive a round trip. */
export function sampleRecords(count: number, start = 0): DataRecord[] {
  const records: DataRecord[] = [];
  for (let i = start; i < start + count; i++) {
    records.push({
      id: i,
      value: i % 7 === 0 ? null : Math.round((i * 1.37 + 0.25) * 100) / 100,
      sensor: `sensor-${i % 13}`,
      note: i % 5 === 0 ? 'comma, "quote"\nnewline ünïcødé' : `n${i}`,
      ok: i % 2 === 0,
      at: new Date(Date.UTC(2024, 4, 6, 7, 8, 9) + i * 1000),
    });
  }
  return records;
}
