// The card service: what other modules import.
export { CardService, CardSession, type CardToken, type CardServiceOptions, type CardServiceEvents } from './card-service.js';
export { CardSigner, type CardSignerOptions } from './signer.js';
export { type CardIdentity, type CardHolder, type CertificateSummary } from './identity.js';
export { type ModuleAttempt, type ModuleCandidate } from './discovery.js';
export { type CardHostLauncher, type CardHostProcess } from './host-launcher.js';
export { runCardHost } from './host/card-host.js';
export type { PinState } from './pkcs11-facts.js';
export type { CardEvent, HostMessage, HostRequest, ModuleInfo, PortLike } from './protocol.js';
