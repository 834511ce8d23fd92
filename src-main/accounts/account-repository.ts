// Where account settings persist. A tiny interface so that the storage can move (into the encrypted
// store's accounts table) without touching its users; today a JSON file in the data folder.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AppError } from '../errors/index.js';
import { accountSchema, normaliseAddress, type AccountConfig } from './account.js';

export interface AccountRepository {
  list(): Promise<AccountConfig[]>;
  /** the account for `address`, or the only account when `address` is omitted */
  get(address?: string): Promise<AccountConfig>;
  /** adds or (with replace) replaces the account of the same address */
  save(account: AccountConfig, opts?: { replace?: boolean }): Promise<void>;
}

const FILE_VERSION = 1;

export class JsonFileAccountRepository implements AccountRepository {
  constructor(private readonly file: string) {}

  static inHome(home: string): JsonFileAccountRepository {
    return new JsonFileAccountRepository(join(home, 'accounts.json'));
  }

  async list(): Promise<AccountConfig[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new AppError('IO_FAILED', `cannot read ${this.file}`, { cause: err });
    }
    try {
      const doc = JSON.parse(text) as { version?: unknown; accounts?: unknown };
      if (doc.version !== FILE_VERSION) throw new Error(`unsupported version ${String(doc.version)}`);
      return accountSchema.array().parse(doc.accounts) as AccountConfig[];
    } catch (err) {
      throw new AppError('IO_FAILED', `${this.file} is damaged: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }

  async get(address?: string): Promise<AccountConfig> {
    const accounts = await this.list();
    if (address === undefined) {
      if (accounts.length === 1) return accounts[0]!;
      throw new AppError(accounts.length === 0 ? 'ACCOUNT_NOT_FOUND' : 'ACCOUNT_AMBIGUOUS', `${accounts.length} accounts configured`, { data: { count: accounts.length } });
    }
    const wanted = normaliseAddress(address);
    const found = accounts.find((a) => a.address === wanted);
    if (!found) throw new AppError('ACCOUNT_NOT_FOUND', `no account ${wanted}`, { data: { address: wanted } });
    return found;
  }

  async save(account: AccountConfig, opts: { replace?: boolean } = {}): Promise<void> {
    const accounts = await this.list();
    const i = accounts.findIndex((a) => a.address === account.address);
    if (i >= 0 && !opts.replace) throw new AppError('ACCOUNT_EXISTS', `account ${account.address} already exists`, { data: { address: account.address } });
    if (i >= 0) accounts[i] = account;
    else accounts.push(account);
    await this.write(accounts);
  }

  /** Write to a temp file then rename: the previous file stays intact until the new one is complete. */
  private async write(accounts: AccountConfig[]): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(tmp, JSON.stringify({ version: FILE_VERSION, accounts }, null, 2) + '\n', { mode: 0o600 });
    await rename(tmp, this.file);
  }
}
