import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** Whether a path contains glob syntax (`*`, `?`). */
export function isGlob(pattern: string): boolean {
  return /[*?]/.test(pattern);
}

/** Compiles one path segment (`*.csv`, `day-??`) into a regular expression. */
function segmentRegExp(segment: string): RegExp {
  let source = '';
  for (const ch of segment) {
    if (ch === '*') source += '[^/]*';
    else if (ch === '?') source += '[^/]';
    else source += ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/**
 * Expands a glob of `*`, `?` and `**` (any number of directories) into the
 * matching files, sorted. Hidden entries are matched only by a segment that
 * names them explicitly, as shells do. A plain path is returned as is.
 *
 * @example
 * await expandGlob('data/**\/*.csv', '/etc/sluice'); // ['/etc/sluice/data/2024/a.csv', ...]
 */
export async function expandGlob(pattern: string, baseDir: string): Promise<string[]> {
  const absolute = path.resolve(baseDir, pattern);
  if (!isGlob(pattern)) return [absolute];
  const root = path.parse(absolute).root;
  const segments = absolute.slice(root.length).split(path.sep).filter(Boolean);
  // Walk from the deepest directory without wildcards.
  let fixed = 0;
  while (fixed < segments.length && !isGlob(segments[fixed]!)) fixed++;
  const start = path.join(root, ...segments.slice(0, fixed));
  const found = new Set<string>();
  await walk(start, segments.slice(fixed), found);
  return [...found].sort();
}

async function walk(dir: string, rest: readonly string[], found: Set<string>): Promise<void> {
  const [segment, ...tail] = rest;
  if (segment === undefined) return;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  if (segment === '**') {
    // `**` matches zero directories ...
    await walk(dir, tail, found);
    // ... or one more, then itself again.
    for (const entry of entries) {
      if (entry.isDirectory() && !entry.name.startsWith('.')) await walk(path.join(dir, entry.name), rest, found);
    }
    return;
  }
  const matcher = segmentRegExp(segment);
  const explicitDot = segment.startsWith('.');
  for (const entry of entries) {
    if (entry.name.startsWith('.') && !explicitDot) continue;
    if (!matcher.test(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (tail.length === 0) {
      const isFile = entry.isFile() || (entry.isSymbolicLink() && (await stat(full).catch(() => undefined))?.isFile());
      if (isFile) found.add(full);
    } else if (entry.isDirectory() || entry.isSymbolicLink()) {
      await walk(full, tail, found);
    }
  }
}
