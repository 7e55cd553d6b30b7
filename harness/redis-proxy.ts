import { connect, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/** A TCP relay in front of a Redis, for tests of a client whose blocking reads stop being answered. */
export interface RedisProxy {
  url: string;
  /**
   * From now on, a connection that has sent a blocking pop (BZPOPMIN: how a BullMQ worker waits
   * for work) hears nothing more, and what it sends goes nowhere; its socket stays open. So does
   * every such connection opened later. Other connections are relayed as before.
   */
  wedgeBlockingReads(): void;
  close(): Promise<void>;
}

export async function startRedisProxy(target: { host?: string; port: number }): Promise<RedisProxy> {
  let wedged = false;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host ?? '127.0.0.1');
    let blocking = false;
    const silent = () => wedged && blocking;
    for (const [from, to] of [[client, upstream], [upstream, client]] as const) {
      sockets.add(from);
      from.on('data', (chunk: Buffer) => {
        if (from === client && /bzpopmin/i.test(chunk.toString('latin1'))) blocking = true;
        if (!silent()) to.write(chunk);
      });
      from.on('error', () => undefined); // the other end is closed below; the client sees its socket close
      from.on('close', () => {
        sockets.delete(from);
        to.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `redis://127.0.0.1:${port}`,
    wedgeBlockingReads() {
      wedged = true;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
