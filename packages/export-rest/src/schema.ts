import { durationSchema, RUN_PLACEHOLDERS, z } from '@sluice/core';
import { authSchema } from '@sluice/http-common';

/**
 * Placeholders an envelope template may use: `{records}` plus every one core
 * fills for a run (asked of core, so the two lists cannot drift apart).
 */
export const ENVELOPE_PLACEHOLDERS: ReadonlySet<string> = new Set([
  'records',
  ...RUN_PLACEHOLDERS,
]);

function unknownPlaceholders(value: unknown, found: string[] = []): string[] {
  if (typeof value === 'string') {
    for (const m of value.matchAll(/\{([A-Za-z_]+)\}/g)) if (!ENVELOPE_PLACEHOLDERS.has(m[1]!)) found.push(m[1]!);
  } else if (Array.isArray(value)) value.forEach((v) => unknownPlaceholders(v, found));
  else if (typeof value === 'object' && value !== null) Object.values(value).forEach((v) => unknownPlaceholders(v, found));
  return found;
}

/** Options of a `type: rest_api` export target. */
export const restExporterSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/ }).describe('Endpoint URL (http or https) that receives the records'),
  method: z.enum(['POST', 'PUT', 'PATCH']).default('POST').describe('HTTP method'),
  headers: z.record(z.string(), z.string()).default({}).describe('Extra request headers (e.g. Authorization)'),
  auth: authSchema.optional(),
  batch_size: z
    .number()
    .int()
    .positive()
    .default(100)
    .describe('Records per request, sent as a JSON array; 1 sends each record as a JSON object on its own'),
  envelope: z
    .union([z.boolean(), z.record(z.string(), z.unknown())])
    .default(false)
    .refine((v) => typeof v === 'boolean' || unknownPlaceholders(v).length === 0, {
      message: `envelope template uses an unknown placeholder; known: {${[...ENVELOPE_PLACEHOLDERS].join('}, {')}}`,
    })
    .describe(
      'Wrap records: true sends {rule, datasource, target, run_id, records}; an object is a template whose strings may use {rule}, {datasource}, {target}, {run_id}, {date}… and whose "{records}" value becomes the records',
    ),
  concurrency: z.number().int().positive().default(4).describe('Requests in flight at once per rule and datasource'),
  timeout: durationSchema.optional().describe('Time limit per request (each attempt), e.g. 30s; default: settings.timeout'),
  idempotency_header: z
    .union([z.string().min(1), z.literal(false)])
    .default('Idempotency-Key')
    .describe('Header carrying a key that is the same when a request is retried, so receivers can drop duplicates; false to omit'),
  health_url: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe('URL `sluice check` probes (must answer 2xx); without it, check sends check_method to url'),
  check_method: z.enum(['HEAD', 'OPTIONS', 'GET']).default('HEAD').describe('Method `sluice check` uses; never sends records'),
});
