import { randomBytes } from 'node:crypto';
import { open, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ConnectorError, type ConnectorDeps, type Exporter, type ExportRun, type ExportSession } from '@sluice/core';
import { displayPath } from './errors.js';
import { resolveFileOptions, type ResolvedFileOptions } from './resolve.js';
import type { FileOptions } from './schema.js';
import { FileSession } from './session.js';

/**
 * Writes each session (one run, rule and datasource) to its own file or
 * files, atomically: nothing appears under a final name before `end()`.
 */
export class FileExporter implements Exporter {
  readonly delivery = 'session' as const;
  private readonly options: ResolvedFileOptions;
  private readonly sessions = new Set<FileSession>();

  constructor(options: FileOptions, deps: Pick<ConnectorDeps, 'baseDir' | 'path'>) {
    this.options = resolveFileOptions(options, deps);
  }

  async open(run: ExportRun): Promise<ExportSession> {
    run.signal.throwIfAborted();
    const session = new FileSession(this.options, run, (done) => this.sessions.delete(done));
    this.sessions.add(session);
    return session;
  }

  /**
   * The output root (the template's fixed directory) exists and is
   * writable, or its nearest existing ancestor is and `mkdir` is on:
   * a hidden probe file is created there and removed.
   */
  async check(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    const { root } = this.options.plan;
    let dir = root;
    for (;;) {
      const info = await stat(dir).catch(() => undefined);
      if (info) {
        if (!info.isDirectory()) throw this.error(`"${displayPath(this.options.baseDir, dir)}" is not a directory`);
        break;
      }
      if (!this.options.mkdir) throw this.error(`directory "${displayPath(this.options.baseDir, dir)}" does not exist (mkdir: false)`);
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
    // A probe file, not access(W_OK): as root that says yes for /proc and /sys, where creating a file fails.
    const probe = join(dir, `.sluice-check-${randomBytes(6).toString('hex')}.tmp`);
    try {
      await (await open(probe, 'wx')).close();
    } catch (error) {
      throw this.error(`directory "${displayPath(this.options.baseDir, dir)}" is not writable: ${(error as Error).message}`);
    }
    await rm(probe, { force: true }).catch(() => {});
  }

  /** Discards the temp files of sessions that never ended. */
  async close(): Promise<void> {
    const unfinished = [...this.sessions];
    this.sessions.clear();
    await Promise.all(unfinished.map((session) => session.discard()));
  }

  private error(message: string): ConnectorError {
    return new ConnectorError(message, { where: this.options.where });
  }
}
