import { readFileSync } from 'node:fs';
import { AppError } from '../../errors/index.js';
import { IGC_SANTE_INTERMEDIATES, IGC_SANTE_ROOTS } from './igc-sante-anchors.js';
import { parsePemCertificates, sha256Fingerprint, x509 } from './x509.js';

/**
 * What server certificates are validated against. `anchors` end a path (trusted as given);
 * `intermediates` only help build a path when a server omits them and are validated like
 * any certificate the server sent.
 */
export interface TrustStore {
  /** 'igc-sante' (the bundled default) or 'file:<path>' when --trust-anchors was given */
  source: string;
  anchors: readonly x509.X509Certificate[];
  intermediates: readonly x509.X509Certificate[];
}

let bundled: TrustStore | undefined;

/** The default and only production trust store: the IGC-Santé roots (ECO.1.1.4 / 1.1.10). */
export function igcSanteTrustStore(): TrustStore {
  bundled ??= {
    source: 'igc-sante',
    anchors: IGC_SANTE_ROOTS.flatMap((c) => parsePemCertificates(c.pem, c.name)),
    intermediates: IGC_SANTE_INTERMEDIATES.flatMap((c) => parsePemCertificates(c.pem, c.name)),
  };
  return bundled;
}

/**
 * A trust store from a PEM bundle (`--trust-anchors FILE`), for test or qualification PKIs.
 * Self-signed certificates of the bundle become anchors; the others are known intermediates.
 * It REPLACES the IGC-Santé roots (a qualification PKI must not silently widen production
 * trust), and every use is logged through `log` with the anchors' fingerprints so that an
 * operator can see that a non-production trust store is in force.
 */
export function trustStoreFromPem(pem: string, source: string): TrustStore {
  const certs = parsePemCertificates(pem, source);
  const anchors = certs.filter(isSelfIssued);
  if (anchors.length === 0) {
    throw new AppError('INVALID_ARGUMENT', `${source}: no self-signed CA certificate (trust anchor) in the PEM bundle`);
  }
  return { source, anchors, intermediates: certs.filter((c) => !isSelfIssued(c)) };
}

export function loadTrustAnchorsFile(file: string, log: (line: string) => void): TrustStore {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    throw new AppError('IO_FAILED', `cannot read trust anchors file ${file}`, { cause: err, data: { file } });
  }
  const store = trustStoreFromPem(pem, `file:${file}`);
  for (const a of store.anchors) {
    log(`trust-anchors: using NON-DEFAULT trust anchor from ${file}: ${a.subject} sha256=${sha256Fingerprint(a)}`);
  }
  return store;
}

/** The bundled IGC-Santé store, or the explicit file when one is given (then logged). */
export function resolveTrustStore(trustAnchorsFile: string | undefined, log: (line: string) => void): TrustStore {
  return trustAnchorsFile ? loadTrustAnchorsFile(trustAnchorsFile, log) : igcSanteTrustStore();
}

function isSelfIssued(cert: x509.X509Certificate): boolean {
  return cert.subject === cert.issuer;
}
