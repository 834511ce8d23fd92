// The client side of the TLS 1.2 full handshake (RFC 5246 §7.3), written as one linear
// sequence: each step expects exactly one message type, anything else is unexpected_message.
// No I/O here: the record layer behind `HandshakeChannel` feeds messages and sends ours,
// so the whole flow runs in unit tests without sockets.
import { X509Certificate, randomBytes, timingSafeEqual, verify as verifySignature, constants as cryptoConstants } from 'node:crypto';
import { AppError, isAppError } from '../errors/index.js';
import { Alert, ExtensionType, HandshakeType } from './constants.js';
import { TlsFailure } from './failure.js';
import { generateEphemeralKey } from './key-exchange.js';
import { Transcript, aeadKeyBlock, extendedMasterSecret, finishedVerifyData } from './key-schedule.js';
import {
  TLS12,
  encodeCertificateList,
  encodeCertificateVerify,
  encodeClientHello,
  encodeClientKeyExchange,
  encodeFinished,
  parseCertificateList,
  parseCertificateRequest,
  parseServerHello,
  parseServerKeyExchange,
  type CertificateRequest,
  type ServerHello,
} from './messages.js';
import { CLIENT_SIGNATURE_SCHEMES, OFFERED_GROUPS, SERVER_SIGNATURE_SCHEMES, schemeParams, suiteByCode, type CipherSuite } from './policy.js';
import { GcmOpener, GcmSealer } from './record-protection.js';
import type { Signer } from './signer.js';
import type { ServerCertificateVerifier, VerifiedChain } from './types.js';

export type Inbound = { kind: 'handshake'; type: number; body: Buffer; raw: Buffer } | { kind: 'change_cipher_spec' };

/** What the handshake needs from the record layer. */
export interface HandshakeChannel {
  /** The next handshake message or ChangeCipherSpec from the server (the handshake clock runs only here). */
  next(): Promise<Inbound>;
  /** Sends one of our handshake messages under the current write protection. */
  sendHandshake(message: Buffer): void;
  /** Sends ChangeCipherSpec, then protects every later record with `sealer`. */
  sendChangeCipherSpec(sealer: GcmSealer): void;
  /** Keys the server's records will use after its ChangeCipherSpec. */
  expectChangeCipherSpec(opener: GcmOpener): void;
  /** From now on the record layer accepts only TLS 1.2 record versions. */
  lockVersion(): void;
}

export interface HandshakeParams {
  /** host name (SNI, certificate check) or IP literal */
  serverName: string;
  verifier: ServerCertificateVerifier;
  /** the client-authentication key; without it a CertificateRequest gets an empty Certificate */
  signer?: Signer;
  signTimeoutMs: number;
}

export interface HandshakeResult {
  suite: CipherSuite;
  group: number;
  serverCertificates: Buffer[];
  serverChain: VerifiedChain;
  serverSignatureScheme: number;
  /** did the server ask for a client certificate */
  clientCertificateRequested: boolean;
  /** the scheme of our CertificateVerify, when we signed one */
  clientSignatureScheme?: number;
}

const fail = (code: ConstructorParameters<typeof TlsFailure>[0], alert: number, detail: string, options?: { cause?: unknown; data?: Record<string, unknown> }): TlsFailure =>
  new TlsFailure(code, alert, detail, options);

async function nextHandshake(ch: HandshakeChannel, transcript: Transcript): Promise<{ type: number; body: Buffer }> {
  const m = await ch.next();
  if (m.kind !== 'handshake') throw fail('TLS_HANDSHAKE_FAILED', Alert.unexpected_message, 'unexpected ChangeCipherSpec');
  transcript.add(m.raw);
  return m;
}

async function expectHandshake(ch: HandshakeChannel, transcript: Transcript, type: number, name: string): Promise<Buffer> {
  const m = await nextHandshake(ch, transcript);
  if (m.type !== type) throw fail('TLS_HANDSHAKE_FAILED', Alert.unexpected_message, `expected ${name}, got handshake type ${m.type}`);
  return m.body;
}

function checkServerHello(hello: ServerHello): CipherSuite {
  if (hello.version !== TLS12) {
    throw fail('TLS_PROTOCOL_VERSION', Alert.protocol_version, `server chose protocol version 0x${hello.version.toString(16)}, only TLS 1.2 is allowed`, {
      data: { serverVersion: hello.version },
    });
  }
  // The last 8 bytes of the server random may be "DOWNGRD\x01" (or \x00): a TLS 1.3-capable server
  // marking a 1.2 handshake. RFC 8446 §4.1.3 makes clients that OFFERED 1.3 reject it; we offer
  // only 1.2, so it is expected and accepted (rejecting it would break every modern server).
  const suite = suiteByCode(hello.cipherSuite);
  if (!suite) throw fail('TLS_HANDSHAKE_FAILED', Alert.illegal_parameter, `server chose cipher suite 0x${hello.cipherSuite.toString(16)} that we did not offer`);
  if (hello.compression !== 0) throw fail('TLS_HANDSHAKE_FAILED', Alert.illegal_parameter, 'server chose compression');
  for (const [type, data] of hello.extensions) {
    switch (type) {
      case ExtensionType.server_name:
      case ExtensionType.extended_master_secret:
        if (data.length !== 0) throw fail('TLS_HANDSHAKE_FAILED', Alert.decode_error, `extension ${type} must be empty in ServerHello`);
        break;
      case ExtensionType.ec_point_formats:
        if (data.length < 2 || data[0] !== data.length - 1 || !data.subarray(1).includes(0)) {
          throw fail('TLS_HANDSHAKE_FAILED', Alert.illegal_parameter, 'server does not support uncompressed EC points');
        }
        break;
      case ExtensionType.renegotiation_info:
        if (data.length !== 1 || data[0] !== 0) throw fail('TLS_HANDSHAKE_FAILED', Alert.handshake_failure, 'non-empty renegotiation_info on an initial handshake');
        break;
      default:
        throw fail('TLS_HANDSHAKE_FAILED', Alert.unsupported_extension, `server sent extension ${type} that we did not offer`);
    }
  }
  if (!hello.extensions.has(ExtensionType.extended_master_secret)) {
    throw fail('TLS_SERVER_INSECURE', Alert.handshake_failure, 'server does not support the extended master secret (RFC 7627), which we require');
  }
  if (!hello.extensions.has(ExtensionType.renegotiation_info)) {
    throw fail('TLS_SERVER_INSECURE', Alert.handshake_failure, 'server does not support secure renegotiation signalling (RFC 5746), which we require');
  }
  return suite;
}

function leafCertificate(chain: Buffer[]): X509Certificate {
  const leafDer = chain[0];
  if (!leafDer) throw fail('CERT_INVALID', Alert.bad_certificate, 'server sent an empty certificate list');
  try {
    return new X509Certificate(leafDer);
  } catch (cause) {
    throw fail('CERT_INVALID', Alert.bad_certificate, 'server certificate cannot be parsed', { cause });
  }
}

function verifyServerKeyExchange(leaf: X509Certificate, signedData: Buffer, scheme: number, signature: Buffer): void {
  if (!SERVER_SIGNATURE_SCHEMES.includes(scheme)) {
    throw fail('TLS_HANDSHAKE_FAILED', Alert.illegal_parameter, `server signed with scheme 0x${scheme.toString(16)} that we did not offer`);
  }
  const params = schemeParams(scheme);
  const key = leaf.publicKey;
  if (!params || key.asymmetricKeyType !== 'rsa') {
    throw fail('CERT_INVALID', Alert.unsupported_certificate, `ECDHE_RSA needs an RSA server key, got ${key.asymmetricKeyType ?? 'unknown'}`);
  }
  const ok = verifySignature(
    params.hash,
    signedData,
    params.kind === 'rsa-pss'
      ? { key, padding: cryptoConstants.RSA_PKCS1_PSS_PADDING, saltLength: cryptoConstants.RSA_PSS_SALTLEN_DIGEST }
      : { key, padding: cryptoConstants.RSA_PKCS1_PADDING },
    signature,
  );
  if (!ok) throw fail('TLS_HANDSHAKE_TAMPERED', Alert.decrypt_error, 'ServerKeyExchange signature does not verify with the server certificate');
}

/** First scheme the key can produce that the server accepts (the signer's order of preference). */
export function chooseClientScheme(keySchemes: readonly number[], request: CertificateRequest): number | undefined {
  return keySchemes.find((s) => request.schemes.includes(s) && CLIENT_SIGNATURE_SCHEMES.includes(s));
}

async function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: () => AppError): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([work, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(onTimeout()), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

function asVerifierError(err: unknown): AppError {
  if (isAppError(err)) return err;
  return new AppError('CERT_INVALID', `certificate verifier failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

export async function runClientHandshake(ch: HandshakeChannel, p: HandshakeParams): Promise<HandshakeResult> {
  const transcript = new Transcript();
  const clientRandom = randomBytes(32);
  const clientHello = encodeClientHello(clientRandom, p.serverName);
  transcript.add(clientHello);
  ch.sendHandshake(clientHello);

  const serverHello = parseServerHello(await expectHandshake(ch, transcript, HandshakeType.server_hello, 'ServerHello'));
  const suite = checkServerHello(serverHello);
  ch.lockVersion();

  const serverCertificates = parseCertificateList(await expectHandshake(ch, transcript, HandshakeType.certificate, 'Certificate'));
  const leaf = leafCertificate(serverCertificates);
  // Path validation (maybe a CRL download) runs while the server's next messages arrive.
  const verification = p.verifier.verify(serverCertificates, p.serverName).catch((err: unknown) => Promise.reject(asVerifierError(err)));
  verification.catch(() => undefined);

  const ske = parseServerKeyExchange(await expectHandshake(ch, transcript, HandshakeType.server_key_exchange, 'ServerKeyExchange'));
  if (!OFFERED_GROUPS.includes(ske.group)) {
    throw fail('TLS_HANDSHAKE_FAILED', Alert.illegal_parameter, `server chose group 0x${ske.group.toString(16)} that we did not offer`);
  }
  verifyServerKeyExchange(leaf, Buffer.concat([clientRandom, serverHello.random, ske.params]), ske.scheme, ske.signature);

  let message = await nextHandshake(ch, transcript);
  let certificateRequest: CertificateRequest | undefined;
  if (message.type === HandshakeType.certificate_request) {
    certificateRequest = parseCertificateRequest(message.body);
    message = await nextHandshake(ch, transcript);
  }
  if (message.type !== HandshakeType.server_hello_done) {
    throw fail('TLS_HANDSHAKE_FAILED', Alert.unexpected_message, `expected ServerHelloDone, got handshake type ${message.type}`);
  }
  if (message.body.length !== 0) throw fail('TLS_HANDSHAKE_FAILED', Alert.decode_error, 'ServerHelloDone is not empty');

  const serverChain = await verification;

  // Our flight: [Certificate] ClientKeyExchange [CertificateVerify] ChangeCipherSpec Finished.
  let clientScheme: number | undefined;
  if (certificateRequest) {
    let certs: Buffer[] = [];
    if (p.signer) {
      const keySchemes = await p.signer.supportedSchemes();
      clientScheme = chooseClientScheme(keySchemes, certificateRequest);
      if (clientScheme === undefined) {
        throw fail('TLS_NO_SHARED_SIGNATURE_SCHEME', Alert.handshake_failure, 'no signature scheme both supported by the client key and accepted by the server', {
          data: { keySchemes, serverSchemes: certificateRequest.schemes },
        });
      }
      certs = await p.signer.certificateChain();
      if (certs.length === 0) throw new AppError('CARD_NO_CERTIFICATE', 'the client key has no certificate to present');
    }
    const certificateMessage = encodeCertificateList(certs);
    transcript.add(certificateMessage);
    ch.sendHandshake(certificateMessage);
  }

  const ephemeral = generateEphemeralKey(ske.group);
  const preMasterSecret = ephemeral.deriveSecret(ske.publicValue);
  const clientKeyExchange = encodeClientKeyExchange(ephemeral.publicValue);
  transcript.add(clientKeyExchange);
  ch.sendHandshake(clientKeyExchange);
  const masterSecret = extendedMasterSecret(suite.hash, preMasterSecret, transcript.hash(suite.hash));

  if (p.signer && clientScheme !== undefined) {
    const scheme = clientScheme;
    const signer = p.signer;
    const signing = signer.sign(scheme, transcript.bytes()).catch((err: unknown) =>
      Promise.reject(isAppError(err) ? err : new AppError('CARD_SIGN_FAILED', `client signature failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err })),
    );
    const signature = await withTimeout(signing, p.signTimeoutMs, () =>
      fail('TLS_SIGN_TIMEOUT', Alert.user_canceled, `the client key did not sign within ${p.signTimeoutMs} ms`),
    );
    const certificateVerify = encodeCertificateVerify(scheme, signature);
    transcript.add(certificateVerify);
    ch.sendHandshake(certificateVerify);
  }

  const keys = aeadKeyBlock(suite.hash, masterSecret, clientRandom, serverHello.random, suite.keyLength);
  ch.expectChangeCipherSpec(new GcmOpener(keys.serverKey, keys.serverIv));
  ch.sendChangeCipherSpec(new GcmSealer(keys.clientKey, keys.clientIv));
  const clientFinished = encodeFinished(finishedVerifyData(suite.hash, masterSecret, 'client finished', transcript.hash(suite.hash)));
  transcript.add(clientFinished);
  ch.sendHandshake(clientFinished);
  const expectedServerVerify = finishedVerifyData(suite.hash, masterSecret, 'server finished', transcript.hash(suite.hash));

  const ccs = await ch.next();
  if (ccs.kind !== 'change_cipher_spec') throw fail('TLS_HANDSHAKE_FAILED', Alert.unexpected_message, 'expected ChangeCipherSpec');
  const serverVerify = await expectHandshake(ch, transcript, HandshakeType.finished, 'Finished');
  if (serverVerify.length !== expectedServerVerify.length || !timingSafeEqual(serverVerify, expectedServerVerify)) {
    throw fail('TLS_HANDSHAKE_TAMPERED', Alert.decrypt_error, 'server Finished does not match the handshake transcript');
  }

  return {
    suite,
    group: ske.group,
    serverCertificates,
    serverChain,
    serverSignatureScheme: ske.scheme,
    clientCertificateRequested: certificateRequest !== undefined,
    ...(clientScheme !== undefined && p.signer ? { clientSignatureScheme: clientScheme } : {}),
  };
}
