import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError, describeError } from '@sluice/core';
import { createExporter, exportBatches, s3Options, sampleRecords, testDeps, testLogger, testRun, WHERE } from './helpers/harness.js';
import { startTestS3, type TestS3 } from './helpers/s3.js';

let s3: TestS3;
beforeAll(async () => {
  s3 = await startTestS3();
});
afterAll(async () => {
  await s3?.stop();
});

const signal = () => new AbortController().signal;

describe('check() and error classification', () => {
  it('check() passes on an existing bucket without writing anything', async () => {
    const exporter = createExporter(s3Options(s3, { prefix: 'check-ro' }));
    const puts = s3.proxy.traffic.puts.length;
    await exporter.check(signal());
    expect(s3.proxy.traffic.puts.length).toBe(puts);
    await exporter.close();
  });

  it('check_write puts and deletes a zero-byte probe below the prefix', async () => {
    const exporter = createExporter(s3Options(s3, { prefix: 'check-rw', check_write: true }));
    const puts = s3.proxy.traffic.puts.length;
    await exporter.check(signal());
    expect(s3.proxy.traffic.puts.slice(puts)).toEqual([expect.stringMatching(/\/check-rw\/\.sluice-check-[0-9a-f]{12}$/)]);
    expect(await s3.list('check-rw/')).toEqual([]);
    await exporter.close();
  });

  it('a missing bucket is a permanent error naming the target and bucket', async () => {
    const exporter = createExporter(s3Options(s3, { bucket: 'no-such-bucket-here' }));
    const error = await exporter.check(signal()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect(describeError(error)).toBe(`${WHERE}: bucket "no-such-bucket-here" does not exist`);
    expect((error as ConnectorError).retryable).toBe(false);
    const write = await exportBatches(exporter, testRun(), [sampleRecords(2)]).catch((e: unknown) => e);
    expect((write as ConnectorError).message).toBe(`${WHERE}: bucket "no-such-bucket-here" does not exist`);
    expect((write as ConnectorError).retryable).toBe(false);
    await exporter.close();
  });

  it('wrong credentials are a permanent error that never shows the secret', async () => {
    const secret = 'very-secret-value-123';
    const exporter = createExporter(s3Options(s3, { access_key_id: 'UNKNOWNKEY', secret_access_key: secret }));
    const error = await exporter.check(signal()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).retryable).toBe(false);
    expect((error as ConnectorError).message).toMatch(/access to bucket ".+" denied/);
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain(secret);
    await exporter.close();
  });

  it('words HeadBucket failures from the HTTP status, without the SDK\'s "UnknownError"', async () => {
    // HeadBucket responses have no body: a server that answers each bucket name's status, headers only.
    const server = createServer((req, res) => {
      const status = Number(/\/b(\d{3})/.exec(req.url ?? '')?.[1] ?? 500);
      res.writeHead(status, status === 301 ? { 'x-amz-bucket-region': 'eu-central-1' } : {});
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const check = async (status: number) => {
      const exporter = createExporter(s3Options(s3, { endpoint, bucket: `b${status}`, max_attempts: 1 }));
      try {
        const error = await exporter.check(signal()).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ConnectorError);
        return { message: describeError(error), retryable: (error as ConnectorError).retryable };
      } finally {
        await exporter.close();
      }
    };
    try {
      expect(await check(404)).toEqual({ message: `${WHERE}: bucket "b404" does not exist`, retryable: false });
      expect(await check(403)).toEqual({ message: `${WHERE}: access to bucket "b403" denied (HTTP 403): check credentials and permissions`, retryable: false });
      expect(await check(301)).toEqual({
        message: `${WHERE}: check failed: bucket "b301" is in region eu-central-1, not the configured one (HTTP 301): set region: eu-central-1`,
        retryable: false,
      });
      expect((await check(400)).message).toBe(`${WHERE}: check failed: the request was refused (HTTP 400 Bad Request, no details): check region and endpoint`);
      expect(await check(503)).toEqual({ message: `${WHERE}: check failed: HTTP 503 Service Unavailable`, retryable: true });
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('an unreachable endpoint is retryable', async () => {
    const exporter = createExporter(s3Options(s3, { endpoint: 'http://127.0.0.1:9', max_attempts: 1 }));
    const error = await exporter.check(signal()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).retryable).toBe(true);
    await exporter.close();
  });

  it('uses an injected S3Client and leaves it open on close()', async () => {
    const client = new S3Client({
      endpoint: s3.endpoint,
      region: s3.region,
      credentials: s3.credentials,
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    const exporter = createExporter({ bucket: s3.bucket, format: 'ndjson', prefix: 'injected' }, testDeps(testLogger(), client));
    const { keys } = await exportBatches(exporter, testRun(), [sampleRecords(3)]);
    expect(await s3.list('injected/')).toEqual(keys);
    await exporter.close();
    await exporter.close();
    await client.send(new HeadBucketCommand({ Bucket: s3.bucket }));
    client.destroy();
  });

  it('refuses to open after close()', async () => {
    const exporter = createExporter(s3Options(s3));
    await exporter.close();
    await expect(exporter.open(testRun())).rejects.toThrow(/closed/);
  });
});
