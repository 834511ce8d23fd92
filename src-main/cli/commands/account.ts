// `mssante account add|list|test`: the mailbox account's servers and authentication, and a login
// test over IMAP and SMTP with the card (or the PKCS#12 software certificate).
import { PRODUCT_NIL } from '../../rules/messaging.js';
import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { createInterface } from 'node:readline/promises';
import type { AccountAuth, AccountConfig, Endpoint, PscAuth } from '../../accounts/account.js';
import { autoconfigFetchText, discoverAccount, srvResolver, type AuthMethod } from '../../accounts/autoconfig.js';
import { methodsOfMechanisms, probeSaslMechanisms } from '../../accounts/sasl-probe.js';
import { createServerCertificateVerifier } from '../../tls/pki/verifier.js';
import { DEFAULT_CLIENT_CERT_PASSWORD_ENV, PSC_PRESETS, httpsFetch, type PscPreset } from '../../psc/index.js';
import { PSC_CLIENT_SECRET_ENV } from './psc.js';
import { JsonFileAccountRepository } from '../../accounts/account-repository.js';
import { probeAccount, type ProbeResult } from '../../accounts/login-probe.js';
import { AppError, messageFr } from '../../errors/index.js';
import { loadTrustAnchorsFile } from '../../tls/pki/trust-store.js';
import type { CliContext } from '../context.js';
import type { CommandRegistrar } from '../program.js';
import { withAccountConnection } from '../account-connection.js';
import { addressArgument, existingFile, hostPortArgument } from '../option-parsers.js';
import { crlSoftFailOption, trustAnchorsOption } from '../pki-options.js';
import { recordCliOrWarn } from './audit.js';

interface AddOptions {
  address: string;
  imap?: { host: string; port: number };
  imapStarttls?: boolean;
  smtp?: { host: string; port: number };
  smtpStarttls?: boolean;
  auth?: 'card' | 'pkcs12' | 'psc';
  pkcs12?: string;
  trustAnchors?: string;
  replace?: boolean;
  dns?: { host: string; port: number };
  yes?: boolean;
  pscPreset?: PscPreset;
  pscIssuer?: string;
  pscClientId?: string;
  pscScope?: string;
  pscCa?: string;
  pscKeepRefreshToken?: boolean;
  pscClientAuth?: 'secret' | 'mtls';
  pscClientCert?: string;
}

/** No --imap/--smtp: discover them (SRV, autoconfig XML, presets), show them, ask for confirmation. */
async function discoverServers(c: CliContext, o: AddOptions): Promise<{ imap: Endpoint; smtp: Endpoint; methods: string[] }> {
  if (o.imap || o.smtp) {
    if (!o.imap || !o.smtp) throw new AppError('INVALID_ARGUMENT', '--imap and --smtp go together', { data: { option: o.imap ? '--smtp' : '--imap' } });
    return { imap: { ...o.imap, security: o.imapStarttls ? 'starttls' : 'tls' }, smtp: { ...o.smtp, security: o.smtpStarttls ? 'starttls' : 'tls' }, methods: [] };
  }
  const fetchFn = httpsFetch();
  const found = await discoverAccount(o.address, {
    resolveSrv: srvResolver(o.dns ? [`${o.dns.host}:${o.dns.port}`] : undefined),
    fetchText: autoconfigFetchText(fetchFn),
  });
  const SOURCE_FR = { srv: 'enregistrements DNS SRV', autoconfig: 'configuration automatique de l’opérateur', preset: 'opérateur connu' } as const;
  const METHOD_FR = { card: 'carte CPS', psc: 'Pro Santé Connect', pkcs12: 'certificat logiciel' } as const;
  // what the IMAP server itself announces (CAPABILITY AUTH=…), asked after our TLS client verified it
  const verifier = createServerCertificateVerifier({ home: c.home, ...(o.trustAnchors ? { trustAnchorsFile: o.trustAnchors } : {}), crlSoftFail: false, log: (line) => c.progress(line) });
  const probe = await probeSaslMechanisms(found.imap, verifier);
  if (probe.error?.code === 'AUTOCONFIG_HOST_UNKNOWN') throw probe.error; // nothing usable to confirm
  const methods = [...new Set<AuthMethod>([...found.authMethods, ...methodsOfMechanisms(probe.mechanisms)])];
  c.progress([
    `Serveurs trouvés (${SOURCE_FR[found.source]} : ${found.origin}) :`,
    `  IMAP : ${endpointFr(found.imap)}`,
    `  SMTP : ${endpointFr(found.smtp)}`,
    `  Mécanismes SASL annoncés par le serveur IMAP : ${probe.mechanisms.length ? probe.mechanisms.join(', ') : `non communiqués${probe.error ? ` (${messageFr(probe.error.code, probe.error.data)})` : ''}`}`,
    `  Authentification proposée : ${methods.length ? methods.map((m) => METHOD_FR[m]).join(', ') : 'non indiquée par la source'}`,
  ].join('\n'));
  if (!o.yes) {
    if (!process.stdin.isTTY) throw new AppError('INVALID_ARGUMENT', 'discovered servers need confirmation: --yes', { data: { option: '--yes' } });
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    const answer = await rl.question('Utiliser ces serveurs ? [o/N] ').finally(() => rl.close());
    if (!/^o(ui)?$/i.test(answer.trim())) throw new AppError('INVALID_ARGUMENT', 'discovered servers not confirmed', { data: { option: '--imap' } });
  }
  return { imap: found.imap, smtp: found.smtp, methods };
}

function pscAuth(o: AddOptions): PscAuth {
  const preset = o.pscPreset ? PSC_PRESETS[o.pscPreset] : undefined;
  const issuer = o.pscIssuer ?? preset?.issuer;
  if (!issuer) throw new AppError('INVALID_ARGUMENT', '--auth psc needs --psc-preset or --psc-issuer', { data: { option: '--psc-issuer' } });
  if (!o.pscClientId) throw new AppError('INVALID_ARGUMENT', '--auth psc needs --psc-client-id', { data: { option: '--psc-client-id' } });
  // RFC 8705 tls_client_auth: the organisation certificate; its password is read at use from an env variable
  const mtls = o.pscClientAuth === 'mtls' || (o.pscClientAuth === undefined && o.pscClientCert !== undefined);
  if (mtls && !o.pscClientCert) throw new AppError('INVALID_ARGUMENT', '--psc-client-auth mtls needs --psc-client-cert FILE', { data: { option: '--psc-client-cert' } });
  if (!mtls && o.pscClientCert) throw new AppError('INVALID_ARGUMENT', '--psc-client-cert is only for --psc-client-auth mtls', { data: { option: '--psc-client-auth' } });
  if (o.pscClientCert) assertLooksLikePkcs12(o.pscClientCert);
  return {
    kind: 'psc', issuer, clientId: o.pscClientId, scope: o.pscScope ?? preset?.scope ?? 'openid scope_all',
    ...(mtls ? { clientCertFile: o.pscClientCert!, clientCertPasswordEnv: DEFAULT_CLIENT_CERT_PASSWORD_ENV } : { clientSecretEnv: PSC_CLIENT_SECRET_ENV }),
    ...(o.pscCa ? { caFile: o.pscCa } : {}),
    ...(o.pscKeepRefreshToken ? { keepRefreshToken: true } : {}),
  };
}

async function add(c: CliContext, o: AddOptions): Promise<void> {
  const servers = await discoverServers(c, o);
  if (!o.auth) {
    if (servers.methods.length === 1 && servers.methods[0] === 'psc') o.auth = 'psc';
    else throw new AppError('INVALID_ARGUMENT', 'choose --auth card|pkcs12|psc', { data: { option: '--auth' } });
  }
  if (o.auth === 'pkcs12' && !o.pkcs12) throw new AppError('INVALID_ARGUMENT', '--auth pkcs12 needs --pkcs12 FILE', { data: { option: '--pkcs12' } });
  if (o.auth === 'card' && o.pkcs12) throw new AppError('INVALID_ARGUMENT', '--pkcs12 is only for --auth pkcs12', { data: { option: '--pkcs12' } });
  if (o.pkcs12) assertLooksLikePkcs12(o.pkcs12);
  // A qualification PKI must be loadable now, not at the first connection.
  if (o.trustAnchors) loadTrustAnchorsFile(o.trustAnchors, (line) => c.progress(line));
  const account: AccountConfig = {
    address: o.address,
    imap: servers.imap,
    smtp: servers.smtp,
    auth: o.auth === 'pkcs12' ? { kind: 'pkcs12', file: o.pkcs12! } : o.auth === 'psc' ? pscAuth(o) : { kind: 'card' },
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
      `  Authentification : ${authFr(account.auth)}`,
      ...(account.trustAnchorsFile ? [`  ATTENTION : autorités de confiance NON standard (${account.trustAnchorsFile}) au lieu de l’IGC-Santé`] : []),
    ].join('\n'),
  );
}

/** The outer PKCS#12 structure starts with a DER SEQUENCE; the password is checked at use. */
function assertLooksLikePkcs12(file: string): void {
  const head = readFileSync(file).subarray(0, 1);
  if (head[0] !== 0x30) throw new AppError('PKCS12_INVALID', `${file} is not a DER PKCS#12 file`, { data: { reason: 'format' } });
}

function authFr(auth: AccountAuth): string {
  if (auth.kind === 'card') return 'carte CPS';
  if (auth.kind === 'psc') {
    const client = auth.clientCertFile
      ? `logiciel authentifié par le certificat d’établissement ${auth.clientCertFile} (mot de passe lu dans ${auth.clientCertPasswordEnv ?? DEFAULT_CLIENT_CERT_PASSWORD_ENV}, jamais enregistré)`
      : `secret du logiciel lu dans ${auth.clientSecretEnv ?? PSC_CLIENT_SECRET_ENV} s’il est défini`;
    return `Pro Santé Connect (${auth.issuer}, ${client}) : connexion avec « mssante psc login »`;
  }
  return `certificat logiciel ${auth.file} (mot de passe demandé à chaque utilisation, jamais enregistré)`;
}

function endpointFr(e: Endpoint): string {
  return `${e.host}:${e.port} (${e.security === 'tls' ? 'TLS implicite' : 'STARTTLS'})`;
}

async function list(c: CliContext): Promise<void> {
  const accounts = await JsonFileAccountRepository.inHome(c.home).list();
  c.result({ accounts }, () =>
    accounts.length === 0
      ? 'Aucun compte configuré (mssante account add).'
      : accounts.map((a) => `${a.address} — IMAP ${endpointFr(a.imap)}, SMTP ${endpointFr(a.smtp)}, ${a.auth.kind === 'card' ? 'carte CPS' : a.auth.kind === 'psc' ? 'Pro Santé Connect' : 'certificat logiciel'}`).join('\n'),
  );
}

interface TestOptions {
  address?: string;
  trustAnchors?: string;
  crlSoftFail?: boolean;
  passwordStdin?: boolean;
  /** Pro Santé Connect accounts: e-CPS validation for this RPPS, or the browser (else a kept session) */
  rpps?: string;
  browser?: boolean;
}

async function testAccount(c: CliContext, o: TestOptions): Promise<void> {
  const account = await JsonFileAccountRepository.inHome(c.home).get(o.address);
  const results = await withAccountConnection(c, account, o, (conn) => probeAccount(account, conn));
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
function productWarningsFr(productNil: string = PRODUCT_NIL): string[] {
  return productNil.trim()
    ? []
    : ['ce logiciel n’est pas référencé (numéro de référencement ANS absent de la configuration de construction) : les messages envoyés ne portent pas l’en-tête X-MSS-NIL.'];
}

function resultJson(r: ProbeResult): Record<string, unknown> {
  return {
    protocol: r.protocol,
    auth: r.auth ?? 'certificate',
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
  const how = r.auth === 'psc' ? 'par Pro Santé Connect (XOAUTH2)' : 'par certificat';
  const lines = [`${name} ${endpointFr(r.endpoint)} : ${r.ok ? `connexion et authentification ${how} réussies` : `ÉCHEC (${messageFr(r.error!.code)})`}`];
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
    .option('--imap <hôte:port>', 'serveur IMAP (par défaut : découverte automatique par DNS SRV puis configuration de l’opérateur)', hostPortArgument)
    .option('--imap-starttls', 'IMAP en STARTTLS (port 143) au lieu de TLS implicite (993)')
    .option('--smtp <hôte:port>', 'serveur d’envoi SMTP (par défaut : découverte automatique)', hostPortArgument)
    .option('--smtp-starttls', 'SMTP en STARTTLS (port 587) au lieu de TLS implicite (465)')
    .addOption(new Option('--auth <mode>', 'authentification : carte CPS, certificat logiciel PKCS#12 ou Pro Santé Connect').choices(['card', 'pkcs12', 'psc']))
    .option('--dns <hôte:port>', 'serveur DNS à interroger pour la découverte (par défaut : celui du système)', hostPortArgument)
    .option('--yes', 'accepter les serveurs découverts sans confirmation (scripts)')
    .addOption(new Option('--psc-preset <nom>', 'Pro Santé Connect : production ou bac à sable (BAS)').choices(['production', 'bas']))
    .option('--psc-issuer <url>', 'Pro Santé Connect : fournisseur d’identité (remplace le préréglage)')
    .option('--psc-client-id <id>', 'Pro Santé Connect : identifiant client enregistré auprès de PSC')
    .option('--psc-scope <scopes>', 'Pro Santé Connect : scopes demandés')
    .option('--psc-ca <fichier>', 'Pro Santé Connect : autorités de confiance (PEM) du fournisseur d’identité', existingFile)
    .addOption(new Option('--psc-client-auth <mode>', 'Pro Santé Connect : authentification du logiciel, secret (variable MSSANTE_PSC_CLIENT_SECRET, par défaut) ou mtls (certificat d’établissement, RFC 8705)').choices(['secret', 'mtls']))
    .option('--psc-client-cert <fichier>', 'Pro Santé Connect : certificat d’établissement PKCS#12 présenté à PSC (mot de passe lu dans MSSANTE_PSC_CLIENT_CERT_PASSWORD, jamais enregistré)', existingFile)
    .option('--psc-keep-refresh-token', 'Pro Santé Connect : garder la session d’une commande à l’autre (jeton de renouvellement scellé par la clé de la base locale ; par défaut : non)')
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
    .option('--rpps <rpps>', 'compte Pro Santé Connect : RPPS pour la validation sur le téléphone (e-CPS)')
    .option('--browser', 'compte Pro Santé Connect : connexion dans le navigateur (carte CPS)')
    .action((o: TestOptions) => testAccount(ctx(), o));
};
