// Logging in with the CPS card from the command line: the PIN read once (no-echo
// terminal, --pin-stdin or the reader's pinpad), the revoked-card check before the
// PIN is asked, one login attempt, and the PIN asked again per signature for a key
// with CKA_ALWAYS_AUTHENTICATE. Used by card-unlock.ts (the command's one card
// session) and by the `card` verbs.
import { AppError } from '../errors/index.js';
import { CardService, type CardSession, type CardToken } from '../card/index.js';
import type { ModuleAttempt, PinState } from '../card/index.js';
import type { CliContext } from './context.js';
import { pinFailureRecords } from '../audit/records.js';
import { queuePendingRecords } from '../audit/pending.js';
import { checkClientCertificateRevocation } from '../tls/pki/client-revocation.js';
import { DiskCrlCache, crlCacheDir } from '../tls/pki/crl-cache.js';
import { resolveTrustStore } from '../tls/pki/trust-store.js';

// Standard input is read once; successive secrets are its successive lines
// (`store rekey --new-card`: the recovery code, then the new card's PIN).
const OUTCOME_FR: Record<ModuleAttempt['outcome'], string> = {
  absent: 'fichier absent',
  'load-failed': 'chargement impossible',
  'init-failed': 'initialisation refusée',
};

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

/**
 * For a key that demands the PIN for every signature (CKA_ALWAYS_AUTHENTICATE): asked again on the
 * terminal, or the next line of standard input with --pin-stdin. One try per signature (the card
 * service never retries); no PIN left is CARD_PIN_REQUIRED.
 */
export function signaturePin(c: CliContext, token: CardToken): () => Promise<Buffer | null> {
  return async () => {
    if (!c.pinStdin) return promptPin(`Code PIN de la carte « ${token.label} » pour cette signature : `);
    const next = await readPinFromStdin();
    if (!next.length) throw new AppError('CARD_PIN_REQUIRED', 'the key demands the PIN for every signature: give one more line on standard input');
    return next;
  };
}

/** Prompts on the terminal without echo; the PIN never goes through a string. */
export function promptPin(prompt: string): Promise<Buffer> {
  return promptSecret(prompt, () => new AppError('CARD_PIN_REQUIRED', 'no terminal to ask the PIN on: use --pin-stdin'), () => new AppError('CARD_PIN_REQUIRED', 'PIN entry cancelled'));
}

/** A secret typed on the terminal without echo (PIN, the store's recovery code), as bytes we can wipe. */
export function promptSecret(prompt: string, noTerminal: () => AppError, cancelled: () => AppError): Promise<Buffer> {
  const stdin = process.stdin;
  if (!stdin.isTTY) return Promise.reject(noTerminal());
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
        else if (byte === 0x03) end = cancelled();
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

/** A missing or broken module: say which libraries were tried (stderr). */
export function reportModuleAttempts(c: CliContext, err: unknown): void {
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
 * Never retries. Callers go through `cliCardSession` (card-unlock.ts): one session per command,
 * which also unlocks the card-bound store and signs TLS.
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
