// TEST-ONLY: the product verifier pinned to the test bench's IGC-Santé-shaped PKI, and software
// signers over the bench's ORG and tooling client certificates.
import { readFileSync } from 'node:fs';
import { PkiServerCertificateVerifier, resolveTrustStore } from '../../src-main/tls/pki/index.js';
import type { TestbedState } from './testbed.js';
import { SoftwareSigner } from './tls.js';

export function benchVerifier(state: TestbedState): PkiServerCertificateVerifier {
  return new PkiServerCertificateVerifier({ trustStore: resolveTrustStore(state.pki.caBundle, () => undefined) });
}

/** The ORG client certificate's key as a software signer (what a PKCS#12 account uses). */
export function orgSigner(state: TestbedState, schemes?: number[]): SoftwareSigner {
  return new SoftwareSigner(readFileSync(state.pki.orgClient.key, 'utf8'), readFileSync(state.pki.orgClient.chain, 'utf8'), schemes);
}

/** A valid bench client certificate without a CN: the server cannot map it to a mailbox. */
export function toolingSigner(state: TestbedState): SoftwareSigner {
  return new SoftwareSigner(readFileSync(state.pki.toolingClient.key, 'utf8'), readFileSync(state.pki.toolingClient.chain, 'utf8'));
}
