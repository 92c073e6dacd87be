import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the proxy saw of multipart uploads, to prove none is left orphaned. */
export interface S3Traffic {
  readonly initiated: Set<string>;
  readonly completed: Set<string>;
  readonly aborted: Set<string>;
  /** UploadPart requests received (including failed ones). */
  partRequests: number;
  /** UploadPart requests answered with an injected failure. */
  failedParts: number;
  /** Single-request PutObject keys. */
  readonly puts: string[];
}

/** Decides whether to fail a request with a 500 InternalError. */
export type FaultRule = (request: { readonly method: string; readonly path: string; readonly query: URLSearchParams; readonly isPart: boolean }) => boolean;

export interface FaultProxy {
  readonly url: string;
  readonly traffic: S3Traffic;
  failWhen(rule: FaultRule | undefined): void;
  /** Multipart uploads started but neither completed nor aborted. */
  orphans(): string[];
  close(): Promise<void>;
}

const INTERNAL_ERROR =
  '<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>injected failure</Message></Error>';

/**
 * A tiny HTTP proxy in front of an S3 server that records the multipart
 * lifecycle and fails chosen requests. `emulateAbort` answers
 * AbortMultipartUpload itself (s3rver does not implement it).
 */
export async function startFaultProxy(upstream: string, emulateAbort: boolean): Promise<FaultProxy> {
  const target = new URL(upstream);
  const traffic: S3Traffic = { initiated: new Set(), completed: new Set(), aborted: new Set(), partRequests: 0, failedParts: 0, puts: [] };
  let rule: FaultRule | undefined;

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const query = url.searchParams;
    const method = req.method ?? 'GET';
    const isPart = method === 'PUT' && query.has('uploadId') && query.has('partNumber');
    if (isPart) traffic.partRequests++;
    if (rule?.({ method, path: url.pathname, query, isPart })) {
      if (isPart) traffic.failedParts++;
      req.resume();
      req.on('end', () => {
        res.writeHead(500, { 'content-type': 'application/xml' });
        res.end(INTERNAL_ERROR);
      });
      return;
    }
    const uploadId = query.get('uploadId');
    if (method === 'DELETE' && uploadId !== null && emulateAbort) {
      traffic.aborted.add(uploadId);
      req.resume();
      req.on('end', () => {
        res.writeHead(204);
        res.end();
      });
      return;
    }
    if (method === 'PUT' && uploadId === null && !query.has('tagging')) traffic.puts.push(url.pathname);
    const forward = request(
      { host: target.hostname, port: target.port, method, path: req.url, headers: req.headers },
      (upstreamRes: IncomingMessage) => {
        const status = upstreamRes.statusCode ?? 502;
        if (method === 'POST' && (query.has('uploads') || uploadId !== null)) {
          const chunks: Buffer[] = [];
          upstreamRes.on('data', (c: Buffer) => chunks.push(c));
          upstreamRes.on('end', () => {
            const body = Buffer.concat(chunks);
            if (status === 200 && query.has('uploads')) {
              const id = /<UploadId>([^<]+)<\/UploadId>/.exec(body.toString())?.[1];
              if (id) traffic.initiated.add(id);
            } else if (status === 200 && uploadId !== null && !body.toString().includes('<Error>')) {
              traffic.completed.add(uploadId);
            }
            res.writeHead(status, upstreamRes.headers);
            res.end(body);
          });
          return;
        }
        if (method === 'DELETE' && uploadId !== null && status < 300) traffic.aborted.add(uploadId);
        res.writeHead(status, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    traffic,
    failWhen(next) {
      rule = next;
    },
    orphans: () => [...traffic.initiated].filter((id) => !traffic.completed.has(id) && !traffic.aborted.has(id)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
