// A tiny HTTP server publishing CRLs on loopback, for revocation tests. Its port is chosen by the OS
// at start() (none fixed), so url() is valid once started.
import { createServer, type Server } from 'node:http';

export class CrlServer {
  readonly files = new Map<string, Buffer>();
  requests = 0;
  private server: Server | undefined;

  port = 0;

  url(name: string): string {
    if (!this.port) throw new Error('CrlServer: url() before start()');
    return `http://127.0.0.1:${this.port}/${name}`;
  }

  start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.requests += 1;
      const body = this.files.get((req.url ?? '/').slice(1));
      if (!body) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/pkix-crl' }).end(body);
    });
    return new Promise((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(0, '127.0.0.1', () => {
        this.port = (this.server!.address() as { port: number }).port;
        resolve();
      });
    });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
