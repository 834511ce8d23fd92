// A software "card" for the store-key tests: an RSA key and a self-signed
// certificate behind the KekSigner interface the card's signer offers
// (CardSigner). `pss`: signs randomised PSS only, like a card without
// PKCS#1 v1.5 signatures.
import { execFileSync } from 'node:child_process';
import { constants, createPrivateKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KekSigner } from '../../src-main/store/keys/card-kek.js';

let n = 0;

export function softCard(dir: string, opts: { pss?: boolean } = {}): KekSigner & { signatures: number } {
  const i = ++n;
  const key = join(dir, `c${process.pid}-${i}.key`);
  const cert = join(dir, `c${process.pid}-${i}.der`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-outform', 'DER', '-out', cert, '-days', '2', '-subj', `/CN=81000000${i}/SN=TEST`], { stdio: 'ignore' });
  const privateKey = createPrivateKey(readFileSync(key));
  const s = {
    signatures: 0,
    certificateChain: async () => [readFileSync(cert)],
    supportedSchemes: async () => (opts.pss ? [0x0804] : [0x0401, 0x0804]),
    sign: async (scheme: number, data: Buffer) => {
      s.signatures++;
      return scheme === 0x0804 ? sign('sha256', data, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }) : sign('sha256', data, privateKey);
    },
  };
  return s;
}
