import { compileTemplate, RUN_PLACEHOLDERS, z } from '@sluice/core';
import { encoderOptionsSchema, formatSchema } from '@sluice/formats';
import { parseByteSize } from './size.js';

/** Placeholders a `key_template` may use. */
export const KEY_PLACEHOLDERS: readonly string[] = [...RUN_PLACEHOLDERS, 'part', 'ext'];

const MiB = 1024 * 1024;

const byteSize = (what: string) =>
  z
    .union([z.number().int().positive(), z.string()])
    .refine((value) => parseByteSize(value) !== undefined, `${what}: expected bytes or a size such as "128MiB" or "100MB"`);

const TEXT_COMPRESSION = new Set(['none', 'gzip']);
const PARQUET_COMPRESSION = new Set(['none', 'snappy', 'gzip', 'brotli']);

/** Options of a `type: s3` export target. */
export const s3ExporterSchema = z
  .strictObject({
    bucket: z.string().min(3).max(63).describe('Bucket name'),
    prefix: z
      .string()
      .default('')
      .describe('Key prefix put before every rendered key; a "/" is added between them unless the prefix ends with one'),
    key_template: z
      .string()
      .default('{rule}/{date}/{datasource}-{run_id}-{part}.{ext}')
      .describe(
        `Object key template below the prefix. Placeholders: ${KEY_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}. ` +
          'Times are the run start in UTC; {part} is the zero-padded object number within a session (00000, 00001, ...); ' +
          '{ext} is the format extension, with .gz when gzip-compressed',
      ),
    format: formatSchema.default('parquet').describe(`${formatSchema.description ?? 'Output encoding'}; default parquet`),
    compression: z
      .enum(['none', 'gzip', 'snappy', 'brotli'])
      .optional()
      .describe('Compression: none or gzip (whole object) for ndjson/json/csv; snappy, gzip, brotli or none (pages) for parquet. Default: snappy for parquet, none otherwise'),
    csv: encoderOptionsSchema.shape.csv.describe('CSV options: delimiter, header, null_value, line_ending, columns'),
    parquet: encoderOptionsSchema.shape.parquet
      .unwrap()
      .omit({ compression: true })
      .extend({
        // Measured, 2M rows to S3: 50 000-row groups (the encoder's default) peaked at 311 MiB RSS through the exporter alone; through the CLI 10 000 gave ~251 MiB, 5 000 ~200-222 MiB.
        row_group_size: z
          .number()
          .int()
          .positive()
          .default(5_000)
          .describe('Rows per Parquet row group; memory holds one row group, so smaller groups keep uploads lean (larger ones compress slightly better)'),
      })
      .prefault({})
      .describe('Parquet options: row_group_size, row_group_bytes, columns (the codec is `compression`)'),
    region: z.string().min(1).optional().describe('AWS region; default: the AWS default chain (AWS_REGION, profile), or us-east-1 with a custom endpoint'),
    endpoint: z.url().optional().describe('Custom endpoint for S3-compatible stores (MinIO, Ceph, R2, s3rver), e.g. http://127.0.0.1:9000'),
    force_path_style: z.boolean().default(false).describe('Address buckets as http://endpoint/bucket instead of http://bucket.endpoint (MinIO and most S3-compatible stores need true)'),
    access_key_id: z.string().min(1).optional().describe('Access key id; default: the AWS default credential chain. Use ${VAR} rather than a literal'),
    secret_access_key: z.string().min(1).optional().describe('Secret access key, required with access_key_id. Never logged'),
    session_token: z.string().min(1).optional().describe('Session token for temporary credentials. Never logged'),
    storage_class: z
      .enum(['STANDARD', 'REDUCED_REDUNDANCY', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER', 'DEEP_ARCHIVE', 'GLACIER_IR', 'EXPRESS_ONEZONE'])
      .optional()
      .describe('Storage class of written objects; default: the bucket default (STANDARD)'),
    server_side_encryption: z
      .enum(['AES256', 'aws:kms', 'aws:kms:dsse'])
      .optional()
      .describe('Server-side encryption of written objects; default: the bucket default'),
    sse_kms_key_id: z.string().min(1).optional().describe('KMS key id or ARN, with server_side_encryption aws:kms or aws:kms:dsse'),
    content_type: z.string().min(1).optional().describe('Content-Type of written objects; default: the format\'s (application/vnd.apache.parquet, text/csv, application/json, application/x-ndjson)'),
    metadata: z.record(z.string(), z.string()).optional().describe('User metadata (x-amz-meta-*) set on every written object'),
    max_object_size: byteSize('max_object_size')
      .optional()
      .describe('Start a new object ({part} + 1) once one reaches this size, checked after each batch (gzip: size before compression; parquet: per row group)'),
    max_records_per_object: z.number().int().positive().optional().describe('Start a new object ({part} + 1) after this many records'),
    write_empty: z.boolean().default(false).describe('Write an (empty) object for a session with no records; by default such a session writes nothing'),
    part_size: byteSize('part_size')
      .default('8MiB')
      .refine((value) => (parseByteSize(value) ?? 0) >= 5 * MiB, 'part_size: S3 requires at least 5MiB')
      .describe('Multipart upload part size (at least 5MiB). Memory per object is about part_size × (queue_size + 1)'),
    queue_size: z.number().int().min(1).max(16).default(2).describe('Parts uploaded in parallel per object'),
    max_attempts: z
      .number()
      .int()
      .min(1)
      .max(10)
      .default(3)
      .describe('Attempts per S3 request made by the AWS SDK, so one failed part is resent alone; the runner retries the whole session on top'),
    request_checksums: z
      .enum(['when_supported', 'when_required'])
      .default('when_supported')
      .describe('When the SDK adds request checksums and validates response ones: when_required for S3-compatible stores that reject the default CRC32 checksums (older MinIO, s3rver)'),
    check_write: z.boolean().default(false).describe('`sluice check` also writes and deletes a zero-byte probe object below the prefix'),
  })
  .superRefine((options, ctx) => {
    // A key has no leading "/": one would give s3://bucket//key, an empty first "folder" most stores mishandle.
    for (const field of ['prefix', 'key_template'] as const) {
      if (options[field].startsWith('/')) {
        ctx.addIssue({ code: 'custom', path: [field], message: `must not start with "/": S3 keys have no leading slash (write "${options[field].replace(/^\/+/, '')}")` });
      }
    }
    try {
      const template = compileTemplate(options.key_template);
      for (const name of template.placeholders) {
        if (!(KEY_PLACEHOLDERS as readonly string[]).includes(name)) {
          ctx.addIssue({ code: 'custom', path: ['key_template'], message: `unknown placeholder {${name}}; known: ${KEY_PLACEHOLDERS.join(', ')}` });
        }
      }
      const rollover = options.max_object_size !== undefined || options.max_records_per_object !== undefined;
      if (rollover && !template.placeholders.includes('part')) {
        ctx.addIssue({ code: 'custom', path: ['key_template'], message: 'must contain {part} when max_object_size or max_records_per_object is set, or later objects would overwrite earlier ones' });
      }
    } catch (error) {
      ctx.addIssue({ code: 'custom', path: ['key_template'], message: (error as Error).message });
    }
    const compression = options.compression;
    if (compression !== undefined) {
      const allowed = options.format === 'parquet' ? PARQUET_COMPRESSION : TEXT_COMPRESSION;
      if (!allowed.has(compression)) {
        ctx.addIssue({ code: 'custom', path: ['compression'], message: `${compression} is not available for ${options.format}; use ${[...allowed].join(' or ')}` });
      }
    }
    if ((options.access_key_id === undefined) !== (options.secret_access_key === undefined)) {
      ctx.addIssue({ code: 'custom', path: [options.access_key_id === undefined ? 'access_key_id' : 'secret_access_key'], message: 'access_key_id and secret_access_key go together' });
    }
    if (options.session_token !== undefined && options.access_key_id === undefined) {
      ctx.addIssue({ code: 'custom', path: ['session_token'], message: 'session_token needs access_key_id and secret_access_key' });
    }
    if (options.sse_kms_key_id !== undefined && !options.server_side_encryption?.startsWith('aws:kms')) {
      ctx.addIssue({ code: 'custom', path: ['sse_kms_key_id'], message: 'needs server_side_encryption aws:kms or aws:kms:dsse' });
    }
  });
