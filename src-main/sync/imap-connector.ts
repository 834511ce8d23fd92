import { openImapSession, type ImapEndpoint } from '../imap/index.js';
import type { Signer } from '../tls/signer.js';
import type { ServerCertificateVerifier } from '../tls/types.js';
import type { ImapConnector } from './connector.js';

/**
 * The product connector: imapflow over our TLS 1.2 client, the server
 * certificate checked against the IGC-Santé (or given) anchors, SASL
 * EXTERNAL with the card (or PKCS#12) key. QRESYNC is enabled when offered.
 */
export function externalImapConnector(endpoint: ImapEndpoint, signer: Signer, verifier: ServerCertificateVerifier): ImapConnector {
  return { connect: () => openImapSession(endpoint, signer, verifier, { imap: { qresync: true } }) };
}
