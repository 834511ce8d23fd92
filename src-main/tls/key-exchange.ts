// Ephemeral ECDH for the three groups of the policy (RFC 8422, RFC 7748).
import { createECDH, createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { Alert, NamedGroup } from './constants.js';
import { TlsFailure } from './failure.js';

export interface EphemeralKey {
  group: number;
  /** our public value as sent in ClientKeyExchange */
  publicValue: Buffer;
  /** the ECDH shared secret (the pre-master secret) with the server's public value */
  deriveSecret(peerPublic: Buffer): Buffer;
}

function illegal(detail: string, cause?: unknown): TlsFailure {
  return new TlsFailure('TLS_HANDSHAKE_FAILED', Alert.illegal_parameter, detail, cause === undefined ? undefined : { cause });
}

function x25519Key(): EphemeralKey {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x ?? '', 'base64url');
  return {
    group: NamedGroup.x25519,
    publicValue: raw,
    deriveSecret(peer) {
      if (peer.length !== 32) throw illegal(`x25519 public value of ${peer.length} bytes`);
      let peerKey: KeyObject;
      try {
        peerKey = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: peer.toString('base64url') }, format: 'jwk' });
      } catch (cause) {
        throw illegal('invalid x25519 public value', cause);
      }
      const secret = diffieHellman({ privateKey, publicKey: peerKey });
      // RFC 8422 §5.11: an all-zero result means a low-order point.
      if (secret.every((b) => b === 0)) throw illegal('x25519 shared secret is all zeros');
      return secret;
    },
  };
}

function nistKey(group: number, curve: 'prime256v1' | 'secp384r1', coordinateLength: number): EphemeralKey {
  const ecdh = createECDH(curve);
  const publicValue = ecdh.generateKeys();
  return {
    group,
    publicValue,
    deriveSecret(peer) {
      // Uncompressed points only (we offer only the "uncompressed" point format).
      if (peer.length !== 1 + 2 * coordinateLength || peer[0] !== 0x04) throw illegal(`${curve} point is not an uncompressed point`);
      try {
        return ecdh.computeSecret(peer);
      } catch (cause) {
        throw illegal(`${curve} point is not on the curve`, cause);
      }
    },
  };
}

export function generateEphemeralKey(group: number): EphemeralKey {
  switch (group) {
    case NamedGroup.x25519:
      return x25519Key();
    case NamedGroup.secp256r1:
      return nistKey(group, 'prime256v1', 32);
    case NamedGroup.secp384r1:
      return nistKey(group, 'secp384r1', 48);
    default:
      throw illegal(`server chose group 0x${group.toString(16)} that we did not offer`);
  }
}
