import type { z } from '@sluice/core';
import type { restExporterSchema } from './schema.js';

export type { Auth } from '@sluice/http-common';

/** Options of a `type: rest_api` export target, after defaults. */
export type RestExporterOptions = z.infer<typeof restExporterSchema>;
