export { testEndpoints, type TestEndpoints } from './endpoints.js';
export { uniqueName } from './names.js';
export {
  createTestDatabase,
  startThrowawayPostgres,
  throwawayPostgresUnavailable,
  type TestDatabase,
  type ThrowawayPostgres,
} from './postgres.js';
export { createRedisPrefix, type RedisTestPrefix, type RedisScanClient } from './redis.js';
export { startS3Server, type S3TestServer, type S3TestServerOptions, type S3TestClientConfig } from './s3.js';
export {
  startHttpServer,
  startHttpReceiver,
  sendJson,
  type HttpTestServer,
  type HttpReceiver,
  type HttpReceiverOptions,
  type HttpFault,
  type ReceivedRequest,
  type ReceiverHandler,
} from './http.js';
export { silentLogger, memoryLogger, type MemoryLogger, type LogLine, type LogLevel } from './logger.js';
export {
  makeReadContext,
  makeExportRun,
  abortError,
  type TestReadContext,
  type TestExportRun,
  type RejectedInput,
  type ReadContextInit,
  type ExportRunInit,
} from './context.js';
export { conformanceRecords, flatConformanceRecords } from './records.js';
export { canonicalKey, sortRecords, within, isAbortError } from './compare.js';
export { greaterThanPushdown } from './pushdown.js';
export { describeSourceConformance, type SourceConformanceOptions, type SourceFixture } from './source-conformance.js';
export { describeExporterConformance, type ExporterConformanceOptions, type ExporterFixture } from './exporter-conformance.js';
export { makeConnectorDeps, testSettings } from './deps.js';
