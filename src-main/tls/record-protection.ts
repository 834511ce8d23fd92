// AES-GCM record protection for TLS 1.2 (RFC 5288): 4-byte implicit salt from the key block,
// 8-byte explicit nonce carried in the record (we send our sequence number), 16-byte tag.
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { Alert, MAX_PLAINTEXT } from './constants.js';
import { TlsFailure } from './failure.js';
import { TLS12 } from './messages.js';

const EXPLICIT_NONCE = 8;
const TAG = 16;

function additionalData(seq: bigint, type: number, length: number): Buffer {
  const aad = Buffer.alloc(13);
  aad.writeBigUInt64BE(seq, 0);
  aad.writeUInt8(type, 8);
  aad.writeUInt16BE(TLS12, 9);
  aad.writeUInt16BE(length, 11);
  return aad;
}

function algorithm(key: Buffer): 'aes-128-gcm' | 'aes-256-gcm' {
  return key.length === 16 ? 'aes-128-gcm' : 'aes-256-gcm';
}

const MAX_SEQ = 2n ** 64n - 1n;

/** Encrypts our records. One instance per direction and epoch. */
export class GcmSealer {
  private seq = 0n;
  constructor(private readonly key: Buffer, private readonly salt: Buffer) {}

  /** Returns the full record (header + fragment). `plaintext` must be ≤ 2^14 bytes. */
  seal(type: number, plaintext: Buffer): Buffer {
    return Buffer.concat(this.sealParts(type, plaintext));
  }

  /** The record as [header + explicit nonce, ciphertext, tag]: lets callers join many records with one copy. */
  sealParts(type: number, plaintext: Buffer): Buffer[] {
    if (plaintext.length > MAX_PLAINTEXT) throw new RangeError('plaintext fragment too large');
    if (this.seq >= MAX_SEQ) throw new TlsFailure('TLS_HANDSHAKE_FAILED', Alert.internal_error, 'sequence number exhausted');
    const head = Buffer.allocUnsafe(5 + EXPLICIT_NONCE);
    head.writeUInt8(type, 0);
    head.writeUInt16BE(TLS12, 1);
    head.writeUInt16BE(EXPLICIT_NONCE + plaintext.length + TAG, 3);
    head.writeBigUInt64BE(this.seq, 5);
    const cipher = createCipheriv(algorithm(this.key), this.key, Buffer.concat([this.salt, head.subarray(5)]));
    cipher.setAAD(additionalData(this.seq, type, plaintext.length));
    const body = cipher.update(plaintext);
    cipher.final();
    this.seq += 1n;
    return [head, body, cipher.getAuthTag()];
  }
}

/** Decrypts and authenticates the server's records. A bad tag is fatal (bad_record_mac). */
export class GcmOpener {
  private seq = 0n;
  constructor(private readonly key: Buffer, private readonly salt: Buffer) {}

  open(type: number, fragment: Buffer): Buffer {
    if (fragment.length < EXPLICIT_NONCE + TAG) {
      throw new TlsFailure('TLS_BAD_RECORD', Alert.bad_record_mac, 'protected record shorter than nonce and tag');
    }
    const plainLength = fragment.length - EXPLICIT_NONCE - TAG;
    if (plainLength > MAX_PLAINTEXT) {
      throw new TlsFailure('TLS_BAD_RECORD', Alert.record_overflow, `record plaintext of ${plainLength} bytes exceeds 2^14`);
    }
    const explicit = fragment.subarray(0, EXPLICIT_NONCE);
    const decipher = createDecipheriv(algorithm(this.key), this.key, Buffer.concat([this.salt, explicit]));
    decipher.setAAD(additionalData(this.seq, type, plainLength));
    decipher.setAuthTag(fragment.subarray(fragment.length - TAG));
    const body = decipher.update(fragment.subarray(EXPLICIT_NONCE, fragment.length - TAG));
    try {
      decipher.final();
    } catch (cause) {
      throw new TlsFailure('TLS_BAD_RECORD', Alert.bad_record_mac, 'record authentication failed (bad GCM tag)', { cause });
    }
    this.seq += 1n;
    return body;
  }
}
