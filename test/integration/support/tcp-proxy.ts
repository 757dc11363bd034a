/**
 * A small TCP proxy for tests that cut the network between two servers: it listens on a free
 * loopback port and relays each connection to a loopback target, byte for byte, until told to
 * cut. Loopback only (it refuses any other target) and bounded (at most `maxConnections` relayed
 * at once; more are closed at once), so a test can never turn it into an open relay.
 */
import { createServer, Socket, type Server } from 'node:net';

export interface TcpProxy {
  /** The loopback port the proxy listens on. */
  readonly port: number;
  /** Connections relayed now. */
  readonly open: number;
  /** Connections relayed since the start. */
  readonly accepted: number;
  /** `url` with its host and port replaced by the proxy's. */
  via(url: string): string;
  /**
   * Cuts every relayed connection at once with a TCP reset on both sides (as a failed link or a
   * firewall dropping state would), and returns how many were cut. New connections are still
   * relayed, unless `refuse(true)`.
   */
  cutAll(): number;
  /** While true, new connections are reset as soon as they arrive (the link is down). */
  refuse(down: boolean): void;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Starts a proxy to `target` (a loopback host and port). */
export async function startTcpProxy(
  target: { host: string; port: number },
  { maxConnections = 64 } = {},
): Promise<TcpProxy> {
  if (!LOOPBACK.has(target.host)) throw new Error(`tcp-proxy relays to loopback only, not ${target.host}`);
  const pairs = new Set<[Socket, Socket]>();
  let accepted = 0;
  let down = false;
  const server: Server = createServer({ pauseOnConnect: true }, (client) => {
    if (down || pairs.size >= maxConnections) {
      client.resetAndDestroy();
      return;
    }
    accepted++;
    const upstream = new Socket();
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const close = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const s of pair) {
      s.on('error', close);
      s.on('close', close);
    }
    upstream.connect(target.port, target.host, () => {
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
  });
  server.maxConnections = maxConnections * 2;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('tcp-proxy: no port');
  const cutAll = (): number => {
    const n = pairs.size;
    for (const pair of [...pairs]) {
      pairs.delete(pair);
      for (const s of pair) if (!s.destroyed) s.resetAndDestroy();
    }
    return n;
  };
  return {
    port: address.port,
    get open() {
      return pairs.size;
    },
    get accepted() {
      return accepted;
    },
    via(url: string): string {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(address.port);
      return u.toString();
    },
    cutAll,
    refuse(value: boolean) {
      down = value;
    },
    close: async () => {
      down = true;
      cutAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
