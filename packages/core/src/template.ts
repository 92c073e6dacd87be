import type { ExportRoute, RouteIssue } from './types.js';

/**
 * Output-path and key templates: `out/{rule}/{date}/{run_id}-{part}.parquet`,
 * `alert:{rule}:{sensor_id}`. A placeholder is `{name}`; `{{` and `}}` are
 * literal braces.
 */
export interface CompiledTemplate {
  readonly source: string;
  /** Placeholder names in order of appearance, without duplicates. */
  readonly placeholders: readonly string[];
  /**
   * Renders with a lookup. A value is sanitised so it cannot add path
   * segments: `/`, `\`, NUL and control characters become `_`, and `.` or
   * `..` alone become `_`. Returns undefined when a placeholder has no value
   * (missing, null, or an object) so callers can dead-letter the record.
   */
  render(lookup: (name: string) => unknown): string | undefined;
}

type Part = string | { readonly name: string };

export function compileTemplate(source: string): CompiledTemplate {
  const parts: Part[] = [];
  const names: string[] = [];
  let literal = '';
  for (let i = 0; i < source.length; i++) {
    const ch = source[i]!;
    if ((ch === '{' || ch === '}') && source[i + 1] === ch) {
      literal += ch;
      i++;
      continue;
    }
    if (ch === '{') {
      const close = source.indexOf('}', i);
      if (close < 0) throw new Error(`template "${source}": "{" at ${i} is never closed`);
      const name = source.slice(i + 1, close).trim();
      if (!/^[A-Za-z_][\w.-]*$/.test(name)) throw new Error(`template "${source}": bad placeholder "{${name}}"`);
      if (literal) parts.push(literal);
      literal = '';
      parts.push({ name });
      if (!names.includes(name)) names.push(name);
      i = close;
      continue;
    }
    if (ch === '}') throw new Error(`template "${source}": unmatched "}" at ${i}`);
    literal += ch;
  }
  if (literal) parts.push(literal);

  return {
    source,
    placeholders: names,
    render(lookup) {
      let out = '';
      for (const part of parts) {
        if (typeof part === 'string') {
          out += part;
          continue;
        }
        const value = lookup(part.name);
        const text = templateValue(value);
        if (text === undefined) return undefined;
        out += text;
      }
      return out;
    },
  };
}

function templateValue(value: unknown): string | undefined {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') text = String(value);
  else if (value instanceof Date) text = Number.isNaN(value.getTime()) ? '' : value.toISOString();
  else return undefined;
  return sanitizeSegment(text);
}

/** Makes one value safe as (part of) a single path segment or key part. */
export function sanitizeSegment(text: string): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = text.replace(/[/\\\u0000-\u001f\u007f]/g, '_');
  return cleaned === '.' || cleaned === '..' || cleaned === '' ? '_' : cleaned;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** The names {@link runPlaceholders} provides, for validating templates up front. */
export const RUN_PLACEHOLDERS = [
  'rule',
  'datasource',
  'target',
  'run_id',
  'date',
  'time',
  'year',
  'month',
  'day',
  'hour',
  'minute',
  'second',
  'timestamp',
] as const;

/**
 * The placeholders every output template may use, from the run's context:
 * rule, datasource, target, run_id, date (YYYY-MM-DD), time (HHmmss),
 * year, month, day, hour, minute, second, timestamp (epoch ms), part.
 * Times are the run's start, in UTC.
 */
export function runPlaceholders(run: {
  readonly runId: string;
  readonly runStartedAt: Date;
  readonly rule: string;
  readonly datasource: string;
  readonly target: string;
}): Map<string, string> {
  const t = run.runStartedAt;
  const [year, month, day] = [t.getUTCFullYear(), pad(t.getUTCMonth() + 1), pad(t.getUTCDate())];
  const [hour, minute, second] = [pad(t.getUTCHours()), pad(t.getUTCMinutes()), pad(t.getUTCSeconds())];
  return new Map([
    ['rule', run.rule],
    ['datasource', run.datasource],
    ['target', run.target],
    ['run_id', run.runId],
    ['date', `${year}-${month}-${day}`],
    ['time', `${hour}${minute}${second}`],
    ['year', String(year)],
    ['month', month],
    ['day', day],
    ['hour', hour],
    ['minute', minute],
    ['second', second],
    ['timestamp', String(t.getTime())],
  ]);
}

/**
 * Two routes whose sessions render `template` to the same text in every
 * run (a template without `{rule}` or `{datasource}`, or names that
 * sanitise alike), or undefined. Placeholders other than the run's stay as
 * they are written: they never tell two routes apart. An invalid template
 * gives undefined (its schema reports it).
 */
export function routeCollision(template: string, routes: readonly ExportRoute[]): readonly [ExportRoute, ExportRoute] | undefined {
  let compiled: CompiledTemplate;
  try {
    compiled = compileTemplate(template);
  } catch {
    return undefined;
  }
  const at = new Date(0);
  const seen = new Map<string, ExportRoute>();
  for (const route of routes) {
    const values = runPlaceholders({ runId: 'run', runStartedAt: at, ...route });
    const text = compiled.render((name) => values.get(name) ?? `{${name}}`);
    if (text === undefined) continue;
    const other = seen.get(text);
    if (other !== undefined) return [other, route];
    seen.set(text, route);
  }
  return undefined;
}

/**
 * The issue an exporter's `checkRoutes` reports when two routes render its
 * `field` template (a `what`: file, key) to the same text, with the fix.
 */
export function routeCollisionIssues(template: string, routes: readonly ExportRoute[], field: string, what: string): RouteIssue[] {
  const pair = routeCollision(template, routes);
  if (pair === undefined) return [];
  const [a, b] = pair;
  const placeholders = compileTemplate(template).placeholders;
  const missing = (['rule', 'datasource'] as const).filter((name) => a[name] !== b[name] && !placeholders.includes(name));
  const hint =
    missing.length > 0
      ? `put ${missing.map((name) => `{${name}}`).join(' and ')} in ${field}`
      : 'their names are alike once made safe (/, \\ and control characters become _): rename one';
  return [
    {
      field,
      message: `rule "${a.rule}" / datasource "${a.datasource}" and rule "${b.rule}" / datasource "${b.datasource}" would write the same ${what} in every run: ${hint}`,
    },
  ];
}
