// `mssante card status|login|watch`: the CPS card from the command line.
import type { Command } from 'commander';
import { AppError } from '../../errors/index.js';
import { CardService, type CardSession, type CardToken } from '../../card/index.js';
import type { ModuleAttempt, PinState } from '../../card/index.js';
import type { CliContext } from '../context.js';
import { recordCliOrWarn } from './audit.js';
import { cardFacts, pinFailureRecords } from '../../audit/records.js';
import type { CommandRegistrar } from '../program.js';
import { checkClientCertificateRevocation } from '../../tls/pki/client-revocation.js';
import { DiskCrlCache, crlCacheDir } from '../../tls/pki/crl-cache.js';
import { resolveTrustStore } from '../../tls/pki/trust-store.js';
import { trustAnchorsOption } from '../pki-options.js';

/** What `card status --json` prints for one reader (shape fixed by issue 3). */
function tokenJson(t: CardToken): Record<string, unknown> {
  return {
    slot: t.slot,
    reader: t.reader,
    label: t.label,
    serial: t.serial,
    present: t.present,
    cardType: t.cardType,
    holder: t.holder && {
      nationalId: t.holder.nationalId,
      idType: t.holder.idType,
      rpps: t.holder.rpps,
      adeli: t.holder.adeli,
      lastName: t.holder.lastName,
      firstName: t.holder.firstName,
      profession: t.holder.profession,
    },
    certificate: t.certificate && {
      subject: t.certificate.subject,
      issuer: t.certificate.issuer,
      notBefore: t.certificate.notBefore,
      notAfter: t.certificate.notAfter,
      sha256: t.certificate.sha256,
    },
    pin: t.pin && { locked: t.pin.locked, finalTry: t.pin.finalTry, countLow: t.pin.countLow, protectedPath: t.pin.protectedPath },
    mechanisms: t.mechanisms,
  };
}

const CARD_TYPE_FR: Record<string, string> = {
  CPS: 'carte CPS (professionnel de santé)',
  CPE: 'carte d’établissement (CPE/CPA)',
  ORG: 'certificat d’organisation',
  OTHER: 'carte non reconnue',
};

export function pinStateFr(pin: PinState): string {
  if (pin.locked) return 'carte bloquée (code PIN épuisé)';
  if (pin.finalTry) return 'dernier essai avant blocage';
  if (pin.countLow) return 'attention : un code PIN erroné a déjà été saisi';
  return 'aucun essai erroné';
}

function tokenText(t: CardToken): string {
  if (!t.present) return `Lecteur « ${t.reader} » : pas de carte`;
  const lines = [`Lecteur « ${t.reader} » : carte « ${t.label} » (n° ${t.serial}), ${CARD_TYPE_FR[t.cardType ?? 'OTHER']}`];
  if (t.holder) {
    lines.push(`  Titulaire : ${t.holder.firstName} ${t.holder.lastName}, ${t.holder.profession}`);
    lines.push(`  Identifiant national : ${t.holder.nationalId} (${t.holder.idType}${t.holder.rpps ? `, RPPS ${t.holder.rpps}` : ''})`);
  }
  if (t.certificate) {
    lines.push(`  Certificat : émis par ${t.certificate.issuerCommonName}, valide du ${t.certificate.notBefore.slice(0, 10)} au ${t.certificate.notAfter.slice(0, 10)}`);
    lines.push(`  Empreinte SHA-256 : ${t.certificate.sha256}`);
  } else {
    lines.push('  Aucun certificat d’authentification lisible');
  }
  if (t.pin) lines.push(`  Code PIN : ${pinStateFr(t.pin)}${t.pin.protectedPath ? ' ; saisie sur le clavier du lecteur' : ''}`);
  lines.push(`  Mécanismes de signature : ${t.mechanisms.join(', ') || 'aucun'}${t.pss ? '' : ' (sans RSA-PSS)'}`);
  return lines.join('\n');
}

// Further lines of standard input after the first (--pin-stdin): the PINs for the signatures of a key
// with CKA_ALWAYS_AUTHENTICATE, one line per signature, each used once. Wiped at logout.
let stdinPins: Buffer[] = [];

/** The PIN from standard input (first line), as bytes we can wipe; with `keepRest`, later lines are kept for signatures. */
export async function readPinFromStdin(opts: { keepRest?: boolean } = {}): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const all = Buffer.concat(chunks);
  for (const c of chunks) c.fill(0);
  const lines: Buffer[] = [];
  let start = 0;
  while (start < all.length) {
    let end = all.indexOf(0x0a, start);
    if (end < 0) end = all.length;
    const stop = end > start && all[end - 1] === 0x0d ? end - 1 : end;
    lines.push(Buffer.from(all.subarray(start, stop)));
    start = end + 1;
  }
  all.fill(0);
  const [pin = Buffer.alloc(0), ...rest] = lines;
  if (opts.keepRest) stdinPins = rest.filter((l) => l.length > 0);
  else for (const l of rest) l.fill(0);
  return pin;
}

/**
 * For a key that demands the PIN for every signature (CKA_ALWAYS_AUTHENTICATE): asked again on the
 * terminal, or the next line of standard input with --pin-stdin. One try per signature (the card
 * service never retries); no PIN left is CARD_PIN_REQUIRED.
 */
export function signaturePin(c: CliContext, token: CardToken): () => Promise<Buffer | null> {
  return async () => {
    if (!c.pinStdin) return promptPin(`Code PIN de la carte « ${token.label} » pour cette signature : `);
    const next = stdinPins.shift();
    if (!next) throw new AppError('CARD_PIN_REQUIRED', 'the key demands the PIN for every signature: give one more line on standard input');
    return next;
  };
}

/** Prompts on the terminal without echo; the PIN never goes through a string. */
export function promptPin(prompt: string): Promise<Buffer> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    return Promise.reject(new AppError('CARD_PIN_REQUIRED', 'no terminal to ask the PIN on: use --pin-stdin'));
  }
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    const buf = Buffer.alloc(64);
    let len = 0;
    const done = (err: AppError | null): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (err) {
        buf.fill(0);
        reject(err);
        return;
      }
      const pin = Buffer.from(buf.subarray(0, len));
      buf.fill(0);
      resolve(pin);
    };
    const onData = (data: Buffer): void => {
      let end: AppError | null | undefined;
      for (const byte of data) {
        if (byte === 0x0d || byte === 0x0a) end = null;
        else if (byte === 0x03) end = new AppError('CARD_PIN_REQUIRED', 'PIN entry cancelled');
        else if (byte === 0x7f || byte === 0x08) len = Math.max(0, len - 1);
        else if (len < buf.length) buf[len++] = byte;
        if (end !== undefined) break;
      }
      data.fill(0);
      if (end !== undefined) done(end);
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}

function triesFr(pin: Partial<PinState> & { attempted?: boolean; minLength?: number; maxLength?: number }): string {
  if (pin.attempted === false) {
    return `Le code PIN doit comporter de ${pin.minLength} à ${pin.maxLength} caractères ; il n’a pas été présenté à la carte (aucun essai consommé).`;
  }
  if (pin.locked) return 'La carte est maintenant bloquée.';
  if (pin.finalTry) return 'Il reste 1 essai : au prochain code erroné la carte sera bloquée.';
  if (pin.countLow) return 'La carte ne donne pas le nombre d’essais restants, mais signale qu’il en reste peu.';
  return 'Vérifiez votre code avant de réessayer.';
}

const OUTCOME_FR: Record<ModuleAttempt['outcome'], string> = {
  absent: 'fichier absent',
  'load-failed': 'chargement impossible',
  'init-failed': 'initialisation refusée',
};

/** A missing or broken module: say which libraries were tried (stderr). */
function reportModuleAttempts(c: CliContext, err: unknown): void {
  if (!(err instanceof AppError) || !err.code.startsWith('CARD_MODULE_')) return;
  const tried = (err.data.tried ?? []) as ModuleAttempt[];
  c.progress('Bibliothèques PKCS#11 essayées :');
  for (const a of tried) c.progress(`  - ${a.path} : ${OUTCOME_FR[a.outcome]}${a.detail ? ` (${a.detail})` : ''}`);
  c.progress('Indiquez la bonne bibliothèque avec --pkcs11-module ou la variable MSSANTE_PKCS11_MODULE.');
}

export async function withService<T>(c: CliContext, fn: (svc: CardService) => Promise<T>): Promise<T> {
  const svc = (await c.core()).card!;
  try {
    return await fn(svc);
  } catch (err) {
    reportModuleAttempts(c, err);
    throw err;
  } finally {
    svc.close();
  }
}

async function status(c: CliContext): Promise<void> {
  await withService(c, async (svc) => {
    const module = await svc.open();
    let tokens = await svc.tokens();
    if (c.token) tokens = [await svc.selectToken(c.token)];
    c.result(
      { module: { path: module.path, source: module.source, description: module.libraryDescription, manufacturer: module.manufacturer }, tokens: tokens.map(tokenJson) },
      () => [`Bibliothèque PKCS#11 : ${module.path} (${module.manufacturer})`, ...(tokens.length ? tokens.map(tokenText) : ['Aucun lecteur de carte.'])].join('\n'),
    );
  });
}

/**
 * A card whose certificate the CRL lists as revoked is refused before its PIN is asked (the CRL
 * cache of --home is enough offline): the operator would refuse it with a vaguer message.
 */
async function refuseRevokedCard(c: CliContext, token: CardToken, trustAnchors: string | undefined): Promise<void> {
  const der = token.internal?.authCertificate?.der;
  if (!der) return;
  const quiet = (): void => undefined;
  const r = await checkClientCertificateRevocation(der, { trustStore: resolveTrustStore(trustAnchors, quiet), crlCache: new DiskCrlCache(crlCacheDir(c.home)), log: quiet });
  if (r.status === 'revoked') {
    throw new AppError('CARD_CERT_REVOKED', `card certificate of "${token.label}" is revoked`, { data: { revocationDate: r.revocationDate } });
  }
}

/**
 * Selects the card, asks the PIN (terminal, --pin-stdin or the reader's pinpad) ONCE and logs in.
 * Never retries. Also used by `account test` to get a card session for TLS client authentication.
 */
export async function openCardSession(c: CliContext, svc: CardService, o: { trustAnchors?: string } = {}): Promise<{ token: CardToken; session: CardSession }> {
  const token = await svc.selectToken(c.token);
  const pin = token.pin;
  if (!pin) throw new AppError('CARD_NOT_PRESENT', 'no card');
  await refuseRevokedCard(c, token, o.trustAnchors);
  if (pin.locked) throw new AppError('CARD_PIN_LOCKED', 'token reports the PIN locked', { data: { ...pin } });
  if (pin.finalTry) c.progress('Attention : dernier essai avant blocage de la carte.');
  else if (pin.countLow) c.progress('Attention : un code PIN erroné a déjà été saisi sur cette carte.');
  let secret: Buffer | null = null;
  if (pin.protectedPath) c.progress('Saisissez votre code PIN sur le clavier du lecteur.');
  else secret = c.pinStdin ? await readPinFromStdin({ keepRest: true }) : await promptPin(`Code PIN de la carte « ${token.label} » : `);
  const card = cardFacts(token);
  try {
    const session = await svc.login(token, secret);
    await recordCliOrWarn(c, [{ action: 'card.login', data: card, actor: card.nationalId }]);
    return { token, session };
  } catch (err) {
    if (err instanceof AppError && (err.code === 'CARD_PIN_INCORRECT' || err.code === 'CARD_PIN_LOCKED')) {
      c.progress(triesFr(err.data));
      await recordCliOrWarn(c, pinFailureRecords(token, err));
    }
    throw err;
  } finally {
    secret?.fill(0);
  }
}

/** Ends a card session and journals it. */
export async function logoutCard(c: CliContext, token: CardToken, session: CardSession): Promise<void> {
  for (const pin of stdinPins.splice(0)) pin.fill(0);
  await session.logout();
  const card = cardFacts(token);
  await recordCliOrWarn(c, [{ action: 'card.logout', data: card, actor: card.nationalId }]);
}

async function login(c: CliContext, o: { trustAnchors?: string }): Promise<void> {
  await withService(c, async (svc) => {
    const { token, session } = await openCardSession(c, svc, o);
    await logoutCard(c, token, session);
    c.result({ ok: true, token: { label: token.label, serial: token.serial }, holder: token.holder }, `Code PIN correct : carte « ${token.label} »${token.holder ? ` de ${token.holder.firstName} ${token.holder.lastName}` : ''}.`);
  });
}

async function watch(c: CliContext): Promise<void> {
  const svc = (await c.core()).card!;
  // One line per event (NDJSON with --json): a consumer reads events as they come.
  const line = (json: Record<string, unknown>, text: string): void => {
    process.stdout.write(`${c.json ? JSON.stringify(json) : text}\n`);
  };
  svc.on('inserted', (e) => line({ event: 'inserted', slot: e.slot, label: e.label, serial: e.serial, at: new Date().toISOString() }, `Carte insérée : « ${e.label} » (n° ${e.serial})`));
  svc.on('removed', (e) => line({ event: 'removed', slot: e.slot, label: e.label, serial: e.serial, at: new Date().toISOString() }, `Carte retirée : « ${e.label} » (n° ${e.serial})`));
  svc.on('unavailable', () => c.progress('La carte ne répond plus ; nouvelle tentative…'));
  let stop: () => void;
  try {
    stop = await svc.watch();
  } catch (err) {
    reportModuleAttempts(c, err);
    svc.close();
    throw err;
  }
  for (const t of await svc.tokens()) {
    if (t.present) line({ event: 'present', slot: t.slot, label: t.label, serial: t.serial, at: new Date().toISOString() }, `Carte présente : « ${t.label} » (n° ${t.serial})`);
  }
  c.progress('Surveillance des lecteurs (Ctrl+C pour arrêter)…');
  await new Promise<void>((resolve) => {
    const end = (): void => resolve();
    process.once('SIGINT', end);
    process.once('SIGTERM', end);
  });
  stop();
  svc.close();
}

export const registerCard: CommandRegistrar = (program: Command, ctx) => {
  const card = program.command('card').description('carte CPS : état, vérification du code PIN, surveillance des lecteurs');
  card
    .command('status')
    .description('lecteurs et cartes : titulaire, certificat, état du code PIN, mécanismes')
    .action(() => status(ctx()));
  card
    .command('login')
    .description('vérifier le code PIN de la carte (un seul essai, jamais de nouvel essai automatique) ; une carte révoquée est refusée avant')
    .addOption(trustAnchorsOption())
    .action((o: { trustAnchors?: string }) => login(ctx(), o));
  card
    .command('watch')
    .description('afficher les insertions et retraits de cartes jusqu’à interruption (Ctrl+C)')
    .action(() => watch(ctx()));
};
