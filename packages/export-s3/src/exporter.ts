import { DeleteObjectCommand, HeadBucketCommand, PutObjectCommand, type PutObjectCommandInput, type S3Client } from '@aws-sdk/client-s3';
import { ConnectorError, type ConnectorDeps, type ExportRun, type Exporter } from '@sluice/core';
import { createEncoder, type EncoderOptionsInput } from '@sluice/formats';
import { randomBytes } from 'node:crypto';
import { createS3Client, injectedClient } from './client.js';
import { toConnectorError } from './errors.js';
import { compileKeys, type KeyRenderer } from './keys.js';
import { S3ExportSession, type SessionContext } from './session.js';
import { parseByteSize } from './size.js';
import type { S3ExporterOptions } from './types.js';

/**
 * Writes each session's records as objects in a bucket: one object per run,
 * rule and datasource, split into parts when a size cap is set.
 */
export class S3Exporter implements Exporter {
  readonly delivery = 'session' as const;
  private client: S3Client | undefined;
  private readonly ownsClient: boolean;
  private closed = false;
  private readonly keysFor: (run: ExportRun) => KeyRenderer;
  private readonly gzip: boolean;
  private readonly encoderOptions: EncoderOptionsInput;
  private readonly params: Omit<PutObjectCommandInput, 'Body' | 'Key'>;
  /**
   * Keys written in the latest run and by which session, to catch templates
   * that collide; and objects failed sessions left behind, by key.
   */
  private claims = { runId: '', owners: new Map<string, string>(), leftBehind: new Map<string, number>() };

  constructor(
    private readonly options: S3ExporterOptions,
    private readonly deps: ConnectorDeps,
  ) {
    this.client = injectedClient(deps.client, deps.path);
    this.ownsClient = this.client === undefined;
    const format = options.format;
    this.gzip = format !== 'parquet' && options.compression === 'gzip';
    const parquetCodec = options.compression === undefined ? 'snappy' : options.compression === 'none' ? 'uncompressed' : options.compression;
    this.encoderOptions = {
      csv: options.csv,
      parquet: { ...options.parquet, compression: parquetCodec as 'snappy' | 'gzip' | 'brotli' | 'uncompressed' },
    };
    // A throwaway encoder tells the format's extension and content type.
    const sample = createEncoder(format, this.encoderOptions);
    this.keysFor = compileKeys(options.prefix, options.key_template, sample.extension + (this.gzip ? '.gz' : ''));
    this.params = {
      Bucket: options.bucket,
      ContentType: options.content_type ?? sample.contentType,
      ...(this.gzip ? { ContentEncoding: 'gzip' } : {}),
      ...(options.storage_class !== undefined ? { StorageClass: options.storage_class } : {}),
      ...(options.server_side_encryption !== undefined ? { ServerSideEncryption: options.server_side_encryption } : {}),
      ...(options.sse_kms_key_id !== undefined ? { SSEKMSKeyId: options.sse_kms_key_id } : {}),
      ...(options.metadata !== undefined ? { Metadata: options.metadata } : {}),
    };
  }

  async open(run: ExportRun): Promise<S3ExportSession> {
    const client = this.s3();
    const options = this.options;
    const context: SessionContext = {
      where: this.deps.path,
      bucket: options.bucket,
      client,
      gzip: this.gzip,
      partSize: parseByteSize(options.part_size)!,
      queueSize: options.queue_size,
      maxObjectSize: options.max_object_size === undefined ? undefined : parseByteSize(options.max_object_size),
      maxRecordsPerObject: options.max_records_per_object,
      writeEmpty: options.write_empty,
      params: this.params,
      newEncoder: () => createEncoder(options.format, this.encoderOptions),
      claim: (r, key) => this.claim(r, key),
      leftBehind: (r, key, records) => {
        if (this.runClaims(r).owners.get(key) === sessionOf(r)) this.claims.leftBehind.set(key, records);
      },
      replaced: (r, key) => this.runClaims(r).leftBehind.delete(key),
      leftBehindBy: (r) => {
        const { owners, leftBehind } = this.runClaims(r);
        const session = sessionOf(r);
        return [...leftBehind].filter(([key]) => owners.get(key) === session).map(([key, records]) => ({ key, records }));
      },
    };
    return new S3ExportSession(context, run, this.keysFor(run));
  }

  /** HeadBucket; with `check_write`, also puts and deletes a zero-byte probe object. */
  async check(signal: AbortSignal): Promise<void> {
    const client = this.s3();
    const { bucket } = this.options;
    try {
      await client.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal: signal });
    } catch (error) {
      throw toConnectorError(error, this.deps.path, bucket, 'check');
    }
    if (!this.options.check_write) return;
    const prefix = this.options.prefix;
    const key = `${prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`}.sluice-check-${randomBytes(6).toString('hex')}`;
    try {
      await client.send(new PutObjectCommand({ ...this.params, Key: key, Body: new Uint8Array(0) }), { abortSignal: signal });
    } catch (error) {
      throw toConnectorError(error, this.deps.path, bucket, `probe write to s3://${bucket}/${key}`);
    }
    try {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
    } catch (error) {
      this.deps.logger.warn({ key, err: (error as Error).message }, 'could not delete the check probe object');
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsClient) this.client?.destroy();
    this.client = undefined;
  }

  private s3(): S3Client {
    if (this.closed) throw new ConnectorError('exporter is closed', { where: this.deps.path });
    this.client ??= createS3Client(this.options);
    return this.client;
  }

  /** The claims of `run`, started afresh when a new run begins. */
  private runClaims(run: ExportRun): typeof this.claims {
    if (this.claims.runId !== run.runId) this.claims = { runId: run.runId, owners: new Map(), leftBehind: new Map() };
    return this.claims;
  }

  private claim(run: ExportRun, key: string): void {
    const session = sessionOf(run);
    const owner = this.runClaims(run).owners.get(key);
    if (owner !== undefined && owner !== session) {
      throw new ConnectorError(
        `key "${key}" is written by both ${owner} and ${session} in run ${run.runId}: put {rule} and {datasource} in key_template`,
        { where: this.deps.path, retryable: false },
      );
    }
    this.claims.owners.set(key, session);
  }
}

/** A session's name in messages: `rule "a" / datasource "b"`. */
function sessionOf(run: ExportRun): string {
  return `rule "${run.rule}" / datasource "${run.datasource}"`;
}
