// TLS 1.2 key schedule: PRF (RFC 5246 §5), extended master secret (RFC 7627 §4),
// key block for AEAD suites (RFC 5288 §3), Finished verify_data (RFC 5246 §7.4.9).
import { createHash, createHmac } from 'node:crypto';

export type PrfHash = 'sha256' | 'sha384';

export function prf(hash: PrfHash, secret: Buffer, label: string, seed: Buffer, length: number): Buffer {
  const labelSeed = Buffer.concat([Buffer.from(label, 'latin1'), seed]);
  const out: Buffer[] = [];
  let produced = 0;
  let a = labelSeed;
  while (produced < length) {
    a = createHmac(hash, secret).update(a).digest();
    const block = createHmac(hash, secret).update(a).update(labelSeed).digest();
    out.push(block);
    produced += block.length;
  }
  return Buffer.concat(out).subarray(0, length);
}

/** RFC 7627: master secret bound to the hash of the whole handshake up to ClientKeyExchange. */
export function extendedMasterSecret(hash: PrfHash, preMasterSecret: Buffer, sessionHash: Buffer): Buffer {
  return prf(hash, preMasterSecret, 'extended master secret', sessionHash, 48);
}

export interface AeadKeys {
  clientKey: Buffer;
  serverKey: Buffer;
  /** 4-byte implicit nonce parts ("salt") */
  clientIv: Buffer;
  serverIv: Buffer;
}

export function aeadKeyBlock(hash: PrfHash, masterSecret: Buffer, clientRandom: Buffer, serverRandom: Buffer, keyLength: number): AeadKeys {
  const block = prf(hash, masterSecret, 'key expansion', Buffer.concat([serverRandom, clientRandom]), 2 * keyLength + 8);
  return {
    clientKey: block.subarray(0, keyLength),
    serverKey: block.subarray(keyLength, 2 * keyLength),
    clientIv: block.subarray(2 * keyLength, 2 * keyLength + 4),
    serverIv: block.subarray(2 * keyLength + 4, 2 * keyLength + 8),
  };
}

export function finishedVerifyData(hash: PrfHash, masterSecret: Buffer, label: 'client finished' | 'server finished', transcriptHash: Buffer): Buffer {
  return prf(hash, masterSecret, label, transcriptHash, 12);
}

/** The running handshake transcript (all handshake messages, headers included, in order). */
export class Transcript {
  private readonly parts: Buffer[] = [];
  add(message: Buffer): void {
    this.parts.push(message);
  }
  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
  hash(alg: PrfHash): Buffer {
    const h = createHash(alg);
    for (const p of this.parts) h.update(p);
    return h.digest();
  }
}
