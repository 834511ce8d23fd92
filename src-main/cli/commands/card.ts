// `mssante card status|login|watch`: the CPS card from the command line.
import type { Command } from 'commander';
import { AppError, messageFr } from '../../errors/index.js';
import type { CardToken } from '../../card/index.js';
import type { PinState } from '../../card/index.js';
import type { CliContext } from '../context.js';
import { cliCardSession, endCliCardSession, openCliStore } from '../card-unlock.js';
import type { CommandRegistrar } from '../program.js';
import { reportModuleAttempts, withService } from '../card-login.js';
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

function pinStateFr(pin: PinState): string {
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



async function login(c: CliContext, o: { trustAnchors?: string }): Promise<void> {
  const { token } = await cliCardSession(c, o);
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
