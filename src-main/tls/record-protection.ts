// AES-GCM record protection for TLS 1.2 (RFC 5288): 4-byte implicit salt from the key block,
// 8-byte explicit nonce carried in the record (we send our sequence number), 16-byte tag.
// A bulk download is tens of thousands of records (Dovecot writes ~4 KB ones): the key is
// imported once as a KeyObject and the nonce and AAD buffers are reused (node:crypto copies
// both into the cipher context when called), which takes about a third off the per-record cost.
import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto';
import { Alert, MAX_PLAINTEXT } from './constants.js';
import { TlsFailure } from './failure.js';
import { TLS12 } from './messages.js';

const EXPLICIT_NONCE = 8;
const TAG = 16;

/** Fills `aad` (13 bytes, reused per direction) for one record. */
function additionalData(aad: Buffer, seq: bigint, type: number, length: number): Buffer {
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
  private readonly algorithm: 'aes-128-gcm' | 'aes-256-gcm';
  private readonly key: KeyObject;
  /** salt (4) + explicit nonce (8) */
  private readonly nonce = Buffer.alloc(12);
  private readonly aad = Buffer.alloc(13);
  constructor(key: Buffer, salt: Buffer) {
    this.algorithm = algorithm(key);
    this.key = createSecretKey(key);
    salt.copy(this.nonce, 0, 0, 4);
  }

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
    this.nonce.writeBigUInt64BE(this.seq, 4);
    const cipher = createCipheriv(this.algorithm, this.key, this.nonce);
    cipher.setAAD(additionalData(this.aad, this.seq, type, plaintext.length));
    const body = cipher.update(plaintext);
    cipher.final();
    this.seq += 1n;
    return [head, body, cipher.getAuthTag()];
  }
}

/** Decrypts and authenticates the server's records. A bad tag is fatal (bad_record_mac). */
export class GcmOpener {
  private seq = 0n;
  private readonly algorithm: 'aes-128-gcm' | 'aes-256-gcm';
  private readonly key: KeyObject;
  /** salt (4) + the record's explicit nonce (8) */
  private readonly nonce = Buffer.alloc(12);
  private readonly aad = Buffer.alloc(13);
  constructor(key: Buffer, salt: Buffer) {
    this.algorithm = algorithm(key);
    this.key = createSecretKey(key);
    salt.copy(this.nonce, 0, 0, 4);
  }

  open(type: number, fragment: Buffer): Buffer {
    if (fragment.length < EXPLICIT_NONCE + TAG) {
      throw new TlsFailure('TLS_BAD_RECORD', Alert.bad_record_mac, 'protected record shorter than nonce and tag');
    }
    const plainLength = fragment.length - EXPLICIT_NONCE - TAG;
    if (plainLength > MAX_PLAINTEXT) {
      throw new TlsFailure('TLS_BAD_RECORD', Alert.record_overflow, `record plaintext of ${plainLength} bytes exceeds 2^14`);
    }
    fragment.copy(this.nonce, 4, 0, EXPLICIT_NONCE);
    const decipher = createDecipheriv(this.algorithm, this.key, this.nonce);
    decipher.setAAD(additionalData(this.aad, this.seq, type, plainLength));
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
