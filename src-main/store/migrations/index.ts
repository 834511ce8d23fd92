import { migration001 } from './001-initial.js';
import { migration002 } from './002-outbox.js';
import { migration003 } from './003-sort-date-indexes.js';
import { migration004 } from './004-journal.js';
import { migration005 } from './005-list-indexes.js';
import { migration006 } from './006-read-receipts.js';
import { migration007 } from './007-delivery.js';
import type { Migration } from './types.js';

export type { Migration } from './types.js';

/**
 * Every schema step, in order. To add one: a new file NNN-what.ts exporting a
 * Migration with the next version, and one line here. Never edit a released step.
 */
export const MIGRATIONS: readonly Migration[] = [migration001, migration002, migration003, migration004, migration005, migration006, migration007];
