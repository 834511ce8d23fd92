// `mssante psc login`: Pro Santé Connect login for a `--auth psc` account — CIBA (e-CPS on the
// phone, RPPS from --rpps) by default, or `--browser` (authorization code + PKCE, the URL to open
// is printed) — then the mailbox is opened with XOAUTH2 to prove the token is accepted. The
// access token lives in this process's memory only. The refresh token dies with the process too,
// unless the account keeps it (`--psc-keep-refresh-token`): then it is sealed under the store key
// (psc/refresh-vault.ts) and later commands reopen the session silently until PSC refuses it.
import type { Command } from 'commander';
import { JsonFileAccountRepository } from '../../accounts/account-repository.js';
import type { AccountConfig, PscAuth } from '../../accounts/account.js';
import { AppError } from '../../errors/index.js';
import { openXoauth2ImapSession } from '../../imap/xoauth2.js';
import { PscClient, PscSession, pscClientOptions, eraseRefreshToken, openRefreshToken, refreshVaultFile, refreshVaultUnreadable, sealRefreshToken } from '../../psc/index.js';
import { cliStoreKeyProvider } from '../card-unlock.js';
import { CardService } from '../../card/index.js';
import type { CliContext } from '../context.js';
import type { CommandRegistrar } from '../program.js';
import { accountVerifier } from '../account-signer.js';
import { addressArgument } from '../option-parsers.js';
import { crlSoftFailOption, trustAnchorsOption } from '../pki-options.js';

/** The environment variable a confidential client's secret is read from (never stored). */
export const PSC_CLIENT_SECRET_ENV = 'MSSANTE_PSC_CLIENT_SECRET';

interface LoginOptions {
  address?: string;
  rpps?: string;
  browser?: boolean;
  trustAnchors?: string;
  crlSoftFail?: boolean;
}

function pscOf(account: AccountConfig): PscAuth {
  if (account.auth.kind !== 'psc') throw new AppError('INVALID_ARGUMENT', `${account.address} does not use Pro Santé Connect`, { data: { option: '--address' } });
  return account.auth;
}

/** The client secret, or the organisation certificate (RFC 8705), as the account says (psc/client-auth.ts). */
async function discoverClient(auth: PscAuth): Promise<PscClient> {
  return PscClient.discover(
    { issuer: auth.issuer, clientId: auth.clientId, scope: auth.scope, keepRefreshToken: auth.keepRefreshToken ?? false },
    await pscClientOptions({ clientSecretEnv: PSC_CLIENT_SECRET_ENV, ...auth }),
  );
}

/** The store key (card-bound; the test seam under MSSANTE_TEST): what seals the kept refresh token. */
async function withStoreKey<T>(c: CliContext, fn: (key: Buffer) => T): Promise<T> {
  const key = await cliStoreKeyProvider(c).getKey();
  try {
    return fn(key);
  } finally {
    key.fill(0);
  }
}

/** The session kept by an earlier command, reopened silently (a refresh at PSC); undefined when none is kept. */
async function resumeKeptSession(c: CliContext, account: AccountConfig, auth: PscAuth): Promise<PscSession | undefined> {
  const file = refreshVaultFile(c.home, account.address);
  const { kept, unreadable } = await withStoreKey(c, (key) => ({ kept: openRefreshToken(file, key, account.address), unreadable: refreshVaultUnreadable(file, key, account.address) }));
  if (unreadable && eraseRefreshToken(file)) c.progress('La session Pro Santé Connect gardée sur cet ordinateur était illisible (fichier abîmé, ou scellé par une autre carte ou un autre dossier de données) : elle a été effacée.');
  if (!kept) return undefined;
  const client = await discoverClient(auth);
  let tokens;
  try {
    tokens = await client.refresh(kept.refreshToken);
  } catch (err) {
    // PSC refused it (expired, revoked): the kept session is over, erased; the doctor logs in again
    if (err instanceof AppError && err.code === 'PSC_SESSION_ENDED') eraseRefreshToken(file);
    throw err;
  }
  const session = new PscSession(client);
  session.start({ ...tokens, ...(tokens.subject ?? kept.subject ? { subject: tokens.subject ?? kept.subject } : {}) });
  c.progress(`Session Pro Santé Connect reprise${kept.subject ? ` (identifiant ${kept.subject})` : ''}.`);
  return session;
}

/**
 * End of a command's PSC session: a kept session is sealed again (PSC may have rotated the
 * refresh token) and not revoked; otherwise the session is logged out (refresh token revoked).
 */
export async function finishPscSession(c: CliContext, account: AccountConfig, session: PscSession): Promise<boolean> {
  const auth = pscOf(account);
  const rt = session.refreshTokenForSealing();
  if (auth.keepRefreshToken && rt) {
    const subject = session.status().subject;
    await withStoreKey(c, (key) => sealRefreshToken(refreshVaultFile(c.home, account.address), key, account.address, { refreshToken: rt, ...(subject ? { subject } : {}) }));
    return true;
  }
  await session.logout();
  return false;
}

/** The RPPS on the inserted CPS card (read from its certificate, no PIN), for CIBA's login_hint; undefined without a card. */
async function rppsFromCard(c: CliContext): Promise<string | undefined> {
  const svc = new CardService({ modulePath: c.pkcs11Module });
  try {
    return (await svc.selectToken(c.token)).holder?.rpps ?? undefined;
  } catch {
    return undefined; // no module, no reader, no card: the doctor gives --rpps
  } finally {
    svc.close();
  }
}

/**
 * Logs the account's professional in (CIBA with `rpps`, or the browser) and returns the in-memory
 * session; without either, a session kept by an earlier command (setting keepRefreshToken) is reopened.
 */
export async function loginPscSession(c: CliContext, account: AccountConfig, o: { rpps?: string; browser?: boolean; fresh?: boolean }): Promise<PscSession> {
  const auth = pscOf(account);
  if (!o.fresh && !o.browser && !o.rpps && auth.keepRefreshToken) {
    const resumed = await resumeKeptSession(c, account, auth);
    if (resumed) return resumed;
    throw new AppError('PSC_NOT_LOGGED_IN', 'no kept session: log in with --rpps or --browser');
  }
  const client = await discoverClient(auth);
  let tokens;
  if (o.browser) {
    tokens = await client.loginBrowser((url) => c.progress(`Ouvrez cette adresse dans votre navigateur (carte CPS dans le lecteur) :\n  ${url}`));
  } else {
    let rpps = o.rpps;
    if (!rpps) {
      rpps = await rppsFromCard(c);
      if (rpps) c.progress(`RPPS lu sur la carte CPS : ${rpps}.`);
    }
    if (!rpps || !/^\d{11}$/.test(rpps)) throw new AppError('INVALID_ARGUMENT', 'CIBA needs --rpps (11 digits)', { data: { option: '--rpps' } });
    tokens = await client.loginCiba(rpps, ({ expiresInS }) =>
      c.progress(`Validez la connexion sur votre téléphone (e-CPS)… La demande expire dans ${expiresInS} secondes.`));
  }
  const session = new PscSession(client);
  session.start(tokens);
  return session;
}

async function login(c: CliContext, o: LoginOptions): Promise<void> {
  const account = await JsonFileAccountRepository.inHome(c.home).get(o.address);
  const session = await loginPscSession(c, account, { ...o, fresh: true });
  let kept = false;
  try {
    const imap = await openXoauth2ImapSession(account.imap, { user: account.address, accessToken: () => session.accessToken() }, accountVerifier(c, account, o));
    await imap.logout();
  } catch (err) {
    // the server could not check the token (its fault, the login is good): a kept session stays for later commands
    if (err instanceof AppError && err.code === 'XOAUTH2_SERVER_UNAVAILABLE' && (await finishPscSession(c, account, session))) {
      c.progress('Connexion Pro Santé Connect réussie et session gardée, mais le serveur de messagerie n’a pas encore pu vérifier le jeton.');
      throw err;
    }
    await session.logout(); // a token the mailbox refuses is not worth keeping
    throw err;
  }
  const status = session.status();
  kept = await finishPscSession(c, account, session);
  c.result({ ok: true, account: account.address, ...status, mailbox: 'ok', tokensKept: kept }, () =>
    [
      `Connecté à Pro Santé Connect${status.subject ? ` (identifiant ${status.subject})` : ''} ; jeton accepté par le serveur IMAP de ${account.address}.`,
      kept
        ? '  Session gardée pour les commandes suivantes (jeton de renouvellement scellé par la clé de la base locale ; « mssante psc logout » pour l’effacer).'
        : `  Jeton valable jusqu’à ${status.expiresAt ?? '?'}, gardé en mémoire seulement (jamais enregistré).`,
    ].join('\n'));
}

/**
 * The access token never outlives a command. Without the keepRefreshToken setting nothing does;
 * with it, status says whether a sealed session is kept (opened with the store key, no network).
 */
async function status(c: CliContext, o: { address?: string }): Promise<void> {
  const account = await JsonFileAccountRepository.inHome(c.home).get(o.address);
  const auth = pscOf(account);
  const kept = auth.keepRefreshToken ? await withStoreKey(c, (key) => openRefreshToken(refreshVaultFile(c.home, account.address), key, account.address)) : undefined;
  c.result({ account: account.address, issuer: auth.issuer, clientId: auth.clientId, scope: auth.scope, keepRefreshToken: auth.keepRefreshToken ?? false, loggedIn: kept !== undefined, tokensKept: kept !== undefined, ...(kept?.subject ? { subject: kept.subject } : {}) }, () =>
    [
      `Compte ${account.address} : Pro Santé Connect (${auth.issuer}, client ${auth.clientId}).`,
      kept
        ? `  Session gardée${kept.subject ? ` (identifiant ${kept.subject})` : ''} : les commandes suivantes la reprennent sans nouvelle validation, tant que Pro Santé Connect l’accepte.`
        : auth.keepRefreshToken
          ? '  Aucune session gardée : connectez-vous avec « mssante psc login ».'
          : '  Aucune session conservée : les jetons restent en mémoire le temps d’une commande (connexion à chaque sync/send).',
    ].join('\n'));
}

async function logout(c: CliContext, o: { address?: string }): Promise<void> {
  const account = await JsonFileAccountRepository.inHome(c.home).get(o.address);
  const auth = pscOf(account);
  const file = refreshVaultFile(c.home, account.address);
  const kept = auth.keepRefreshToken ? await withStoreKey(c, (key) => openRefreshToken(file, key, account.address)) : undefined;
  // PSC forgets the refresh token (best effort: offline, the local copy goes anyway, and the user is told)
  const revoked = kept ? await discoverClient(auth).then((client) => client.revoke(kept.refreshToken), () => false) : false;
  const erased = eraseRefreshToken(file) ? 1 : 0;
  c.result({ ok: true, account: account.address, erased, revoked }, () =>
    !erased
      ? `Aucun jeton Pro Santé Connect n’est enregistré pour ${account.address} : rien à effacer.`
      : revoked
        ? `Session Pro Santé Connect de ${account.address} fermée : jeton de renouvellement révoqué et effacé.`
        : kept
          ? `Session Pro Santé Connect de ${account.address} fermée sur cet ordinateur : jeton de renouvellement effacé. Pro Santé Connect n’a pas pu être prévenu (injoignable) : la session y expirera d’elle-même ; rien d’autre à faire.`
          : `Session Pro Santé Connect gardée illisible (fichier abîmé, ou scellé par une autre carte) : effacée de cet ordinateur.`);
}

export const registerPsc: CommandRegistrar = (program: Command, ctx) => {
  const psc = program.command('psc').description('connexion Pro Santé Connect (carte CPS dans le navigateur ou e-CPS)');
  psc
    .command('login')
    .description('se connecter à Pro Santé Connect : validation sur le téléphone (e-CPS) par défaut, --browser pour la carte dans le navigateur')
    .option('--address <adresse>', 'compte (par défaut : le seul compte)', addressArgument)
    .option('--rpps <rpps>', 'numéro RPPS (11 chiffres) pour la validation e-CPS (par défaut : lu sur la carte CPS insérée)')
    .option('--browser', 'connexion dans le navigateur du système (code d’autorisation + PKCE)')
    .addOption(trustAnchorsOption())
    .addOption(crlSoftFailOption())
    .action((o: LoginOptions) => login(ctx(), o));
  psc
    .command('status')
    .description('état de la connexion Pro Santé Connect du compte')
    .option('--address <adresse>', 'compte (par défaut : le seul compte)', addressArgument)
    .action((o: { address?: string }) => status(ctx(), o));
  psc
    .command('logout')
    .description('se déconnecter de Pro Santé Connect (efface ce qui serait conservé)')
    .option('--address <adresse>', 'compte (par défaut : le seul compte)', addressArgument)
    .action((o: { address?: string }) => logout(ctx(), o));
};
