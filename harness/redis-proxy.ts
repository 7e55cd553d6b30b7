import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

/**
 * A TCP relay in front of a Redis, for tests of a client some of whose connections stop being
 * answered while the others carry on: what a half-open connection looks like after a network
 * fault (no reset ever arrives, the socket stays open, nothing comes back).
 */
export interface RedisProxy {
  url: string;
  /**
   * From now on, every connection whose client named itself (CLIENT SETNAME, which ioredis sends
   * first when given a `connectionName`) with a name `pattern` matches hears nothing more, and
   * what it sends goes nowhere; so does every such connection opened later. Others are relayed.
   */
  silence(pattern: RegExp): void;
  /** Closes the silenced connections (their clients see them drop and connect again) and relays everything from now on. */
  release(): void;
  close(): Promise<void>;
}

/** The name in a CLIENT SETNAME command, as RESP carries it: `$7\r\nsetname\r\n$<len>\r\n<name>\r\n`. */
const SETNAME = /\$7\r\nsetname\r\n\$\d+\r\n([^\r]*)\r\n/i;

export async function startRedisProxy(target: { host?: string; port: number }): Promise<RedisProxy> {
  let pattern: RegExp | undefined;
  const sockets = new Set<Socket>();
  const silenced = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host ?? '127.0.0.1');
    let name: string | undefined;
    let heard = ''; // what the client sent until it named itself (the first few hundred bytes)
    const silent = () => pattern !== undefined && name !== undefined && pattern.test(name);
    for (const [from, to] of [[client, upstream], [upstream, client]] as const) {
      sockets.add(from);
      from.on('data', (chunk: Buffer) => {
        if (from === client && name === undefined && heard.length < 4096) {
          heard += chunk.toString('latin1');
          name = SETNAME.exec(heard)?.[1];
        }
        if (silent()) silenced.add(client);
        else to.write(chunk);
      });
      from.on('error', () => undefined); // the other end is closed below; the client sees its socket close
      from.on('close', () => {
        sockets.delete(from);
        silenced.delete(from);
        to.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `redis://127.0.0.1:${port}`,
    silence(p) {
      pattern = p;
    },
    release() {
      pattern = undefined;
      for (const socket of silenced) socket.destroy();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
