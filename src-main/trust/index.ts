// Public interface of the trust module: the MSSanté annuaire, the liste blanche and the sender
// trust decision. Other modules import from here only.
export { normaliseAddress, type NormalisedAddress } from './address.js';
export type { AnnuaireEntry } from './annuaire/entry.js';
export { importAnnuaire, type AnnuaireImportReport, type AnnuaireImportOptions, type AnnuaireVersion } from './annuaire/import.js';
export { AnnuaireReader } from './annuaire/reader.js';
export { trustDirOf } from './home.js';
export { downloadAnnuaire, type AnnuaireDownloadOptions } from './annuaire/download.js';
export { importListeBlanche, ListeBlancheIndex, type ListeBlancheImportReport, type ListeBlancheVersion } from './listeblanche/store.js';
export type { SignatureReport, SignatureStatus } from './listeblanche/signature.js';
export { igcSanteSignerCheck, type SignerChainCheck } from './listeblanche/signer-chain.js';
export { decideSenderTrust } from './decision.js';
export { TrustContext, senderFactsFromHeaders, type RecipientCheck, type AutocompleteEntry } from './context.js';
export { verifyDkim, type DnsResolver } from './dkim.js';
export { createTrustProvider, isDecisionStale, trustHooksFor, trustProviderFor } from './store-hook.js';
export { TRUST_LEVEL_LABELS_FR, reasonLabelFr, decisionSummaryFr } from './labels-fr.js';
export * from './types.js';
