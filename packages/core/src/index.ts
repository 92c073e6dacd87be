export { z } from 'zod';
export type * from './types.js';
export { ConnectorError, isRetryable, retryAfterOf, describeError } from './errors.js';
export { defineConnector, isConnectorDefinition } from './define.js';
export { parseDuration } from './duration.js';
export { compileTemplate, runPlaceholders, sanitizeSegment, type CompiledTemplate } from './template.js';
