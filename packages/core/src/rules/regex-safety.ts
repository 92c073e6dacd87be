/**
 * A conservative guard against regular expressions whose backtracking can
 * explode (ReDoS). `matches` patterns come from config only, so we reject
 * risky shapes at validation time instead of time-boxing every test:
 *
 * 1. nested quantifiers: a repetition (`*`, `+`, `{n,}`, `{n,m}` with m > 1)
 *    around anything of variable length (`(a+)+`, `(.*)*`, `(\w+\s?)+`),
 *    unless both are bounded and small (`(\d{1,3}\.){3}` is fine);
 * 2. alternation inside a repetition whose branches can start with the same
 *    character or match the empty string (`(a|a)*`, `(a|ab)+`);
 * 3. two adjacent unbounded quantifiers over overlapping characters
 *    (`\d+\d+`, `.*.*`, `a*a?a*`), which backtrack polynomially;
 * 4. backreferences (`\1`, `\k<name>`).
 *
 * Some safe patterns are rejected too (the checker errs on the safe side);
 * they can always be rewritten (`(ab|ac)+` → `(a[bc])+`).
 */

/** Longest `matches` pattern accepted, in characters. */
export const MAX_PATTERN_LENGTH = 512;

/** Flags a `matches` pattern may carry. `g` and `y` would make `test()` stateful. */
export const ALLOWED_FLAGS = 'imsu';

type CharSet = { readonly src: string };

type Node =
  | { readonly t: 'atom'; readonly set: CharSet }
  | { readonly t: 'assert' }
  | { readonly t: 'seq'; readonly items: readonly Node[] }
  | { readonly t: 'alt'; readonly branches: readonly Node[] }
  | { readonly t: 'group'; readonly body: Node; readonly look: boolean }
  | { readonly t: 'quant'; readonly body: Node; readonly min: number; readonly max: number };

class Unsafe extends Error {}

class Parser {
  private i = 0;
  constructor(
    private readonly s: string,
    private readonly unicode: boolean,
  ) {}

  parse(): Node {
    const node = this.alt();
    if (this.i < this.s.length) throw new Unsafe('unbalanced ")"');
    return node;
  }

  private alt(): Node {
    const branches = [this.seq()];
    while (this.s[this.i] === '|') {
      this.i++;
      branches.push(this.seq());
    }
    return branches.length === 1 ? branches[0]! : { t: 'alt', branches };
  }

  private seq(): Node {
    const items: Node[] = [];
    while (this.i < this.s.length && this.s[this.i] !== '|' && this.s[this.i] !== ')') {
      items.push(this.quantified(this.atom()));
    }
    return { t: 'seq', items };
  }

  private quantified(body: Node): Node {
    const s = this.s;
    let min: number;
    let max: number;
    const c = s[this.i];
    if (c === '*') [min, max] = [0, Infinity];
    else if (c === '+') [min, max] = [1, Infinity];
    else if (c === '?') [min, max] = [0, 1];
    else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(s.slice(this.i));
      if (!m) return body; // a literal "{" outside unicode mode
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] ? Number(m[3]) : Infinity;
      this.i += m[0].length - 1;
    } else return body;
    this.i++;
    if (s[this.i] === '?') this.i++; // lazy: same backtracking space
    return { t: 'quant', body, min, max };
  }

  private atom(): Node {
    const s = this.s;
    const c = s[this.i++]!;
    if (c === '(') {
      let look = false;
      if (s[this.i] === '?') {
        const rest = s.slice(this.i, this.i + 3);
        if (rest.startsWith('?:')) this.i += 2;
        else if (rest.startsWith('?=') || rest.startsWith('?!')) [this.i, look] = [this.i + 2, true];
        else if (rest === '?<=' || rest === '?<!') [this.i, look] = [this.i + 3, true];
        else if (rest.startsWith('?<')) this.i = s.indexOf('>', this.i) + 1;
        else throw new Unsafe('unsupported group syntax');
      }
      const body = this.alt();
      if (s[this.i] !== ')') throw new Unsafe('unbalanced "("');
      this.i++;
      return { t: 'group', body, look };
    }
    if (c === '[') {
      const start = this.i - 1;
      if (s[this.i] === '^') this.i++;
      while (this.i < s.length && s[this.i] !== ']') this.i += s[this.i] === '\\' ? 2 : 1;
      this.i++;
      return { t: 'atom', set: { src: s.slice(start, this.i) } };
    }
    if (c === '\\') return this.escape();
    if (c === '^' || c === '$') return { t: 'assert' };
    if (c === '.') return { t: 'atom', set: { src: '.' } };
    return { t: 'atom', set: { src: escapeChar(c) } };
  }

  private escape(): Node {
    const s = this.s;
    const c = s[this.i++] ?? '';
    if ('dDwWsS'.includes(c)) return { t: 'atom', set: { src: `\\${c}` } };
    if (c === 'b' || c === 'B') return { t: 'assert' };
    if (/[1-9]/.test(c) || (c === 'k' && s[this.i] === '<')) throw new Unsafe('backreferences are not supported');
    if ((c === 'p' || c === 'P') && this.unicode && s[this.i] === '{') {
      const start = this.i - 2;
      this.i = s.indexOf('}', this.i) + 1;
      return { t: 'atom', set: { src: s.slice(start, this.i) } };
    }
    let text = `\\${c}`;
    const take = (n: number) => {
      text += s.slice(this.i, this.i + n);
      this.i += n;
    };
    if (c === 'x') take(2);
    else if (c === 'c') take(1);
    else if (c === 'u') {
      if (s[this.i] === '{') take(s.indexOf('}', this.i) - this.i + 1);
      else take(4);
    }
    return { t: 'atom', set: { src: text } };
  }
}

function escapeChar(c: string): string {
  return /[\\^$.*+?()[\]{}|]/.test(c) ? `\\${c}` : c;
}

interface First {
  readonly sets: readonly CharSet[];
  readonly nullable: boolean;
}

function first(node: Node): First {
  switch (node.t) {
    case 'atom':
      return { sets: [node.set], nullable: false };
    case 'assert':
      return { sets: [], nullable: true };
    case 'group':
      return node.look ? { sets: [], nullable: true } : first(node.body);
    case 'quant': {
      const inner = first(node.body);
      return { sets: inner.sets, nullable: inner.nullable || node.min === 0 };
    }
    case 'alt': {
      const parts = node.branches.map(first);
      return { sets: parts.flatMap((p) => p.sets), nullable: parts.some((p) => p.nullable) };
    }
    case 'seq': {
      const sets: CharSet[] = [];
      for (const item of node.items) {
        const f = first(item);
        sets.push(...f.sets);
        if (!f.nullable) return { sets, nullable: false };
      }
      return { sets, nullable: true };
    }
  }
}

const SAMPLES: readonly string[] = (() => {
  const out: string[] = [];
  for (let c = 0; c < 256; c++) out.push(String.fromCharCode(c));
  for (const c of [0x1680, 0x2000, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff, 0x17f, 0x212a]) {
    out.push(String.fromCharCode(c));
  }
  return out;
})();

/** Whether two single-character matchers can match the same character (probed, conservatively). */
function overlaps(a: CharSet, b: CharSet, flags: string): boolean {
  let ra: RegExp;
  let rb: RegExp;
  try {
    ra = new RegExp(`^(?:${a.src})$`, flags);
    rb = new RegExp(`^(?:${b.src})$`, flags);
  } catch {
    return true;
  }
  const probes = new Set(SAMPLES);
  for (const ch of a.src + b.src) probes.add(ch);
  for (const ch of probes) if (ra.test(ch) && rb.test(ch)) return true;
  return false;
}

function anyOverlap(xs: readonly CharSet[], ys: readonly CharSet[], flags: string): boolean {
  return xs.some((x) => ys.some((y) => overlaps(x, y, flags)));
}

/** How many different lengths a quantifier allows (Infinity when unbounded). */
function variability(q: { min: number; max: number }): number {
  return q.max - q.min + 1;
}

function singleCharBody(node: Node): CharSet | undefined {
  if (node.t === 'atom') return node.set;
  if (node.t === 'group' && !node.look) {
    const b = node.body;
    if (b.t === 'seq' && b.items.length === 1) return singleCharBody(b.items[0]!);
    return singleCharBody(b);
  }
  return undefined;
}

function check(node: Node, repeating: readonly { min: number; max: number }[], flags: string): void {
  switch (node.t) {
    case 'atom':
    case 'assert':
      return;
    case 'group':
      return check(node.body, repeating, flags);
    case 'quant': {
      if (node.min !== node.max) {
        for (const outer of repeating) {
          const risky =
            outer.max === Infinity || node.max === Infinity || Math.pow(variability(node), outer.max) > 1000;
          if (risky) throw new Unsafe('nested quantifiers (a repetition of something that itself repeats)');
        }
      }
      return check(node.body, node.max > 1 ? [...repeating, node] : repeating, flags);
    }
    case 'alt': {
      if (repeating.length > 0) {
        const firsts = node.branches.map(first);
        if (firsts.some((f) => f.nullable)) throw new Unsafe('an alternative that can match nothing, inside a repetition');
        for (let i = 0; i < firsts.length; i++) {
          for (let j = i + 1; j < firsts.length; j++) {
            if (anyOverlap(firsts[i]!.sets, firsts[j]!.sets, flags)) {
              throw new Unsafe('alternatives that can start with the same character, inside a repetition');
            }
          }
        }
      }
      for (const b of node.branches) check(b, repeating, flags);
      return;
    }
    case 'seq': {
      const items = node.items;
      for (let i = 0; i < items.length; i++) {
        const a = items[i]!;
        const aSet = a.t === 'quant' && a.max === Infinity ? singleCharBody(a.body) : undefined;
        if (!aSet) continue;
        // Skip optional single characters between (`\d+\.?\d+`).
        for (let j = i + 1; j < items.length; j++) {
          const b = items[j]!;
          if (b.t !== 'quant') break;
          const bSet = singleCharBody(b.body);
          if (!bSet) break;
          if (b.max === Infinity && overlaps(aSet, bSet, flags)) {
            throw new Unsafe('adjacent repetitions that can match the same characters');
          }
          if (b.min !== 0) break;
        }
      }
      for (const item of items) check(item, repeating, flags);
      return;
    }
  }
}

/**
 * Validates a `matches` pattern: length, flags, syntax and backtracking
 * safety. Returns a message for the user, or undefined when the pattern is
 * acceptable.
 *
 * @example
 * checkPattern('(a+)+$', ''); // 'pattern "(a+)+$" is unsafe: nested quantifiers …'
 */
export function checkPattern(source: string, flags: string): string | undefined {
  if (source.length > MAX_PATTERN_LENGTH) {
    return `pattern is ${source.length} characters long; the limit is ${MAX_PATTERN_LENGTH}`;
  }
  for (const f of flags) {
    if (!ALLOWED_FLAGS.includes(f)) return `regular expression flag "${f}" is not allowed (allowed: ${ALLOWED_FLAGS.split('').join(', ')})`;
  }
  if (new Set(flags).size !== flags.length) return `regular expression flags "${flags}" repeat a flag`;
  try {
    new RegExp(source, flags);
  } catch (error) {
    return `invalid regular expression: ${(error as Error).message}`;
  }
  try {
    check(new Parser(source, flags.includes('u')).parse(), [], flags.replace(/[gym]/g, ''));
  } catch (error) {
    if (error instanceof Unsafe) {
      return `pattern "${source}" is unsafe: ${error.message}, which can make matching take exponential time; rewrite it without that shape`;
    }
    throw error;
  }
  return undefined;
}
