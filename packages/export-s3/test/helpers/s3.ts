import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
// @ts-expect-error s3rver ships no types
import S3rver from 's3rver';
import { startFaultProxy, type FaultProxy } from './proxy.js';

/** s3rver's built-in account. */
export const S3RVER_KEY = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface TestS3 {
  /** The proxy's URL: what the exporter talks to. */
  readonly endpoint: string;
  readonly proxy: FaultProxy;
  /** A client for the test's own reads (through the proxy, s3rver quirks set). */
  readonly client: S3Client;
  readonly bucket: string;
  newBucket(): Promise<string>;
  list(prefix?: string): Promise<string[]>;
  get(key: string): Promise<{ body: Uint8Array; contentType?: string; contentEncoding?: string; metadata?: Record<string, string> }>;
  exists(key: string): Promise<boolean>;
  text(key: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * An S3 API for the test file: `SLUICE_TEST_S3_ENDPOINT` when set, else
 * s3rver in-process on 127.0.0.1, always behind a fault proxy, with a fresh
 * bucket.
 */
export async function startTestS3(): Promise<TestS3> {
  const external = process.env.SLUICE_TEST_S3_ENDPOINT?.trim();
  let server: { close(): Promise<void> } | undefined;
  let directory: string | undefined;
  let upstream = external;
  if (!upstream) {
    directory = await mkdtemp(join(tmpdir(), 'sluice-s3-'));
    const s3rver = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
    const address = (await s3rver.run()) as { port: number };
    server = s3rver;
    upstream = `http://127.0.0.1:${address.port}`;
  }
  const proxy = await startFaultProxy(upstream, external === undefined);
  const client = new S3Client({
    endpoint: proxy.url,
    region: process.env.AWS_REGION ?? 'us-east-1',
    forcePathStyle: true,
    credentials: external
      ? { accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? '', secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? '' }
      : S3RVER_KEY,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const buckets: string[] = [];
  const newBucket = async (): Promise<string> => {
    const name = `sluice-s3-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
    await client.send(new CreateBucketCommand({ Bucket: name }));
    buckets.push(name);
    return name;
  };
  const bucket = await newBucket();
  const list = async (prefix = '', inBucket = bucket): Promise<string[]> => {
    const out = await client.send(new ListObjectsV2Command({ Bucket: inBucket, Prefix: prefix, MaxKeys: 1000 }));
    return (out.Contents ?? []).map((o) => o.Key!).sort();
  };
  const get: TestS3['get'] = async (key) => {
    const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const body = await out.Body!.transformToByteArray();
    return {
      body,
      ...(out.ContentType !== undefined ? { contentType: out.ContentType } : {}),
      ...(out.ContentEncoding !== undefined ? { contentEncoding: out.ContentEncoding } : {}),
      ...(out.Metadata !== undefined ? { metadata: out.Metadata } : {}),
    };
  };
  return {
    endpoint: proxy.url,
    proxy,
    client,
    bucket,
    newBucket,
    list: (prefix) => list(prefix),
    get,
    async exists(key) {
      try {
        await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return true;
      } catch (error) {
        if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
        throw error;
      }
    },
    async text(key) {
      const { body, contentEncoding } = await get(key);
      return Buffer.from(contentEncoding === 'gzip' ? gunzipSync(body) : body).toString('utf8');
    },
    async stop() {
      for (const name of buckets) {
        for (const key of await list('', name)) await client.send(new DeleteObjectCommand({ Bucket: name, Key: key }));
        await client.send(new DeleteBucketCommand({ Bucket: name })).catch(() => undefined);
      }
      client.destroy();
      await proxy.close();
      await server?.close();
      if (directory) await rm(directory, { recursive: true, force: true });
    },
  };
}
