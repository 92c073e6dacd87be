import type { z } from '@sluice/core';
import type { authSchema, restSourceSchema } from './schema.js';

/** Options of a `type: rest_api` datasource, after defaults. */
export type RestSourceOptions = z.infer<typeof restSourceSchema>;

/** An `auth:` block. */
export type Auth = z.infer<typeof authSchema>;

/** A `pagination:` block. */
export type Pagination = RestSourceOptions['pagination'];
