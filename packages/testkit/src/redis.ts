import { testEndpoints } from './endpoints.js';
import { uniqueName } from './names.js';

/** The part of an ioredis client that cleanup needs. */
export interface RedisScanClient {
  scan(cursor: string | number, matchToken: 'MATCH', pattern: string, countToken: 'COUNT', count: number): Promise<[string, string[]]>;
  del(...keys: string[]): Promise<number>;
}

/** A key prefix owned by one test file. */
export interface RedisTestPrefix {
  /** Unique prefix ending in `:`, e.g. `sluice_test_m3k2a9_4f1c0d2e:`. */
  readonly prefix: string;
  /** The database number from `SLUICE_TEST_REDIS_URL` (`redis://host:6379/3`), when it names one. */
  readonly db?: number;
  /** Deletes every key under the prefix (SCAN + DEL, never KEYS). Returns how many were deleted. */
  cleanup(client: RedisScanClient): Promise<number>;
}

/**
 * A fresh key prefix so parallel test files never see each other's keys.
 *
 * @example
 * const { prefix, cleanup } = createRedisPrefix();
 * const redis = new Redis(testEndpoints().redisUrl);
 * // ... write keys under `${prefix}` ...
 * await cleanup(redis);
 */
export function createRedisPrefix(name = 'sluice_test'): RedisTestPrefix {
  const prefix = `${uniqueName(name)}:`;
  const path = new URL(testEndpoints().redisUrl).pathname.replace(/^\//, '');
  const db = /^\d+$/.test(path) ? Number(path) : undefined;
  return {
    prefix,
    ...(db === undefined ? {} : { db }),
    async cleanup(client) {
      let cursor = '0';
      let deleted = 0;
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', 500);
        if (keys.length > 0) deleted += await client.del(...keys);
        cursor = next;
      } while (cursor !== '0');
      return deleted;
    },
  };
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
