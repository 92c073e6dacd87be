import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { compileTemplate, RUN_PLACEHOLDERS, runPlaceholders, type CompiledTemplate, type ExportRun } from '@sluice/core';

/** Placeholders a file path may use: the run's, plus `{part}`. */
export const PATH_PLACEHOLDERS: readonly string[] = [...RUN_PLACEHOLDERS, 'part'];

/** Placeholders that differ between runs, so a path using one is written once per run. */
const RUN_UNIQUE = ['run_id', 'timestamp'];

/**
 * A compiled output path: renders one file name per run and part, and
 * refuses any rendering that would leave the template's fixed directory.
 */
export class PathPlan {
  readonly template: CompiledTemplate;
  /** The directory every rendered path stays under: the template's literal prefix, resolved. */
  readonly root: string;
  readonly hasPart: boolean;
  readonly runUnique: boolean;

  constructor(
    source: string,
    readonly baseDir: string,
  ) {
    this.template = compileTemplate(source);
    const unknown = this.template.placeholders.filter((name) => !PATH_PLACEHOLDERS.includes(name));
    if (unknown.length > 0) throw new Error(`path "${source}": unknown placeholder {${unknown.join('}, {')}}`);
    this.hasPart = this.template.placeholders.includes('part');
    this.runUnique = this.template.placeholders.some((name) => RUN_UNIQUE.includes(name));
    const firstBrace = source.search(/\{(?!\{)/);
    const literalPrefix = firstBrace < 0 ? source : source.slice(0, firstBrace);
    this.root = resolve(baseDir, literalPrefix.endsWith('/') ? literalPrefix : dirname(`${literalPrefix}x`));
  }

  /** The absolute path of part `part` (0 = the first file) of a run's session. */
  render(run: ExportRun, part: number): string {
    const values = runPlaceholders(run);
    values.set('part', String(part));
    const rendered = this.template.render((name) => values.get(name));
    if (rendered === undefined) throw new Error(`path "${this.template.source}": a placeholder has no value`);
    const path = resolve(this.baseDir, this.hasPart || part === 0 ? rendered : insertPartSuffix(rendered, part));
    const inside = relative(this.root, path);
    // Belt and braces: sanitised values cannot add segments, but never trust one place alone.
    if (inside === '' || inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside)) {
      throw new Error(`path "${this.template.source}" rendered outside ${this.root}: ${path}`);
    }
    return path;
  }
}

/**
 * `out/run.csv.gz` → `out/run-2.csv.gz`: a part number before the
 * extension (and its `.gz`), or at the end when the name has none.
 */
export function insertPartSuffix(path: string, part: number): string {
  const slash = path.lastIndexOf('/');
  const dir = path.slice(0, slash + 1);
  let name = path.slice(slash + 1);
  let gz = '';
  if (/\.gz$/i.test(name)) {
    gz = name.slice(-3);
    name = name.slice(0, -3);
  }
  const dot = name.lastIndexOf('.');
  return dot > 0 ? `${dir}${name.slice(0, dot)}-${part}${name.slice(dot)}${gz}` : `${dir}${name}-${part}${gz}`;
}
