import { closestMatch } from '../text.js';
import type { Operator } from '../types.js';

/** Every canonical operator, in documentation order. */
export const OPERATORS = [
  'greater_than',
  'greater_than_or_equal',
  'less_than',
  'less_than_or_equal',
  'equals',
  'not_equals',
  'between',
  'not_between',
  'in',
  'not_in',
  'contains',
  'not_contains',
  'starts_with',
  'ends_with',
  'matches',
  'is_null',
  'is_not_null',
] as const satisfies readonly Operator[];

/**
 * Symbol aliases. `=` and `<>` are accepted too, because SQL users type
 * them; they mean exactly `==` and `!=`.
 */
export const OPERATOR_ALIASES = {
  '>': 'greater_than',
  '>=': 'greater_than_or_equal',
  '<': 'less_than',
  '<=': 'less_than_or_equal',
  '==': 'equals',
  '=': 'equals',
  '!=': 'not_equals',
  '<>': 'not_equals',
} as const satisfies Record<string, Operator>;

/** Everything `type:` / `operator:` / `threshold_type:` accepts. */
export const OPERATOR_NAMES: readonly string[] = [...OPERATORS, ...Object.keys(OPERATOR_ALIASES)];

const CANONICAL = new Set<string>(OPERATORS);

/** Resolves a canonical name or alias; undefined when unknown. */
export function resolveOperator(name: string): Operator | undefined {
  if (CANONICAL.has(name)) return name as Operator;
  return (OPERATOR_ALIASES as Record<string, Operator>)[name];
}

/** Operators ordering values (need a number, time or string threshold). */
export const ORDERING_OPERATORS: ReadonlySet<Operator> = new Set([
  'greater_than',
  'greater_than_or_equal',
  'less_than',
  'less_than_or_equal',
]);

/** Operators comparing text (their threshold is always a string). */
export const STRING_OPERATORS: ReadonlySet<Operator> = new Set(['contains', 'not_contains', 'starts_with', 'ends_with']);

/** The operand family an operator takes. */
export function operandKind(op: Operator): 'none' | 'scalar' | 'range' | 'list' | 'pattern' {
  switch (op) {
    case 'is_null':
    case 'is_not_null':
      return 'none';
    case 'between':
    case 'not_between':
      return 'range';
    case 'in':
    case 'not_in':
      return 'list';
    case 'matches':
      return 'pattern';
    default:
      return 'scalar';
  }
}

/**
 * The closest known operator name to a misspelt one (`greater_then` →
 * `greater_than`, `Greater Than` → `greater_than`), or undefined when
 * nothing is close.
 */
export function suggestOperator(name: string): string | undefined {
  const folded = name.trim().toLowerCase().replace(/[\s-]+/g, '_');
  if (resolveOperator(folded)) return folded;
  return closestMatch(folded, OPERATORS, Math.max(2, Math.floor(folded.length / 4)));
}

/** The message for an unknown operator: what was given, a hint, and the valid names. */
export function unknownOperatorMessage(name: unknown): string {
  const hint = typeof name === 'string' ? suggestOperator(name) : undefined;
  const given = typeof name === 'string' ? `"${name}"` : `a ${name === null ? 'null' : typeof name}`;
  return (
    `unknown operator ${given}` +
    (hint ? ` (did you mean "${hint}"?)` : '') +
    `; valid operators: ${OPERATOR_NAMES.join(', ')}`
  );
}
