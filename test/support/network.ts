import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * Loopback network fakes for failure tests: a port that never answers, a proxy that can go
 * silent (a partition) or refuse (a crash), a port nothing listens on. Everything a test opened
 * is closed by `closeAll` (call it in afterEach).
 */
const servers: Server[] = [];
const sockets: Socket[] = [];

export async function closeAll(): Promise<void> {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
}

/** A loopback port where a TCP server accepts connections and never says a word. */
export async function silentPort(): Promise<number> {
  const server = createServer((socket) => sockets.push(socket));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

export interface Proxy {
  port: number;
  /** Drops every byte either way and keeps the sockets open, as a network partition does. */
  freeze(): void;
  thaw(): void;
  /** Cuts every connection and refuses new ones, as a stopped server does; `thaw` accepts again. */
  cut(): void;
}

/** A loopback TCP proxy to `target` that can go silent or refuse connections. */
export async function proxyTo(target: { host: string; port: number }): Promise<Proxy> {
  let frozen = false;
  let refusing = false;
  const open = new Set<Socket>();
  const server = createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.push(socket);
      open.add(socket);
      socket.on('close', () => open.delete(socket));
    }
    client.on('data', (data) => frozen || upstream.write(data));
    upstream.on('data', (data) => frozen || client.write(data));
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    freeze: () => (frozen = true),
    thaw: () => {
      frozen = false;
      refusing = false;
    },
    cut: () => {
      refusing = true;
      for (const socket of open) socket.destroy();
    },
  };
}

/** A loopback port nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
