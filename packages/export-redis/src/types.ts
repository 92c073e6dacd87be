import type { z } from '@sluice/core';
import type { redisExporterSchema } from './schema.js';

/** Options of a `type: redis` export target, after defaults (durations in milliseconds). */
export type RedisExporterOptions = z.output<typeof redisExporterSchema>;

/** What a Redis data type a target writes. */
export type RedisDataType = RedisExporterOptions['data_type'];

/**
 * The part of an ioredis `Redis` or `Cluster` client the exporter uses, so an
 * embedder can inject either without this package importing ioredis' types.
 */
export interface RedisClientLike {
  readonly isCluster?: boolean;
  readonly status?: string;
  call(command: string, ...args: (string | number)[]): Promise<unknown>;
  connect?(): Promise<void>;
  quit(): Promise<unknown>;
  disconnect(): void;
  /** ioredis emits its status names as events; `end` tells a disconnect is complete. */
  once?(event: 'end', listener: () => void): unknown;
}
