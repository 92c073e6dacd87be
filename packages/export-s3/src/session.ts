import { DeleteObjectCommand, type PutObjectCommandInput, type S3Client } from '@aws-sdk/client-s3';
import { abortable, ConnectorError, type DataRecord, type ExportRun, type ExportSession, type RejectedRecord, type WriteResult } from '@sluice/core';
import type { RecordEncoder } from '@sluice/formats';
import { toConnectorError } from './errors.js';
import type { KeyRenderer } from './keys.js';
import { ObjectUpload } from './object-upload.js';

const cancelled = (cause: unknown): Error => new ConnectorError('run cancelled', { cause });

/** What a session needs from its exporter. */
export interface SessionContext {
  readonly where: string;
  readonly bucket: string;
  readonly client: S3Client;
  readonly gzip: boolean;
  readonly partSize: number;
  readonly queueSize: number;
  readonly maxObjectSize: number | undefined;
  readonly maxRecordsPerObject: number | undefined;
  readonly writeEmpty: boolean;
  readonly params: Omit<PutObjectCommandInput, 'Body' | 'Key'>;
  newEncoder(): RecordEncoder;
  /** Fails when another rule/datasource of the same run already wrote this key. */
  claim(run: ExportRun, key: string): void;
  /** Remembers an object a failed attempt of the session completed but could not delete. */
  leftBehind(run: ExportRun, key: string, records: number): void;
  /** An object now written under `key`: whether it replaced one left behind. */
  replaced(run: ExportRun, key: string): boolean;
  /** Objects any failed attempt of the run's session left behind, still in the bucket. */
  leftBehindBy(run: ExportRun): readonly WrittenObject[];
}

/** An object a session completed: its key and how many records it holds. */
export interface WrittenObject {
  readonly key: string;
  readonly records: number;
}

/** Keys listed in a failure message; the error log lists them all. */
const KEYS_IN_MESSAGE = 5;

/**
 * One run × rule × datasource: a sequence of objects `{part}` = 0, 1, ...
 * On any failure the session aborts its upload in flight and deletes the
 * objects it completed, then throws: the runner replays the session (same
 * keys, so a retry overwrites) or dead-letters its records. Objects it
 * cannot delete (the store is down) are reported, since they then hold
 * records that are dead-lettered too.
 */
export class S3ExportSession implements ExportSession {
  private current: ObjectUpload | undefined;
  private part = 0;
  private readonly completed: WrittenObject[] = [];
  private state: 'open' | 'ended' | 'failed' = 'open';

  constructor(
    private readonly ctx: SessionContext,
    private readonly run: ExportRun,
    private readonly keyFor: KeyRenderer,
  ) {}

  async write(batch: readonly DataRecord[], signal: AbortSignal): Promise<WriteResult | void> {
    this.assertOpen(signal);
    if (batch.length === 0) return;
    const rejected: RejectedRecord[] = [];
    const limit = this.ctx.maxRecordsPerObject;
    try {
      let offset = 0;
      while (offset < batch.length) {
        const object = this.current ?? this.startObject();
        const room = limit === undefined ? batch.length : Math.max(1, limit - object.records);
        const slice = offset === 0 && room >= batch.length ? batch : batch.slice(offset, offset + room);
        const refused = await abortable(object.write(slice), signal, cancelled);
        for (const r of refused) rejected.push(r);
        offset += slice.length;
        if (this.isFull(object)) await abortable(this.completeObject(object), signal, cancelled);
      }
    } catch (error) {
      throw await this.fail(error);
    }
    return rejected.length > 0 ? { rejected } : undefined;
  }

  async end(signal: AbortSignal): Promise<WriteResult | void> {
    this.assertOpen(signal);
    try {
      if (this.current === undefined && this.part === 0 && this.ctx.writeEmpty) this.startObject();
      const object = this.current;
      if (object !== undefined) {
        // Every record of this object was rejected: an empty object helps nobody.
        if (object.records === 0 && !(this.part === 0 && this.ctx.writeEmpty)) {
          this.current = undefined;
          await object.abort(new Error('no records'));
        } else {
          await abortable(this.completeObject(object), signal, cancelled);
        }
      }
      this.state = 'ended';
    } catch (error) {
      throw await this.fail(error);
    }
    // Rewriting the same records gives the same keys, so this only shows if a failed attempt had more objects.
    const stale = this.ctx.leftBehindBy(this.run);
    if (stale.length > 0) {
      this.run.logger.error(
        { bucket: this.ctx.bucket, keys: stale.map((o) => o.key), records: recordsIn(stale) },
        'objects a failed attempt of this session left in the bucket were not replaced: they repeat records this session wrote; delete them',
      );
    }
  }

  async abort(reason: Error): Promise<void> {
    if (this.state !== 'open') return;
    await this.cleanUp(reason);
  }

  /** Keys of the objects this session completed, in order. */
  get keys(): readonly string[] {
    return this.completed.map((object) => object.key);
  }

  private assertOpen(signal: AbortSignal): void {
    if (this.state !== 'open') throw new ConnectorError(`session already ${this.state}`, { where: this.ctx.where });
    if (signal.aborted) throw new ConnectorError('run cancelled', { where: this.ctx.where, cause: signal.reason });
  }

  private isFull(object: ObjectUpload): boolean {
    const { maxRecordsPerObject, maxObjectSize } = this.ctx;
    return (maxRecordsPerObject !== undefined && object.records >= maxRecordsPerObject) || (maxObjectSize !== undefined && object.bytes >= maxObjectSize);
  }

  private startObject(): ObjectUpload {
    const key = this.keyFor(this.part);
    this.ctx.claim(this.run, key);
    const object = new ObjectUpload({
      client: this.ctx.client,
      params: { ...this.ctx.params, Bucket: this.ctx.bucket, Key: key },
      encoder: this.ctx.newEncoder(),
      gzip: this.ctx.gzip,
      partSize: this.ctx.partSize,
      queueSize: this.ctx.queueSize,
      logger: this.run.logger,
    });
    this.current = object;
    return object;
  }

  private async completeObject(object: ObjectUpload): Promise<void> {
    await object.complete();
    this.current = undefined;
    this.part++;
    this.completed.push({ key: object.key, records: object.records });
    this.run.logger.debug({ key: object.key, records: object.records }, 'object written');
    if (this.ctx.replaced(this.run, object.key)) {
      this.run.logger.info({ key: object.key }, 'replaced an object a failed attempt of this session had left in the bucket');
    }
  }

  private async fail(error: unknown): Promise<ConnectorError> {
    const key = this.current?.key ?? this.keyFor(this.part);
    const failure = toConnectorError(error, this.ctx.where, this.ctx.bucket, `upload of s3://${this.ctx.bucket}/${key}`);
    await this.cleanUp(failure);
    // The runner dead-letters records with this error: it must say which of them are in the bucket as well.
    const left = this.ctx.leftBehindBy(this.run);
    if (left.length === 0) return failure;
    const listed = left.slice(0, KEYS_IN_MESSAGE).map((object) => `s3://${this.ctx.bucket}/${object.key}`);
    const more = left.length > KEYS_IN_MESSAGE ? `, and ${left.length - KEYS_IN_MESSAGE} more` : '';
    const records = recordsIn(left);
    const prefix = failure.where === undefined ? '' : `${failure.where}: `;
    const message = failure.message.startsWith(prefix) ? failure.message.slice(prefix.length) : failure.message;
    return new ConnectorError(
      `${message}; ${left.length} object(s) of this session could not be deleted and stay in the bucket (${listed.join(', ')}${more}), ` +
        `holding ${records} of its records: delete them before replaying these dead letters, or those records are written twice`,
      {
        where: this.ctx.where,
        retryable: failure.retryable,
        ...(failure.retryAfterMs !== undefined ? { retryAfterMs: failure.retryAfterMs } : {}),
        cause: failure.cause,
      },
    );
  }

  /** Aborts the object in flight and deletes completed ones, so a failed session leaves nothing behind. */
  private async cleanUp(reason: Error): Promise<void> {
    this.state = 'failed';
    const object = this.current;
    this.current = undefined;
    await object?.abort(reason);
    const failures: string[] = [];
    for (const { key, records } of this.completed.splice(0)) {
      try {
        await this.ctx.client.send(new DeleteObjectCommand({ Bucket: this.ctx.bucket, Key: key }));
      } catch (error) {
        this.ctx.leftBehind(this.run, key, records);
        failures.push((error as Error).message);
      }
    }
    if (failures.length === 0) return;
    const left = this.ctx.leftBehindBy(this.run);
    this.run.logger.error(
      {
        bucket: this.ctx.bucket,
        keys: left.map((o) => o.key),
        records: recordsIn(left),
        err: failures[0],
      },
      'objects of a failed session could not be deleted and stay in the bucket. If the session is written again they are replaced; ' +
        'if its records are dead-lettered, these objects hold some of them too: delete the objects before replaying the dead letters, or those records are written twice',
    );
  }
}

/** How many records `objects` hold in all. */
function recordsIn(objects: readonly { readonly records: number }[]): number {
  return objects.reduce((sum, object) => sum + object.records, 0);
}
