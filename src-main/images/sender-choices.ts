// "Toujours pour cet expéditeur" / "Jamais pour cet expéditeur": the user's choice
// about remote images, per sender address, in a JSON file of the data folder
// (written atomically, owner-only). 'ask' (the default) is not stored.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { AppError } from '../errors/index.js';
import { ensurePrivateDir } from '../files/private.js';

import type { SenderImageChoice } from '../common/remote-images.js';

export type { SenderImageChoice };

const FileSchema = z.object({ senders: z.record(z.string().max(320), z.enum(['always', 'never'])) });
/** A bound on the file: the oldest choices go first. */
const MAX_SENDERS = 5000;

const keyOf = (address: string) => address.trim().toLowerCase();

export class SenderImageChoices {
  private cached: Map<string, 'always' | 'never'> | undefined;

  constructor(private readonly file: string) {}

  private load(): Map<string, 'always' | 'never'> {
    if (this.cached) return this.cached;
    let stored: unknown;
    try {
      stored = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch {
      stored = { senders: {} };
    }
    const parsed = FileSchema.safeParse(stored);
    this.cached = new Map(parsed.success ? Object.entries(parsed.data.senders) : []);
    return this.cached;
  }

  get(address: string | null | undefined): SenderImageChoice {
    if (!address) return 'ask';
    return this.load().get(keyOf(address)) ?? 'ask';
  }

  /** Every sender with a kept choice, most recent first (« Réglages » lists them, with a way to forget each). */
  list(): { address: string; choice: 'always' | 'never' }[] {
    return [...this.load()].reverse().map(([address, choice]) => ({ address, choice }));
  }

  set(address: string, choice: SenderImageChoice): SenderImageChoice {
    const map = new Map(this.load());
    const key = keyOf(address);
    map.delete(key);
    if (choice !== 'ask') map.set(key, choice);
    while (map.size > MAX_SENDERS) map.delete(map.keys().next().value!);
    try {
      ensurePrivateDir(dirname(this.file));
      const tmp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify({ senders: Object.fromEntries(map) }, null, 2) + '\n', { mode: 0o600 });
      renameSync(tmp, this.file);
    } catch (err) {
      throw new AppError('IO_FAILED', 'cannot write the remote image choices', { cause: err });
    }
    this.cached = map;
    return choice;
  }
}
