// A CLI home for a bench doctor, set up in-process (no process start): the
// card account on the bench's IMAP/submission ports, and a liste blanche of
// the bench domains so that sending to the other bench mailboxes is allowed.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JsonFileAccountRepository } from '../../src-main/accounts/account-repository.js';
import { importListeBlanche, trustDirOf } from '../../src-main/trust/index.js';
import type { TestbedState } from './testbed.js';

/**
 * Imports a liste blanche naming every domain of the bench mailboxes into the home's trust dir
 * (but `exclude`: bench mailboxes then outside the trust space, still delivered by Postfix).
 */
export async function importBenchListeBlanche(home: string, tb: Pick<TestbedState, 'mailboxes'>, exclude: readonly string[] = []): Promise<void> {
  const lb = join(home, 'lb.xml');
  const domains = [...new Set(tb.mailboxes.map((m) => m.slice(m.indexOf('@') + 1)))].filter((d) => !exclude.includes(d));
  writeFileSync(
    lb,
    `<?xml version="1.0" encoding="UTF-8"?><ListeBlancheMSSante xmlns="https://listeblanche.mssante.fr/schema"><DateDeGeneration>${new Date().toISOString()}</DateDeGeneration><ListeDomaines>${domains.map((d) => `<Domaine><Nom>${d}</Nom></Domaine>`).join('')}</ListeDomaines></ListeBlancheMSSante>`,
  );
  await importListeBlanche(lb, { home: trustDirOf(home) });
}

/** Saves a card account for `address` on the bench servers (IMAPS, submissions on `smtpPort`). */
export async function saveBenchCardAccount(home: string, tb: Pick<TestbedState, 'ports' | 'pki'>, address: string, smtpPort = tb.ports.submissions): Promise<void> {
  const endpoint = (port: number) => ({ host: 'localhost', port, security: 'tls' as const });
  await JsonFileAccountRepository.inHome(home).save({
    address,
    imap: endpoint(tb.ports.imaps),
    smtp: endpoint(smtpPort),
    auth: { kind: 'card' },
    trustAnchorsFile: tb.pki.caBundle,
    createdAt: new Date().toISOString(),
  });
}
