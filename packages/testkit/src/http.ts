import { createServer, type IncomingHttpHeaders, type IncomingMessage, type RequestListener, type ServerResponse, type Server } from 'node:http';
import type { Socket } from 'node:net';

export interface HttpTestServer {
  /** `http://127.0.0.1:<port>` without a trailing slash. */
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  /** Stops listening and destroys open sockets (keep-alive, hung requests). Safe to call twice. */
  close(): Promise<void>;
}

/**
 * A real HTTP server on 127.0.0.1 with a random port, for REST connector tests.
 *
 * @example
 * const api = await startHttpServer((req, res) => res.end('[]'));
 * // ... point the connector at `${api.url}/items` ...
 * await api.close();
 */
export async function startHttpServer(handler: RequestListener): Promise<HttpTestServer> {
  const server = createServer(handler);
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('startHttpServer: no TCP address');
  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${address.port}`,
    port: address.port,
    server,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closed;
    },
  };
}

/** One request an {@link HttpReceiver} got, its body read in full. */
export interface ReceivedRequest {
  readonly method: string;
  /** Path and query, as sent. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/**
 * What a receiver does instead of its normal answer: a status (with an
 * optional body and headers such as `retry-after`), `'hang'` (never answer,
 * so the client's timeout fires), `'drop'` (close the connection without
 * answering) or `'truncate'` (announce a body, send part of it, close).
 */
export type HttpFault =
  | { readonly status: number; readonly body?: string; readonly headers?: Readonly<Record<string, string>> }
  | 'hang'
  | 'drop'
  | 'truncate';

/** The normal answer of a receiver; `req.body` holds the request body. */
export type ReceiverHandler = (req: IncomingMessage & { readonly body: string }, res: ServerResponse) => void | Promise<void>;

export interface HttpReceiverOptions {
  /**
   * Picks a fault per request, after queued ones ({@link HttpReceiver.failNext}).
   * `index` counts every request from 0; undefined answers normally.
   */
  readonly fault?: (request: ReceivedRequest, index: number) => HttpFault | undefined;
}

/** An {@link HttpTestServer} that records every request and injects faults. */
export interface HttpReceiver extends HttpTestServer {
  /** Every request in arrival order, faulted ones included. */
  readonly requests: ReceivedRequest[];
  /** The next requests get these faults, one each, in order; then answers are normal again. */
  failNext(...faults: HttpFault[]): void;
}

/**
 * A real HTTP server on 127.0.0.1 that reads each request body, records the
 * request, and answers with `handler` (204 by default) unless a fault is due.
 * For testing HTTP connectors against 5xx, 429 with Retry-After, hangs and
 * dropped connections. A handler that throws answers 500 with its message.
 *
 * @example
 * const api = await startHttpReceiver((req, res) => sendJson(res, { ok: true }), {
 *   fault: (req, i) => (i === 2 ? { status: 429, headers: { 'retry-after': '1' } } : undefined),
 * });
 * api.failNext({ status: 503 }, 'hang');
 * // ... run the connector against `${api.url}/path` ...
 * expect(api.requests.map((r) => r.method)).toEqual([...]);
 * await api.close();
 */
export async function startHttpReceiver(
  handler: ReceiverHandler = (_req, res) => void res.writeHead(204).end(),
  options: HttpReceiverOptions = {},
): Promise<HttpReceiver> {
  const requests: ReceivedRequest[] = [];
  const queued: HttpFault[] = [];
  const server = await startHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: ReceivedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      const index = requests.push(request) - 1;
      const fault = queued.shift() ?? options.fault?.(request, index);
      if (fault !== undefined) return applyFault(fault, req, res);
      Promise.resolve()
        .then(() => handler(Object.assign(req, { body: request.body }), res))
        .catch((error: unknown) => {
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(error));
        });
    });
  });
  return { ...server, requests, failNext: (...faults) => void queued.push(...faults) };
}

function applyFault(fault: HttpFault, req: IncomingMessage, res: ServerResponse): void {
  if (fault === 'hang') return;
  if (fault === 'drop') return void req.socket.destroy();
  if (fault === 'truncate') {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
    res.write('[{"partial":');
    // Let the partial body reach the client before the connection goes.
    setTimeout(() => res.socket?.destroy(), 10);
    return;
  }
  res.writeHead(fault.status, { 'content-type': 'text/plain', ...fault.headers });
  res.end(fault.body ?? '');
}

/** Answers with a JSON body. */
export function sendJson(res: ServerResponse, body: unknown, status = 200, headers: Readonly<Record<string, string>> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
