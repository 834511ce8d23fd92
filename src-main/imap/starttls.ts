// IMAP STARTTLS (RFC 9051 §6.2.1) by hand, for diagnostics (`mssante check-server --starttls imap`).
// Mail sessions go through imapflow, which calls our transport's upgrade() instead.
import net from 'node:net';
import { AppError } from '../errors/index.js';
import { PlainLineReader } from '../tls/plain-lines.js';
import { startTls, type TlsClientOptions, type TlsSocket } from '../tls/index.js';

export async function imapStartTls(host: string, port: number, tls: TlsClientOptions): Promise<TlsSocket> {
  const plain = net.connect({ host, port });
  const reader = new PlainLineReader(plain, 'IMAP_FAILED');
  try {
    const greeting = await reader.nextLine();
    // PREAUTH would skip the not-authenticated state, where STARTTLS is the only way to TLS.
    if (!/^\* OK\b/i.test(greeting)) throw new AppError('IMAP_FAILED', `unexpected IMAP greeting: ${greeting.slice(0, 80)}`);
    plain.write('A1 STARTTLS\r\n');
    for (;;) {
      const line = await reader.nextLine();
      if (line.startsWith('* ')) continue;
      if (/^A1 OK\b/i.test(line)) break;
      throw new AppError('STARTTLS_NOT_OFFERED', `IMAP STARTTLS refused: ${line.slice(0, 120)}`);
    }
    if (reader.detach().length > 0) throw new AppError('STARTTLS_INJECTION', 'plaintext data after the IMAP STARTTLS reply');
    const socket = startTls(plain, tls);
    socket.on('error', () => undefined); // reported through `secured`
    await socket.secured;
    return socket;
  } catch (err) {
    reader.detach();
    plain.destroy();
    throw err;
  }
}
