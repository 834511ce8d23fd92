// Parsing a CRL is slow (asn1js: ~0.7 s per 10,000 entries) and synchronous. So each CRL is parsed,
// verified and indexed ONCE per process (memo keyed by the CRL bytes and the issuer), and a large one
// in a worker thread so that the Electron main process never freezes on it.
import { createHash } from 'node:crypto';
import { spawnWorker } from '../../runtime/workers.js';
import { CrlRejected, indexCrl, type CrlIndex } from './crl.js';
import { derOf, type x509 } from './x509.js';

export type CrlIndexer = (bytes: Buffer, issuer: x509.X509Certificate) => Promise<CrlIndex>;

/** Above this size a CRL is indexed in a worker thread (~4,000 entries). */
const CRL_WORKER_THRESHOLD_BYTES = 128 * 1024;
const MEMO_ENTRIES = 16;

/** Remembers the last indexes; a rejection is not remembered (the next download may be good). */
export function memoizedIndexer(inner: CrlIndexer, max = MEMO_ENTRIES): CrlIndexer {
  const memo = new Map<string, Promise<CrlIndex>>();
  return (bytes, issuer) => {
    const key = createHash('sha256').update(bytes).update(derOf(issuer)).digest('hex');
    const hit = memo.get(key);
    if (hit) {
      memo.delete(key); // refresh its LRU position
      memo.set(key, hit);
      return hit;
    }
    const p = inner(bytes, issuer);
    memo.set(key, p);
    p.catch(() => memo.delete(key));
    while (memo.size > max) memo.delete(memo.keys().next().value!);
    return p;
  };
}

/** Wire format of an index across the worker boundary (structured clone keeps Map and Date). */
export type WorkerReply = { ok: true; index: CrlIndex } | { ok: false; rejected: boolean; message: string };

/** Indexes in this thread below `thresholdBytes`, in a one-shot worker thread above. */
export function threadedIndexer(thresholdBytes = CRL_WORKER_THRESHOLD_BYTES): CrlIndexer {
  return (bytes, issuer) => (bytes.length <= thresholdBytes ? indexCrl(bytes, issuer) : indexInWorker(bytes, issuer));
}

function indexInWorker(bytes: Buffer, issuer: x509.X509Certificate): Promise<CrlIndex> {
  return new Promise((resolve, reject) => {
    // The heap cap turns a hostile, huge CRL into a refusal instead of exhausting the app's memory.
    const worker = spawnWorker('crl-index', { workerData: { bytes, issuerDer: derOf(issuer) }, resourceLimits: { maxOldGenerationSizeMb: 1536 } });
    let settled = false;
    worker.once('message', (reply: WorkerReply) => {
      settled = true;
      if (reply.ok) resolve(reply.index);
      else reject(reply.rejected ? new CrlRejected(reply.message) : new Error(reply.message));
      void worker.terminate();
    });
    worker.once('error', (err) => {
      if (!settled) reject(err);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`CRL worker exited with code ${code}`));
    });
  });
}

/** The process-wide default: memoised, large CRLs off the main thread. */
export const defaultCrlIndexer: CrlIndexer = memoizedIndexer(threadedIndexer());
