import type { z } from '@sluice/core';
import type { COLUMN_TYPES, csvSourceSchema } from './schema.js';

/** A `type: csv` datasource's options after validation and defaults. */
export type CsvSourceConfig = z.infer<typeof csvSourceSchema>;

/** A declared column conversion. */
export type ColumnType = (typeof COLUMN_TYPES)[number];
