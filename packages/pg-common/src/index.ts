export { connectionShape, refineConnection, sslSchema, durationOption, type ConnectionConfig } from './schema.js';
export { createPool, poolOptions, watchClient } from './pool.js';
export { isConnectionLevel, isRowLevel, sqlstate, redactUrl, toConnectorError } from './errors.js';
export { MicrosecondDate, microsecondsOf, dateWithMicros } from './microsecond-date.js';
export { JsonNumber, jsonText, parseJson } from './json.js';
export { OID, parseTimestampUtc, parseTimestampUtcAt, parseTimestamptz, parseTimestamptzAt, rangeParser, typeParsers } from './type-parsers.js';
export type { PgField, PgResult, PgTypeParsers, PgQueryConfig, PgSubmittable, PgPoolClient, PgPool } from './types.js';
