import { PassThrough } from 'node:stream';
import { AbortMultipartUploadCommand, type PutObjectCommandInput, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { DataRecord, Logger, RejectedRecord } from '@sluice/core';
import { createEncodedStream, type EncodedStream, type RecordEncoder } from '@sluice/formats';

/** How long an abort waits for parts in flight before it gives up on them. */
const ABORT_GRACE_MS = 10_000;

/** Everything one object upload needs. */
export interface ObjectUploadOptions {
  readonly client: S3Client;
  readonly params: Omit<PutObjectCommandInput, 'Body'> & { readonly Bucket: string; readonly Key: string };
  readonly encoder: RecordEncoder;
  readonly gzip: boolean;
  readonly partSize: number;
  readonly queueSize: number;
  readonly logger: Logger;
}

/**
 * One object being written: encoder → (gzip) → PassThrough → multipart
 * Upload. Memory is bounded by the part size × (queue size + 1) plus one
 * Parquet row group, whatever the object's size.
 */
export class ObjectUpload {
  readonly key: string;
  private readonly body = new PassThrough();
  private readonly upload: Upload;
  private readonly stream: EncodedStream;
  private readonly done: Promise<unknown>;
  /** Rejects as soon as the upload fails; never resolves. Races every wait on the body. */
  private readonly failed: Promise<never>;
  private state: 'open' | 'completed' | 'aborted' = 'open';
  private failure: unknown;

  constructor(private readonly options: ObjectUploadOptions) {
    this.key = options.params.Key;
    // leavePartsOnError: we abort the multipart upload ourselves, so a failing
    // abort (stores without AbortMultipartUpload) cannot mask the real error.
    this.upload = new Upload({
      client: options.client,
      params: { ...options.params, Body: this.body },
      partSize: options.partSize,
      queueSize: options.queueSize,
      leavePartsOnError: true,
    });
    this.stream = createEncodedStream(options.encoder, this.body, { gzip: options.gzip });
    this.done = this.upload.done();
    this.failed = new Promise<never>((_, reject) => {
      this.done.catch((error: unknown) => {
        this.failure = error;
        reject(error);
        this.body.destroy();
      });
    });
    this.failed.catch(() => undefined);
  }

  /** Records accepted into this object. */
  get records(): number {
    return this.options.encoder.records;
  }

  /** Encoded bytes so far, before gzip. */
  get bytes(): number {
    return this.stream.bytesWritten;
  }

  /** Encodes and streams a batch; resolves once the body accepted the bytes. */
  async write(batch: readonly DataRecord[]): Promise<RejectedRecord[]> {
    const { rejected } = await this.guard(this.stream.write(batch));
    return rejected;
  }

  /** Writes the encoder's tail and completes the upload: the object exists afterwards. */
  async complete(): Promise<void> {
    await this.guard(this.stream.end());
    await this.done;
    this.state = 'completed';
  }

  /** Waits for a body operation; the upload's own failure wins over the body's resulting breakage. */
  private async guard<T>(operation: Promise<T>): Promise<T> {
    try {
      return await Promise.race([operation, this.failed]);
    } catch (error) {
      // A part that fails for good makes lib-storage close the body before
      // `done` rejects: wait for the upload's own error, the one worth classifying.
      if (this.failure === undefined) await settledWithin(this.done, ABORT_GRACE_MS);
      throw this.failure ?? error;
    }
  }

  /**
   * Stops the upload and aborts its multipart upload so no parts are left
   * behind; nothing appears under the key. Safe to call twice; a no-op once
   * completed (the session deletes completed objects itself).
   */
  async abort(reason: Error): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'aborted';
    // Ending the body makes every part uploader stop, so `done` settles and
    // the upload id is final before we abort it.
    this.body.destroy(reason);
    await settledWithin(this.done, ABORT_GRACE_MS);
    const uploadId = this.upload.uploadId;
    if (uploadId === undefined) return;
    const { Bucket, Key } = this.options.params;
    try {
      await this.options.client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId: uploadId }));
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchUpload') return;
      this.options.logger.warn(
        { key: Key, uploadId, err: (error as Error).message },
        'could not abort the multipart upload; its parts stay billed until a lifecycle rule (AbortIncompleteMultipartUpload) removes them',
      );
    }
  }
}

/** Waits for `promise` to settle, at most `ms` milliseconds; never rejects. */
async function settledWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([promise.then(() => undefined, () => undefined), deadline]);
  clearTimeout(timer);
}
