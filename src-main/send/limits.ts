// How big a message may be. The server says it in its EHLO (RFC 1870 SIZE): we remember the
// last value per account (outbox_server_facts) so that the check runs BEFORE connecting; the
// user's setting can only lower it; without either, a default that MSSanté operators accept.
import { AppError } from '../errors/index.js';

/** Used until the server has told us its SIZE (and no setting says otherwise). */
export const DEFAULT_MAX_MESSAGE_BYTES = 25 * 1024 * 1024;

export interface SizeLimit {
  maxBytes: number;
  source: 'setting' | 'server' | 'default' | 'patient';
}

/** Pure: the limit that applies (the smallest of what is known). */
export function effectiveSizeLimit(known: { settingBytes?: number | null; serverBytes?: number | null }): SizeLimit {
  const candidates: SizeLimit[] = [];
  if (known.settingBytes && known.settingBytes > 0) candidates.push({ maxBytes: known.settingBytes, source: 'setting' });
  if (known.serverBytes && known.serverBytes > 0) candidates.push({ maxBytes: known.serverBytes, source: 'server' });
  if (!candidates.length) return { maxBytes: DEFAULT_MAX_MESSAGE_BYTES, source: 'default' };
  return candidates.reduce((a, b) => (b.maxBytes < a.maxBytes ? b : a));
}

const mo = (bytes: number) => (bytes / (1024 * 1024)).toLocaleString('fr-FR', { maximumFractionDigits: 1 });

/** French detail of a size refusal (the CLI prints it under the code's message). */
function sizeDetailFr(sizeBytes: number, limit: SizeLimit): string {
  const origin =
    limit.source === 'server' ? 'annoncée par le serveur' : limit.source === 'setting' ? 'fixée dans les réglages' : limit.source === 'patient' ? 'des messages aux patients (Mon espace santé)' : 'par défaut';
  return `Taille du message encodé : ${mo(sizeBytes)} Mo ; limite ${origin} : ${mo(limit.maxBytes)} Mo (les pièces jointes grossissent d’environ un tiers une fois encodées).`;
}

/** Throws SEND_TOO_LARGE when the encoded message exceeds the limit. */
export function assertMessageSize(sizeBytes: number, limit: SizeLimit): void {
  if (sizeBytes > limit.maxBytes) {
    throw new AppError('SEND_TOO_LARGE', `message of ${sizeBytes} bytes over the ${limit.source} limit of ${limit.maxBytes}`, {
      data: { sizeBytes, maxBytes: limit.maxBytes, source: limit.source, detailFr: sizeDetailFr(sizeBytes, limit) },
    });
  }
}
