import type { z } from '@sluice/core';
import type { authSchema, restExporterSchema } from './schema.js';

/** Options of a `type: rest_api` export target, after defaults. */
export type RestExporterOptions = z.infer<typeof restExporterSchema>;

/** An `auth:` block. */
export type Auth = z.infer<typeof authSchema>;
