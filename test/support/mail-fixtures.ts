// Small realistic RFC 822 messages for store/sync tests (French, accents,
// attachments with UTF-8 names). Test tooling only.
import { randomBytes } from 'node:crypto';

export interface EmlOptions {
  from?: string;
  to?: string;
  cc?: string;
  subject?: string;
  body?: string;
  html?: string;
  date?: Date;
  messageId?: string;
  inReplyTo?: string;
  attachment?: { filename: string; mimeType: string; content: Buffer };
}

const b64 = (s: string | Buffer): string =>
  (typeof s === 'string' ? Buffer.from(s, 'utf8') : s)
    .toString('base64')
    .replace(/.{76}/g, '$&\r\n');

const encodedWord = (s: string): string => (/^[\x20-\x7e]*$/.test(s) ? s : `=?UTF-8?B?${Buffer.from(s, 'utf8').toString('base64')}?=`);

/** Builds a message with CRLF line ends; bytes are deterministic for the same options. */
export function buildEml(o: EmlOptions = {}): Buffer {
  const id = o.messageId ?? `<${randomBytes(8).toString('hex')}@test.mssante.fr>`;
  const headers = [
    `From: ${o.from ?? 'Dr Jeanne Martin <jeanne.martin@medecin.mssante.fr>'}`,
    `To: ${o.to ?? 'Dr Paul Durand <paul.durand@medecin.mssante.fr>'}`,
    ...(o.cc ? [`Cc: ${o.cc}`] : []),
    `Subject: ${encodedWord(o.subject ?? 'Compte rendu')}`,
    `Date: ${(o.date ?? new Date('2026-11-02T09:30:00Z')).toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: ${id}`,
    ...(o.inReplyTo ? [`In-Reply-To: ${o.inReplyTo}`, `References: ${o.inReplyTo}`] : []),
    'MIME-Version: 1.0',
  ];
  const text = o.body ?? 'Bonjour,\r\nVeuillez trouver le compte rendu.\r\nCordialement';
  if (!o.attachment && !o.html) {
    return Buffer.from([...headers, 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64', '', b64(text), ''].join('\r\n'));
  }
  const boundary = `b-${randomBytes(6).toString('hex')}`;
  const parts = [`--${boundary}`, 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64', '', b64(text)];
  if (o.html) parts.push(`--${boundary}`, 'Content-Type: text/html; charset=utf-8', 'Content-Transfer-Encoding: base64', '', b64(o.html));
  if (o.attachment) {
    const name = o.attachment.filename;
    parts.push(
      `--${boundary}`,
      `Content-Type: ${o.attachment.mimeType}; name="${encodedWord(name)}"`,
      `Content-Disposition: attachment; filename*=UTF-8''${encodeURIComponent(name)}`,
      'Content-Transfer-Encoding: base64',
      '',
      b64(o.attachment.content),
    );
  }
  parts.push(`--${boundary}--`, '');
  return Buffer.from([...headers, `Content-Type: multipart/mixed; boundary="${boundary}"`, '', ...parts].join('\r\n'));
}
