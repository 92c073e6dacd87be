import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConnectorDeps, DataRecord, Logger, ReadContext, Settings } from '@sluice/core';

export interface TestServer {
  readonly url: string;
  readonly requests: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[];
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 with the given handler. */
export async function startServer(
  handler: (req: IncomingMessage & { body: string }, res: ServerResponse) => void | Promise<void>,
): Promise<TestServer> {
  const requests: TestServer['requests'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      void Promise.resolve(handler(Object.assign(req, { body }), res)).catch((error: unknown) => {
        res.statusCode = 599;
        res.end(String(error));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(res: ServerResponse, body: unknown, status = 200, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export interface LogEntry {
  level: string;
  obj: unknown;
  msg: string | undefined;
}

export function memoryLogger(entries: LogEntry[] = []): Logger & { entries: LogEntry[] } {
  const at =
    (level: string) =>
    (obj: object | string, msg?: string): void => {
      entries.push(typeof obj === 'string' ? { level, obj: {}, msg: obj } : { level, obj, msg });
    };
  const logger = {
    entries,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => logger,
  };
  return logger as Logger & { entries: LogEntry[] };
}

const settings: Settings = {
  batchSize: 1000,
  maxConcurrency: 4,
  retry: { attempts: 3, initialDelay: 10, maxDelay: 100 },
  timeout: 30_000,
  deadLetter: { path: './dead-letter' },
  logLevel: 'info',
};

export function deps(overrides: Partial<ConnectorDeps> = {}): ConnectorDeps {
  return { name: 'alert_api', path: 'export_targets.alert_api', logger: memoryLogger(), settings, baseDir: process.cwd(), ...overrides };
}

export function readContext(overrides: Partial<ReadContext> = {}) {
  const logger = memoryLogger();
  const rejected: { input: unknown; error: Error; location?: string }[] = [];
  const ctx: ReadContext = {
    signal: new AbortController().signal,
    batchSize: 1000,
    runId: 'run-1',
    runStartedAt: new Date(),
    logger,
    reject: (input, error, location) => rejected.push({ input, error, ...(location ? { location } : {}) }),
    skipped: () => undefined,
    ...overrides,
  };
  return { ctx, logger, rejected };
}

export async function collect(iterable: AsyncIterable<DataRecord[]>): Promise<DataRecord[][]> {
  const batches: DataRecord[][] = [];
  for await (const batch of iterable) batches.push(batch);
  return batches;
}

export function exportRun(overrides: Partial<import('@sluice/core').ExportRun> = {}): import('@sluice/core').ExportRun & { controller: AbortController } {
  const controller = new AbortController();
  return {
    runId: 'run-1',
    runStartedAt: new Date('2026-01-02T03:04:05Z'),
    rule: 'high_value',
    datasource: 'db',
    target: 'alert_api',
    signal: controller.signal,
    logger: memoryLogger(),
    controller,
    ...overrides,
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
