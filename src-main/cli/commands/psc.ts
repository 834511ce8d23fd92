// `mssante psc login`: Pro Santé Connect login for a `--auth psc` account — CIBA (e-CPS on the
// phone, RPPS from --rpps) by default, or `--browser` (authorization code + PKCE, the URL to open
// is printed) — then the mailbox is opened with XOAUTH2 to prove the token is accepted. The
// tokens live in this process's memory only and die with it (the refresh token is not kept).
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { JsonFileAccountRepository } from '../../accounts/account-repository.js';
import type { AccountConfig, PscAuth } from '../../accounts/account.js';
import { AppError } from '../../errors/index.js';
import { openXoauth2ImapSession } from '../../imap/xoauth2.js';
import { PscClient, PscSession } from '../../psc/index.js';
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

/** Logs the account's professional in (CIBA with `rpps`, or the browser) and returns the in-memory session. */
export async function loginPscSession(c: CliContext, account: AccountConfig, o: { rpps?: string; browser?: boolean }): Promise<PscSession> {
  const auth = pscOf(account);
  const secret = process.env[auth.clientSecretEnv ?? PSC_CLIENT_SECRET_ENV];
  const client = await PscClient.discover(
    { issuer: auth.issuer, clientId: auth.clientId, scope: auth.scope, keepRefreshToken: false },
    { ...(secret ? { clientSecret: secret } : {}), ...(auth.caFile ? { ca: readFileSync(auth.caFile, 'utf8') } : {}) },
  );
  let tokens;
  if (o.browser) {
    tokens = await client.loginBrowser((url) => c.progress(`Ouvrez cette adresse dans votre navigateur (carte CPS dans le lecteur) :\n  ${url}`));
  } else {
    if (!o.rpps || !/^\d{11}$/.test(o.rpps)) throw new AppError('INVALID_ARGUMENT', 'CIBA needs --rpps (11 digits)', { data: { option: '--rpps' } });
    tokens = await client.loginCiba(o.rpps, ({ expiresInS }) =>
      c.progress(`Validez la connexion sur votre téléphone (e-CPS)… La demande expire dans ${expiresInS} secondes.`));
  }
  const session = new PscSession(client);
  session.start(tokens);
  return session;
}

async function login(c: CliContext, o: LoginOptions): Promise<void> {
  const account = await JsonFileAccountRepository.inHome(c.home).get(o.address);
  const session = await loginPscSession(c, account, o);
  try {
    const imap = await openXoauth2ImapSession(account.imap, { user: account.address, accessToken: () => session.accessToken() }, accountVerifier(c, account, o));
    await imap.logout();
    const status = session.status();
    c.result({ ok: true, account: account.address, ...status, mailbox: 'ok' }, () =>
      [
        `Connecté à Pro Santé Connect${status.subject ? ` (identifiant ${status.subject})` : ''} ; jeton accepté par le serveur IMAP de ${account.address}.`,
        `  Jeton valable jusqu’à ${status.expiresAt ?? '?'}, gardé en mémoire seulement (jamais enregistré).`,
      ].join('\n'));
  } finally {
    await session.logout();
  }
}

/**
 * No token outlives a `mssante` process (access and refresh tokens in memory only; keeping the
 * refresh token sealed is a setting not implemented yet): status says so and shows the settings,
 * logout has nothing on disk to erase.
 */
async function status(c: CliContext, o: { address?: string }): Promise<void> {
  const account = await JsonFileAccountRepository.inHome(c.home).get(o.address);
  const auth = pscOf(account);
  c.result({ account: account.address, issuer: auth.issuer, clientId: auth.clientId, scope: auth.scope, loggedIn: false, tokensKept: false }, () =>
    [
      `Compte ${account.address} : Pro Santé Connect (${auth.issuer}, client ${auth.clientId}).`,
      '  Aucune session conservée : les jetons restent en mémoire le temps d’une commande (connexion à chaque sync/send).',
    ].join('\n'));
}

async function logout(c: CliContext, o: { address?: string }): Promise<void> {
  const account = await JsonFileAccountRepository.inHome(c.home).get(o.address);
  pscOf(account);
  c.result({ ok: true, account: account.address, erased: 0 }, () => `Aucun jeton Pro Santé Connect n’est enregistré pour ${account.address} : rien à effacer.`);
}

export const registerPsc: CommandRegistrar = (program: Command, ctx) => {
  const psc = program.command('psc').description('connexion Pro Santé Connect (carte CPS dans le navigateur ou e-CPS)');
  psc
    .command('login')
    .description('se connecter à Pro Santé Connect : validation sur le téléphone (e-CPS) par défaut, --browser pour la carte dans le navigateur')
    .option('--address <adresse>', 'compte (par défaut : le seul compte)', addressArgument)
    .option('--rpps <rpps>', 'numéro RPPS (11 chiffres) pour la validation e-CPS')
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
