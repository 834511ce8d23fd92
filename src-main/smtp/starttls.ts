// SMTP STARTTLS (RFC 3207) done by us, because nodemailer's own STARTTLS always calls
// tls.connect: read the 220 greeting, EHLO, check STARTTLS, send it, wait for 220, then run
// our TLS client over the same socket.
import net from 'node:net';
import { AppError } from '../errors/index.js';
import { PlainLineReader } from '../tls/plain-lines.js';
import { startTls, type TlsSocket } from '../tls/index.js';
import type { TlsClientOptions } from '../tls/index.js';

export interface SmtpReply {
  code: number;
  lines: string[];
}

/** One SMTP reply: "250-…" lines up to the "250 …" one. */
async function readReply(reader: PlainLineReader): Promise<SmtpReply> {
  const lines: string[] = [];
  for (;;) {
    const line = await reader.nextLine();
    lines.push(line);
    const m = /^(\d{3})([ -]|$)/.exec(line);
    if (!m) throw new AppError('SMTP_FAILED', `malformed SMTP reply line: ${line.slice(0, 80)}`);
    if (m[2] !== '-') return { code: Number(m[1]), lines };
  }
}

export interface StartTlsResult {
  socket: TlsSocket;
  /** the server's plaintext greeting (first line), reused as the synthetic greeting */
  greeting: string;
}

/**
 * Opens TCP to host:port, negotiates STARTTLS in clear, then our TLS client. Resolves once the
 * handshake is done. The plaintext EHLO answer is discarded: nodemailer sends EHLO again over TLS.
 */
export async function smtpStartTls(host: string, port: number, clientName: string, tls: TlsClientOptions): Promise<StartTlsResult> {
  const plain = net.connect({ host, port });
  const reader = new PlainLineReader(plain, 'SMTP_FAILED');
  try {
    const greeting = await readReply(reader);
    if (greeting.code !== 220) throw new AppError('SMTP_FAILED', `unexpected greeting: ${greeting.lines[0] ?? ''}`);
    plain.write(`EHLO ${clientName}\r\n`);
    const ehlo = await readReply(reader);
    if (ehlo.code !== 250) throw new AppError('SMTP_FAILED', `EHLO refused: ${ehlo.lines[0] ?? ''}`);
    if (!ehlo.lines.some((l) => /^250[ -]STARTTLS\s*$/i.test(l))) {
      throw new AppError('STARTTLS_NOT_OFFERED', 'SMTP server does not offer STARTTLS: refusing to continue in clear');
    }
    plain.write('STARTTLS\r\n');
    const ready = await readReply(reader);
    if (ready.code !== 220) throw new AppError('STARTTLS_NOT_OFFERED', `STARTTLS refused: ${ready.lines[0] ?? ''}`);
    // Anything after the 220 and before the handshake was injected by a man in the middle.
    if (reader.detach().length > 0) throw new AppError('STARTTLS_INJECTION', 'plaintext data after the SMTP STARTTLS reply');
    const socket = startTls(plain, tls);
    socket.on('error', () => undefined); // reported through `secured` and later by nodemailer
    await socket.secured;
    return { socket, greeting: greeting.lines[0] ?? '220' };
  } catch (err) {
    reader.detach();
    plain.destroy();
    throw err;
  }
}
