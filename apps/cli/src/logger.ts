import { pino, type Logger as PinoLogger } from 'pino';
import type { Logger } from '@sluice/core';

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

/**
 * pino on stderr (stdout stays free for data such as `sluice schema`):
 * JSON when stderr is piped, human-readable in a terminal.
 */
export async function createLogger(level: string, pretty = process.stderr.isTTY === true): Promise<Logger & PinoLogger> {
  const options = { level, redact: { paths: REDACT, censor: '[redacted]' }, base: undefined };
  if (pretty) {
    const { default: prettyStream } = await import('pino-pretty');
    return pino(options, prettyStream({ destination: 2, colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'run_id', sync: true }));
  }
  return pino(options, pino.destination({ dest: 2, sync: true }));
}
