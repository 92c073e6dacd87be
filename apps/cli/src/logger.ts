import { createRequire } from 'node:module';
import type { Logger } from '@sluice/core';
import type { Logger as PinoLogger, LoggerOptions } from 'pino';

/** Keys whose values never reach a log line. */
const REDACT = [
  'password',
  'token',
  'secret',
  'authorization',
  'Authorization',
  '*.password',
  '*.token',
  '*.secret',
  '*.authorization',
  '*.Authorization',
  'headers.authorization',
  'headers.Authorization',
];

/** pino's level numbers. */
const LEVELS: Readonly<Record<string, number>> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Number.POSITIVE_INFINITY };

/** The CLI's logger: core's interface plus `fatal`. */
export interface CliLogger extends Logger {
  fatal(obj: object, msg?: string): void;
  fatal(msg: string): void;
  child(bindings: object): CliLogger;
}

type Method = 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/**
 * Creates the pino logger on the first line that passes the level: a run
 * that logs nothing (`log_level: warn` and all goes well) never loads pino,
 * ~35 ms of start-up. Below the level, calls cost a comparison.
 */
class LazyLogger implements CliLogger {
  private real: PinoLogger | undefined;

  constructor(
    private readonly threshold: number,
    private readonly make: () => PinoLogger,
  ) {}

  private log(level: number, method: Method, args: unknown[]): void {
    if (level < this.threshold) return;
    this.real ??= this.make();
    (this.real[method] as (...values: unknown[]) => void)(...args);
  }

  debug(...args: unknown[]): void {
    this.log(20, 'debug', args);
  }

  info(...args: unknown[]): void {
    this.log(30, 'info', args);
  }

  warn(...args: unknown[]): void {
    this.log(40, 'warn', args);
  }

  error(...args: unknown[]): void {
    this.log(50, 'error', args);
  }

  fatal(...args: unknown[]): void {
    this.log(60, 'fatal', args);
  }

  child(bindings: object): CliLogger {
    return new LazyLogger(this.threshold, () => (this.real ??= this.make()).child(bindings));
  }
}

/**
 * pino on stderr (stdout stays free for data such as `sluice schema`):
 * JSON when stderr is piped, human-readable in a terminal.
 */
export async function createLogger(level: string, pretty = process.stderr.isTTY === true): Promise<CliLogger> {
  const options: LoggerOptions = { level, redact: { paths: REDACT, censor: '[redacted]' }, base: undefined };
  // pino and pino-pretty are CommonJS: required synchronously when the first line is written.
  const require = createRequire(import.meta.url);
  const make = (): PinoLogger => {
    const { pino } = require('./vendor/pino.cjs') as typeof import('pino');
    if (pretty) {
      const prettyStream = require('pino-pretty') as typeof import('pino-pretty');
      return pino(options, prettyStream({ destination: 2, colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'run_id', sync: true }));
    }
    return pino(options, pino.destination({ dest: 2, sync: true }));
  };
  return new LazyLogger(LEVELS[level] ?? LEVELS.info!, make);
}
