// What every store module works on: the one connection, its prepared
// statements, and the hooks (trust, journal, receipts) of the store.
import type { Statement } from 'better-sqlite3-multiple-ciphers';
import type { Db } from './database.js';
import type { StoreHooks } from './types.js';

export class StoreContext {
  private readonly statements = new Map<string, Statement>();

  constructor(
    readonly db: Db,
    public hooks: StoreHooks,
  ) {}

  /** Prepared once per SQL text: the write path runs the same few statements thousands of times. */
  stmt(sql: string): Statement {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }
}
