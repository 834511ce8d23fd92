// A hooks module as the trust and journal code would provide one for the
// store thread (loaded by the worker, so its functions run there).
import type { StoreHooks } from '../../../src-main/store/types.js';

export function createStoreHooks(options: { tag: string }): StoreHooks {
  return {
    trust: (m) => ({ level: 'outside_trust_space', tag: options.tag, from: m.from?.address ?? null }),
    onMessagesStored: (db, events) => {
      db.exec('CREATE TABLE IF NOT EXISTS test_journal (sha256 TEXT NOT NULL) STRICT');
      const ins = db.prepare('INSERT INTO test_journal (sha256) VALUES (?)');
      for (const e of events) ins.run(e.sha256);
    },
  };
}
