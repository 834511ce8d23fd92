// `mssante card status|login|watch`: the CPS card from the command line.
import type { Command } from 'commander';
import { AppError, messageFr } from '../../errors/index.js';
import { CardService, type CardSession, type CardToken } from '../../card/index.js';
import type { ModuleAttempt, PinState } from '../../card/index.js';
import type { CliContext } from '../context.js';
import { pinFailureRecords } from '../../audit/records.js';
import { queuePendingRecords } from '../../audit/pending.js';
import { cliCardSession, endCliCardSession, openCliStore } from '../card-unlock.js';
import type { CommandRegistrar } from '../program.js';

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

// Standard input is read once; successive secrets are its successive lines
// (`store rekey --new-card`: the recovery code, then the new card's PIN).
let stdinLines: Promise<Buffer[]> | null = null;

async function readStdinLines(): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const all = Buffer.concat(chunks);
  for (const c of chunks) c.fill(0);
  const lines: Buffer[] = [];
  let start = 0;
  while (start <= all.length) {
    let end = all.indexOf(0x0a, start);
    if (end < 0) end = all.length;
    const stop = end > start && all[end - 1] === 0x0d ? end - 1 : end;
    lines.push(Buffer.from(all.subarray(start, stop)));
    start = end + 1;
  }
  all.fill(0);
  return lines;
}

/** The next line of standard input (the PIN: first line), as bytes we can wipe. */
export async function readPinFromStdin(): Promise<Buffer> {
  const lines = await (stdinLines ??= readStdinLines());
  return lines.shift() ?? Buffer.alloc(0);
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
export function reportModuleAttempts(c: CliContext, err: unknown): void {
  if (!(err instanceof AppError) || !err.code.startsWith('CARD_MODULE_')) return;
  const tried = (err.data.tried ?? []) as ModuleAttempt[];
  c.progress('Bibliothèques PKCS#11 essayées :');
  for (const a of tried) c.progress(`  - ${a.path} : ${OUTCOME_FR[a.outcome]}${a.detail ? ` (${a.detail})` : ''}`);
  c.progress('Indiquez la bonne bibliothèque avec --pkcs11-module ou la variable MSSANTE_PKCS11_MODULE.');
}

export async function withService<T>(c: CliContext, fn: (svc: CardService) => Promise<T>): Promise<T> {
  const svc = new CardService({ modulePath: c.pkcs11Module });
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
 * Selects the card, asks the PIN (terminal, --pin-stdin or the reader's pinpad) ONCE and logs in.
 * Never retries. Callers go through `cliCardSession` (card-unlock.ts): one session per command,
 * which also unlocks the card-bound store and signs TLS.
 */
export async function openCardSession(c: CliContext, svc: CardService): Promise<{ token: CardToken; session: CardSession }> {
  const token = await svc.selectToken(c.token);
  const pin = token.pin;
  if (!pin) throw new AppError('CARD_NOT_PRESENT', 'no card');
  if (pin.locked) throw new AppError('CARD_PIN_LOCKED', 'token reports the PIN locked', { data: { ...pin } });
  if (pin.finalTry) c.progress('Attention : dernier essai avant blocage de la carte.');
  else if (pin.countLow) c.progress('Attention : un code PIN erroné a déjà été saisi sur cette carte.');
  let secret: Buffer | null = null;
  if (pin.protectedPath) c.progress('Saisissez votre code PIN sur le clavier du lecteur.');
  else secret = c.pinStdin ? await readPinFromStdin() : await promptPin(`Code PIN de la carte « ${token.label} » : `);
  try {
    const session = await svc.login(token, secret);
    return { token, session };
  } catch (err) {
    if (err instanceof AppError && (err.code === 'CARD_PIN_INCORRECT' || err.code === 'CARD_PIN_LOCKED')) {
      c.progress(triesFr(err.data));
      // the store cannot open without the card: journalled at the next unlock
      queuePendingRecords(c.home, pinFailureRecords(token, err));
    }
    throw err;
  } finally {
    secret?.fill(0);
  }
}

async function login(c: CliContext): Promise<void> {
  const { token } = await cliCardSession(c);
  // one PIN entry opens the card session and the store (bound to the card on first use)
  try {
    (await openCliStore(c)).close();
  } catch (err) {
    // the PIN is right: the verb's answer; a store this card does not open is said beside it
    if (!(err instanceof AppError && err.code === 'STORE_WRONG_CARD')) throw err;
    c.progress(`Attention : ${messageFr('STORE_WRONG_CARD')}`);
  }
  c.result({ ok: true, token: { label: token.label, serial: token.serial }, holder: token.holder }, `Code PIN correct : carte « ${token.label} »${token.holder ? ` de ${token.holder.firstName} ${token.holder.lastName}` : ''}.`);
}

async function watch(c: CliContext): Promise<void> {
  const svc = new CardService({ modulePath: c.pkcs11Module });
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
    .description('vérifier le code PIN de la carte (un seul essai, jamais de nouvel essai automatique)')
    .action(() => login(ctx()));
  card
    .command('logout')
    .description('fermer la session de la carte : la base locale est refermée et sa clé effacée de la mémoire')
    .action(async () => {
      const c = ctx();
      // each command ends its own session when it ends; this says so and wipes anything left in this process
      await endCliCardSession();
      c.result({ ok: true }, 'Session de la carte fermée : la base locale ne se rouvrira qu’avec la carte et son code PIN.');
    });
  card
    .command('watch')
    .description('afficher les insertions et retraits de cartes jusqu’à interruption (Ctrl+C)')
    .action(() => watch(ctx()));
};
