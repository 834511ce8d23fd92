// Parser thread of the store: MIME parsing (postal-mime, base64, hashes) of
// incoming batches, so that it overlaps with the SQL of the previous batch on
// the store thread. Batches come from the client (parentPort) and go, parsed,
// straight to the store thread (the port it receives first).
import { parentPort, type MessagePort } from 'node:worker_threads';
import { parseMessage, type ParsedMessage } from '../parse.js';
import type { ParseJob, ParsedJob } from './protocol.js';

let storePort: MessagePort | null = null;
let queue: Promise<void> = Promise.resolve();

parentPort!.on('message', (msg: { port: MessagePort } | ParseJob | 'close') => {
  if (msg === 'close') {
    queue = queue.then(() => {
      storePort?.close();
      parentPort!.close();
    });
    return;
  }
  if ('port' in msg) {
    storePort = msg.port;
    return;
  }
  const job = msg;
  queue = queue.then(async () => {
    const parsed: ParsedMessage[] = [];
    let error: string | null = null;
    try {
      for (const m of job.batch.newMessages ?? []) parsed.push(await parseMessage(Buffer.from(m.raw.buffer, m.raw.byteOffset, m.raw.byteLength)));
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    // the sources are this thread's own copies (moved or cloned here): moved on to the store thread
    const sources = new Set<ArrayBuffer>();
    for (const m of job.batch.newMessages ?? []) if (m.raw.buffer instanceof ArrayBuffer && m.raw.buffer.byteLength > 0) sources.add(m.raw.buffer);
    storePort!.postMessage({ id: job.id, batch: job.batch, parsed, error } satisfies ParsedJob, [...sources]);
  });
});
