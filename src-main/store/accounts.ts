// The accounts table: one row per mailbox address.
import type { StoreContext } from './context.js';
import { parseJson, type Row } from './rows.js';
import type { Account } from './types.js';

export function ensureAccount(ctx: StoreContext, a: { address: string; displayName?: string | null; imapHost?: string | null; imapPort?: number | null }): Account {
  const address = a.address.toLowerCase();
  ctx
    .stmt(
      `INSERT INTO accounts (address, display_name, imap_host, imap_port, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (address) DO UPDATE SET display_name = coalesce(excluded.display_name, display_name),
         imap_host = coalesce(excluded.imap_host, imap_host), imap_port = coalesce(excluded.imap_port, imap_port)`,
    )
    .run(address, a.displayName ?? null, a.imapHost ?? null, a.imapPort ?? null, Date.now());
  return getAccount(ctx, address)!;
}

export function getAccount(ctx: StoreContext, address?: string): Account | undefined {
  const r = (
    address
      ? ctx.stmt('SELECT * FROM accounts WHERE address = ?').get(address.toLowerCase())
      : ctx.stmt('SELECT * FROM accounts ORDER BY id LIMIT 1').get()
  ) as Row | undefined;
  if (!r) return undefined;
  return {
    id: r.id as number,
    address: r.address as string,
    displayName: (r.display_name as string | null) ?? null,
    imapHost: (r.imap_host as string | null) ?? null,
    imapPort: (r.imap_port as number | null) ?? null,
    settings: parseJson<Record<string, unknown>>(r.settings_json, {}),
  };
}
