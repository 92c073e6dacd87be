import type { z } from 'zod';
import type { ConnectorDefinition } from './types.js';

/**
 * Declares a connector package's default export with full type inference
 * of `create`'s config from the schema.
 */
export function defineConnector<S extends z.ZodType, K extends 'source' | 'exporter'>(
  definition: ConnectorDefinition<S, K>,
): ConnectorDefinition<S, K> {
  return definition;
}

/** Duck-type check of a dynamically imported connector module's default export. */
export function isConnectorDefinition(value: unknown): value is ConnectorDefinition {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.type === 'string' &&
    (v.kind === 'source' || v.kind === 'exporter') &&
    typeof v.create === 'function' &&
    typeof v.schema === 'object' &&
    v.schema !== null &&
    typeof (v.schema as { safeParse?: unknown }).safeParse === 'function'
  );
}
