import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import { AppError } from '../../errors/index.js';
import { ensurePrivateDir } from '../../files/private.js';
import { normaliseDomain } from '../address.js';
import { parseListeBlanche } from './parse.js';
import { verifyListeBlancheSignature, type SignatureReport } from './signature.js';
import { igcSanteSignerCheck, type SignerChainCheck } from './signer-chain.js';

// The imported liste blanche is a small JSON file in --home (≈5,000 domains, public data),
// replaced atomically (write to a temporary file, fsync, rename) like the annuaire.

const LISTE_BLANCHE_FILE = 'listeblanche.json';
/** The official file is 3.6 MB for ~6,500 entries: anything 15 times larger is not a liste blanche. */
const MAX_LISTE_BLANCHE_BYTES = 64 * 1024 * 1024;

export interface ListeBlancheVersion {
  sourceName: string;
  sha256: string;
  /** DateDeGeneration of the file */
  generatedAt: string | null;
  importedAt: string;
  signature: SignatureReport['status'];
}

interface StoredListeBlanche {
  format: 1;
  version: ListeBlancheVersion;
  /** a list with a valid signature was imported into this folder once (absent in older files: see `version`) */
  signedSeen?: boolean;
  signature: SignatureReport;
  domains: string[];
}

export interface ListeBlancheImportReport {
  /** distinct domains now in the trust space */
  domains: number;
  /** <Domaine> entries in the file (a domain is listed once per operator) */
  entries: number;
  /** <Nom> values that are not domain names (not imported) */
  invalidNames: string[];
  wellFormed: boolean;
  signature: SignatureReport;
  version: ListeBlancheVersion;
  /** what the user should know about replacing the previous list (it was still replaced) */
  warnings: ('unsigned_replaces_signed' | 'older_than_previous')[];
  seconds: number;
}

export interface ListeBlancheImportOptions {
  home: string;
  checkChain?: SignerChainCheck;
  now?: Date;
  /**
   * Accept an unsigned file although a signed list was imported here before (CLI
   * `--accept-unsigned`, for the IT person; the window never sets it): without it, removing the
   * Signature of the official file would be a way to slip a domain into the trust space.
   */
  acceptUnsigned?: boolean;
  /** accept a file generated before the current list (DateDeGeneration), i.e. a downgrade */
  force?: boolean;
}

/** What an import would do to the current list: the pure decision of importListeBlanche. */
export type ListeBlancheReplacement =
  | { ok: true; warnings: ListeBlancheImportReport['warnings'] }
  | { ok: false; code: 'LISTE_BLANCHE_UNSIGNED_REFUSED' | 'LISTE_BLANCHE_OLDER_REFUSED' };

export function decideReplacement(
  previous: { version: ListeBlancheVersion; signedSeen: boolean } | null,
  next: { signature: SignatureReport['status']; generatedAt: string | null },
  opts: { acceptUnsigned?: boolean; force?: boolean },
): ListeBlancheReplacement {
  const warnings: ListeBlancheImportReport['warnings'] = [];
  if (!previous) return { ok: true, warnings };
  if (previous.signedSeen && next.signature !== 'valid') {
    if (!opts.acceptUnsigned) return { ok: false, code: 'LISTE_BLANCHE_UNSIGNED_REFUSED' };
    warnings.push('unsigned_replaces_signed');
  }
  const before = previous.version.generatedAt ? Date.parse(previous.version.generatedAt) : NaN;
  const after = next.generatedAt ? Date.parse(next.generatedAt) : NaN;
  if (!Number.isNaN(before) && !Number.isNaN(after) && after < before) {
    if (!opts.force) return { ok: false, code: 'LISTE_BLANCHE_OLDER_REFUSED' };
    warnings.push('older_than_previous');
  }
  return { ok: true, warnings };
}

function listeBlanchePath(home: string): string {
  return join(home, LISTE_BLANCHE_FILE);
}

function writeAtomically(path: string, content: string): void {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new AppError('IO_FAILED', `cannot write ${basename(path)}`, { cause: err });
  }
}

/**
 * Imports a liste blanche file. An invalid signature (altered file, signer outside IGC-Santé)
 * is refused and the previous list stays; an absent signature is accepted and recorded (the
 * ANS repository publishes an unsigned copy) until a signed list has been imported: from then on
 * an unsigned file is refused unless `acceptUnsigned`, and a file older than the current list
 * unless `force` (decideReplacement). Every refusal leaves the current list in place.
 */
export async function importListeBlanche(file: string, opts: ListeBlancheImportOptions): Promise<ListeBlancheImportReport> {
  const started = performance.now();
  let bytes: Buffer;
  try {
    if (statSync(file).size > MAX_LISTE_BLANCHE_BYTES) {
      throw new AppError('LISTE_BLANCHE_BAD_FILE', `${basename(file)} is larger than ${MAX_LISTE_BLANCHE_BYTES} bytes`);
    }
    bytes = readFileSync(file);
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('IO_FAILED', `cannot read ${basename(file)}`, { cause: err, data: { file } });
  }
  const xml = bytes.toString('utf8');
  const parsed = parseListeBlanche(xml);
  const signedAt = parsed.generatedAt && !Number.isNaN(Date.parse(parsed.generatedAt)) ? new Date(parsed.generatedAt) : null;
  const signature = await verifyListeBlancheSignature(xml, parsed.document, {
    checkChain: opts.checkChain ?? igcSanteSignerCheck(),
    signedAt,
    ...(opts.now ? { now: opts.now } : {}),
  });
  if (signature.status === 'invalid') {
    throw new AppError('LISTE_BLANCHE_SIGNATURE_INVALID', `liste blanche signature invalid: ${signature.reason}`, {
      data: { reason: signature.reason ?? 'unknown' },
    });
  }
  const version: ListeBlancheVersion = {
    sourceName: basename(file),
    sha256: createHash('sha256').update(bytes).digest('hex'),
    generatedAt: parsed.generatedAt,
    importedAt: new Date().toISOString(),
    signature: signature.status,
  };
  const previous = previousList(opts.home);
  const decision = decideReplacement(previous, { signature: signature.status, generatedAt: version.generatedAt }, opts);
  if (!decision.ok) {
    throw new AppError(decision.code, `liste blanche not imported (${decision.code}); the current list stays`, {
      data: {
        currentGeneratedAt: previous?.version.generatedAt ?? null,
        fileGeneratedAt: version.generatedAt,
      },
    });
  }
  const warnings = decision.warnings;
  const signedSeen = signature.status === 'valid' || previous?.signedSeen === true;
  const stored: StoredListeBlanche = { format: 1, version, signedSeen, signature, domains: parsed.domains };
  ensurePrivateDir(opts.home);
  writeAtomically(listeBlanchePath(opts.home), JSON.stringify(stored));
  return {
    domains: parsed.domains.length,
    entries: parsed.entries.length,
    invalidNames: parsed.invalidNames,
    wellFormed: parsed.wellFormed,
    signature,
    version,
    warnings,
    seconds: Math.round((performance.now() - started) / 10) / 100,
  };
}

function previousList(home: string): { version: ListeBlancheVersion; signedSeen: boolean } | null {
  let text: string;
  try {
    text = readFileSync(listeBlanchePath(home), 'utf8');
  } catch {
    return null; // none imported yet
  }
  try {
    const stored = JSON.parse(text) as StoredListeBlanche;
    if (!stored.version) return null;
    return { version: stored.version, signedSeen: stored.signedSeen === true || stored.version.signature === 'valid' };
  } catch {
    return null; // unreadable: it is being replaced anyway
  }
}

/**
 * Identifies one written version of a file. The import replaces the file by a rename, so the inode
 * changes even when two imports fall in the same mtime tick (mtime alone would miss that).
 */
function fileStamp(path: string): string {
  const st = statSync(path);
  return `${st.ino}:${st.size}:${st.mtimeMs}`;
}

/** The imported liste blanche as a set of canonical domains, for O(1) membership tests. */
export class ListeBlancheIndex {
  private constructor(
    private readonly domains: ReadonlySet<string>,
    readonly version: ListeBlancheVersion | null,
    /** which file this was loaded from (fileStamp); '' when not from a file */
    private readonly stamp: string,
  ) {}

  /** An empty list (nothing imported): every domain is outside the trust space. */
  static empty(): ListeBlancheIndex {
    return new ListeBlancheIndex(new Set(), null, '');
  }

  static fromDomains(domains: Iterable<string>, version: ListeBlancheVersion | null = null): ListeBlancheIndex {
    const set = new Set<string>();
    for (const d of domains) {
      const n = normaliseDomain(d);
      if (n) set.add(n);
    }
    return new ListeBlancheIndex(set, version, '');
  }

  /** Loads the imported list of `home`; an empty index when none was imported. */
  static load(home: string): ListeBlancheIndex {
    const path = listeBlanchePath(home);
    let text: string;
    let stamp: string;
    try {
      stamp = fileStamp(path);
      text = readFileSync(path, 'utf8');
    } catch {
      return ListeBlancheIndex.empty();
    }
    try {
      const stored = JSON.parse(text) as StoredListeBlanche;
      if (stored.format !== 1 || !Array.isArray(stored.domains)) throw new Error('unknown format');
      return new ListeBlancheIndex(new Set(stored.domains), stored.version, stamp);
    } catch (err) {
      throw new AppError('IO_FAILED', `${LISTE_BLANCHE_FILE} is unreadable: import the liste blanche again`, { cause: err });
    }
  }

  get size(): number {
    return this.domains.size;
  }

  /** Is this domain (any case, Unicode or punycode) in the trust space? */
  has(domain: string): boolean {
    const n = normaliseDomain(domain);
    return n !== null && this.domains.has(n);
  }

  /** Reloads when the file was replaced by an import; returns the current index. */
  reloadIfChanged(home: string): ListeBlancheIndex {
    try {
      if (fileStamp(listeBlanchePath(home)) === this.stamp) return this;
    } catch {
      return this;
    }
    return ListeBlancheIndex.load(home);
  }
}
