import { randomBytes } from 'node:crypto';
import { link, mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import type { WriteStream } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { RejectedRecord, DataRecord } from '@sluice/core';
import { createEncodedStream, createEncoder, type EncodedStream, type EncoderOptions, type FormatName } from '@sluice/formats';

/** How a part file is encoded and where. */
export interface PartSpec {
  readonly finalPath: string;
  readonly format: FormatName;
  readonly encoderOptions: EncoderOptions;
  readonly gzip: boolean;
  readonly mkdir: boolean;
}

/**
 * One output file in the making: records stream into a hidden temp file
 * beside the final name (`.<name>.<random>.tmp`, same directory so the
 * rename is atomic); `finish()` flushes and fsyncs it, `commit()` moves it
 * under its final name, `discard()` removes it.
 */
export class PartFile {
  readonly tempPath: string;
  private handle: FileHandle | undefined;
  private stream: EncodedStream | undefined;
  private out: WriteStream | undefined;
  private records = 0;
  private finished = false;

  private constructor(readonly spec: PartSpec) {
    this.tempPath = join(dirname(spec.finalPath), `.${basename(spec.finalPath)}.${randomBytes(6).toString('hex')}.tmp`);
  }

  /** Creates the temp file (and its directory, when allowed). */
  static async create(spec: PartSpec): Promise<PartFile> {
    const part = new PartFile(spec);
    if (spec.mkdir) await mkdir(dirname(spec.finalPath), { recursive: true });
    part.handle = await open(part.tempPath, 'wx');
    try {
      part.out = part.handle.createWriteStream({ flush: true });
      part.stream = createEncodedStream(createEncoder(spec.format, spec.encoderOptions), part.out, { gzip: spec.gzip });
    } catch (error) {
      await part.discard();
      throw error;
    }
    return part;
  }

  get finalPath(): string {
    return this.spec.finalPath;
  }

  /** Records accepted into this file. */
  get count(): number {
    return this.records;
  }

  /** Uncompressed bytes encoded so far. */
  get bytes(): number {
    return this.stream?.bytesWritten ?? 0;
  }

  /** Encodes a batch into the file; `encoded` as {@link EncodedStream.write} gives it. */
  async write(batch: readonly DataRecord[]): Promise<Awaited<ReturnType<EncodedStream['write']>>> {
    const result = await this.stream!.write(batch);
    this.records += batch.length - result.rejected.length;
    return result;
  }

  /** Writes the encoder's tail, fsyncs and closes the temp file. */
  async finish(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    // `flush: true`: the stream fsyncs the file before it closes the handle.
    await this.stream!.end();
    this.handle = undefined;
  }

  /**
   * Moves the finished temp file under its final name. With `overwrite`
   * false the move fails if the name exists (link() never replaces).
   */
  async commit(overwrite: boolean): Promise<void> {
    if (overwrite) {
      await rename(this.tempPath, this.spec.finalPath);
    } else {
      await link(this.tempPath, this.spec.finalPath);
      await rm(this.tempPath, { force: true });
    }
    await syncDirectory(dirname(this.spec.finalPath));
  }

  /** Closes and removes the temp file; never throws. */
  async discard(): Promise<void> {
    this.finished = true;
    this.out?.destroy();
    await this.handle?.close().catch(() => {});
    this.handle = undefined;
    await rm(this.tempPath, { force: true }).catch(() => {});
  }
}

/** Makes a rename durable: the directory entry itself must reach the disk. */
async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Some filesystems refuse fsync on directories; the rename still happened.
  } finally {
    await handle?.close().catch(() => {});
  }
}
