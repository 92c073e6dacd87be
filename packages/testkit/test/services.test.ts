import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Redis } from 'ioredis';
import pg from 'pg';
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createRedisPrefix, createTestDatabase, startHttpServer, startS3Server, testEndpoints, uniqueName } from '../src/index.js';

describe('testEndpoints', () => {
  it('reads the environment, then falls back to local defaults', () => {
    const saved = { ...process.env };
    try {
      delete process.env.SLUICE_TEST_PG_URL;
      delete process.env.SLUICE_TEST_REDIS_URL;
      delete process.env.SLUICE_TEST_S3_ENDPOINT;
      expect(testEndpoints()).toEqual({
        pgUrl: 'postgres://postgres@127.0.0.1:5432/postgres',
        redisUrl: 'redis://127.0.0.1:6379',
      });
      process.env.SLUICE_TEST_S3_ENDPOINT = 'http://127.0.0.1:9000';
      process.env.SLUICE_TEST_REDIS_URL = 'redis://127.0.0.1:6380/2';
      expect(testEndpoints()).toMatchObject({ redisUrl: 'redis://127.0.0.1:6380/2', s3Endpoint: 'http://127.0.0.1:9000' });
      expect(createRedisPrefix().db).toBe(2);
    } finally {
      process.env = saved;
    }
  });
});

describe('uniqueName', () => {
  it('is unique, lower case and short enough for an identifier', () => {
    const names = new Set(Array.from({ length: 200 }, () => uniqueName('My-Prefix')));
    expect(names.size).toBe(200);
    for (const name of names) {
      expect(name).toMatch(/^my_prefix_[a-z0-9_]+$/);
      expect(name.length).toBeLessThanOrEqual(63);
    }
    expect(uniqueName('x'.repeat(100)).length).toBeLessThanOrEqual(63);
  });
});

describe('createTestDatabase', () => {
  it('creates a database, then drops it even with connections left open', async () => {
    const db = await createTestDatabase('testkit');
    const admin = new pg.Client({ connectionString: testEndpoints().pgUrl });
    await admin.connect();
    try {
      const exists = async () =>
        (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [db.name])).rowCount === 1;
      expect(await exists()).toBe(true);

      const leftover = new pg.Client({ connectionString: db.url });
      leftover.on('error', () => {}); // terminated by drop()
      await leftover.connect();
      await leftover.query('CREATE TABLE t (id int)');

      await db.drop();
      await db.drop();
      expect(await exists()).toBe(false);
      await leftover.end().catch(() => {});
    } finally {
      await admin.end();
    }
  });
});

describe('createRedisPrefix', () => {
  it('deletes every key under its prefix and nothing else', async () => {
    const redis = new Redis(testEndpoints().redisUrl, { lazyConnect: true });
    const mine = createRedisPrefix('testkit');
    const other = createRedisPrefix('testkit');
    try {
      for (let i = 0; i < 1200; i++) await redis.set(`${mine.prefix}k${i}`, 'v');
      await redis.set(`${other.prefix}keep`, 'v');
      expect(await mine.cleanup(redis)).toBe(1200);
      expect(await redis.exists(`${mine.prefix}k0`)).toBe(0);
      expect(await redis.get(`${other.prefix}keep`)).toBe('v');
    } finally {
      await other.cleanup(redis);
      redis.disconnect();
    }
  });
});

describe('startS3Server', () => {
  it('round-trips an object through s3rver with the AWS SDK', async () => {
    const s3 = await startS3Server({ buckets: ['testkit-bucket'] });
    const client = new S3Client(s3.clientConfig);
    try {
      expect(s3.endpoint).toMatch(/^http:\/\//);
      await client.send(new PutObjectCommand({ Bucket: 'testkit-bucket', Key: 'a/b.txt', Body: 'héllo, s3' }));
      const got = await client.send(new GetObjectCommand({ Bucket: 'testkit-bucket', Key: 'a/b.txt' }));
      expect(await got.Body?.transformToString()).toBe('héllo, s3');
      const listed = await client.send(new ListObjectsV2Command({ Bucket: 'testkit-bucket', Prefix: 'a/' }));
      expect(listed.Contents?.map((o) => o.Key)).toEqual(['a/b.txt']);
      await s3.createBucket('testkit-bucket'); // already ours: fine
    } finally {
      client.destroy();
      await s3.close();
      await s3.close();
    }
  });
});

describe('startHttpServer', () => {
  it('serves on 127.0.0.1 and close() does not wait for hung requests', async () => {
    const api = await startHttpServer((req, res) => {
      if (req.url === '/hang') return; // never answers
      res.setHeader('content-type', 'application/json');
      res.end('{"ok":true}');
    });
    expect(api.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const body = await (await fetch(`${api.url}/ok`)).json();
    expect(body).toEqual({ ok: true });

    const hung = new Promise<string>((resolve) => {
      const req = request(`${api.url}/hang`);
      req.on('error', (error) => resolve(error.message));
      req.end();
    });
    await new Promise((r) => setTimeout(r, 50));
    await api.close();
    await api.close();
    expect(await hung).toMatch(/socket hang up|ECONNRESET/);
  });
});
