// The bench's loopback HTTP server for CRLs (/crl/*.crl, DER) and CA
// certificates (/aia/*.cer), the URLs written into the certificates.
// Started detached by `up` (pid recorded in the run dir), stopped by `down`.
//   node --import tsx crl-server.ts <public dir> <port>
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join, normalize } from 'node:path';

const [pubDir, portArg] = process.argv.slice(2);
if (!pubDir || !portArg) {
  console.error('usage: crl-server.ts <public dir> <port>');
  process.exit(2);
}

const TYPES: Record<string, string> = { '.crl': 'application/pkix-crl', '.cer': 'application/pkix-cert' };

const server = createServer((req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
  const ext = path.slice(path.lastIndexOf('.'));
  if (req.method !== 'GET' || !/^\/(crl|aia)\/[^/]+$/.test(path) || !TYPES[ext]) {
    res.writeHead(404).end();
    return;
  }
  readFile(join(pubDir, path)).then(
    (body) => res.writeHead(200, { 'content-type': TYPES[ext]!, 'content-length': body.length }).end(body),
    () => res.writeHead(404).end(),
  );
});
server.listen(Number(portArg), '127.0.0.1', () => console.log(`crl-server listening on 127.0.0.1:${portArg}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
