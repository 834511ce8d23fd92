// `mssante store rekey --new-card | --recovery`: the card-bound store key
// (src-main/store/keys/) after a card renewal or the loss of the recovery code.
// - --new-card: the recovery code opens the key, the card now in the reader
//   (PIN asked once) becomes the ONLY card that opens the store;
// - --recovery: the current card opens the key, a new recovery code replaces
//   the old one (printed once).
import type { Command } from 'commander';
import { writeHeadAnchor } from '../../audit/anchor.js';
import { Journal } from '../../audit/journal.js';
import { cardFacts } from '../../audit/records.js';
import { AppError } from '../../errors/index.js';
import { openDatabase } from '../../store/database.js';
import { storeFile } from '../../store/home.js';
import { createRecoveryKeyring, newStoreKey, readKeyring, rebindToCard, renewRecovery, unlockWithCard, unlockWithRecovery, writeKeyring } from '../../store/keys/keyring.js';
import { LEGACY_KEY_FILE, readLegacyKeyFile } from '../../store/keys/card-key-provider.js';
import { secureDelete } from '../../store/keys/secure-delete.js';
import { MailStore } from '../../store/mail-store.js';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { wipe } from '../../store/keys/wrap.js';
import { cliCardSession, printRecoveryCode, recordCliOrQueue } from '../card-unlock.js';
import { readStorePolicy, writeStorePolicy } from '../../app/store-policy.js';
import type { CliContext } from '../context.js';
import type { CommandRegistrar } from '../program.js';
import { readPinFromStdin } from '../card-login.js';

async function readRecoveryCode(c: CliContext, fromStdin: boolean): Promise<string> {
  if (fromStdin) {
    const line = await readPinFromStdin();
    try {
      return line.toString('utf8');
    } finally {
      line.fill(0);
    }
  }
  if (!process.stdin.isTTY) throw new AppError('STORE_RECOVERY_INVALID', 'no terminal to ask the recovery code on: use --recovery-stdin');
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question('Code de secours de la base locale : ');
  } finally {
    rl.close();
  }
}

/** Journals the re-key with the new key (the store is opened directly: the card does not open it yet). */
function journalRekey(c: CliContext, key: Buffer, data: { kind: 'new-card' | 'recovery-code'; certSha256: string; nationalId: string | null }): void {
  const db = openDatabase(storeFile(c.home), key);
  try {
    const journal = new Journal(db);
    journal.append([{ action: 'store.rekeyed', data, actor: data.nationalId }]);
    writeHeadAnchor(c.home, journal);
  } finally {
    db.close();
  }
}

async function rekeyNewCard(c: CliContext, o: { recoveryStdin?: boolean }): Promise<void> {
  const keyring = readKeyring(c.home);
  if (!keyring) throw new AppError('NOT_FOUND', 'this data folder has no card-bound store', { data: { home: c.home } });
  const key = unlockWithRecovery(keyring, await readRecoveryCode(c, Boolean(o.recoveryStdin || c.recoveryStdin)));
  try {
    openDatabase(storeFile(c.home), key).close(); // the code opens THIS store before anything changes
    const { token, signer } = await cliCardSession(c);
    const next = await rebindToCard(keyring, key, signer);
    writeKeyring(c.home, next);
    const card = cardFacts(token);
    journalRekey(c, key, { kind: 'new-card', certSha256: next.cards[0]!.certSha256, nationalId: card.nationalId });
    c.result(
      { ok: true, card: { label: token.label, serial: token.serial, certSha256: next.cards[0]!.certSha256 } },
      `La base locale s’ouvre désormais avec la carte « ${token.label} » (n° ${token.serial}) et uniquement avec elle. Le code de secours reste valable.`,
    );
  } finally {
    wipe(key);
  }
}

async function rekeyRecovery(c: CliContext): Promise<void> {
  const keyring = readKeyring(c.home);
  if (!keyring) throw new AppError('NOT_FOUND', 'this data folder has no card-bound store', { data: { home: c.home } });
  const { token, signer } = await cliCardSession(c);
  const key = await unlockWithCard(keyring, signer);
  try {
    const { keyring: next, recoveryCode } = renewRecovery(keyring, key);
    writeKeyring(c.home, next);
    const card = cardFacts(token);
    journalRekey(c, key, { kind: 'recovery-code', certSha256: card.certSha256 ?? '', nationalId: card.nationalId });
    if (c.json) c.result({ ok: true, recoveryCode }, '');
    else {
      printRecoveryCode(c, recoveryCode);
      c.result({}, 'Nouveau code de secours créé : l’ancien ne fonctionne plus.');
    }
  } finally {
    wipe(key);
  }
}

/**
 * `store init --without-card`: the first use of a data folder by a doctor without any CPS card
 * (e-CPS through Pro Santé Connect). The CLI has no OS keychain, so the recovery code is the only
 * key-encryption key: a new random key (or the key of a store made before card binding, whose
 * `store.key` is then erased) is wrapped under a new recovery code, shown once on stderr, framed
 * as the card path does; the store is created and the set-up journalled. A card can be bound
 * later (`store rekey --new-card`).
 */
async function initWithoutCard(c: CliContext): Promise<void> {
  if (readKeyring(c.home)) throw new AppError('STORE_ALREADY_SET_UP', 'this data folder already has a store keyring');
  const legacy = readLegacyKeyFile(c.home);
  if (!legacy && existsSync(storeFile(c.home))) throw new AppError('STORE_BAD_KEY', 'an existing store has neither keyring nor old key');
  mkdirSync(c.home, { recursive: true, mode: 0o700 });
  const key = legacy ?? newStoreKey();
  try {
    const { keyring, recoveryCode } = createRecoveryKeyring(key);
    if (!writeKeyring(c.home, keyring, { create: true })) throw new AppError('STORE_ALREADY_SET_UP', 'another process set the store up meanwhile');
    if (c.json) c.result({ ok: true, protection: 'recovery-code', migrated: legacy !== null, recoveryCode }, '');
    else printRecoveryCode(c, recoveryCode, { cardLess: true });
    if (legacy) secureDelete(join(c.home, LEGACY_KEY_FILE));
    const store = await MailStore.open({ file: storeFile(c.home), keyProvider: { getKey: async () => Buffer.from(key) } });
    try {
      const journal = new Journal(store.db);
      journal.append([{ action: 'store.created', data: { protection: 'recovery-code', migrated: legacy !== null } }]);
      writeHeadAnchor(c.home, journal);
    } finally {
      store.close();
    }
    if (!c.json) {
      c.result({}, 'Base locale créée sans carte CPS : elle s’ouvre avec ce code de secours (--recovery-stdin, ou saisi au clavier). Pour la lier plus tard à une carte : « mssante store rekey --new-card ».');
    }
  } finally {
    wipe(key);
  }
}

/** The clinic's keychain setting (app/store-policy.ts): applied by the window at its next card unlock. */
async function setKeychainPolicy(c: CliContext, state: string): Promise<void> {
  if (state !== 'on' && state !== 'off') throw new AppError('INVALID_ARGUMENT', 'expected on or off');
  const keychain = state === 'on' ? 'keychain' : 'card-only';
  const before = readStorePolicy(c.home);
  writeStorePolicy(c.home, { ...before, keychain });
  if (before.keychain !== keychain) await recordCliOrQueue(c, [{ action: 'settings.changed', data: { changes: { storeKeychain: keychain } } }]);
  c.result(
    { ok: true, keychain },
    state === 'on'
      ? 'Réglage de l’établissement enregistré : au prochain déverrouillage par la carte, la fenêtre protégera aussi la base locale par le trousseau du système de cette session (lecture possible sans la clé de la carte sur ce poste).'
      : 'Réglage de l’établissement enregistré : la base locale ne s’ouvrira qu’avec la carte CPS ; la protection par le trousseau du système sera retirée au prochain déverrouillage par la carte dans la fenêtre.',
  );
}

export const registerStoreKeys: CommandRegistrar = (program: Command, ctx) => {
  // the `store` group may be shared with other store verbs (check, rebuild)
  const store = program.commands.find((cmd) => cmd.name() === 'store') ?? program.command('store').description('base locale chiffrée');
  store
    .command('rekey')
    .description('confier la clé de la base locale à une carte renouvelée (--new-card, avec le code de secours) ou créer un nouveau code de secours (--recovery, avec la carte)')
    .option('--new-card', 'la carte présente dans le lecteur devient la seule à ouvrir la base (code de secours demandé)')
    .option('--recovery', 'remplacer le code de secours (perdu ou divulgué) ; la carte et son code PIN sont demandés')
    .option('--recovery-stdin', 'lire le code de secours sur la première ligne de l’entrée standard (le code PIN suit avec --pin-stdin)')
    .action(async (o: { newCard?: boolean; recovery?: boolean; recoveryStdin?: boolean }) => {
      const c = ctx();
      if (Boolean(o.newCard) === Boolean(o.recovery)) throw new AppError('INVALID_ARGUMENT', 'exactly one of --new-card or --recovery');
      if (o.newCard) await rekeyNewCard(c, o);
      else await rekeyRecovery(c);
    });
  store
    .command('init')
    .description('créer la base locale d’un dossier de données sans carte CPS (e-CPS) : son code de secours, affiché une seule fois, en est la seule clé')
    .option('--without-card', 'sans carte CPS (obligatoire : avec une carte, la base se crée à la première connexion de la carte)')
    .action(async (o: { withoutCard?: boolean }) => {
      if (!o.withoutCard) throw new AppError('INVALID_ARGUMENT', 'store init needs --without-card (a card user\'s store is set up at the first card login)', { data: { option: '--without-card' } });
      await initWithoutCard(ctx());
    });
  store
    .command('keychain')
    .argument('<on|off>', 'on : la fenêtre protège aussi la base par le trousseau du système ; off (par défaut) : la carte seule')
    .description('réglage de l’établissement : protéger aussi la base locale de la fenêtre par le trousseau du système (lecture sans la clé de la carte sur cette session du poste)')
    .action(async (state: string) => setKeychainPolicy(ctx(), state));
};
