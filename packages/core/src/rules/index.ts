export { ruleSchema, conditionSchema, timeWindowSchema, type RuleConfig, type ConditionConfig, type TimeWindowConfig } from './schema.js';
export { normalizeRule, type NormalizeOptions } from './normalize.js';
export { compileRule, compileCondition, compilePushdown, MATCH_INPUT_LIMIT, type Predicate } from './compile.js';
export { referencedFields, topLevelFields, forEachLeaf } from './walk.js';
export { toNumber, toTime, toStringValue, toBoolean, parsePlainDecimalBytes, parseIsoTime, daysFromCivil, NUMBER_TEXT_PATTERN, TIME_TEXT_PATTERN } from './coerce.js';
export { OPERATORS, OPERATOR_ALIASES, resolveOperator } from './operators.js';
export { checkPattern, MAX_PATTERN_LENGTH } from './regex-safety.js';
