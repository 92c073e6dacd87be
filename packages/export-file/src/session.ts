import { access } from 'node:fs/promises';
import type { DataRecord, EncodedBatch, ExportRun, ExportSession, RejectedRecord, WriteResult } from '@sluice/core';
import { ConnectorError } from '@sluice/core';
import { claimPath, describeOwner } from './claims.js';
import { displayPath, fileError } from './errors.js';
import { PartFile } from './part-file.js';
import type { ResolvedFileOptions } from './resolve.js';

/**
 * One run's output for one rule and datasource: part files fill in turn
 * (rolling over at the configured caps) as hidden temp files; `end()`
 * moves them all under their final names, `abort()` removes them.
 */
export class FileSession implements ExportSession {
  private readonly parts: PartFile[] = [];
  private current: PartFile | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private state: 'open' | 'ended' | 'aborted' = 'open';

  constructor(
    private readonly options: ResolvedFileOptions,
    private readonly run: ExportRun,
    private readonly onDone: (session: FileSession) => void,
  ) {}

  write(batch: readonly DataRecord[], signal: AbortSignal): Promise<WriteResult> {
    return this.serial(async () => {
      this.assertOpen();
      return this.discardOnError(() => this.writeParts(batch, signal));
    });
  }

  private async writeParts(batch: readonly DataRecord[], signal: AbortSignal): Promise<WriteResult> {
    signal.throwIfAborted();
    const rejected: RejectedRecord[] = [];
    const { maxRecords, maxBytes } = this.options;
    let encoded: EncodedBatch | undefined;
    let offset = 0;
    while (offset < batch.length) {
      signal.throwIfAborted();
      const part = this.current ?? (await this.startPart());
      const room = maxRecords === undefined ? batch.length : maxRecords - part.count;
      const chunk = offset === 0 && room >= batch.length ? batch : batch.slice(offset, offset + room);
      offset += chunk.length;
      const written = await this.guard('write', part.finalPath, () => part.write(chunk));
      rejected.push(...written.rejected);
      // The whole batch in one part: its JSON lines or CSV rows (if the format made some) can stand for it in the runner's spool.
      if (chunk === batch) encoded = written.encoded;
      if ((maxRecords !== undefined && part.count >= maxRecords) || (maxBytes !== undefined && part.bytes >= maxBytes)) {
        await this.guard('write', part.finalPath, () => part.finish());
        this.current = undefined;
      }
    }
    if (rejected.length > 0) return { rejected };
    return encoded === undefined ? {} : { encoded };
  }

  end(signal: AbortSignal): Promise<WriteResult> {
    return this.serial(async () => {
      this.assertOpen();
      return this.discardOnError(async () => {
        signal.throwIfAborted();
        if (this.parts.length === 0 && this.options.writeEmpty) await this.startPart();
        await this.dropEmptyLastPart();
        for (const part of this.parts) await this.guard('write', part.finalPath, () => part.finish());
        signal.throwIfAborted();
        const overwrite = this.options.ifExists === 'overwrite';
        if (!overwrite) for (const part of this.parts) await this.assertAbsent(part.finalPath);
        for (const part of this.parts) await this.guard('rename into', part.finalPath, () => part.commit(overwrite));
        for (const part of this.parts) {
          this.run.logger.info({ file: displayPath(this.options.baseDir, part.finalPath), records: part.count }, 'file written');
        }
        this.state = 'ended';
        this.onDone(this);
        return {};
      });
    });
  }

  /**
   * A part whose every record was refused holds nothing: like an empty
   * session, it is written only with write_empty, and only as the sole file.
   * Only the last part can be empty, so part numbers stay contiguous.
   */
  private async dropEmptyLastPart(): Promise<void> {
    if (this.options.writeEmpty && this.parts.length === 1) return;
    const last = this.parts.at(-1);
    if (last?.count === 0) {
      this.parts.pop();
      await last.discard();
    }
    this.current = undefined;
  }

  async abort(_reason: Error): Promise<void> {
    if (this.state !== 'open') return;
    // Do not wait for a write stuck on a full disk: remove the temp files now.
    await this.discard();
  }

  /** Session delivery is all or nothing: a failed write or end leaves no file behind. */
  private async discardOnError<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (this.state === 'open') await this.discard();
      throw error;
    }
  }

  /** Removes every temp file of the session. Also used by the exporter's close(). */
  async discard(): Promise<void> {
    if (this.state === 'ended') return;
    this.state = 'aborted';
    this.current = undefined;
    await Promise.all(this.parts.map((part) => part.discard()));
    this.onDone(this);
  }

  private async startPart(): Promise<PartFile> {
    let finalPath: string;
    try {
      finalPath = this.options.plan.render(this.run, this.parts.length);
    } catch (error) {
      throw new ConnectorError((error as Error).message, { where: this.options.where, cause: error });
    }
    this.claim(finalPath);
    if (this.options.ifExists === 'error') await this.assertAbsent(finalPath);
    const part = await this.guard('create', finalPath, () =>
      PartFile.create({
        finalPath,
        format: this.options.format,
        encoderOptions: this.options.encoderOptions,
        gzip: this.options.gzip,
        mkdir: this.options.mkdir,
      }),
    );
    if (this.state !== 'open') {
      // Aborted while the file was being created: nobody else will remove it.
      await part.discard();
      throw new ConnectorError(`session for rule "${this.run.rule}" was aborted`, { where: this.options.where });
    }
    this.parts.push(part);
    this.current = part;
    return part;
  }

  /** Refuses a path another session of this run writes: renaming over its file would lose its records. */
  private claim(path: string): void {
    const owner = claimPath(this.run, path);
    if (owner === undefined) return;
    const { rule, datasource, target, runId } = this.run;
    const missing = ['rule', 'datasource'].filter((name) => !this.options.plan.template.placeholders.includes(name));
    const hint =
      owner.target !== target
        ? 'give the targets different paths'
        : missing.length > 0
          ? `put ${missing.map((name) => `{${name}}`).join(' and ')} in path`
          : 'their names are alike once made safe for a file name (/, \\ and control characters become _): rename one';
    throw new ConnectorError(
      `file "${displayPath(this.options.baseDir, path)}" is written by both ${describeOwner(owner, target)} and rule "${rule}" / datasource "${datasource}" in run ${runId}: ${hint}`,
      { where: this.options.where, retryable: false },
    );
  }

  private async assertAbsent(path: string): Promise<void> {
    const exists = await access(path).then(
      () => true,
      () => false,
    );
    if (exists) {
      throw new ConnectorError(`file "${displayPath(this.options.baseDir, path)}" already exists (if_exists: error)`, {
        where: this.options.where,
      });
    }
  }

  private assertOpen(): void {
    if (this.state !== 'open') {
      throw new ConnectorError(`session for rule "${this.run.rule}" is already ${this.state}`, { where: this.options.where });
    }
  }

  private async guard<T>(action: string, path: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw fileError(this.options.where, this.options.baseDir, action, path, error);
    }
  }

  /** The runner writes in order, but an embedder might not: one operation at a time. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
