// Public surface of the TLS layer.
export type { ServerCertificateVerifier, VerifiedChain, RevocationStatus } from './types.js';
export { SignatureScheme, type Signer } from './signer.js';
export { TlsClientConnection, type TlsClientOptions, type TlsSink } from './connection.js';
export type { HandshakeResult } from './handshake.js';
export { TlsSocket, connectTls, startTls, type TlsConnectOptions, type CipherInfo } from './socket.js';
export { type CipherSuite } from './policy.js';
