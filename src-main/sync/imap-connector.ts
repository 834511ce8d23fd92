import { imapConnector, type ImapEndpoint } from '../imap/index.js';
import type { Signer } from '../tls/signer.js';
import type { ServerCertificateVerifier } from '../tls/types.js';
import type { ImapConnector } from './connector.js';

/**
 * The product connector: imapflow over our TLS 1.2 client, the server
 * certificate checked against the IGC-Santé (or given) anchors, SASL
 * EXTERNAL with the card (or PKCS#12) key. QRESYNC is enabled when offered;
 * `timeoutMs` (default DEFAULT_NETWORK_TIMEOUT_MS) bounds every wait on the server.
 */
export function externalImapConnector(endpoint: ImapEndpoint, signer: Signer, verifier: ServerCertificateVerifier, opts: { timeoutMs?: number } = {}): ImapConnector {
  return imapConnector(endpoint, signer, verifier, opts);
}
