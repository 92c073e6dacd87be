import { ConnectorError, type ConnectorDeps } from '@sluice/core';
import { formatFromPath, type EncoderOptions, type FormatName } from '@sluice/formats';
import { parseByteSize } from './bytes.js';
import { PathPlan } from './paths.js';
import type { FileOptions } from './schema.js';

/** Options with every derived default settled, as the session uses them. */
export interface ResolvedFileOptions {
  readonly plan: PathPlan;
  readonly format: FormatName;
  readonly encoderOptions: EncoderOptions;
  readonly gzip: boolean;
  readonly maxRecords: number | undefined;
  readonly maxBytes: number | undefined;
  readonly ifExists: 'overwrite' | 'error';
  readonly writeEmpty: boolean;
  readonly mkdir: boolean;
  readonly baseDir: string;
  /** Config path for error messages, e.g. `export_targets.archive`. */
  readonly where: string;
}

/** Settles the defaults that depend on other options (format from the extension, if_exists from the template). */
export function resolveFileOptions(options: FileOptions, deps: Pick<ConnectorDeps, 'baseDir' | 'path'>): ResolvedFileOptions {
  let plan: PathPlan;
  try {
    plan = new PathPlan(options.path, deps.baseDir);
  } catch (error) {
    throw new ConnectorError((error as Error).message, { where: `${deps.path}.path`, cause: error });
  }
  const format = options.format ?? formatFromPath(options.path);
  if (!format) throw new ConnectorError(`cannot tell the format from "${options.path}"`, { where: `${deps.path}.format` });
  return {
    plan,
    format,
    encoderOptions: { csv: options.csv, parquet: options.parquet },
    gzip: options.compression ? options.compression === 'gzip' : /\.gz$/i.test(options.path),
    maxRecords: options.max_records_per_file,
    maxBytes: options.max_bytes_per_file === undefined ? undefined : parseByteSize(options.max_bytes_per_file),
    ifExists: options.if_exists ?? (plan.runUnique ? 'overwrite' : 'error'),
    writeEmpty: options.write_empty,
    mkdir: options.mkdir,
    baseDir: deps.baseDir,
    where: deps.path,
  };
}
