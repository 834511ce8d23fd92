// Child process of test/bench/tls.ts: a Node TLS server (ECDHE-RSA-AES128-GCM-SHA256, TLS 1.2) in
// its own process, so the client's CPU time is measured alone. Protocol: the client's first byte
// is 'u' (upload: the server counts BYTES then answers 'k') or 'd' (download: the server sends BYTES).
// argv: key cert bytes; listens on a port the OS picks and prints "ready PORT".
import { readFileSync } from 'node:fs';
import tls from 'node:tls';

const [key, cert, bytes] = process.argv.slice(2);
const total = Number(bytes);
tls
  .createServer({ key: readFileSync(key ?? ''), cert: readFileSync(cert ?? ''), ciphers: 'ECDHE-RSA-AES128-GCM-SHA256', maxVersion: 'TLSv1.2' }, (s) => {
    s.on('error', () => undefined);
    s.once('data', (first: Buffer) => {
      if (first[0] === 0x75 /* u */) {
        let got = first.length - 1;
        s.on('data', (d: Buffer) => {
          got += d.length;
          if (got >= total) s.write('k');
        });
        return;
      }
      const chunk = Buffer.alloc(64 * 1024, 0x62);
      let sent = 0;
      const pump = (): void => {
        while (sent < total) {
          sent += chunk.length;
          if (!s.write(chunk)) return void s.once('drain', pump);
        }
      };
      pump();
    });
  })
  .listen(0, '127.0.0.1', function (this: tls.Server) {
    process.stdout.write(`ready ${(this.address() as { port: number }).port}\n`);
  });
