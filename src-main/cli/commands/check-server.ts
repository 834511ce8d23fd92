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
  error?: AppError;
}

/** Runs one handshake without client certificate; never throws. */
export async function checkServer(host: string, port: number, starttls: 'imap' | 'smtp' | undefined, verifier: ServerCertificateVerifier): Promise<ServerCheck> {
  const check: ServerCheck = { host, port, ...(starttls ? { starttls } : {}), presentedChain: [] };
  const recording: ServerCertificateVerifier = {
    verify: (chain, name) => {
      check.presentedChain = chain.map(subjectOf);
      return verifier.verify(chain, name);
    },
  };
  const tls = { serverName: host, verifier: recording };
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

export function checkJson(c: ServerCheck): Record<string, unknown> {
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
        }
      : { presentedChain: c.presentedChain }),
    ...(c.error ? { error: { code: c.error.code, message: messageFr(c.error.code) } } : {}),
  };
}

export function checkText(c: ServerCheck): string {
  const h = c.handshake;
  const lines = [`Serveur ${c.host}:${c.port}${c.starttls ? ` (STARTTLS ${c.starttls.toUpperCase()})` : ' (TLS implicite)'}`];
  if (h) {
    lines.push(`  Protocole : TLS 1.2`);
    lines.push(`  Suite : ${h.suite.standardName}`);
    lines.push(`  Chaîne du serveur : ${h.serverChain.subjects.join(' → ')}`);
    lines.push(`  Révocation : ${REVOCATION_FR[h.serverChain.revocation]}`);
    if (h.clientCertificateRequested) lines.push('  Le serveur demande un certificat client (carte CPS) : testez la connexion complète avec « mssante account test ».');
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
}

async function run(c: CliContext, target: { host: string; port: number }, o: CheckOptions): Promise<void> {
  const verifier = createServerCertificateVerifier({
    home: c.home,
    ...(o.trustAnchors ? { trustAnchorsFile: o.trustAnchors } : {}),
    crlSoftFail: Boolean(o.crlSoftFail),
    log: (line) => c.progress(line),
  });
  const check = await checkServer(target.host, target.port, o.starttls, verifier);
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
    .description('vérifier la connexion TLS d’un serveur MSSanté (protocole, suite, certificat, révocation) sans s’authentifier')
    .argument('<hôte:port>', 'serveur à vérifier', hostPortArgument)
    .addOption(new Option('--starttls <protocole>', 'négocier STARTTLS avant TLS (ports 143 et 587)').choices(['imap', 'smtp']))
    .addOption(trustAnchorsOption())
    .addOption(crlSoftFailOption())
    .action((target: { host: string; port: number }, o: CheckOptions) => run(ctx(), target, o));
};
