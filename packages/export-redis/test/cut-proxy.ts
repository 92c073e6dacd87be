import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a Redis server that cuts the client's connection
 * once, when the `cutAt`-th script call (EVAL/EVALSHA) arrives, without
 * forwarding it: the call is lost with the connection and never applied.
 */
export async function startCutProxy(targetPort: number, cutAt: number): Promise<{ port: number; close: () => Promise<void> }> {
  let calls = 0;
  let cut = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.on('data', (data) => {
      const found = (data.toString('latin1').match(/\r\nEVALSHA\r\n|\r\nEVAL\r\n/g) ?? []).length;
      if (!cut && found > 0 && calls + found >= cutAt) {
        cut = true;
        client.destroy();
        upstream.destroy();
        return;
      }
      calls += found;
      upstream.write(data);
    });
    upstream.on('data', (data) => client.write(data));
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      a.on('error', () => b.destroy());
      a.on('close', () => {
        b.destroy();
        sockets.delete(a);
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
