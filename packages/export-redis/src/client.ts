import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { RedisClientLike, RedisExporterOptions } from './types.js';

type Node = string | { host: string; port: number };

function hostPort(node: Node): { host: string; port: number } {
  if (typeof node !== 'string') return node;
  const at = node.lastIndexOf(':');
  return { host: node.slice(0, at), port: Number(node.slice(at + 1)) };
}

/** Where the target writes, for messages: never credentials. */
export function describeEndpoint(options: RedisExporterOptions): string {
  if (options.cluster) return `cluster ${options.cluster.nodes.map((n) => (typeof n === 'string' ? n : `${n.host}:${n.port}`)).join(',')}`;
  if (options.sentinels) return `sentinel master "${options.name ?? ''}"`;
  if (options.url) {
    try {
      const url = new URL(options.url);
      return `${url.protocol}//${url.host}${url.pathname}`;
    } catch {
      return '(unparsable url)';
    }
  }
  return `${options.host}:${options.port}/${options.db}`;
}

/**
 * Creates the client the options describe. Lazy: `RedisConnection` connects
 * it before a call. A single server or Sentinel master is never reconnected
 * by ioredis on its own (`retryStrategy: null`): each attempt of a write
 * connects when needed, so a down server fails the attempt at once with the
 * real cause and the retry policy (`settings.retry`) decides when to try
 * again, not ioredis' reconnect schedule. Unanswered commands are never
 * replayed, so the exporter alone decides what is sent again.
 */
export function createClient(options: RedisExporterOptions, onError: (error: Error) => void): RedisClientLike {
  const client = connect(options);
  // Without a listener ioredis prints every failed reconnect to stderr; the failed call reports it anyway.
  (client as unknown as { on(event: 'error', fn: (error: Error) => void): void }).on('error', onError);
  return client;
}

/** The database a client selects on connect, as ioredis read it from the options or URL; undefined for a cluster. */
export function selectedDb(client: RedisClientLike): number | undefined {
  if (client.isCluster) return undefined;
  const db = (client as { options?: { db?: unknown } }).options?.db;
  return db === undefined ? undefined : Number(db);
}

function connect(options: RedisExporterOptions): RedisClientLike {
  const common: RedisOptions = {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    // Replaying unanswered commands after a reconnect could push list/stream entries twice.
    autoResendUnfulfilledCommands: false,
    connectTimeout: options.connect_timeout,
    ...(options.username === undefined ? {} : { username: options.username }),
    ...(options.password === undefined ? {} : { password: options.password }),
    ...(options.tls ? { tls: {} } : {}),
  };
  if (options.cluster) {
    return new Cluster(options.cluster.nodes.map(hostPort), {
      lazyConnect: true,
      enableAutoPipelining: true,
      redisOptions: common,
    }) as unknown as RedisClientLike;
  }
  if (options.sentinels) {
    return new Redis({
      ...common,
      db: options.db,
      sentinels: options.sentinels.map(hostPort),
      name: options.name!,
      ...(options.sentinel_password === undefined ? {} : { sentinelPassword: options.sentinel_password }),
    }) as unknown as RedisClientLike;
  }
  if (options.url) return new Redis(options.url, common) as unknown as RedisClientLike;
  return new Redis({ ...common, host: options.host, port: options.port, db: options.db }) as unknown as RedisClientLike;
}
