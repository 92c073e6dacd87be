import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import type { RuleConfig } from '../rules/schema.js';
import type { ConnectorDefinition, ExportRoute, Settings } from '../types.js';
import { didYouMean, formatPath, zodIssues, type ConfigIssue, type PathSegment } from './issues.js';
import { envelopeSchema, settingsSchema, type SettingsConfig } from './schema.js';
import { parseYamlSource, type YamlSource } from './yaml-source.js';

export type ConnectorKind = 'source' | 'exporter';

/**
 * Finds the connector for a `type`. Returns the definition, or a message
 * (unknown type with the known ones listed; known but not installed with
 * the package to install).
 */
export type ConnectorResolver = (kind: ConnectorKind, type: string) => Promise<ConnectorDefinition | { readonly error: string }>;

/** One validated datasource or export target. */
export interface ConnectorSection {
  readonly name: string;
  readonly type: string;
  /** `datasources.my_database` */
  readonly path: string;
  readonly definition: ConnectorDefinition;
  /** The options after the connector's schema parsed them (defaults applied, `type` removed). */
  readonly options: unknown;
}

/** A fully validated pipeline config. */
export interface PipelineConfig {
  readonly settings: Settings;
  readonly datasources: readonly ConnectorSection[];
  readonly targets: readonly ConnectorSection[];
  readonly rules: readonly RuleConfig[];
  /** Directory relative paths resolve against (the config file's). */
  readonly baseDir: string;
  readonly file?: string;
}

export interface LoadResult {
  /** Present only when there are no errors. */
  readonly config?: PipelineConfig;
  /** Errors and warnings, in file order. */
  readonly issues: readonly ConfigIssue[];
}

export interface LoadOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly resolve: ConnectorResolver;
  /** Directory for relative paths; defaults to the file's directory or the working directory. */
  readonly baseDir?: string;
  readonly file?: string;
}

/** Reads, interpolates and validates a config file. Nothing connects. */
export async function loadConfigFile(file: string, options: Omit<LoadOptions, 'file'>): Promise<LoadResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
    return { issues: [{ path: '(file)', message: `cannot read config ${file}: ${reason}`, severity: 'error' }] };
  }
  return loadConfig(text, { ...options, file, baseDir: options.baseDir ?? path.dirname(path.resolve(file)) });
}

/**
 * Validates config text in three passes and reports every issue at once:
 * the envelope (core), each connector section by its own schema, then
 * cross-references (rules name existing datasources and targets).
 */
export async function loadConfig(text: string, options: LoadOptions): Promise<LoadResult> {
  const source = parseYamlSource(text, options.env ?? process.env);
  const issues: ConfigIssue[] = [...source.issues];
  const data = source.data;
  if (data === undefined || data === null || typeof data !== 'object' || Array.isArray(data)) {
    if (!issues.some((issue) => issue.severity === 'error')) {
      issues.push({ path: '(root)', message: 'the config must be a mapping with datasources, processing_rules and export_targets', severity: 'error' });
    }
    return { issues: sortIssues(issues) };
  }

  const envelope = parseInterpolated(envelopeSchema, data, [], source.interpolated);
  if (!envelope.success) issues.push(...zodIssues(envelope.error, envelopeSchema, [], source.locate));

  const raw = data as Record<string, unknown>;
  const [datasources, targets] = await Promise.all([
    validateSections(raw.datasources, 'datasources', 'source', options.resolve, source, issues),
    validateSections(raw.export_targets, 'export_targets', 'exporter', options.resolve, source, issues),
  ]);
  checkReferences(raw.processing_rules, raw.datasources, raw.export_targets, source, issues);
  checkRoutes(raw.processing_rules, datasources, targets, source, issues);

  // A value whose variable was unset fails its schema too; the variable is the news.
  const unset = new Set(source.issues.map((issue) => issue.path));
  const sorted = sortIssues(issues.filter((issue, index) => index < source.issues.length || !unset.has(issue.path)));
  if (!envelope.success || sorted.some((issue) => issue.severity === 'error')) return { issues: sorted };
  const file = options.file;
  return {
    issues: sorted,
    config: {
      settings: toSettings(envelope.data.settings, options.baseDir ?? process.cwd()),
      datasources,
      targets,
      rules: envelope.data.processing_rules,
      baseDir: options.baseDir ?? process.cwd(),
      ...(file ? { file } : {}),
    },
  };
}

/** How a value read from the environment is written when a number or a boolean is expected. */
const NUMBER_TEXT = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

/**
 * `schema.safeParse(value)`, except that a value holding a `${VAR}` (always a
 * string after interpolation) where the schema expects a number or a boolean
 * is read as one when its text is one: `port: ${PGPORT:-5432}` is the port
 * 5432, while `password: ${PGPASSWORD}` stays a string whatever it holds.
 * Such values are converted in place and the value parsed again.
 */
function parseInterpolated<T extends z.ZodType>(schema: T, value: unknown, base: readonly PathSegment[], interpolated: ReadonlySet<string>) {
  let parsed = schema.safeParse(value, { reportInput: true });
  if (interpolated.size === 0) return parsed;
  // Each round can only reveal values inside ones it converted; a few rounds cover any nesting a config has.
  for (let round = 0; round < 4 && !parsed.success; round++) {
    let converted = false;
    for (const issue of parsed.error.issues) {
      const wanted = scalarWanted(issue);
      if (wanted === undefined || typeof issue.input !== 'string') continue;
      if (!interpolated.has(formatPath([...base, ...(issue.path as PathSegment[])]))) continue;
      const text = issue.input.trim();
      let next: number | boolean | undefined;
      if (wanted === 'number' && NUMBER_TEXT.test(text) && Number.isFinite(Number(text))) next = Number(text);
      else if (wanted === 'boolean' && /^(?:true|false)$/i.test(text)) next = text.toLowerCase() === 'true';
      if (next === undefined || !setAt(value, issue.path as PathSegment[], next)) continue;
      converted = true;
    }
    if (!converted) break;
    parsed = schema.safeParse(value, { reportInput: true });
  }
  return parsed;
}

/** The scalar type an issue says was expected: a plain type mismatch, or one branch of a union. */
function scalarWanted(issue: z.core.$ZodIssue): 'number' | 'boolean' | undefined {
  if (issue.code === 'invalid_type') return scalarType(issue.expected);
  if (issue.code !== 'invalid_union') return undefined;
  for (const branch of issue.errors) {
    const [only] = branch;
    if (branch.length === 1 && only?.code === 'invalid_type' && only.path.length === 0) {
      const wanted = scalarType(only.expected);
      if (wanted !== undefined) return wanted;
    }
  }
  return undefined;
}

function scalarType(expected: string): 'number' | 'boolean' | undefined {
  return expected === 'number' || expected === 'boolean' ? expected : undefined;
}

function setAt(root: unknown, path: readonly PathSegment[], value: unknown): boolean {
  if (path.length === 0) return false;
  let node = root;
  for (const segment of path.slice(0, -1)) {
    if (node === null || typeof node !== 'object') return false;
    node = (node as Record<string | number, unknown>)[segment];
  }
  if (node === null || typeof node !== 'object') return false;
  (node as Record<string | number, unknown>)[path[path.length - 1]!] = value;
  return true;
}

async function validateSections(
  value: unknown,
  key: 'datasources' | 'export_targets',
  kind: ConnectorKind,
  resolve: ConnectorResolver,
  source: YamlSource,
  issues: ConfigIssue[],
): Promise<ConnectorSection[]> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  const entries = Object.entries(value as Record<string, unknown>);
  const resolved = await Promise.all(
    entries.map(async ([name, section]) => {
      if (section === null || typeof section !== 'object' || typeof (section as { type?: unknown }).type !== 'string') return undefined;
      const { type, ...options } = section as { type: string } & Record<string, unknown>;
      const definition = await resolve(kind, type);
      const sectionPath: PathSegment[] = [key, name];
      if ('error' in definition) {
        const at = [...sectionPath, 'type'];
        issues.push({ path: formatPath(at), message: definition.error, severity: 'error', ...source.locate(at) });
        return undefined;
      }
      const parsed = parseInterpolated(definition.schema as z.ZodType, options, sectionPath, source.interpolated);
      if (!parsed.success) {
        issues.push(...zodIssues(parsed.error, definition.schema as z.ZodType, sectionPath, source.locate));
        return undefined;
      }
      return { name, type, path: formatPath(sectionPath), definition, options: parsed.data } satisfies ConnectorSection;
    }),
  );
  return resolved.filter((section): section is ConnectorSection => section !== undefined);
}

const namesOf = (value: unknown): string[] => (value && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value) : []);
const listOf = (one: unknown, many: unknown): unknown[] => [...(one === undefined ? [] : [one]), ...(Array.isArray(many) ? many : [])];

function checkReferences(rules: unknown, datasources: unknown, targets: unknown, source: YamlSource, issues: ConfigIssue[]): void {
  if (!Array.isArray(rules)) return;
  const sourceNames = namesOf(datasources);
  const targetNames = namesOf(targets);
  const usedSources = new Set<string>();
  const usedTargets = new Set<string>();
  const seenRules = new Map<string, number>();
  const report = (at: PathSegment[], message: string, severity: ConfigIssue['severity'] = 'error'): void => {
    issues.push({ path: formatPath(at), message, severity, ...source.locate(at) });
  };

  rules.forEach((rule, index) => {
    if (rule === null || typeof rule !== 'object') return;
    const r = rule as Record<string, unknown>;
    if (typeof r.name === 'string') {
      const first = seenRules.get(r.name);
      if (first !== undefined) report(['processing_rules', index, 'name'], `duplicate rule name "${r.name}" (also processing_rules[${first}])`);
      else seenRules.set(r.name, index);
    }
    const check = (names: unknown[], known: string[], used: Set<string>, single: string, plural: string, what: string): void => {
      names.forEach((name, i) => {
        if (typeof name !== 'string') return;
        used.add(name);
        if (known.includes(name)) return;
        const at: PathSegment[] = r[single] !== undefined && i === 0 ? ['processing_rules', index, single] : ['processing_rules', index, plural, r[single] !== undefined ? i - 1 : i];
        const hint = didYouMean(name, known);
        report(at, `no ${what} named "${name}"${hint ? ` (did you mean "${hint}"?)` : known.length ? ` (defined: ${known.join(', ')})` : ''}`);
      });
    };
    const ruleSources = listOf(r.datasource, r.datasources);
    if (ruleSources.length === 0) sourceNames.forEach((name) => usedSources.add(name));
    check(ruleSources, sourceNames, usedSources, 'datasource', 'datasources', 'datasource');
    check(listOf(r.export_target, r.export_targets), targetNames, usedTargets, 'export_target', 'export_targets', 'export target');
  });

  for (const name of sourceNames) if (!usedSources.has(name)) report(['datasources', name], 'no rule reads this datasource; it will not be read', 'warning');
  for (const name of targetNames) if (!usedTargets.has(name)) report(['export_targets', name], 'no rule exports to this target', 'warning');
}

/**
 * Gives each export target whose connector asks (`checkRoutes`) the routes
 * that deliver to it: every rule × datasource it reads (all datasources when
 * a rule names none) × target.
 */
function checkRoutes(rules: unknown, datasources: readonly ConnectorSection[], targets: readonly ConnectorSection[], source: YamlSource, issues: ConfigIssue[]): void {
  if (!Array.isArray(rules)) return;
  const sourceNames = datasources.map((section) => section.name);
  for (const target of targets) {
    const check = target.definition.checkRoutes;
    if (check === undefined) continue;
    const routes: ExportRoute[] = [];
    for (const rule of rules) {
      if (rule === null || typeof rule !== 'object' || typeof (rule as { name?: unknown }).name !== 'string') continue;
      const r = rule as Record<string, unknown>;
      if (!listOf(r.export_target, r.export_targets).includes(target.name)) continue;
      const named = listOf(r.datasource, r.datasources).filter((name): name is string => typeof name === 'string');
      for (const datasource of named.length > 0 ? named : sourceNames) {
        if (sourceNames.includes(datasource)) routes.push({ rule: r.name as string, datasource, target: target.name });
      }
    }
    if (routes.length < 2) continue;
    for (const issue of check(target.options, routes)) {
      const at: PathSegment[] = issue.field === undefined ? ['export_targets', target.name] : ['export_targets', target.name, issue.field];
      issues.push({ path: formatPath(at), message: issue.message, severity: 'error', ...source.locate(at) });
    }
  }
}

function toSettings(settings: SettingsConfig, baseDir: string): Settings {
  return {
    batchSize: settings.batch_size,
    maxConcurrency: settings.max_concurrency,
    retry: { attempts: settings.retry.attempts, initialDelay: settings.retry.initial_delay, maxDelay: settings.retry.max_delay },
    timeout: settings.timeout,
    deadLetter: { path: path.resolve(baseDir, settings.dead_letter.path) },
    logLevel: settings.log_level,
  };
}

/** Default settings, for embedders that build a pipeline without a file. */
export function defaultSettings(baseDir = process.cwd()): Settings {
  return toSettings(settingsSchema.parse({}), baseDir);
}

function sortIssues(issues: ConfigIssue[]): ConfigIssue[] {
  return issues
    .map((issue, order) => ({ issue, order }))
    .sort((a, b) => (a.issue.line ?? Infinity) - (b.issue.line ?? Infinity) || a.order - b.order)
    .map(({ issue }) => issue);
}
