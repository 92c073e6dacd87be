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
import { startS3Server, testEndpoints, uniqueName } from '@sluice/testkit';
import { startFaultProxy, type FaultProxy } from './proxy.js';

export interface TestS3 {
  /** The proxy's URL: what the exporter talks to. */
  readonly endpoint: string;
  readonly proxy: FaultProxy;
  /** A client for the test's own reads (through the proxy, s3rver quirks set). */
  readonly client: S3Client;
  readonly bucket: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly region: string;
  newBucket(): Promise<string>;
  list(prefix?: string): Promise<string[]>;
  get(key: string): Promise<{ body: Uint8Array; contentType?: string; contentEncoding?: string; metadata?: Record<string, string> }>;
  exists(key: string): Promise<boolean>;
  text(key: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * An S3 API for the test file (testkit's: `SLUICE_TEST_S3_ENDPOINT` or
 * s3rver in-process), always behind a fault proxy, with a fresh bucket.
 */
export async function startTestS3(): Promise<TestS3> {
  const server = await startS3Server();
  // s3rver lacks AbortMultipartUpload: the proxy answers it (and records it).
  const proxy = await startFaultProxy(server.endpoint, testEndpoints().s3Endpoint === undefined);
  const client = new S3Client({ ...server.clientConfig, endpoint: proxy.url });
  const buckets: string[] = [];
  const newBucket = async (): Promise<string> => {
    const name = uniqueName('sluice-s3').replace(/_/g, '-');
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
    credentials: server.credentials,
    region: server.region,
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
      await server.close();
    },
  };
}
