import { access, constants, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
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
   * writable, or its nearest existing ancestor is and `mkdir` is on.
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
    await access(dir, constants.W_OK).catch(() => {
      throw this.error(`directory "${displayPath(this.options.baseDir, dir)}" is not writable`);
    });
  }

  /** Discards the temp files of sessions that never ended. */
  async close(): Promise<void> {
    const open = [...this.sessions];
    this.sessions.clear();
    await Promise.all(open.map((session) => session.discard()));
  }

  private error(message: string): ConnectorError {
    return new ConnectorError(message, { where: this.options.where });
  }
}
