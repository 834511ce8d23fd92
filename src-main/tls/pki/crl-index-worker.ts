// Worker-thread entry of crl-indexer.ts: parses, verifies and indexes one CRL, replies once.
import { parentPort, workerData } from 'node:worker_threads';
import { CrlRejected, indexCrl } from './crl.js';
import type { WorkerReply } from './crl-indexer.js';
import { parseCertificate } from './x509.js';

const { bytes, issuerDer } = workerData as { bytes: Uint8Array; issuerDer: Uint8Array };
indexCrl(Buffer.from(bytes), parseCertificate(issuerDer, 'CRL issuer')).then(
  (index) => parentPort!.postMessage({ ok: true, index } satisfies WorkerReply),
  (err: unknown) => parentPort!.postMessage({ ok: false, rejected: err instanceof CrlRejected, message: err instanceof Error ? err.message : String(err) } satisfies WorkerReply),
);
