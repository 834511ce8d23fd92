import type { Document, Element } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import type { SignerChainCheck, SignerInfo } from './signer-chain.js';

// Verification of the enveloped XML signature of the liste blanche. xml-crypto checks the
// digest and the RSA signature; before that we make sure the signature covers the WHOLE
// document (one Reference, URI="", only enveloped/c14n transforms, Signature child of the
// root), so the domains we read from the same document are the signed ones, and we take the
// key only from a certificate that chains to IGC-Santé (never trust KeyInfo on its own).

const DSIG = 'http://www.w3.org/2000/09/xmldsig#';
const ALLOWED_TRANSFORMS = new Set([
  'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
  'http://www.w3.org/2001/10/xml-exc-c14n#',
  'http://www.w3.org/2001/10/xml-exc-c14n#WithComments',
  'http://www.w3.org/TR/2001/REC-xml-c14n-20010315',
]);

export type SignatureStatus = 'valid' | 'invalid' | 'absent';

export interface SignatureReport {
  status: SignatureStatus;
  /** why it is invalid (English, for logs and --json): e.g. signature_mismatch, untrusted_signer:CERT_UNKNOWN_CA */
  reason?: string;
  signer?: SignerInfo;
  /** validated path, signer first, IGC-Santé root last */
  path?: string[];
  /** the date the chain was checked at (the signed generation date) */
  checkedAt?: string;
  /** the signer certificate has expired since (a newer liste blanche should be fetched) */
  signerExpiredSince?: boolean;
}

function elementsNS(parent: Document | Element, localName: string): Element[] {
  const list = parent.getElementsByTagNameNS(DSIG, localName);
  const out: Element[] = [];
  for (let i = 0; i < list.length; i++) out.push(list[i]!);
  return out;
}

function pemOf(base64: string): string {
  const body = base64.replace(/\s+/g, '');
  return `-----BEGIN CERTIFICATE-----\n${body.match(/.{1,64}/g)?.join('\n') ?? ''}\n-----END CERTIFICATE-----\n`;
}

export interface VerifyOptions {
  checkChain: SignerChainCheck;
  /** signed generation date of the list (DateDeGeneration), used as the chain validation time */
  signedAt: Date | null;
  now?: Date;
}

/**
 * Verifies the liste blanche signature. `document` is null when the file is not well-formed:
 * a signature in such a file cannot be checked and is reported invalid.
 */
export async function verifyListeBlancheSignature(xml: string, document: Document | null, opts: VerifyOptions): Promise<SignatureReport> {
  if (!document) return /<(?:\w+:)?Signature[\s>]/.test(xml) ? { status: 'invalid', reason: 'not_well_formed' } : { status: 'absent' };
  const signatures = elementsNS(document, 'Signature');
  if (signatures.length === 0) return { status: 'absent' };
  if (signatures.length > 1) return { status: 'invalid', reason: 'several_signatures' };
  const signature = signatures[0]!;
  if (signature.parentNode !== document.documentElement) return { status: 'invalid', reason: 'signature_not_enveloped_in_root' };

  const references = elementsNS(signature, 'Reference');
  if (references.length !== 1 || references[0]!.getAttribute('URI') !== '') {
    return { status: 'invalid', reason: 'reference_not_whole_document' };
  }
  const transforms = elementsNS(references[0]!, 'Transform').map((t) => t.getAttribute('Algorithm') ?? '');
  if (transforms.some((t) => !ALLOWED_TRANSFORMS.has(t))) return { status: 'invalid', reason: 'unsupported_transform' };

  const certText = elementsNS(signature, 'X509Certificate')[0]?.textContent;
  if (!certText) return { status: 'invalid', reason: 'no_signer_certificate' };
  const now = opts.now ?? new Date();
  const at = opts.signedAt && opts.signedAt <= now ? opts.signedAt : now;
  const chain = await opts.checkChain(Buffer.from(certText.replace(/\s+/g, ''), 'base64'), at);
  const checkedAt = at.toISOString();
  if (!chain.trusted) {
    return { status: 'invalid', reason: `untrusted_signer:${chain.reason}`, checkedAt, ...(chain.signer ? { signer: chain.signer } : {}) };
  }

  let ok: boolean;
  try {
    const verifier = new SignedXml({ publicCert: pemOf(certText) });
    // xml-crypto types its node as the global Node, which is the DOM's when a program also loads
    // lib "dom": the xmldom element is what it expects at run time.
    verifier.loadSignature(signature as unknown as Parameters<SignedXml['loadSignature']>[0]);
    ok = verifier.checkSignature(xml);
  } catch (err) {
    return { status: 'invalid', reason: `signature_error:${(err as Error).message.slice(0, 120)}`, signer: chain.signer, checkedAt };
  }
  if (!ok) return { status: 'invalid', reason: 'signature_mismatch', signer: chain.signer, checkedAt };
  return {
    status: 'valid',
    signer: chain.signer,
    path: chain.path,
    checkedAt,
    signerExpiredSince: new Date(chain.signer.notAfter) < now,
  };
}
