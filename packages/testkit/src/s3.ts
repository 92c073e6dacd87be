import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testEndpoints } from './endpoints.js';

/** Ready for `new S3Client(clientConfig)`. */
export interface S3TestClientConfig {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly forcePathStyle: true;
  /**
   * s3rver stores streamed bodies with their aws-chunked framing unless the
   * SDK only checksums when required; harmless against real S3 or MinIO.
   */
  readonly requestChecksumCalculation: 'WHEN_REQUIRED';
  readonly responseChecksumValidation: 'WHEN_REQUIRED';
}

export interface S3TestServer {
  /** `http://127.0.0.1:<port>` (or `SLUICE_TEST_S3_ENDPOINT`). */
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly clientConfig: S3TestClientConfig;
  /** Creates a bucket; one that already exists is fine. */
  createBucket(name: string): Promise<void>;
  /** Stops the in-process server and removes its directory. Safe to call twice. */
  close(): Promise<void>;
}

export interface S3TestServerOptions {
  /** Buckets to create before returning. */
  readonly buckets?: readonly string[];
  /** Log s3rver's requests (default: silent). */
  readonly verbose?: boolean;
}

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;

/**
 * An S3 API for tests: `SLUICE_TEST_S3_ENDPOINT` when set (credentials from
 * `SLUICE_TEST_S3_ACCESS_KEY_ID` / `SLUICE_TEST_S3_SECRET_ACCESS_KEY`,
 * region `SLUICE_TEST_S3_REGION`), else s3rver in-process on 127.0.0.1 with
 * a random port and a temporary directory.
 *
 * s3rver's ListObjectsV2 continuation tokens use DES: paginated listings
 * need Node started with `--openssl-legacy-provider`.
 *
 * @example
 * const s3 = await startS3Server({ buckets: ['exports'] });
 * const client = new S3Client(s3.clientConfig);
 * // ...
 * client.destroy();
 * await s3.close();
 */
export async function startS3Server(options: S3TestServerOptions = {}): Promise<S3TestServer> {
  const external = testEndpoints().s3Endpoint;
  const env = process.env;
  const region = env.SLUICE_TEST_S3_REGION?.trim() || 'us-east-1';
  let endpoint: string;
  let stop: () => Promise<void>;
  let credentials: { accessKeyId: string; secretAccessKey: string };

  if (external) {
    endpoint = external.replace(/\/+$/, '');
    credentials = {
      accessKeyId: env.SLUICE_TEST_S3_ACCESS_KEY_ID ?? 'S3RVER',
      secretAccessKey: env.SLUICE_TEST_S3_SECRET_ACCESS_KEY ?? 'S3RVER',
    };
    stop = async () => {};
  } else {
    // s3rver is CommonJS without types; loaded only when a test needs it.
    const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;
    const directory = await mkdtemp(join(tmpdir(), 'sluice-s3rver-'));
    const server = new S3rver({ address: '127.0.0.1', port: 0, silent: !options.verbose, directory });
    const { port } = await server.run();
    endpoint = `http://127.0.0.1:${port}`;
    credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
    stop = async () => {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    };
  }

  const clientConfig: S3TestClientConfig = {
    endpoint,
    region,
    credentials,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
  let closed: Promise<void> | undefined;
  const handle: S3TestServer = {
    endpoint,
    region,
    credentials,
    clientConfig,
    async createBucket(name) {
      const { S3Client, CreateBucketCommand } = await import('@aws-sdk/client-s3');
      const client = new S3Client(clientConfig);
      try {
        await client.send(new CreateBucketCommand({ Bucket: name }));
      } catch (error) {
        // s3rver answers BucketAlreadyExists even for a bucket it created for us.
        const code = (error as { name?: string }).name;
        if (code !== 'BucketAlreadyOwnedByYou' && code !== 'BucketAlreadyExists') throw error;
      } finally {
        client.destroy();
      }
    },
    close() {
      closed ??= stop();
      return closed;
    },
  };
  try {
    for (const bucket of options.buckets ?? []) await handle.createBucket(bucket);
  } catch (error) {
    await handle.close();
    throw error;
  }
  return handle;
}
