// A tiny HTTP server publishing CRLs on loopback, for revocation tests (ports 21100-21199 are ours).
import { createServer, type Server } from 'node:http';

export class CrlServer {
  readonly files = new Map<string, Buffer>();
  requests = 0;
  private server: Server | undefined;

  constructor(readonly port: number) {}

  url(name: string): string {
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
      this.server!.listen(this.port, '127.0.0.1', () => resolve());
    });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
