import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from '../vendor/yaml.js';
import { formatPath, type ConfigIssue, type PathSegment } from './issues.js';

/** A parsed config file that can point back at its own lines. */
export interface YamlSource {
  readonly data: unknown;
  readonly issues: ConfigIssue[];
  /** Paths (as `formatPath` writes them) of values that hold an interpolated variable. */
  readonly interpolated: ReadonlySet<string>;
  locate(path: readonly PathSegment[]): { line: number; column: number } | undefined;
}

const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\$\{/g;

/**
 * Parses YAML text, interpolating `${VAR}` and `${VAR:-default}` in string
 * values from `env` (`$${` is a literal `${`). An unset variable without a
 * default is an issue naming the variable and the path.
 */
export function parseYamlSource(text: string, env: Readonly<Record<string, string | undefined>>): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const issues: ConfigIssue[] = [];
  const position = (offset: number): { line: number; column: number } => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };

  // After the first syntax error the parser's view of the rest is guesswork: its later errors are that error's echoes.
  for (const error of [...doc.errors.slice(0, 1), ...doc.warnings]) {
    issues.push({
      path: '(yaml)',
      message: error.code === 'DUPLICATE_KEY' ? duplicateKey(text, error.pos[0]) : syntaxMessage(text, error.message.split('\n')[0] ?? error.message, error.pos[0]),
      severity: doc.errors.includes(error as never) ? 'error' : 'warning',
      ...position(error.pos[0]),
    });
  }

  const interpolated = new Set<string>();
  visit(doc, {
    Scalar(_key, node, ancestry) {
      if (typeof node.value !== 'string' || !node.value.includes('${')) return;
      const raw = node.value;
      interpolated.add(formatPath(pathOf(ancestry, node)));
      node.value = raw.replace(VARIABLE, (match, name: string | undefined, fallback: string | undefined) => {
        if (name === undefined) return '${';
        const value = env[name];
        if (value !== undefined && value !== '') return value;
        if (fallback !== undefined) return fallback;
        issues.push({
          path: formatPath(pathOf(ancestry, node)),
          message: `environment variable ${name} is not set (use \${${name}:-default} for a default)`,
          severity: 'error',
          ...(node.range ? position(node.range[0]) : {}),
        });
        return match;
      });
    },
  });

  const data: unknown = doc.errors.length > 0 ? undefined : doc.toJS({ maxAliasCount: 1000 });
  return {
    data,
    issues,
    interpolated,
    locate(path) {
      const offset = offsetOf(doc, path);
      return offset === undefined ? undefined : position(offset);
    },
  };
}

function pathOf(ancestry: readonly unknown[], target: Node): PathSegment[] {
  const path: PathSegment[] = [];
  let child: unknown = target;
  for (let i = ancestry.length - 1; i >= 0; i--) {
    const parent = ancestry[i];
    if (isPair(parent)) {
      if (parent.value === child && isScalar(parent.key)) path.unshift(String(parent.key.value));
    } else if (isSeq(parent)) {
      path.unshift(parent.items.indexOf(child as never));
    }
    child = parent;
  }
  return path;
}

/** The offset of the deepest YAML node along `path` (the key when the value is absent). */
function offsetOf(doc: Document, path: readonly PathSegment[]): number | undefined {
  let node: unknown = doc.contents;
  let offset: number | undefined = (node as Node | null)?.range?.[0];
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) break;
      offset = (pair.key as Node).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (!item) break;
      node = item;
      offset = (item as Node).range?.[0] ?? offset;
    } else break;
  }
  return offset;
}

/** yaml's message for a repeated key names only its position: name the key too (the text from there up to its colon). */
function duplicateKey(text: string, offset: number): string {
  const rest = text.slice(offset, text.indexOf('\n', offset) === -1 ? undefined : text.indexOf('\n', offset));
  const key = /^\s*("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^:#]*?)\s*:/.exec(rest)?.[1];
  return key ? `duplicate key ${/^["']/.test(key) ? key : JSON.stringify(key)}: a key may appear once per mapping` : 'duplicate key: a key may appear once per mapping';
}

/**
 * yaml's message, with the fix when the line holds an unquoted `${VAR}`
 * inside `{ … }` or `[ … ]`, where YAML reads its braces as structure.
 */
function syntaxMessage(text: string, message: string, offset: number): string {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  const end = text.indexOf('\n', offset);
  const line = text.slice(start, end === -1 ? undefined : end);
  const unquoted = /[{[,]\s*[^"'\s,{[]*\$\{|:\s+\$\{/.exec(line);
  if (unquoted === null || !/[{[]/.test(line)) return message;
  return `${message} (a \${VAR} inside { } or [ ] must be quoted: "\${VAR}")`;
}
