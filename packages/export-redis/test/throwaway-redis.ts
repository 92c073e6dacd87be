import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/**
 * A throwaway redis-server this file may kill and restart. It keeps an
 * fsync-always AOF in a temp dir, so what was acknowledged before the kill
 * is still there after the restart and "nothing lost" can be checked.
 */
export class ThrowawayRedis {
  child: ChildProcess | undefined;
  constructor(
    readonly port: number,
    readonly dir: string,
    readonly extraArgs: readonly string[] = [],
  ) {}

  static async start(extraArgs: readonly string[] = []): Promise<ThrowawayRedis> {
    const server = new ThrowawayRedis(await freePort(), await mkdtemp(join(tmpdir(), 'sluice-redis-')), extraArgs);
    await server.start();
    return server;
  }

  async start(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', this.dir, ...this.extraArgs];
    this.child = spawn('redis-server', args, { stdio: 'ignore' });
    const probe = new Redis(this.port, '127.0.0.1', { lazyConnect: true, retryStrategy: () => 50, maxRetriesPerRequest: null });
    probe.on('error', () => undefined);
    await probe.call('ECHO', 'up').catch((error: Error) => {
      if (!/NOAUTH/.test(error.message)) throw error;
    });
    probe.disconnect();
  }

  kill(): void {
    this.child?.kill('SIGKILL');
    this.child = undefined;
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

