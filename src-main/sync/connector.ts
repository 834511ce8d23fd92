import type { ImapFlow } from 'imapflow';

/**
 * Gives the sync engine a connected, authenticated IMAP session. The product
 * connector opens the card-authenticated TLS channel with SASL EXTERNAL
 * (src-main/imap/); tests use PLAIN over Node's TLS (test/support/).
 * Create the ImapFlow with `qresync: true` so that QRESYNC is ENABLEd when
 * offered; the engine owns the client afterwards and closes it.
 */
export interface ImapConnector {
  connect(): Promise<ImapFlow>;
}


export { DEFAULT_NETWORK_TIMEOUT_MS } from '../imap/session.js';
