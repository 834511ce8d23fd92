// A TLS client Signer backed by a PKCS#12 software certificate (IGC-Santé ORG AUTH_CLI certificates
// of organisational / applicative mailboxes). node:crypto cannot read PKCS#12, so the container is
// opened with pkijs (PFX, PBES2 decryption, MAC check); the key then lives only as a node:crypto
// KeyObject held in a private field: it is never exported, logged or serialised.
//
// Supported containers: password integrity (HMAC) or none, PBES2 (PBKDF2 + AES-CBC) encryption,
// i.e. what OpenSSL 3 and current tools produce. Legacy PKCS#12 encryption (pbeWithSHAAnd3-KeyTripleDES,
// RC2-40; `openssl pkcs12 -legacy`, old Windows exports) is not implemented by pkijs: such a file is
// refused with PKCS12_INVALID and data.reason 'legacy-encryption' (re-export it with AES).
import { createPrivateKey, createPublicKey, constants, sign as cryptoSign, webcrypto, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as pkijs from 'pkijs';
import { AppError } from '../../errors/index.js';
import { SignatureScheme, type Signer } from '../signer.js';
import { toArrayBuffer, x509 } from './x509.js';

const BAG_KEY = '1.2.840.113549.1.12.10.1.2'; // pkcs8ShroudedKeyBag
const BAG_PLAIN_KEY = '1.2.840.113549.1.12.10.1.1'; // keyBag
const BAG_CERT = '1.2.840.113549.1.12.10.1.3'; // certBag
const PBES2 = '1.2.840.113549.1.5.13';

let engineReady = false;
function ensureEngine(): void {
  if (engineReady) return;
  pkijs.setEngine('node', new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto as unknown as ConstructorParameters<typeof pkijs.CryptoEngine>[0]['crypto'] }));
  engineReady = true;
}

/** RSA schemes a software RSA key offers, in order of preference. */
const RSA_SCHEMES = [SignatureScheme.rsa_pss_rsae_sha256, SignatureScheme.rsa_pkcs1_sha256];

export class Pkcs12Signer implements Signer {
  readonly #key: KeyObject;
  readonly #chain: Buffer[];

  private constructor(key: KeyObject, chain: Buffer[]) {
    this.#key = key;
    this.#chain = chain;
  }

  /** Opens `bytes` (a .p12/.pfx) with `password`. The password is not kept. */
  static async fromPkcs12(bytes: Uint8Array, password: string): Promise<Pkcs12Signer> {
    const { key, certificates } = await openPkcs12(bytes, password);
    if (key.asymmetricKeyType !== 'rsa') {
      throw new AppError('PKCS12_INVALID', `PKCS#12 key type ${key.asymmetricKeyType ?? '?'} is not supported (RSA only)`, { data: { reason: 'key-type' } });
    }
    return new Pkcs12Signer(key, orderChain(key, certificates));
  }

  static async fromFile(file: string, password: string): Promise<Pkcs12Signer> {
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (err) {
      throw new AppError('IO_FAILED', `cannot read PKCS#12 file ${file}`, { cause: err, data: { file } });
    }
    return Pkcs12Signer.fromPkcs12(bytes, password);
  }

  certificateChain(): Promise<Buffer[]> {
    return Promise.resolve(this.#chain.map((c) => Buffer.from(c)));
  }

  supportedSchemes(): Promise<number[]> {
    return Promise.resolve([...RSA_SCHEMES]);
  }

  sign(scheme: number, data: Buffer): Promise<Buffer> {
    switch (scheme) {
      case SignatureScheme.rsa_pkcs1_sha256:
        return Promise.resolve(cryptoSign('sha256', data, { key: this.#key, padding: constants.RSA_PKCS1_PADDING }));
      case SignatureScheme.rsa_pss_rsae_sha256:
        return Promise.resolve(cryptoSign('sha256', data, { key: this.#key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }));
      default:
        return Promise.reject(new AppError('INVALID_ARGUMENT', `signature scheme 0x${scheme.toString(16)} not offered by this PKCS#12 key`));
    }
  }

  /** Never reveal anything about the key in logs or JSON. */
  toJSON(): string {
    return '[Pkcs12Signer]';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '[Pkcs12Signer]';
  }
}

interface OpenedPkcs12 {
  key: KeyObject;
  certificates: Buffer[];
}

async function openPkcs12(bytes: Uint8Array, password: string): Promise<OpenedPkcs12> {
  ensureEngine();
  const pwd = toArrayBuffer(new TextEncoder().encode(password));
  let pfx: pkijs.PFX;
  try {
    pfx = pkijs.PFX.fromBER(toArrayBuffer(bytes));
  } catch (err) {
    throw new AppError('PKCS12_INVALID', 'not a PKCS#12 file', { cause: err, data: { reason: 'format' } });
  }
  // Without a MAC (rare, `openssl pkcs12 -nomac`) a wrong password shows only at decryption.
  const hasMac = pfx.macData !== undefined;
  try {
    await pfx.parseInternalValues({ password: pwd, checkIntegrity: hasMac });
  } catch (err) {
    if (/integrity .* is broken/i.test(errorText(err))) throw new AppError('PKCS12_BAD_PASSWORD', 'PKCS#12 integrity check failed (wrong password)');
    throw new AppError('PKCS12_INVALID', `PKCS#12 cannot be opened: ${errorText(err)}`, { cause: err, data: { reason: 'format' } });
  }
  const safe = pfx.parsedValue?.authenticatedSafe;
  if (!safe) throw new AppError('PKCS12_INVALID', 'PKCS#12 without content', { data: { reason: 'format' } });
  try {
    await safe.parseInternalValues({ safeContents: safe.safeContents.map(() => ({ password: pwd })) });
  } catch (err) {
    throw decryptionError(err, hasMac);
  }
  const keys: KeyObject[] = [];
  const certificates: Buffer[] = [];
  for (const contents of safe.parsedValue?.safeContents ?? []) {
    for (const bag of contents.value.safeBags) {
      if (bag.bagId === BAG_CERT && bag.bagValue instanceof pkijs.CertBag && bag.bagValue.parsedValue instanceof pkijs.Certificate) {
        certificates.push(Buffer.from(bag.bagValue.parsedValue.toSchema().toBER(false)));
      } else if (bag.bagId === BAG_KEY && bag.bagValue instanceof pkijs.PKCS8ShroudedKeyBag) {
        try {
          await bag.bagValue.parseInternalValues({ password: pwd });
        } catch (err) {
          throw decryptionError(err, hasMac);
        }
        const info = bag.bagValue.parsedValue;
        if (info) keys.push(privateKeyFromPkcs8(Buffer.from(info.toSchema().toBER(false))));
      } else if (bag.bagId === BAG_PLAIN_KEY && bag.bagValue instanceof pkijs.PrivateKeyInfo) {
        keys.push(privateKeyFromPkcs8(Buffer.from(bag.bagValue.toSchema().toBER(false))));
      }
    }
  }
  if (keys.length !== 1) throw new AppError('PKCS12_INVALID', `PKCS#12 holds ${keys.length} private keys (expected exactly one)`, { data: { reason: 'keys' } });
  if (certificates.length === 0) throw new AppError('PKCS12_INVALID', 'PKCS#12 holds no certificate', { data: { reason: 'certificate' } });
  return { key: keys[0]!, certificates };
}

function privateKeyFromPkcs8(der: Buffer): KeyObject {
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } catch (err) {
    throw new AppError('PKCS12_INVALID', 'PKCS#12 private key is unreadable', { cause: err, data: { reason: 'key' } });
  } finally {
    der.fill(0); // do not leave a plaintext copy of the key around
  }
}

function decryptionError(err: unknown, hasMac: boolean): AppError {
  const text = errorText(err);
  const algorithm = /contentEncryptionAlgorithm"?: ([0-9.]+)/.exec(text)?.[1];
  if (algorithm && algorithm !== PBES2) {
    return new AppError('PKCS12_INVALID', `PKCS#12 uses legacy encryption ${algorithm} (RC2/3DES), not supported: re-export it with AES`, {
      data: { reason: 'legacy-encryption', algorithm },
    });
  }
  // With a correct MAC the password is right, so a decryption failure means a damaged file.
  if (!hasMac) return new AppError('PKCS12_BAD_PASSWORD', 'PKCS#12 content cannot be decrypted (wrong password?)');
  return new AppError('PKCS12_INVALID', `PKCS#12 content cannot be decrypted: ${text}`, { cause: err, data: { reason: 'decrypt' } });
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The certificate of the key first, then the other certificates (issuers), as TLS sends them. */
function orderChain(key: KeyObject, certificates: Buffer[]): Buffer[] {
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const own = certificates.find((der) => Buffer.from(new x509.X509Certificate(toArrayBuffer(der)).publicKey.rawData).equals(spki));
  if (!own) throw new AppError('PKCS12_INVALID', 'no certificate in the PKCS#12 matches its private key', { data: { reason: 'certificate' } });
  const rest = certificates.filter((c) => c !== own);
  // Walk up by issuer name so that intermediates come in order; roots and strays follow.
  const ordered = [own];
  for (let cur = new x509.X509Certificate(toArrayBuffer(own)); ; ) {
    const next = rest.find((c) => new x509.X509Certificate(toArrayBuffer(c)).subject === cur.issuer && !ordered.includes(c));
    if (!next || cur.subject === cur.issuer) break;
    ordered.push(next);
    cur = new x509.X509Certificate(toArrayBuffer(next));
  }
  return [...ordered, ...rest.filter((c) => !ordered.includes(c))];
}
