// `mssante account add|list|test`: the mailbox account's servers and authentication, and a login
// test over IMAP and SMTP with the card (or the PKCS#12 software certificate).
import { PRODUCT_NIL } from '../../rules/messaging.js';
import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import type { AccountConfig, Endpoint } from '../../accounts/account.js';
import { JsonFileAccountRepository } from '../../accounts/account-repository.js';
import { probeAccount, type ProbeResult } from '../../accounts/login-probe.js';
import { AppError, messageFr } from '../../errors/index.js';
import { loadTrustAnchorsFile } from '../../tls/pki/trust-store.js';
import type { CliContext } from '../context.js';
import type { CommandRegistrar } from '../program.js';
import { accountVerifier, withAccountSigner } from '../account-signer.js';
import { addressArgument, existingFile, hostPortArgument } from '../option-parsers.js';
import { crlSoftFailOption, trustAnchorsOption } from '../pki-options.js';
import { recordCliOrWarn } from './audit.js';

interface AddOptions {
  address: string;
  imap: { host: string; port: number };
  imapStarttls?: boolean;
  smtp: { host: string; port: number };
  smtpStarttls?: boolean;
  auth: 'card' | 'pkcs12';
  pkcs12?: string;
  trustAnchors?: string;
  replace?: boolean;
}

async function add(c: CliContext, o: AddOptions): Promise<void> {
  if (o.auth === 'pkcs12' && !o.pkcs12) throw new AppError('INVALID_ARGUMENT', '--auth pkcs12 needs --pkcs12 FILE', { data: { option: '--pkcs12' } });
  if (o.auth === 'card' && o.pkcs12) throw new AppError('INVALID_ARGUMENT', '--pkcs12 is only for --auth pkcs12', { data: { option: '--pkcs12' } });
  if (o.pkcs12) assertLooksLikePkcs12(o.pkcs12);
  // A qualification PKI must be loadable now, not at the first connection.
  if (o.trustAnchors) loadTrustAnchorsFile(o.trustAnchors, (line) => c.progress(line));
  const account: AccountConfig = {
    address: o.address,
    imap: { ...o.imap, security: o.imapStarttls ? 'starttls' : 'tls' },
    smtp: { ...o.smtp, security: o.smtpStarttls ? 'starttls' : 'tls' },
    auth: o.auth === 'pkcs12' ? { kind: 'pkcs12', file: o.pkcs12! } : { kind: 'card' },
    ...(o.trustAnchors ? { trustAnchorsFile: o.trustAnchors } : {}),
    createdAt: new Date().toISOString(),
  };
  const repo = JsonFileAccountRepository.inHome(c.home);
  const existed = o.replace ? await repo.get(account.address).then(() => true, () => false) : false;
  await repo.save(account, { replace: Boolean(o.replace) });
  const endpoint = (e: Endpoint): string => `${e.host}:${e.port}/${e.security}`;
  const facts = { address: account.address, imap: endpoint(account.imap), smtp: endpoint(account.smtp), auth: account.auth.kind };
  // the account is saved: a journal failure is said, it does not turn the command into a failure
  await recordCliOrWarn(c, [{ action: existed ? 'account.changed' : 'account.added', data: facts }]);
  c.result({ ok: true, account }, () =>
    [
      `Compte ${account.address} enregistré.`,
      `  IMAP : ${endpointFr(account.imap)}`,
      `  SMTP : ${endpointFr(account.smtp)}`,
      `  Authentification : ${account.auth.kind === 'card' ? 'carte CPS' : `certificat logiciel ${account.auth.file} (mot de passe demandé à chaque utilisation, jamais enregistré)`}`,
      ...(account.trustAnchorsFile ? [`  ATTENTION : autorités de confiance NON standard (${account.trustAnchorsFile}) au lieu de l’IGC-Santé`] : []),
    ].join('\n'),
  );
}

/** The outer PKCS#12 structure starts with a DER SEQUENCE; the password is checked at use. */
function assertLooksLikePkcs12(file: string): void {
  const head = readFileSync(file).subarray(0, 1);
  if (head[0] !== 0x30) throw new AppError('PKCS12_INVALID', `${file} is not a DER PKCS#12 file`, { data: { reason: 'format' } });
}

function endpointFr(e: Endpoint): string {
  return `${e.host}:${e.port} (${e.security === 'tls' ? 'TLS implicite' : 'STARTTLS'})`;
}

async function list(c: CliContext): Promise<void> {
  const accounts = await JsonFileAccountRepository.inHome(c.home).list();
  c.result({ accounts }, () =>
    accounts.length === 0
      ? 'Aucun compte configuré (mssante account add).'
      : accounts.map((a) => `${a.address} — IMAP ${endpointFr(a.imap)}, SMTP ${endpointFr(a.smtp)}, ${a.auth.kind === 'card' ? 'carte CPS' : 'certificat logiciel'}`).join('\n'),
  );
}

interface TestOptions {
  address?: string;
  trustAnchors?: string;
  crlSoftFail?: boolean;
  passwordStdin?: boolean;
}

async function testAccount(c: CliContext, o: TestOptions): Promise<void> {
  const account = await JsonFileAccountRepository.inHome(c.home).get(o.address);
  const verifier = accountVerifier(c, account, o);
  const results = await withAccountSigner(c, account, o, (signer) => probeAccount(account, { verifier, signer }));
  const failed = results.find((r) => !r.ok);
  if (failed?.error) {
    // Details on stderr; the error (exit 1, French reason, `{ ok: false, error }` with --json) is the first failure.
    c.progress(results.map(resultFr).join('\n'));
    throw failed.error;
  }
  const warnings = productWarningsFr();
  c.result({ ok: true, account: account.address, results: results.map(resultJson), warnings }, () => [...results.map(resultFr), ...warnings.map((w) => `Attention : ${w}`)].join('\n'));
}

/** X-MSS-NIL: without the product's conformity reference (a build setting), sent messages do not carry it. */
export function productWarningsFr(productNil: string = PRODUCT_NIL): string[] {
  return productNil.trim()
    ? []
    : ['ce logiciel n’est pas référencé (numéro de référencement ANS absent de la configuration de construction) : les messages envoyés ne portent pas l’en-tête X-MSS-NIL.'];
}

function resultJson(r: ProbeResult): Record<string, unknown> {
  return {
    protocol: r.protocol,
    endpoint: r.endpoint,
    ok: r.ok,
    ...(r.tls
      ? {
          tls: {
            protocol: r.tls.protocol,
            suite: r.tls.suite,
            chain: r.tls.chain.subjects,
            revocation: r.tls.chain.revocation,
            revocationDetail: r.tls.chain.revocationDetail,
            trustSource: r.tls.chain.trustSource,
          },
        }
      : {}),
    ...(r.error ? { failedStep: r.failedStep, error: { code: r.error.code, message: messageFr(r.error.code) } } : {}),
  };
}

const REVOCATION_FR = { good: 'vérifiée (liste de révocation à jour)', 'good-cached': 'vérifiée (liste de révocation en cache)', unknown: 'NON vérifiée (option --crl-soft-fail)' } as const;

/** @internal exported for its test */
export function resultFr(r: ProbeResult): string {
  const name = r.protocol === 'imap' ? 'IMAP (réception)' : 'SMTP (envoi)';
  const lines = [`${name} ${endpointFr(r.endpoint)} : ${r.ok ? 'connexion et authentification par certificat réussies' : `ÉCHEC (${messageFr(r.error!.code)})`}`];
  if (r.tls) {
    lines.push(`  ${r.tls.protocol}, ${r.tls.suite ?? 'suite de chiffrement non communiquée par la connexion'}`);
    lines.push(`  Chaîne du serveur : ${r.tls.chain.subjects.join(' → ')}`);
    lines.push(`  Révocation : ${REVOCATION_FR[r.tls.chain.revocation]}`);
  }
  return lines.join('\n');
}

export const registerAccount: CommandRegistrar = (program: Command, ctx) => {
  const account = program.command('account').description('comptes de messagerie MSSanté (serveurs, authentification)');
  account
    .command('add')
    .description('enregistrer un compte (aucun secret n’est enregistré en clair)')
    .requiredOption('--address <adresse>', 'adresse MSSanté du compte', addressArgument)
    .requiredOption('--imap <hôte:port>', 'serveur IMAP', hostPortArgument)
    .option('--imap-starttls', 'IMAP en STARTTLS (port 143) au lieu de TLS implicite (993)')
    .requiredOption('--smtp <hôte:port>', 'serveur d’envoi SMTP', hostPortArgument)
    .option('--smtp-starttls', 'SMTP en STARTTLS (port 587) au lieu de TLS implicite (465)')
    .addOption(new Option('--auth <mode>', 'authentification : carte CPS ou certificat logiciel PKCS#12').choices(['card', 'pkcs12']).makeOptionMandatory())
    .option('--pkcs12 <fichier>', 'certificat logiciel .p12 (boîtes organisationnelles ou applicatives)', existingFile)
    .addOption(trustAnchorsOption())
    .option('--replace', 'remplacer le compte existant de même adresse')
    .action((o: AddOptions) => add(ctx(), o));
  account
    .command('list')
    .description('lister les comptes enregistrés')
    .action(() => list(ctx()));
  account
    .command('test')
    .description('tester la connexion et l’authentification IMAP et SMTP du compte')
    .option('--address <adresse>', 'compte à tester (par défaut : le seul compte)', addressArgument)
    .addOption(trustAnchorsOption())
    .addOption(crlSoftFailOption())
    .option('--password-stdin', 'lire le mot de passe du certificat logiciel sur l’entrée standard')
    .action((o: TestOptions) => testAccount(ctx(), o));
};
