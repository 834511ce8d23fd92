import { isAppError } from '../../errors/index.js';
import { buildPath, checkValidity } from '../../tls/pki/path-validation.js';
import { igcSanteTrustStore, type TrustStore } from '../../tls/pki/trust-store.js';
import { parseCertificate, sha256Fingerprint } from '../../tls/pki/x509.js';

// Is the liste blanche signer an IGC-Santé certificate? Path building and the validity checks
// are the PKI module's (tls/pki), against the bundled IGC-Santé roots: this file only adapts
// them to a document signer (no hostname, no TLS key usage), behind one function so that a
// dedicated document-signer policy can replace it without touching the liste blanche code.

export interface SignerInfo {
  subject: string;
  issuer: string;
  notBefore: string;
  notAfter: string;
  sha256: string;
}

export type SignerChainResult =
  | { trusted: true; signer: SignerInfo; path: string[] }
  | { trusted: false; signer: SignerInfo | null; reason: string };

/** Checks a signer certificate (DER) against a trust store, at the time the document was signed. */
export type SignerChainCheck = (leafDer: Uint8Array, at: Date) => Promise<SignerChainResult>;

export function igcSanteSignerCheck(store: TrustStore = igcSanteTrustStore()): SignerChainCheck {
  return async (leafDer, at) => {
    let signer: SignerInfo | null = null;
    try {
      const leaf = parseCertificate(leafDer, 'liste blanche signer');
      signer = {
        subject: leaf.subject,
        issuer: leaf.issuer,
        notBefore: leaf.notBefore.toISOString(),
        notAfter: leaf.notAfter.toISOString(),
        sha256: sha256Fingerprint(leaf),
      };
      const path = await buildPath([leaf], store);
      checkValidity(path, at);
      return { trusted: true, signer, path: path.map((c) => c.subject) };
    } catch (err) {
      return { trusted: false, signer, reason: isAppError(err) ? err.code : (err as Error).message };
    }
  };
}
