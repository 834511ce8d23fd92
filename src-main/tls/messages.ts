// Encoding and parsing of the TLS 1.2 handshake messages our client sends and receives.
// Parsers are strict: unknown or trailing bytes are decode errors.
import { isIP } from 'node:net';
import { TLS_VERSION } from '../rules/mssante.js';
import { Alert, ExtensionType, HandshakeType } from './constants.js';
import { TlsFailure } from './failure.js';
import { OFFERED_GROUPS, OFFERED_SUITES, SERVER_SIGNATURE_SCHEMES } from './policy.js';
import { ByteReader, u16, u16List, u8, u24, vec16, vec24, vec8 } from './wire.js';

/** The only protocol version we speak (rules/mssante.ts, ECO.1.1.2). */
export const TLS12 = TLS_VERSION;

export function handshakeMessage(type: number, body: Buffer): Buffer {
  return Buffer.concat([u8(type), u24(body.length), body]);
}

function extension(type: number, body: Buffer): Buffer {
  return Buffer.concat([u16(type), vec16(body)]);
}

/** SNI carries DNS names only (RFC 6066 §3): never an IP literal. */
function sniName(host: string): string | undefined {
  const name = host.replace(/\.$/, '');
  return isIP(name) === 0 && name.length > 0 ? name : undefined;
}

export function encodeClientHello(clientRandom: Buffer, serverName: string): Buffer {
  const sni = sniName(serverName);
  const extensions = [
    ...(sni ? [extension(ExtensionType.server_name, vec16(Buffer.concat([u8(0), vec16(Buffer.from(sni, 'ascii'))])))] : []),
    extension(ExtensionType.supported_groups, vec16(u16List(OFFERED_GROUPS))),
    extension(ExtensionType.ec_point_formats, vec8(Buffer.from([0]))), // uncompressed only
    extension(ExtensionType.signature_algorithms, vec16(u16List(SERVER_SIGNATURE_SCHEMES))),
    extension(ExtensionType.extended_master_secret, Buffer.alloc(0)),
    // RFC 5746: empty renegotiated_connection on the initial handshake.
    extension(ExtensionType.renegotiation_info, vec8(Buffer.alloc(0))),
  ];
  const body = Buffer.concat([
    u16(TLS12),
    clientRandom,
    vec8(Buffer.alloc(0)), // no session resumption
    vec16(u16List(OFFERED_SUITES.map((s) => s.code))),
    vec8(Buffer.from([0])), // null compression
    vec16(Buffer.concat(extensions)),
  ]);
  return handshakeMessage(HandshakeType.client_hello, body);
}

export interface ServerHello {
  version: number;
  random: Buffer;
  cipherSuite: number;
  compression: number;
  extensions: Map<number, Buffer>;
}

export function parseServerHello(body: Buffer): ServerHello {
  const r = new ByteReader(body, 'ServerHello');
  const version = r.u16();
  const random = r.bytes(32);
  // session id: we never resume, its value does not matter, its size does (RFC 5246 §7.4.1.3)
  if (r.vec8().length > 32) throw new TlsFailure('TLS_HANDSHAKE_FAILED', Alert.decode_error, 'ServerHello session id longer than 32 bytes');
  const cipherSuite = r.u16();
  const compression = r.u8();
  const extensions = new Map<number, Buffer>();
  if (r.remaining > 0) {
    const ext = new ByteReader(r.vec16(), 'ServerHello extensions');
    while (ext.remaining > 0) {
      const type = ext.u16();
      const data = ext.vec16();
      if (extensions.has(type)) {
        throw new TlsFailure('TLS_HANDSHAKE_FAILED', Alert.illegal_parameter, `ServerHello repeats extension ${type}`);
      }
      extensions.set(type, data);
    }
  }
  r.end();
  return { version, random, cipherSuite, compression, extensions };
}

export function parseCertificateList(body: Buffer): Buffer[] {
  const r = new ByteReader(body, 'Certificate');
  const list = new ByteReader(r.vec24(), 'Certificate list');
  r.end();
  const certs: Buffer[] = [];
  while (list.remaining > 0) certs.push(Buffer.from(list.vec24()));
  return certs;
}

export function encodeCertificateList(certs: readonly Buffer[]): Buffer {
  return handshakeMessage(HandshakeType.certificate, vec24(Buffer.concat(certs.map((c) => vec24(c)))));
}

export interface ServerKeyExchange {
  group: number;
  publicValue: Buffer;
  /** the signed ServerECDHParams bytes */
  params: Buffer;
  scheme: number;
  signature: Buffer;
}

const NAMED_CURVE = 3;

export function parseServerKeyExchange(body: Buffer): ServerKeyExchange {
  const r = new ByteReader(body, 'ServerKeyExchange');
  const curveType = r.u8();
  if (curveType !== NAMED_CURVE) {
    throw new TlsFailure('TLS_HANDSHAKE_FAILED', Alert.illegal_parameter, `ECDH curve type ${curveType} is not named_curve`);
  }
  const group = r.u16();
  const publicValue = Buffer.from(r.vec8());
  const params = body.subarray(0, 4 + publicValue.length);
  const scheme = r.u16();
  const signature = Buffer.from(r.vec16());
  r.end();
  return { group, publicValue, params, scheme, signature };
}

export interface CertificateRequest {
  certificateTypes: number[];
  schemes: number[];
}

export function parseCertificateRequest(body: Buffer): CertificateRequest {
  const r = new ByteReader(body, 'CertificateRequest');
  const certificateTypes = [...r.vec8()];
  const schemesRaw = new ByteReader(r.vec16(), 'CertificateRequest signature algorithms');
  const schemes: number[] = [];
  while (schemesRaw.remaining > 0) schemes.push(schemesRaw.u16());
  r.vec16(); // certificate_authorities: we have exactly one certificate to offer anyway
  r.end();
  return { certificateTypes, schemes };
}

export function encodeClientKeyExchange(publicValue: Buffer): Buffer {
  return handshakeMessage(HandshakeType.client_key_exchange, vec8(publicValue));
}

export function encodeCertificateVerify(scheme: number, signature: Buffer): Buffer {
  return handshakeMessage(HandshakeType.certificate_verify, Buffer.concat([u16(scheme), vec16(signature)]));
}

export function encodeFinished(verifyData: Buffer): Buffer {
  return handshakeMessage(HandshakeType.finished, verifyData);
}
