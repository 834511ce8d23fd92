// Drives `openssl s_client` as a line-based IMAP/SMTP client, optionally with a
// virtual CPS card's key through the pkcs11 engine: the bench is proven with a
// TLS stack that is not ours.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { TestbedCard, TestbedState } from '../../support/testbed.js';

export interface ClientOptions {
  port: number;
  /** present this card's certificate, signing with its token key */
  card?: TestbedCard;
  /** present a certificate/key from files */
  certFile?: { cert: string; key: string };
  starttls?: 'imap' | 'smtp';
  /** extra s_client arguments (-tls1_1, -cipher …) */
  extra?: string[];
}

export class OpensslClient {
  private out = '';
  private err = '';
  private exitCode: number | null = null;
  private readonly exited: Promise<number>;
  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.setEncoding('utf8').on('data', (d: string) => (this.out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (this.err += d));
    this.exited = new Promise((resolve) => child.on('close', (code) => resolve((this.exitCode = code ?? -1))));
  }

  static start(state: TestbedState, o: ClientOptions): OpensslClient {
    const args = ['s_client', '-connect', `${state.host}:${o.port}`, '-CAfile', state.pki.caBundle, '-verify_return_error', '-quiet'];
    if (o.starttls) args.push('-starttls', o.starttls);
    if (o.card) args.push('-engine', 'pkcs11', '-keyform', 'engine', '-key', o.card.pkcs11Uri, '-cert', o.card.cert);
    if (o.certFile) args.push('-cert', o.certFile.cert, '-key', o.certFile.key);
    args.push(...(o.extra ?? []));
    const env = { ...process.env, SOFTHSM2_CONF: state.softhsm.conf, OPENSSL_CONF: state.softhsm.opensslConf };
    return new OpensslClient(spawn('openssl', args, { env, stdio: ['pipe', 'pipe', 'pipe'] }));
  }

  get stdout(): string {
    return this.out;
  }
  get stderr(): string {
    return this.err;
  }

  /**
   * Resolves with the first stdout line (after offset `from`) matching `want`, re-checked on each
   * chunk openssl prints; rejects when it exits first or after `timeoutMs`.
   */
  waitFor(want: RegExp | ((line: string) => boolean), timeoutMs = 15_000, from = 0): Promise<string> {
    const matches = typeof want === 'function' ? want : (l: string) => want.test(l);
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const line = this.out.slice(from).split(/\r?\n/).find(matches);
        if (line !== undefined) finish(() => resolve(line));
        else if (this.exitCode !== null) finish(() => reject(new Error(`openssl exited (${this.exitCode}) before ${String(want)}: stdout=${this.out} stderr=${this.err}`)));
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`timeout waiting for ${String(want)}: stdout=${this.out} stderr=${this.err}`))), timeoutMs);
      const finish = (settle: () => void): void => {
        clearTimeout(timer);
        this.child.stdout.off('data', check);
        this.child.off('close', check);
        settle();
      };
      // registered after the constructor's listeners: `out` and `exitCode` are already updated
      this.child.stdout.on('data', check);
      this.child.on('close', check);
      check();
    });
  }

  send(line: string): void {
    this.child.stdin.write(`${line}\r\n`);
  }

  /** Sends a command and waits for the line matching `re`. */
  async command(line: string, re: RegExp): Promise<string> {
    this.send(line);
    return this.waitFor(re);
  }

  /** The exit code once the process ends (closing stdin first; -quiet ignores EOF, so it is then stopped). */
  async close(): Promise<number> {
    this.child.stdin.end();
    const t = setTimeout(() => this.child.kill('SIGTERM'), 300);
    try {
      return await this.exited;
    } finally {
      clearTimeout(t);
    }
  }

  /** For handshakes expected to fail: how the process ended, given time to finish the handshake. */
  async outcome(): Promise<{ code: number; stdout: string; stderr: string }> {
    const t = setTimeout(() => this.child.kill('SIGTERM'), 5_000);
    const code = await this.exited;
    clearTimeout(t);
    return { code, stdout: this.out, stderr: this.err };
  }

  /** Resolves once the TLS session is usable: greeting seen (implicit TLS) or a NOOP answered (after STARTTLS, s_client eats the greeting). */
  async ready(protocol: 'imap' | 'smtp', starttls: boolean): Promise<void> {
    if (protocol === 'imap') {
      if (starttls) await this.command('a0 NOOP', /^a0 OK/);
      else await this.waitFor(/^\* OK/);
    } else if (starttls) await this.command('NOOP', /^250 /);
    else await this.waitFor(/^220 /);
  }
}
