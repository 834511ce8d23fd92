export { ExternalImapFlow, type ExternalImapFlowOptions } from './external-auth.js';
export { tlsImapTransport, type TlsChannelOptions } from './transport.js';
export { createImapClient, openImapSession, imapConnector, type ImapEndpoint, type ImapSessionOptions } from './session.js';
export { imapStartTls } from './starttls.js';
