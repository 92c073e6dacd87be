import { z } from '../vendor/zod.js';
import { parseDuration } from '../duration.js';
import { ruleSchema } from '../rules/schema.js';

/** A duration: `500ms`, `30s`, `15m`, `1h`, `7d`, ISO-8601 `PT1H`, or a number of seconds. Parsed to milliseconds. */
export const durationSchema = z
  .union([z.number().nonnegative(), z.string()])
  .transform((value, ctx) => {
    const ms = parseDuration(value);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is not a duration (e.g. 500ms, 30s, 15m, 1h, 7d, PT1H)` });
      return z.NEVER;
    }
    return ms;
  })
  .describe('A duration: 500ms, 30s, 15m, 1h, 7d, ISO-8601 (PT1H), or a number of seconds.');

export const settingsSchema = z
  .strictObject({
    batch_size: z.int().positive().max(1_000_000).default(1000).describe('Records per batch read from a source and written to a target.'),
    max_concurrency: z.int().positive().max(256).default(4).describe('How many datasources are read in parallel.'),
    retry: z
      .strictObject({
        attempts: z.int().min(1).max(100).default(5).describe('Attempts per operation, the first included.'),
        initial_delay: durationSchema.default(500).describe('Delay before the first retry; doubles each attempt, with jitter.'),
        max_delay: durationSchema.default(30_000).describe('Upper bound of one delay (a server Retry-After is honoured up to 10 minutes).'),
      })
      .prefault({})
      .describe('Retries with exponential backoff and jitter for retryable failures.'),
    timeout: durationSchema.default(30_000).describe('Time limit of one operation against a source or target (a batch write, a connection check).'),
    dead_letter: z
      .strictObject({
        path: z.string().min(1).default('./dead-letter').describe('Directory of the NDJSON dead-letter files, relative to the config file.'),
      })
      .prefault({})
      .describe('Where records that could not be delivered are kept, with the error.'),
    log_level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info').describe('Log level.'),
  })
  .describe('Global settings, all optional.');

const connectorSection = z.looseObject({
  type: z.string().min(1).describe('Connector type, e.g. postgresql, csv, rest_api, s3, redis, file.'),
});

/** The config envelope: what core validates before any connector is loaded. */
export const envelopeSchema = z.strictObject({
  settings: settingsSchema.prefault({}),
  datasources: z
    .record(z.string(), connectorSection)
    .refine((value) => Object.keys(value).length > 0, 'at least one datasource is required')
    .describe('Named datasources: where records are read from.'),
  processing_rules: z.array(ruleSchema).min(1, 'at least one rule is required').describe('Rules: which records to keep and where to send them.'),
  export_targets: z
    .record(z.string(), connectorSection)
    .refine((value) => Object.keys(value).length > 0, 'at least one export target is required')
    .describe('Named export targets: where matched records are delivered.'),
});

export type Envelope = z.output<typeof envelopeSchema>;
export type SettingsConfig = z.output<typeof settingsSchema>;
