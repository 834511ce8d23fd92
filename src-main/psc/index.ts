export { PSC_PRESETS, type PscPreset, type PscSettings } from './presets.js';
export { PscClient, readPscCaFile, type PscTokens, type PscClientOptions } from './oidc.js';
export { PscSession, type PscSessionStatus, type SessionEndReason, type Refresher } from './session.js';
export { httpsFetch } from './https-fetch.js';
export { tlsFetch } from './tls-fetch.js';
export { providerServerVerifier } from './provider-verifier.js';
export { clientAuthPlan, pscClientOptions, DEFAULT_CLIENT_CERT_PASSWORD_ENV, DEFAULT_CLIENT_SECRET_ENV, type ClientAuthPlan, type PscClientAuthSettings } from './client-auth.js';
export { refreshVaultFile, sealRefreshToken, openRefreshToken, eraseRefreshToken, refreshVaultUnreadable, type KeptSession } from './refresh-vault.js';
