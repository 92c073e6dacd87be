import type { z } from '@sluice/core';
import type { s3ExporterSchema } from './schema.js';

/** Options of a `type: s3` export target, after defaults. */
export type S3ExporterOptions = z.infer<typeof s3ExporterSchema>;

/** Options of a `type: s3` export target, as written in config. */
export type S3ExporterOptionsInput = z.input<typeof s3ExporterSchema>;
