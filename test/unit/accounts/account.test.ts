// Account settings: validation of what the user types, and the JSON repository (atomic, private,
// no secret, clear errors for missing/duplicate/ambiguous accounts and a damaged file).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { normaliseAddress, parseHostPort, type AccountConfig } from '../../../src-main/accounts/account.js';
import { JsonFileAccountRepository } from '../../../src-main/accounts/account-repository.js';
import { AppError } from '../../../src-main/errors/index.js';

const dir = mkdtempSync(join(tmpdir(), 'accounts-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function code(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (e) {
    return e instanceof AppError ? e.code : String(e);
  }
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  return p.then(() => 'ok', (e: unknown) => (e instanceof AppError ? e.code : String(e)));
}

test('HOST:PORT parsing accepts names, IPv4 and bracketed IPv6, and refuses the rest', () => {
  assert.deepEqual(parseHostPort('IMAP.Operateur.fr:993'), { host: 'imap.operateur.fr', port: 993 });
  assert.deepEqual(parseHostPort('127.0.0.1:143'), { host: '127.0.0.1', port: 143 });
  assert.deepEqual(parseHostPort('[::1]:587'), { host: '::1', port: 587 });
  for (const bad of ['imap.operateur.fr', 'imap:0', 'imap:70000', ':993', 'a b:1', '::1:993', '[zz]:1']) assert.equal(code(() => parseHostPort(bad)), 'INVALID_ARGUMENT', bad);
});

test('addresses are trimmed and lower-cased; malformed ones refused', () => {
  assert.equal(normaliseAddress('  Helene.Martin@Medecin.MSSante.fr '), 'helene.martin@medecin.mssante.fr');
  for (const bad of ['helene', 'a@b', '@b.fr', 'a b@c.fr', 'a@@b.fr']) assert.equal(code(() => normaliseAddress(bad)), 'INVALID_ARGUMENT', bad);
});

function account(address: string, o: Partial<AccountConfig> = {}): AccountConfig {
  return {
    address,
    imap: { host: 'imap.op.fr', port: 143, security: 'starttls' },
    smtp: { host: 'smtp.op.fr', port: 465, security: 'tls' },
    auth: { kind: 'card' },
    createdAt: '2026-11-26T00:00:00.000Z',
    ...o,
  };
}

test('save, list and get; the only account is the default; duplicates and unknown addresses are refused', async () => {
  const repo = new JsonFileAccountRepository(join(dir, 'a', 'accounts.json'));
  assert.deepEqual(await repo.list(), []);
  assert.equal(await codeOf(repo.get()), 'ACCOUNT_NOT_FOUND');
  await repo.save(account('a@op.fr'));
  assert.equal((await repo.get()).address, 'a@op.fr');
  assert.equal(await codeOf(repo.save(account('a@op.fr'))), 'ACCOUNT_EXISTS');
  await repo.save(account('a@op.fr', { smtp: { host: 'smtp2.op.fr', port: 587, security: 'starttls' } }), { replace: true });
  assert.equal((await repo.get('A@OP.FR')).smtp.host, 'smtp2.op.fr');
  await repo.save(account('b@op.fr', { auth: { kind: 'pkcs12', file: '/data/org.p12' } }));
  assert.equal(await codeOf(repo.get()), 'ACCOUNT_AMBIGUOUS');
  assert.equal(await codeOf(repo.get('c@op.fr')), 'ACCOUNT_NOT_FOUND');
  assert.deepEqual((await repo.list()).map((a) => a.address), ['a@op.fr', 'b@op.fr']);
});

test('the file is private (0600) and holds no secret, only the .p12 path', async () => {
  const file = join(dir, 'b', 'accounts.json');
  await new JsonFileAccountRepository(file).save(account('org@op.fr', { auth: { kind: 'pkcs12', file: '/data/org.p12' } }));
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const text = readFileSync(file, 'utf8');
  assert.match(text, /"file": "\/data\/org.p12"/);
  assert.doesNotMatch(text, /password|pin|secret/i);
});

test('a damaged file is reported (IO_FAILED), never silently replaced', async () => {
  const file = join(dir, 'c', 'accounts.json');
  const repo = new JsonFileAccountRepository(file);
  await repo.save(account('a@op.fr'));
  writeFileSync(file, '{"version":1,"accounts":[{"address":1}]}');
  assert.equal(await codeOf(repo.list()), 'IO_FAILED');
  assert.equal(await codeOf(repo.save(account('b@op.fr'))), 'IO_FAILED');
  assert.equal(readFileSync(file, 'utf8'), '{"version":1,"accounts":[{"address":1}]}');
});
