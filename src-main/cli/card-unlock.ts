// The CLI's one card session per process: the store is bound to the CPS card
// (src-main/store/keys/), so any verb that reads or writes the store logs in
// with the card first — PIN asked ONCE (terminal, --pin-stdin or pinpad) — and
// the same session then signs TLS (sync, send) and the journal checkpoints.
// The unwrapped store key is kept for the process (one card signature per
// command, not per store opening) and wiped when the command ends. Without a
// card (an e-CPS user's store, or --recovery-stdin) the recovery code opens
// the key instead (store-key-route.ts); nothing then signs the journal's head.
import { JsonFileAccountRepository } from '../accounts/account-repository.js';
import { signSessionCheckpoint, writeHeadAnchor } from '../audit/anchor.js';
import { appendPendingTo, flushPendingRecords, queuePendingRecords } from '../audit/pending.js';
import type { JournalRecord } from '../audit/events.js';
import { Journal } from '../audit/journal.js';
import { cardFacts } from '../audit/records.js';
import { CardService, CardSigner, type CardSession, type CardToken } from '../card/index.js';
import { AppError } from '../errors/index.js';
import { storeFile } from '../store/home.js';
import { staticKeyProvider, type StoreKeyProvider } from '../store/key-provider.js';
import { cardStoreKeyProvider } from '../store/keys/card-key-provider.js';
import { readKeyring, unlockWithRecovery } from '../store/keys/keyring.js';
import { storeKeyRoute } from './store-key-route.js';
import { wipe } from '../store/keys/wrap.js';
import { MailStore } from '../store/mail-store.js';
import type { StoreHooks } from '../store/types.js';
import { atCommandEnd } from './command-end.js';
import type { CliContext } from './context.js';
import { openCardSession, promptSecret, readPinFromStdin, reportModuleAttempts, signaturePin } from './card-login.js';

export interface HeldCard {
  svc: CardService;
  token: CardToken;
  session: CardSession;
  signer: CardSigner;
}

interface State {
  c: CliContext | null;
  held: HeldCard | null;
  opening: Promise<HeldCard> | null;
  /** the login failed (wrong PIN…): never asked again in this process */
  failed: unknown;
  storeKey: Buffer | null;
  /** the store key being opened (one try per command: a failure stays) */
  keyOpening: Promise<Buffer> | null;
  /** how this command opened the store */
  unlockedBy: 'card' | 'recovery' | null;
  /** the journal's head when the store first opened in this command (null: not opened yet) */
  headAtOpen: number | null;
}

const state: State = { c: null, held: null, opening: null, failed: null, storeKey: null, keyOpening: null, unlockedBy: null, headAtOpen: null };
// every command ends its card session and wipes the store key it unwrapped (see runCli)
atCommandEnd(() => endCliCardSession());

/**
 * Test seam (MSSANTE_TEST=1 only): a raw store key from MSSANTE_STORE_KEY for
 * the offline unit tests that build a store in-process. Never honoured otherwise.
 */
function testKey(): StoreKeyProvider | undefined {
  const hex = process.env.MSSANTE_STORE_KEY;
  return process.env.MSSANTE_TEST === '1' && hex ? staticKeyProvider(hex) : undefined;
}

function hasCliCardSession(): boolean {
  return state.held !== null && !state.held.session.ended;
}

/** The logged-in card of this command, logging in (PIN once) on first use. */
export function cliCardSession(c: CliContext, o: { trustAnchors?: string } = {}): Promise<HeldCard> {
  if (state.held) return Promise.resolve(state.held);
  if (state.failed) return Promise.reject(state.failed);
  state.opening ??= (async () => {
    const svc = new CardService({ modulePath: c.pkcs11Module });
    try {
      // the revocation check before the PIN uses the same trust anchors as the account's servers,
      // also when the store is what asks for the card first (the account is read from --home)
      const trustAnchors = o.trustAnchors ?? (await accountTrustAnchors(c.home));
      const { token, session } = await openCardSession(c, svc, trustAnchors ? { trustAnchors } : {});
      state.c = c;
      // a key with CKA_ALWAYS_AUTHENTICATE gets the PIN again for each signature (TLS handshake, checkpoint)
      state.held = { svc, token, session, signer: new CardSigner(session, { pinForSignature: signaturePin(c, token) }) };
    } catch (err) {
      state.failed = err;
      reportModuleAttempts(c, err);
      svc.close();
      throw err;
    } finally {
      state.opening = null;
    }
    // journalled when the store opens (next step of every verb; the store may not be unlockable yet)
    const card = cardFacts(state.held.token);
    queuePendingRecords(c.home, [{ action: 'card.login', data: card, actor: card.nationalId }]);
    return state.held;
  })();
  return state.opening;
}

/** The trust anchors file of --home's accounts when they name one (test or qualification platforms). */
async function accountTrustAnchors(home: string): Promise<string | undefined> {
  const accounts = await JsonFileAccountRepository.inHome(home).list().catch(() => []);
  const files = new Set(accounts.map((a) => a.trustAnchorsFile).filter((f): f is string => Boolean(f)));
  return files.size === 1 ? [...files][0] : undefined;
}

const NO_CARD: readonly string[] = ['CARD_NOT_PRESENT', 'CARD_PIN_REQUIRED', 'CARD_MODULE_NOT_FOUND', 'CARD_REMOVED'];

/**
 * The card-bound store key of --home (the recovery code of a new store is printed once, on stderr),
 * or — card-less users (store-key-route.ts) — the key opened with the store's recovery code. One
 * try per command: a wrong code is never asked again (the next stdin line is not a second code).
 */
export function cliStoreKeyProvider(c: CliContext): StoreKeyProvider {
  const test = testKey();
  if (test) return test;
  return {
    async getKey() {
      state.c ??= c;
      state.keyOpening ??= openStoreKey(c);
      state.storeKey ??= await state.keyOpening;
      return Buffer.from(state.storeKey);
    },
  };
}

async function openStoreKey(c: CliContext): Promise<Buffer> {
  const keyring = readKeyring(c.home);
  const route = storeKeyRoute({
    recoveryStdin: Boolean(c.recoveryStdin),
    keyring: keyring ? { cards: keyring.cards.length, recovery: keyring.recovery !== null } : null,
    tty: Boolean(process.stdin.isTTY),
  });
  if (route === 'card') return cardKey(c, keyring !== null);
  const code = await readRecoveryCode(route);
  let key: Buffer;
  try {
    key = unlockWithRecovery(keyring!, code);
  } catch (err) {
    // a failed attempt at the store is journalled like a wrong PIN (at the next opening); never the code
    if (err instanceof AppError && err.code === 'STORE_RECOVERY_INVALID') queuePendingRecords(c.home, [{ action: 'store.recovery_failed', data: { cardBound: keyring!.cards.length > 0, where: 'cli' } }]);
    throw err;
  }
  state.unlockedBy = 'recovery';
  // journalled when the store opens (openCliStore flushes the pending records)
  queuePendingRecords(c.home, [{ action: 'store.recovery_unlock', data: { cardBound: keyring!.cards.length > 0 } }]);
  return key;
}

/** The recovery code, as typed (no echo) or from the first line of standard input; the bytes are wiped. */
async function readRecoveryCode(route: 'recovery-stdin' | 'recovery-prompt'): Promise<string> {
  const line =
    route === 'recovery-stdin'
      ? await readPinFromStdin()
      : await promptSecret(
          'Code de secours de la base locale (la saisie ne s’affiche pas) : ',
          () => new AppError('STORE_CARD_REQUIRED', 'no terminal to ask the recovery code on', { data: { reason: 'card-less-store' } }),
          () => new AppError('STORE_RECOVERY_INVALID', 'recovery code entry cancelled', { data: { reason: 'empty' } }),
        );
  try {
    if (!line.length) throw new AppError('STORE_RECOVERY_INVALID', 'no recovery code given', { data: { reason: 'empty' } });
    return line.toString('utf8');
  } finally {
    line.fill(0);
  }
}

function cardKey(c: CliContext, hasKeyring: boolean): Promise<Buffer> {
  const provider = cardStoreKeyProvider({
    home: c.home,
    storeFile: storeFile(c.home),
    signer: async () => {
      try {
        return (await cliCardSession(c)).signer;
      } catch (err) {
        if (err instanceof AppError && NO_CARD.includes(err.code)) {
          throw new AppError('STORE_CARD_REQUIRED', 'the store opens only with the card and its PIN', { cause: err, ...(hasKeyring ? {} : { data: { reason: 'not-set-up' } }) });
        }
        throw err;
      }
    },
    onRecoveryCode: (code) => printRecoveryCode(c, code),
  });
  state.unlockedBy = 'card';
  return provider.getKey();
}

/** Shown once when a store is bound to the card (creation or migration of an old store), or set up without a card. */
export function printRecoveryCode(c: CliContext, code: string, o: { cardLess?: boolean } = {}): void {
  c.progress(
    [
      '',
      'CODE DE SECOURS de la base locale — à imprimer et à conserver en lieu sûr (il ne sera plus jamais affiché) :',
      '',
      `    ${code}`,
      '',
      o.cardLess
        ? 'Sans carte CPS, c’est la seule clé de cette base : chaque commande qui la lit le demande (au clavier, ou --recovery-stdin). Perdu, la base ne s’ouvre plus.'
        : 'Il permet de rouvrir la base avec une carte CPS renouvelée (mssante store rekey --new-card).',
      '',
    ].join('\n'),
  );
}

/** Opens the store of --home with the card (and appends the journal records that waited for it). */
export async function openCliStore(c: CliContext, opts: { hooks?: StoreHooks } = {}): Promise<MailStore> {
  const store = await MailStore.open({ file: storeFile(c.home), keyProvider: cliStoreKeyProvider(c), ...(opts.hooks ? { hooks: opts.hooks } : {}) });
  state.headAtOpen ??= new Journal(store.db).head().seq;
  try {
    await flushPendingRecords(c.home, appendPendingTo(new Journal(store.db)));
  } catch (err) {
    c.progress(`Attention : des événements en attente n’ont pas pu être inscrits au journal des accès (${err instanceof AppError ? err.code : String(err)}).`);
  }
  return store;
}

/** Appends now when the store is unlocked in this process (or its key still held after the card logout), else queues for the next unlock (never asks a PIN to journal). */
export async function recordCliOrQueue(c: CliContext, records: readonly JournalRecord[]): Promise<void> {
  if (!testKey() && state.storeKey === null && !hasCliCardSession()) {
    queuePendingRecords(c.home, records);
    return;
  }
  const store = await openCliStore(c);
  try {
    const journal = new Journal(store.db);
    journal.append(records);
    writeHeadAnchor(c.home, journal);
  } finally {
    store.close();
  }
}

/**
 * Ends the command's card session (journalled), closes the card host and wipes
 * the store key. Called once by runCli at the end of every command.
 */
export async function endCliCardSession(): Promise<void> {
  const { held, c } = state;
  state.held = null;
  state.opening = null;
  state.failed = null;
  try {
    if (held && c) {
      await checkpointAtEnd(c, held);
      await held.session.logout().catch(() => undefined);
      const card = cardFacts(held.token);
      try {
        await recordCliOrQueue(c, [{ action: 'card.logout', data: card, actor: card.nationalId }]);
      } catch (err) {
        c.progress(`Attention : la fin de session de la carte n’a pas pu être inscrite au journal des accès (${err instanceof AppError ? err.code : String(err)}).`);
      }
      held.svc.close();
    } else if (c && state.unlockedBy === 'recovery') await headWithoutCard(c);
  } finally {
    wipe(state.storeKey);
    state.storeKey = null;
    state.keyOpening = null;
    state.unlockedBy = null;
    state.headAtOpen = null;
    state.c = null;
  }
}

/**
 * A command that opened the store with its recovery code and no card: no card signs the
 * journal's head. What it appended is anchored by the head file only; said plainly, not as an error.
 */
async function headWithoutCard(c: CliContext): Promise<void> {
  if (state.storeKey === null || state.headAtOpen === null) return;
  try {
    const store = await openCliStore(c);
    try {
      const journal = new Journal(store.db);
      if (journal.head().seq <= state.headAtOpen) return;
      writeHeadAnchor(c.home, journal);
      c.progress(unsignedHeadFr(readKeyring(c.home)?.cards.length ?? 0));
    } finally {
      store.close();
    }
  } catch (err) {
    c.progress(`Attention : le point d’ancrage du journal des accès n’a pas pu être écrit (${err instanceof AppError ? err.code : String(err)}).`);
  }
}

/** @internal exported for its test */
export function unsignedHeadFr(boundCards: number): string {
  return boundCards === 0
    ? 'Journal des accès : les entrées de cette commande sont ancrées par le fichier de tête (journal-head.json), sans signature : cette base n’est liée à aucune carte CPS, ses points de contrôle ne sont pas signés.'
    : 'Journal des accès : les entrées de cette commande sont ancrées par le fichier de tête (journal-head.json), sans signature (base ouverte sans la carte) : la prochaine commande avec la carte CPS les signera.';
}

/**
 * The card signs the journal head before its session ends, when the command
 * appended since the last checkpoint: what a command did (sync, send, reading)
 * is anchored at once; only the card.logout entry waits for the next command.
 */
async function checkpointAtEnd(c: CliContext, held: HeldCard): Promise<void> {
  if (state.storeKey === null || held.session.ended) return;
  try {
    const store = await openCliStore(c);
    try {
      const journal = new Journal(store.db);
      const last = store.db.prepare('SELECT action FROM journal ORDER BY seq DESC LIMIT 1').get() as { action: string } | undefined;
      if (!last || last.action === 'journal.checkpoint') return;
      await signSessionCheckpoint(journal, held.signer);
      writeHeadAnchor(c.home, journal);
    } finally {
      store.close();
    }
  } catch (err) {
    c.progress(`Attention : point de contrôle du journal non signé (${err instanceof AppError ? err.code : String(err)}).`);
  }
}
