/** Addresses of the services connector tests run against. */
export interface TestEndpoints {
  /** PostgreSQL server URL (a maintenance database; tests create their own). */
  readonly pgUrl: string;
  /** Redis server URL. */
  readonly redisUrl: string;
  /** An external S3 API endpoint; when absent, `startS3Server()` runs s3rver in-process. */
  readonly s3Endpoint?: string;
}

/**
 * The test service endpoints: environment first, then the local defaults.
 *
 * @example
 * const { pgUrl } = testEndpoints(); // SLUICE_TEST_PG_URL or postgres://postgres@127.0.0.1:5432/postgres
 */
export function testEndpoints(): TestEndpoints {
  const env = process.env;
  const s3Endpoint = env.SLUICE_TEST_S3_ENDPOINT?.trim();
  return {
    pgUrl: env.SLUICE_TEST_PG_URL?.trim() || 'postgres://postgres@127.0.0.1:5432/postgres',
    redisUrl: env.SLUICE_TEST_REDIS_URL?.trim() || 'redis://127.0.0.1:6379',
    ...(s3Endpoint ? { s3Endpoint } : {}),
  };
}
