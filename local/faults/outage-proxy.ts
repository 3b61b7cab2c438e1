import { createServer, connect, type Server, type Socket } from 'node:net';
import type { FaultLog } from './fault-log';

export interface OutageProxy {
  /** http://127.0.0.1:<port>: give this to the functions instead of DynamoDB Local's endpoint. */
  readonly endpoint: string;
  /** Cuts every open connection and refuses new ones for `ms`, then lets traffic through again. */
  outage(ms: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of DynamoDB Local that can make it unreachable, the way a restart or a
 * network partition looks to a client: requests in flight are cut (ECONNRESET) and new
 * connections are dropped as soon as they open, until the outage ends. DynamoDB Local itself keeps
 * its data, like DynamoDB does across an outage.
 */
export async function startOutageProxy(upstream: string, log: FaultLog): Promise<OutageProxy> {
  const target = new URL(upstream);
  const open = new Set<Socket>();
  let down = false;
  const server: Server = createServer((client) => {
    if (down) {
      log.refusedConnections += 1;
      client.destroy();
      return;
    }
    const server = connect(Number(target.port), target.hostname);
    const pair = [client, server];
    for (const socket of pair) {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
      // A reset on one side ends the other; errors are the outage doing its job.
      socket.on('error', () => pair.forEach((s) => s.destroy()));
    }
    client.pipe(server);
    server.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the outage proxy has no port');
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    async outage(ms) {
      log.outages += 1;
      down = true;
      for (const socket of open) socket.destroy();
      await new Promise((resolve) => setTimeout(resolve, ms));
      down = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
