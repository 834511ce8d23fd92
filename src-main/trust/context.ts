import { addressParser, decodeWords } from 'postal-mime';
import { toAppError, type AppError } from '../errors/index.js';
import { normaliseAddress } from './address.js';
import type { AnnuaireEntry } from './annuaire/entry.js';
import type { AnnuaireVersion } from './annuaire/import.js';
import { AnnuaireReader } from './annuaire/reader.js';
import { decideSenderTrust } from './decision.js';
import { ListeBlancheIndex, type ListeBlancheVersion } from './listeblanche/store.js';
import { embedsName, looksLike, nameWords, personName } from './names.js';
import type { MailboxFact, MessageSenderFacts, TrustDecision, TrustInput, TrustLevel } from './types.js';

// The lookups behind the trust decision (annuaire + liste blanche of one --home), kept open for
// the life of a sync or of the app: a decision is then two indexed SQLite reads and a Set
// lookup. Open it once per sync, not per message.

/** Result of the compose-window check of a recipient. */
export interface RecipientCheck {
  address: string;
  /** canonical form, when the syntax is valid */
  normalised: string | null;
  syntaxValid: boolean;
  domainInListeBlanche: boolean;
  /** both: the address may receive MSSanté mail */
  inTrustSpace: boolean;
}

/** One autocomplete proposal: the annuaire entry with its badge. */
export interface AutocompleteEntry {
  address: string;
  type: string;
  name: string;
  profession: string | null;
  specialty: string | null;
  structure: string | null;
  city: string | null;
  nationalId: string | null;
  dematerialisation: boolean;
  /** what a message from this address would show (before looking at the message itself) */
  badge: TrustLevel;
}

function versionTag(date: string | null | undefined, sha256: string | undefined): string | null {
  return sha256 ? `${date ?? 'undated'}#${sha256.slice(0, 12)}` : null;
}

const NAMESAKE_CACHE_SIZE = 5000;

export class TrustContext {
  private readonly namesakeCache = new Map<string, AnnuaireEntry[]>();
  /** annuaire rows by address (null: not listed), for the same reason: a few senders, many messages */
  private readonly addressCache = new Map<string, AnnuaireEntry | null>();

  private constructor(
    private readonly home: string | null,
    private annuaire: AnnuaireReader | null,
    private listeBlanche: ListeBlancheIndex,
  ) {}

  /**
   * Opens the annuaire and liste blanche kept in `trustDir` — `trustDirOf(<data folder>)`, not the data folder
   * itself (either may not be imported yet).
   */
  static open(trustDir: string): TrustContext {
    return new TrustContext(trustDir, AnnuaireReader.open(trustDir), ListeBlancheIndex.load(trustDir));
  }

  /**
   * Like open(), but an unreadable annuaire or liste blanche (damaged file, older layout) does not
   * stop the caller (e.g. a sync): it counts as not imported, and `problems` says what to redo.
   */
  static openLenient(trustDir: string): { context: TrustContext; problems: AppError[] } {
    const problems: AppError[] = [];
    const attempt = <T>(load: () => T, fallback: T): T => {
      try {
        return load();
      } catch (err) {
        problems.push(toAppError(err));
        return fallback;
      }
    };
    const annuaire = attempt(() => AnnuaireReader.open(trustDir), null);
    const listeBlanche = attempt(() => ListeBlancheIndex.load(trustDir), ListeBlancheIndex.empty());
    return { context: new TrustContext(trustDir, annuaire, listeBlanche), problems };
  }

  /** For tests and embedding: explicit sources. */
  static from(annuaire: AnnuaireReader | null, listeBlanche: ListeBlancheIndex): TrustContext {
    return new TrustContext(null, annuaire, listeBlanche);
  }

  get versions(): { annuaire: AnnuaireVersion | null; listeBlanche: ListeBlancheVersion | null } {
    return { annuaire: this.annuaire?.version ?? null, listeBlanche: this.listeBlanche.version };
  }

  /** Tags stored with each decision: when they change, stored decisions should be recomputed. */
  get basis(): TrustInput['basis'] {
    const a = this.annuaire?.version;
    const lb = this.listeBlanche.version;
    return { annuaire: versionTag(a?.extractionDate, a?.sha256), listeBlanche: versionTag(lb?.generatedAt, lb?.sha256) };
  }

  /** Picks up a newer annuaire / liste blanche imported since opening. Returns true if any changed. */
  refresh(): boolean {
    if (!this.home) return false;
    let changed: boolean;
    if (this.annuaire) changed = this.annuaire.reopenIfReplaced();
    else {
      this.annuaire = AnnuaireReader.open(this.home);
      changed = this.annuaire !== null;
    }
    if (changed) {
      this.namesakeCache.clear();
      this.addressCache.clear();
    }
    const lb = this.listeBlanche.reloadIfChanged(this.home);
    if (lb !== this.listeBlanche) {
      this.listeBlanche = lb;
      changed = true;
    }
    return changed;
  }

  isDomainTrusted(domain: string): boolean {
    return this.listeBlanche.has(domain);
  }

  lookupAddress(address: string): AnnuaireEntry | null {
    if (!this.annuaire) return null;
    const cached = this.addressCache.get(address);
    if (cached !== undefined) return cached;
    const entry = this.annuaire.byAddress(address);
    if (this.addressCache.size >= NAMESAKE_CACHE_SIZE) this.addressCache.clear();
    this.addressCache.set(address, entry);
    return entry;
  }

  /** Gathers what decideSenderTrust needs for these message facts. */
  resolve(message: MessageSenderFacts): TrustInput {
    const domains = new Set<string>();
    const from = message.from.length === 1 ? normaliseAddress(message.from[0]!.address) : null;
    for (const a of [message.from[0]?.address, message.sender?.address, message.envelopeFrom]) {
      const n = a ? normaliseAddress(a) : null;
      if (n && this.listeBlanche.has(n.domain)) domains.add(n.domain);
    }
    const displayName = message.from[0]?.displayName ?? '';
    return {
      message,
      fromEntry: from ? this.lookupAddress(from.address) : null,
      namesakes: displayName ? this.namesakes(displayName) : [],
      trustedDomains: [...domains],
      basis: this.basis,
    };
  }

  /**
   * Annuaire people a display name may designate (see AnnuaireReader.nameCandidates), cached: the
   * same senders come back in every mailbox, and this runs once per synced message.
   */
  private namesakes(displayName: string): AnnuaireEntry[] {
    const words = nameWords(displayName).filter((w) => w.length > 1).slice(0, 8);
    if (!this.annuaire || words.length < 2) return [];
    const key = words.join(' ');
    let found = this.namesakeCache.get(key);
    if (!found) {
      // Full rows only for the candidates whose name the display name may imitate. A longer
      // display name ("Dr Jean DUPONT - Cardiologie CHU Brest") is searched by 2- and 3-word windows.
      const annuaire = this.annuaire;
      const windows = words.length <= 4 ? [words] : [2, 3].flatMap((n) => words.slice(0, words.length - n + 1).map((_, i) => words.slice(i, i + n)));
      const byId = new Map(windows.flatMap((w) => annuaire.nameCandidates(w)).map((c) => [c.id, c]));
      found = [...byId.values()]
        .filter((c) => {
          const name = personName(c.firstName, c.lastName);
          return looksLike(displayName, name) || embedsName(displayName, name);
        })
        .map((c) => annuaire.byId(c.id))
        .filter((e): e is AnnuaireEntry => e !== null);
      if (this.namesakeCache.size >= NAMESAKE_CACHE_SIZE) this.namesakeCache.clear();
      this.namesakeCache.set(key, found);
    }
    return found;
  }

  /** The trust decision for a message's sender. */
  decide(message: MessageSenderFacts): TrustDecision {
    return decideSenderTrust(this.resolve(message));
  }

  /** Compose check: valid syntax and a domain of the liste blanche. */
  isAddressInTrustSpace(address: string): RecipientCheck {
    const n = normaliseAddress(address);
    const inListe = n !== null && this.listeBlanche.has(n.domain);
    return { address, normalised: n?.address ?? null, syntaxValid: n !== null, domainInListeBlanche: inListe, inTrustSpace: inListe };
  }

  /**
   * Compose-window suggestions from the annuaire, with the badge each address would get and the
   * dématérialisation flag. Needs at least 2 characters (1 would match a third of France).
   */
  autocomplete(query: string, limit = 10): AutocompleteEntry[] {
    if (!this.annuaire || query.trim().length < 2) return [];
    return this.annuaire.autocomplete(query, limit).map((e) => {
      const structure = [e.structureName, e.tradeName].filter(Boolean).join(' — ') || null;
      const name = [e.firstName, e.lastName].filter(Boolean).join(' ') || structure || e.address;
      const inListe = this.listeBlanche.has(e.address.slice(e.address.lastIndexOf('@') + 1));
      return {
        address: e.address,
        type: e.type,
        name,
        profession: e.profession,
        specialty: e.specialty,
        structure,
        city: e.city,
        nationalId: e.nationalId,
        dematerialisation: e.dematerialisation,
        badge: !inListe ? 'outside_trust_space' : e.type === 'PER' ? 'verified_professional' : 'verified_organization',
      };
    });
  }

  /** Full-text annuaire search (directory window, CLI): best matches first. */
  search(query: string, limit = 20): AnnuaireEntry[] {
    return this.annuaire?.search(query, limit) ?? [];
  }

  close(): void {
    this.annuaire?.close();
    this.annuaire = null;
  }
}

function mailboxes(headerValue: string | undefined): MailboxFact[] {
  if (!headerValue) return [];
  const out: MailboxFact[] = [];
  for (const item of addressParser(headerValue, { flatten: true })) {
    if ('address' in item && item.address) {
      const name = item.name ? decodeWords(item.name).trim() : '';
      out.push({ address: item.address, displayName: name || null });
    }
  }
  return out;
}

/**
 * Message facts from header values as they appear in the message (unfolded, encoded words
 * allowed). `returnPath` is the Return-Path header added at delivery (the SMTP envelope sender).
 */
export function senderFactsFromHeaders(headers: { from?: string; sender?: string; returnPath?: string }): MessageSenderFacts {
  const sender = mailboxes(headers.sender)[0] ?? null;
  const rp = headers.returnPath?.trim();
  const envelope = rp === undefined ? undefined : rp === '<>' ? '' : (mailboxes(rp)[0]?.address ?? rp.replace(/^<|>$/g, ''));
  return { from: mailboxes(headers.from), sender, ...(envelope === undefined ? {} : { envelopeFrom: envelope }) };
}
