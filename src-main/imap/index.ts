export { type ExternalImapFlowOptions } from './external-auth.js';
export { type TlsChannelOptions } from './transport.js';
export { openImapSession, imapConnector, type ImapEndpoint, type ImapSessionOptions } from './session.js';
export { imapStartTls } from './starttls.js';
