export { z } from './vendor/zod.js';
export type * from './types.js';
export { ConnectorError, isRetryable, retryAfterOf, describeError } from './errors.js';
export { defineConnector, isConnectorDefinition } from './define.js';
export { parseDuration } from './duration.js';
export { compileTemplate, routeCollision, routeCollisionIssues, runPlaceholders, sanitizeSegment, RUN_PLACEHOLDERS, type CompiledTemplate } from './template.js';

export { loadConfig, loadConfigFile, defaultSettings } from './config/load.js';
export type { ConnectorKind, ConnectorResolver, ConnectorSection, PipelineConfig, LoadResult, LoadOptions } from './config/load.js';
export { formatIssues, didYouMean, type ConfigIssue } from './config/issues.js';
export { settingsSchema, envelopeSchema, durationSchema } from './config/schema.js';
export { buildJsonSchema } from './config/json-schema.js';

export { Pipeline, type PipelineOptions, type RunOptions, type CheckResult } from './runner/pipeline.js';
export type { RunSummary, SourceSummary, RuleSummary, TargetSummary } from './runner/summary.js';
export { NdjsonDeadLetterStore, type DeadLetterStore, type DeadLetterEntry } from './runner/dead-letter.js';
export { withRetry, withTimeout, backoffDelay } from './runner/retry.js';
export { encodeLine, decodeLine, isStringRecordOf, isWellFormed } from './runner/codec.js';
export { parseCsvRows } from './runner/spool.js';

export {
  ruleSchema,
  conditionSchema,
  timeWindowSchema,
  normalizeRule,
  compileRule,
  compileCondition,
  compilePushdown,
  referencedFields,
  topLevelFields,
  forEachLeaf,
  toNumber,
  toTime,
  toStringValue,
  toBoolean,
  parsePlainDecimalBytes,
  parseIsoTime,
  daysFromCivil,
  OPERATORS,
  OPERATOR_ALIASES,
  resolveOperator,
  checkPattern,
} from './rules/index.js';
export type { RuleConfig, ConditionConfig, TimeWindowConfig, NormalizeOptions, Predicate } from './rules/index.js';

export { redactUrl, redactHeaders, collectSecrets, createRedactor, isSecretHeader, isSecretParam, type SecretSources } from './redact.js';
export { isSuccessStatus, isRetryableStatus, parseRetryAfter } from './http-status.js';
export { abortable } from './abort.js';
export { MicrosecondDate, microsecondsOf, dateWithMicros } from './microsecond-date.js';
export { parseJsonExact, type NumberLiteral } from './json-exact.js';
