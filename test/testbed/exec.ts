// Runs the bench's external tools (openssl, softhsm2-util, pkcs11-tool,
// dovecot, postfix) and turns a non-zero exit into an error that shows the
// command and its stderr, so a broken `up` says what broke.
import { execFile, type ExecFileOptions } from 'node:child_process';

export interface RunResult {
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: readonly string[], opts: ExecFileOptions & { input?: string | Buffer } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const { input, ...execOpts } = opts;
    const child = execFile(cmd, args, { maxBuffer: 64 * 1024 * 1024, encoding: 'utf8', ...execOpts }, (err, stdout, stderr) => {
      if (err) {
        const msg = `${cmd} ${args.join(' ')} failed (${err.code ?? err.signal ?? err.message}):\n${String(stderr).trim() || String(stdout).trim()}`;
        reject(new Error(msg));
        return;
      }
      resolve({ stdout: String(stdout), stderr: String(stderr) });
    });
    if (input !== undefined) child.stdin?.end(input);
    else child.stdin?.end();
  });
}

/** Runs tasks with at most `limit` in flight (2 cores: RSA key generation saturates them). */
export async function pool<T>(limit: number, tasks: readonly (() => Promise<T>)[]): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  async function worker() {
    while (next < tasks.length) {
      const i = next++;
      out[i] = await tasks[i]!();
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return out;
}
