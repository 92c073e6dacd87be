import { closestMatch } from '../text.js';
import type { z } from 'zod';

/** One problem found in a config, located by path and (where known) YAML line. */
export interface ConfigIssue {
  /** Dotted config path, e.g. `export_targets.alerts.url` or `processing_rules[0].threshold_type`. */
  readonly path: string;
  readonly message: string;
  /** 1-based line in the YAML file, when the YAML has a node for the path. */
  readonly line?: number;
  readonly column?: number;
  readonly severity: 'error' | 'warning';
}

export type PathSegment = string | number;

/** `['processing_rules', 0, 'name']` → `processing_rules[0].name`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out || '(root)';
}

/** Renders issues one per line, `file:line path: message`, the way editors link them. */
export function formatIssues(issues: readonly ConfigIssue[], file?: string): string {
  return issues
    .map((issue) => {
      const where = file ? `${file}${issue.line ? `:${issue.line}${issue.column ? `:${issue.column}` : ''}` : ''}` : issue.line ? `line ${issue.line}` : '';
      const tag = issue.severity === 'warning' ? 'warning' : 'error';
      return `${where ? `${where} ` : ''}${tag}: ${issue.path}: ${issue.message}`;
    })
    .join('\n');
}

/** The closest candidate within a small edit distance, for "did you mean" hints. */
export function didYouMean(input: string, candidates: Iterable<string>): string | undefined {
  return closestMatch(input, candidates, Math.max(2, Math.floor(input.length / 3)));
}

type ZodDef = { type: string; [key: string]: unknown };
const defOf = (schema: unknown): ZodDef | undefined => (schema as { _zod?: { def?: ZodDef } })?._zod?.def;

/** The keys an object schema accepts at `path` (walking wrappers, arrays, records, unions, lazies). */
export function knownKeysAt(schema: z.ZodType, path: readonly PathSegment[]): string[] {
  const found = new Set<string>();
  const visit = (node: unknown, rest: readonly PathSegment[], depth: number): void => {
    const def = defOf(node);
    if (!def || depth > 40) return;
    switch (def.type) {
      case 'optional':
      case 'nullable':
      case 'default':
      case 'prefault':
      case 'catch':
      case 'readonly':
      case 'nonoptional':
        return visit(def.innerType, rest, depth + 1);
      case 'pipe':
        return visit(def.in, rest, depth + 1);
      case 'lazy':
        return visit((def.getter as () => unknown)(), rest, depth + 1);
      case 'union':
        for (const option of def.options as unknown[]) visit(option, rest, depth + 1);
        return;
      case 'intersection':
        visit(def.left, rest, depth + 1);
        visit(def.right, rest, depth + 1);
        return;
      case 'array':
        if (typeof rest[0] === 'number') visit(def.element, rest.slice(1), depth + 1);
        return;
      case 'record':
        if (rest.length > 0) visit(def.valueType, rest.slice(1), depth + 1);
        return;
      case 'object': {
        const shape = def.shape as Record<string, unknown>;
        if (rest.length === 0) {
          for (const key of Object.keys(shape)) found.add(key);
          return;
        }
        const next = shape[String(rest[0])];
        if (next) visit(next, rest.slice(1), depth + 1);
        return;
      }
      default:
        return;
    }
  };
  visit(schema, path, 0);
  return [...found];
}

/**
 * Turns zod issues into config issues under `prefix`, adding did-you-mean
 * hints for unknown keys and enum values.
 */
export function zodIssues(
  error: z.ZodError,
  schema: z.ZodType,
  prefix: readonly PathSegment[],
  locate: (path: readonly PathSegment[]) => { line: number; column: number } | undefined,
): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const walk = (issues: readonly z.core.$ZodIssue[], base: readonly PathSegment[]): void => {
    for (const issue of issues) {
      const local = [...base, ...(issue.path as PathSegment[])];
      if (issue.code === 'invalid_union' && 'errors' in issue && issue.errors.length > 0) {
        // Report the branch that got furthest: the one with the deepest, fewest issues.
        const ranked = [...issue.errors].sort((a, b) => depthOf(b) - depthOf(a) || a.length - b.length);
        walk(ranked[0]!, local);
        continue;
      }
      if (issue.code === 'unrecognized_keys') {
        const known = knownKeysAt(schema, local);
        for (const key of issue.keys) {
          const hint = didYouMean(key, known);
          const full = [...prefix, ...local, key];
          out.push({
            path: formatPath(full),
            message: `unknown key "${key}"${hint ? ` (did you mean "${hint}"?)` : known.length ? ` (expected one of: ${known.join(', ')})` : ''}`,
            severity: 'error',
            ...locate(full),
          });
        }
        continue;
      }
      const full = [...prefix, ...local];
      out.push({ path: formatPath(full), message: messageOf(issue), severity: 'error', ...locate(full) });
    }
  };
  walk(error.issues, []);
  return out;
}

function depthOf(issues: readonly z.core.$ZodIssue[]): number {
  return Math.max(0, ...issues.map((issue) => issue.path.length));
}

function messageOf(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && issue.message.startsWith('Invalid input')) {
    const received = (issue as { input?: unknown }).input;
    if (received === undefined) return `required (expected ${issue.expected})`;
    return `expected ${issue.expected}, got ${describeValue(received)}`;
  }
  if (issue.code === 'invalid_value' && issue.message.startsWith('Invalid')) {
    const input = (issue as { input?: unknown }).input;
    const values = issue.values.map(String);
    const hint = typeof input === 'string' ? didYouMean(input, values) : undefined;
    return `${describeValue(input)} is not allowed${hint ? ` (did you mean "${hint}"?)` : ''}; expected one of: ${values.join(', ')}`;
  }
  return issue.message;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return `${typeof value} ${String(value)}`;
}
