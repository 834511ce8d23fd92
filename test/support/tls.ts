// TEST-ONLY helpers for the TLS client: a throwaway PKI made with openssl, a verifier that pins
// one test CA (NOT the product verifier: that is src-main/tls/pki/), a software-key Signer that
// counts its signatures, and external TLS servers (openssl s_server, gnutls-serv).
import { X509Certificate, constants as cryptoConstants, createPrivateKey, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { AppError } from '../../src-main/errors/index.js';
import { schemeParams } from '../../src-main/tls/policy.js';
import { SignatureScheme, type Signer } from '../../src-main/tls/signer.js';
import { freePort } from './ports.js';
import type { ServerCertificateVerifier, VerifiedChain } from '../../src-main/tls/types.js';

/** PEM → DER list (every CERTIFICATE block, in file order). */
export function pemCertificates(pem: string): Buffer[] {
  return [...pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)].map((m) => Buffer.from((m[1] ?? '').replace(/\s+/g, ''), 'base64'));
}

/**
 * Test-only verifier: the chain must end at (or be issued by) one pinned CA; leaf validity and
 * name are checked with node:crypto. Enough to exercise the TLS client; the product verifier
 * (path building, EKU, CRL) is src-main/tls/pki/.
 */
export class PinnedCaVerifier implements ServerCertificateVerifier {
  calls = 0;
  private readonly cas: X509Certificate[];
  constructor(caPem: string) {
    this.cas = pemCertificates(caPem).map((d) => new X509Certificate(d));
  }
  async verify(chainDer: Buffer[], hostname: string): Promise<VerifiedChain> {
    this.calls++;
    const chain = chainDer.map((d) => new X509Certificate(d));
    const leaf = chain[0];
    if (!leaf) throw new AppError('CERT_INVALID', 'empty chain');
    const now = new Date();
    if (new Date(leaf.validTo) < now) throw new AppError('CERT_EXPIRED', 'leaf expired');
    if (new Date(leaf.validFrom) > now) throw new AppError('CERT_NOT_YET_VALID', 'leaf not yet valid');
    const nameOk = isIP(hostname) ? leaf.checkIP(hostname) !== undefined : leaf.checkHost(hostname) !== undefined;
    if (!nameOk) throw new AppError('CERT_HOSTNAME_MISMATCH', `leaf does not match ${hostname}`);
    // walk up the presented chain, then require a pinned CA to have signed the last link
    let current = leaf;
    const path = [leaf];
    for (const next of chain.slice(1)) {
      if (!current.verify(next.publicKey)) break;
      current = next;
      path.push(next);
    }
    const anchor = this.cas.find((ca) => ca.fingerprint256 === current.fingerprint256 || current.verify(ca.publicKey));
    if (!anchor) throw new AppError('CERT_UNKNOWN_CA', 'chain does not lead to the pinned test CA');
    if (anchor.fingerprint256 !== current.fingerprint256) path.push(anchor);
    return { subjects: path.map((c) => c.subject.replace(/\n/g, ', ')), revocation: 'unknown', revocationDetail: 'test verifier: no revocation check' };
  }
}

/** Test-only software signer over a PEM key; counts signatures (a test shows the signer was used). */
export class SoftwareSigner implements Signer {
  signatures = 0;
  lastScheme: number | undefined;
  private readonly key: KeyObject;
  constructor(
    keyPem: string,
    private readonly chainPem: string,
    private readonly schemes: number[] = [SignatureScheme.rsa_pss_rsae_sha256, SignatureScheme.rsa_pkcs1_sha256, SignatureScheme.rsa_pkcs1_sha384],
    private readonly delayMs = 0,
  ) {
    this.key = createPrivateKey(keyPem);
  }
  async certificateChain(): Promise<Buffer[]> {
    return pemCertificates(this.chainPem);
  }
  async supportedSchemes(): Promise<number[]> {
    return [...this.schemes];
  }
  async sign(scheme: number, data: Buffer): Promise<Buffer> {
    if (!this.schemes.includes(scheme)) throw new AppError('CARD_SIGN_FAILED', `scheme ${scheme} not supported by this key`);
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    this.signatures++;
    this.lastScheme = scheme;
    const params = schemeParams(scheme);
    if (!params) throw new AppError('CARD_SIGN_FAILED', `unknown scheme ${scheme}`);
    return cryptoSign(params.hash, data, params.kind === 'rsa-pss' ? { key: this.key, padding: cryptoConstants.RSA_PKCS1_PSS_PADDING, saltLength: cryptoConstants.RSA_PSS_SALTLEN_DIGEST } : this.key);
  }
}

export interface TestPki {
  dir: string;
  caCert: string;
  /** server cert for localhost / 127.0.0.1, key, chain (leaf + CA) */
  serverCert: string;
  serverKey: string;
  serverChain: string;
  clientCert: string;
  clientKey: string;
  /** server cert issued by another CA (for unknown-CA cases) */
  otherCaCert: string;
  otherServerCert: string;
  otherServerKey: string;
  cleanup(): void;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function issue(dir: string, name: string, subject: string, ca: string, ext: string): void {
  writeFileSync(join(dir, `${name}.ext`), ext);
  openssl(dir, ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-days', '2', '-out', `${name}.crt`, '-extfile', `${name}.ext`]);
}

function makeCa(dir: string, name: string, cn: string): void {
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${cn}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
}

/** A throwaway CA with a localhost server certificate and a client certificate (RSA 2048). */
export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'tls-test-pki-'));
  makeCa(dir, 'ca', 'TEST TLS CLIENT CA');
  makeCa(dir, 'otherca', 'TEST OTHER CA');
  const serverExt = 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n';
  issue(dir, 'server', '/CN=localhost', 'ca', serverExt);
  issue(dir, 'other', '/CN=localhost', 'otherca', serverExt);
  issue(dir, 'client', '/CN=810000000001/O=TEST', 'ca', 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n');
  writeFileSync(join(dir, 'server-chain.crt'), readFileSync(join(dir, 'server.crt'), 'utf8') + readFileSync(join(dir, 'ca.crt'), 'utf8'));
  const p = (f: string): string => join(dir, f);
  return {
    dir,
    caCert: p('ca.crt'),
    serverCert: p('server.crt'),
    serverKey: p('server.key'),
    serverChain: p('server-chain.crt'),
    clientCert: p('client.crt'),
    clientKey: p('client.key'),
    otherCaCert: p('otherca.crt'),
    otherServerCert: p('other.crt'),
    otherServerKey: p('other.key'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface ExternalServer {
  /** the port the server listens on (picked by the OS, or free a moment before) */
  port: number;
  process: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Spawns `cmd` and resolves once its output matches `ready` (the server says it listens); the first
 * capture group of `ready`, if any, is the port it reports. Rejects if the process ends first.
 */
function spawnUntilReady(cmd: string, args: string[], ready: RegExp, port?: number): Promise<ExternalServer> {
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  const server = (p: number): ExternalServer => ({
    port: p,
    process: child,
    output: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  });
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = ready.exec(out);
      if (!m) return;
      child.off('exit', onExit);
      resolve(server(port ?? Number(m[1])));
    };
    const onExit = (): void => reject(new Error(`${cmd} did not start: ${out}`));
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', reject);
    child.once('exit', onExit);
  });
}

/**
 * `openssl s_server` on a port the OS picks (`-accept 0`, both IPv4 and IPv6): it prints
 * "ACCEPT [::]:PORT" once listening, so there is nothing to poll and no port to collide on.
 * `args` are the s_server options after `-accept`; `-quiet` is dropped because it also hides
 * that line (the extra output only goes to `output()`).
 */
export function startOpensslServer(args: string[]): Promise<ExternalServer> {
  return spawnUntilReady('openssl', ['s_server', '-accept', '0', ...args.filter((a) => a !== '-quiet')], /^ACCEPT .*:(\d+)$/m);
}

/**
 * `gnutls-serv` cannot report a port the OS picked, so it gets one that was free a moment ago and
 * waits for its "listening ... done" line; if another process took the port in between, it tries
 * again with a new one.
 */
export async function startGnutlsServer(args: string[]): Promise<ExternalServer> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return await spawnUntilReady('gnutls-serv', ['--port', String(port), ...args], /listening on IPv4 .*\.\.\.done/, port);
    } catch (err) {
      if (attempt >= 3 || !/in use/i.test(String(err))) throw err;
    }
  }
}
