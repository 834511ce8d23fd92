import type { Database } from 'better-sqlite3-multiple-ciphers';

/**
 * One schema step. `up` runs inside a transaction together with the
 * `user_version` bump, so a step is applied entirely or not at all.
 * Steps never drop user data; a step that must reshape data copies it.
 */
export interface Migration {
  version: number;
  name: string;
  up(db: Database): void;
}
