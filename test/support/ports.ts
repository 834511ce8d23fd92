// Ports for tests: asked from the OS (listen on port 0), never fixed, so two benches or two clones
// can run side by side. A port is free when returned; a test that needs "nothing listens here"
// uses closedPort() (the OS just released it; nothing else on loopback takes it in between in practice).
import { createServer, type AddressInfo, type Server } from 'node:net';

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A loopback port where nothing listens (connections are refused). */
export const closedPort = freePort;

/** Starts `server` on a port the OS picks on 127.0.0.1 and resolves with that port (no race at all). */
export function listenOnFreePort(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
