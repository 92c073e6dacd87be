import type { Logger } from '@sluice/core';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** One collected log call: level, message, and the merged bindings and fields. */
export interface LogLine {
  readonly level: LogLevel;
  readonly msg: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** A logger that keeps every line in memory, children included. */
export interface MemoryLogger extends Logger {
  readonly lines: LogLine[];
  /** Lines whose message or fields (as JSON) contain `text`. */
  find(text: string, level?: LogLevel): LogLine[];
  /** Everything logged, as one string: handy to assert a secret never appears. */
  text(): string;
}

/** A logger that drops everything. */
export function silentLogger(): Logger {
  const noop = (): void => {};
  const logger: Logger = { debug: noop, info: noop, warn: noop, error: noop, child: () => logger };
  return logger;
}

/**
 * A logger that collects lines for assertions.
 *
 * @example
 * const logger = memoryLogger();
 * await exporter.check(signal);
 * expect(logger.text()).not.toContain('s3cret');
 */
export function memoryLogger(): MemoryLogger {
  return build([], {});
}

function build(lines: LogLine[], bindings: Record<string, unknown>): MemoryLogger {
  const at =
    (level: LogLevel) =>
    (objOrMsg: object | string, msg?: string): void => {
      if (typeof objOrMsg === 'string') lines.push({ level, msg: objOrMsg, fields: { ...bindings } });
      else lines.push({ level, msg: msg ?? '', fields: { ...bindings, ...serialisable(objOrMsg) } });
    };
  return {
    lines,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => build(lines, { ...bindings, ...more }),
    find: (text, level) => lines.filter((l) => (level === undefined || l.level === level) && lineText(l).includes(text)),
    text: () => lines.map(lineText).join('\n'),
  };
}

function serialisable(obj: object): Record<string, unknown> {
  if (obj instanceof Error) return { err: { name: obj.name, message: obj.message } };
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) {
    out[key] = value instanceof Error ? { name: value.name, message: value.message, cause: String(value.cause ?? '') } : value;
  }
  return out;
}

function lineText(line: LogLine): string {
  let fields: string;
  try {
    fields = JSON.stringify(line.fields, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
  } catch {
    fields = String(line.fields);
  }
  return `${line.level} ${line.msg} ${fields}`;
}
