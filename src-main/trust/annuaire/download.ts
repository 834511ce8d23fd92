import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../../errors/index.js';
import { ANNUAIRE_EXTRACTION_SOURCES } from '../../rules/mssante.js';
import { IGC_SANTE_INTERMEDIATES, IGC_SANTE_ROOTS } from '../../tls/pki/igc-sante-anchors.js';
import { importAnnuaire, type AnnuaireImportReport } from './import.js';

// Downloads the extraction ZIP from the Annuaire Santé web service (IGC-Santé server
// certificate: only the bundled IGC-Santé CAs are trusted for it) or from the data.gouv.fr
// mirror (public CA), then imports it. The download goes to a temporary file first: a cut
// connection never reaches the importer, and the current annuaire stays in service.

export type AnnuaireSource = keyof typeof ANNUAIRE_EXTRACTION_SOURCES;

export interface AnnuaireDownloadOptions {
  home: string;
  source?: AnnuaireSource;
  /** overrides the source's URL (must be https, or http on loopback for tests) */
  url?: string;
  timeoutMs?: number;
  maxBytes?: number;
  onProgress?: (line: string) => void;
  /** passed to the import: accept a download that shrinks the annuaire beyond its limit */
  force?: boolean;
}

const OFFLINE_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENETUNREACH', 'EHOSTUNREACH', 'ENETDOWN', 'EPIPE']);
const MAX_REDIRECTS = 5;

function igcSanteCa(): string[] {
  return [...IGC_SANTE_ROOTS, ...IGC_SANTE_INTERMEDIATES].map((c) => c.pem);
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || /^127\./.test(host);
}

function get(url: URL, opts: { ca?: string[]; timeoutMs: number }): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const onResponse = (res: http.IncomingMessage): void => resolve(res);
    const req =
      url.protocol === 'https:'
        ? https.get(url, { timeout: opts.timeoutMs, minVersion: 'TLSv1.2', ...(opts.ca ? { ca: opts.ca } : {}) }, onResponse)
        : http.get(url, { timeout: opts.timeoutMs }, onResponse);
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
  });
}

function networkError(err: unknown, host: string): AppError {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (OFFLINE_CODES.has(code)) {
    return new AppError('ANNUAIRE_DOWNLOAD_OFFLINE', `cannot reach ${host}: ${code}`, { cause: err, data: { host } });
  }
  return new AppError('ANNUAIRE_DOWNLOAD_FAILED', `download from ${host} failed: ${(err as Error).message}`, { cause: err, data: { host } });
}

/** Downloads the extraction to a file in `home` and returns its path. */
async function downloadExtraction(opts: AnnuaireDownloadOptions): Promise<string> {
  const source = opts.source ?? 'webservice';
  let url = new URL(opts.url ?? ANNUAIRE_EXTRACTION_SOURCES[source]);
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const maxBytes = opts.maxBytes ?? 512 * 1024 * 1024;
  const dir = join(opts.home, 'downloads');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const final = join(dir, 'Extraction_Correspondance_MSSante.zip');
  const part = `${final}.part`;

  for (let redirects = 0; ; redirects++) {
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
      throw new AppError('INVALID_ARGUMENT', `refusing non-HTTPS download URL ${url.origin}`);
    }
    // The web service presents an IGC-Santé certificate: trust only IGC-Santé for it.
    const ca = url.hostname.endsWith('annuaire.sante.fr') ? igcSanteCa() : undefined;
    opts.onProgress?.(`Connexion à ${url.host}…`);
    let res: http.IncomingMessage;
    try {
      res = await get(url, { timeoutMs, ...(ca ? { ca } : {}) });
    } catch (err) {
      throw networkError(err, url.host);
    }
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location && redirects < MAX_REDIRECTS) {
      res.resume();
      url = new URL(res.headers.location, url);
      continue;
    }
    if (status !== 200) {
      res.resume();
      throw new AppError('ANNUAIRE_DOWNLOAD_FAILED', `HTTP ${status} from ${url.host}`, { data: { status, host: url.host } });
    }
    let received = 0;
    res.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxBytes) res.destroy(new AppError('ANNUAIRE_DOWNLOAD_FAILED', `download larger than ${maxBytes} bytes`));
    });
    try {
      await pipeline(res, createWriteStream(part, { mode: 0o600 }));
    } catch (err) {
      await rm(part, { force: true });
      if (err instanceof AppError) throw err;
      throw networkError(err, url.host);
    }
    await rename(part, final);
    opts.onProgress?.(`Téléchargé : ${Math.round(received / 1024)} Kio.`);
    return final;
  }
}

/** Downloads then imports the extraction (the import is atomic, see importAnnuaire). */
export async function downloadAnnuaire(opts: AnnuaireDownloadOptions): Promise<AnnuaireImportReport> {
  const file = await downloadExtraction(opts);
  try {
    return await importAnnuaire(file, { home: opts.home, force: opts.force === true });
  } finally {
    await rm(file, { force: true });
  }
}
