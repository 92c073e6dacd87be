import type { z } from '@sluice/core';
import type { restSourceSchema } from './schema.js';

export type { Auth } from '@sluice/http-common';

/** Options of a `type: rest_api` datasource, after defaults. */
export type RestSourceOptions = z.infer<typeof restSourceSchema>;

/** A `pagination:` block. */
export type Pagination = RestSourceOptions['pagination'];
