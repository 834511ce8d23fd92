// `mssante check-server HOST:PORT [--starttls imap|smtp] [--trust-anchors FILE] [--json]`:
// one TLS handshake with the MSSanté policy and the server-certificate verifier, no login.
// Prints protocol, suite, server chain, revocation status and the verdict; refused → exit 1
// with the precise French reason.
import { X509Certificate } from 'node:crypto';
import { Option, type Command } from 'commander';
import { AppError, messageFr, toAppError } from '../../errors/index.js';
import { imapStartTls } from '../../imap/index.js';
import { smtpStartTls } from '../../smtp/index.js';
import { connectTls, type HandshakeResult, type ServerCertificateVerifier, type TlsSocket } from '../../tls/index.js';
import type { Signer } from '../../tls/signer.js';
import { cliCardSession } from '../card-unlock.js';
import { createServerCertificateVerifier } from '../../tls/pki/verifier.js';
import type { CliContext } from '../context.js';
import type { CommandRegistrar } from '../program.js';
import { hostPortArgument } from '../option-parsers.js';
import { crlSoftFailOption, trustAnchorsOption } from '../pki-options.js';

export interface ServerCheck {
  host: string;
  port: number;
  starttls?: 'imap' | 'smtp';
  /** what the server presented, leaf first (subjects, even when refused) */
  presentedChain: string[];
  handshake?: HandshakeResult;
  /** the card presented with --card (its label), or null: no client certificate was offered */
  clientCertificate: string | null;
  error?: AppError;
}

/**
 * Runs one handshake, with the card's certificate when `client` is given (--card), without any
 * otherwise; never throws. A server that requires a client certificate refuses the second kind:
 * that is said as such (TLS_CLIENT_CERT_NOT_SENT), not as a rejected certificate.
 */
async function checkServer(
  host: string,
  port: number,
  starttls: 'imap' | 'smtp' | undefined,
  verifier: ServerCertificateVerifier,
  client?: { signer: Signer; label: string },
): Promise<ServerCheck> {
  const check: ServerCheck = { host, port, ...(starttls ? { starttls } : {}), presentedChain: [], clientCertificate: client?.label ?? null };
  const recording: ServerCertificateVerifier = {
    verify: (chain, name) => {
      check.presentedChain = chain.map(subjectOf);
      return verifier.verify(chain, name);
    },
  };
  const tls = { serverName: host, verifier: recording, ...(client ? { signer: client.signer } : {}) };
  let socket: TlsSocket | undefined;
  try {
    if (starttls === 'imap') socket = await imapStartTls(host, port, tls);
    else if (starttls === 'smtp') socket = (await smtpStartTls(host, port, 'localhost', tls)).socket;
    else {
      socket = connectTls({ ...tls, host, port });
      socket.on('error', () => undefined);
      await socket.secured;
    }
    check.handshake = socket.info;
  } catch (err) {
    check.error = toAppError(err, 'TLS_HANDSHAKE_FAILED');
    if (!client && check.error.code === 'TLS_CLIENT_CERT_REJECTED') {
      check.error = new AppError('TLS_CLIENT_CERT_NOT_SENT', `${check.error.message}; no client certificate was sent (no --card)`, { cause: err });
    }
  } finally {
    socket?.end();
  }
  return check;
}

function subjectOf(der: Buffer): string {
  try {
    return new X509Certificate(der).subject.split('\n').join(', ');
  } catch {
    return '(certificat illisible)';
  }
}

const REVOCATION_FR = {
  good: 'vérifiée : non révoqué (liste de révocation à jour)',
  'good-cached': 'vérifiée : non révoqué (liste de révocation en cache)',
  unknown: 'NON vérifiée (acceptée par --crl-soft-fail)',
} as const;

function checkJson(c: ServerCheck): Record<string, unknown> {
  const h = c.handshake;
  return {
    ok: !c.error,
    verdict: c.error ? 'refused' : 'accepted',
    server: `${c.host}:${c.port}`,
    starttls: c.starttls ?? null,
    ...(h
      ? {
          protocol: 'TLSv1.2',
          suite: h.suite.standardName,
          chain: h.serverChain.subjects,
          revocation: h.serverChain.revocation,
          revocationDetail: h.serverChain.revocationDetail ?? null,
          trustSource: h.serverChain.trustSource ?? null,
          clientCertificateRequested: h.clientCertificateRequested,
          clientCertificateSent: c.clientCertificate !== null && h.clientCertificateRequested,
        }
      : { presentedChain: c.presentedChain }),
    ...(c.error ? { error: { code: c.error.code, message: messageFr(c.error.code) } } : {}),
  };
}

function checkText(c: ServerCheck): string {
  const h = c.handshake;
  const lines = [`Serveur ${c.host}:${c.port}${c.starttls ? ` (STARTTLS ${c.starttls.toUpperCase()})` : ' (TLS implicite)'}`];
  if (h) {
    lines.push(`  Protocole : TLS 1.2`);
    lines.push(`  Suite : ${h.suite.standardName}`);
    lines.push(`  Chaîne du serveur : ${h.serverChain.subjects.join(' → ')}`);
    lines.push(`  Révocation : ${REVOCATION_FR[h.serverChain.revocation]}`);
    if (h.clientCertificateRequested && c.clientCertificate) lines.push(`  Certificat client : celui de la carte « ${c.clientCertificate} », présenté et accepté par le serveur.`);
    else if (h.clientCertificateRequested) lines.push('  Le serveur demande un certificat client : aucun n’a été envoyé (ajoutez --card pour présenter votre carte CPS, ou testez le compte avec « mssante account test »).');
    else if (c.clientCertificate) lines.push('  Le serveur n’a pas demandé de certificat client : la carte n’a pas été utilisée.');
    lines.push('  Verdict : ACCEPTÉ (conforme à la politique TLS MSSanté)');
  } else {
    if (c.presentedChain.length) lines.push(`  Chaîne présentée (non validée) : ${c.presentedChain.join(' → ')}`);
    lines.push(`  Verdict : REFUSÉ — ${c.error ? messageFr(c.error.code) : ''}`);
  }
  return lines.join('\n');
}

interface CheckOptions {
  starttls?: 'imap' | 'smtp';
  trustAnchors?: string;
  crlSoftFail?: boolean;
  card?: boolean;
}

async function run(c: CliContext, target: { host: string; port: number }, o: CheckOptions): Promise<void> {
  const verifier = createServerCertificateVerifier({
    home: c.home,
    ...(o.trustAnchors ? { trustAnchorsFile: o.trustAnchors } : {}),
    crlSoftFail: Boolean(o.crlSoftFail),
    log: (line) => c.progress(line),
  });
  const check = o.card
    ? await (async () => {
        // the command's card session signs the handshake (PIN asked once, like `account test`); runCli ends it
        const { token, signer } = await cliCardSession(c, o.trustAnchors ? { trustAnchors: o.trustAnchors } : {});
        return checkServer(target.host, target.port, o.starttls, verifier, { signer, label: token.label ?? 'CPS' });
      })()
    : await checkServer(target.host, target.port, o.starttls, verifier);
  if (check.error) {
    // The details go to stderr; the refusal itself (exit 1, French reason, JSON error) is the thrown error.
    c.progress(checkText(check));
    throw check.error;
  }
  c.result(checkJson(check), () => checkText(check));
}

export const registerCheckServer: CommandRegistrar = (program: Command, ctx) => {
  program
    .command('check-server')
    .description('vérifier la connexion TLS d’un serveur MSSanté (protocole, suite, certificat, révocation) sans s’authentifier ; --card présente la carte CPS')
    .argument('<hôte:port>', 'serveur à vérifier', hostPortArgument)
    .addOption(new Option('--starttls <protocole>', 'négocier STARTTLS avant TLS (ports 143 et 587)').choices(['imap', 'smtp']))
    .addOption(trustAnchorsOption())
    .addOption(crlSoftFailOption())
    .option('--card', 'présenter le certificat de la carte CPS (code PIN demandé) au serveur qui en exige un')
    .action((target: { host: string; port: number }, o: CheckOptions) => run(ctx(), target, o));
};
