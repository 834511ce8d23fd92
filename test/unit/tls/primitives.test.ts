// Key schedule and record protection, without any peer.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { AppError } from '../../../src-main/errors/index.js';
import { aeadKeyBlock, prf } from '../../../src-main/tls/key-schedule.js';
import { GcmOpener, GcmSealer } from '../../../src-main/tls/record-protection.js';
import { ContentType } from '../../../src-main/tls/constants.js';

describe('TLS 1.2 PRF', () => {
  it('matches the published P_SHA256 test vector (100 bytes, "test label")', () => {
    const out = prf('sha256', Buffer.from('9bbe436ba940f017b17652849a71db35', 'hex'), 'test label', Buffer.from('a0ba9f936cda311827a6f796ffd5198c', 'hex'), 100);
    assert.equal(
      out.toString('hex'),
      'e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66',
    );
  });

  it('splits the key block into keys and 4-byte salts (AES-256)', () => {
    const keys = aeadKeyBlock('sha384', randomBytes(48), randomBytes(32), randomBytes(32), 32);
    assert.equal(keys.clientKey.length, 32);
    assert.equal(keys.serverKey.length, 32);
    assert.equal(keys.clientIv.length, 4);
    assert.equal(keys.serverIv.length, 4);
    assert.notDeepEqual(keys.clientKey, keys.serverKey);
  });
});

describe('AES-GCM record protection', () => {
  const key = randomBytes(16);
  const salt = randomBytes(4);
  const fragment = (record: Buffer): Buffer => record.subarray(5);

  it('round-trips records in sequence and binds the content type', () => {
    const sealer = new GcmSealer(key, salt);
    const opener = new GcmOpener(key, salt);
    for (const text of ['un', 'deux', '']) {
      const rec = sealer.seal(ContentType.application_data, Buffer.from(text));
      assert.equal(rec.readUInt16BE(3), 8 + text.length + 16);
      assert.equal(opener.open(ContentType.application_data, fragment(rec)).toString(), text);
    }
    const rec = sealer.seal(ContentType.application_data, Buffer.from('x'));
    assert.throws(() => opener.open(ContentType.handshake, fragment(rec)), (e: AppError) => e.code === 'TLS_BAD_RECORD' && e.data.alert === 'bad_record_mac');
  });

  it('refuses a flipped bit, a replayed record and a truncated record with bad_record_mac', () => {
    const sealer = new GcmSealer(key, salt);
    const opener = new GcmOpener(key, salt);
    const first = sealer.seal(ContentType.application_data, Buffer.from('ordonnance'));
    const tampered = Buffer.from(fragment(first));
    tampered[10] = (tampered[10] as number) ^ 0x80;
    assert.throws(() => opener.open(ContentType.application_data, tampered), (e: AppError) => e.data.alert === 'bad_record_mac');
    const opener2 = new GcmOpener(key, salt);
    opener2.open(ContentType.application_data, fragment(first));
    assert.throws(() => opener2.open(ContentType.application_data, fragment(first)), (e: AppError) => e.data.alert === 'bad_record_mac'); // replay: wrong sequence number
    assert.throws(() => new GcmOpener(key, salt).open(ContentType.application_data, Buffer.alloc(20)), (e: AppError) => e.code === 'TLS_BAD_RECORD');
  });

  it('never seals more than 2^14 bytes in one record', () => {
    assert.throws(() => new GcmSealer(key, salt).seal(ContentType.application_data, Buffer.alloc(2 ** 14 + 1)), RangeError);
  });
});
