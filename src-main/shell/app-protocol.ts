// Serves the built renderer (dist/renderer) under app://mssante/ with our CSP.
// Pure resolution is separated from Electron so it is unit-tested: nothing
// outside the renderer folder can ever be read (no `..`, no absolute path, no
// symlink escape), and only known file types are served.
import { readFile, realpath } from 'node:fs/promises';
import { extname, join, relative, sep, isAbsolute } from 'node:path';
import { APP_CSP, securityHeaders } from '../common/csp.js';
import { APP_HOST, APP_SCHEME } from './url-policy.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/** The file under `root` that `url` names, or undefined when it is not ours to serve. */
export function resolveAppFile(url: string, root: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return undefined;
  let path: string;
  try {
    path = decodeURIComponent(u.pathname);
  } catch {
    return undefined;
  }
  if (path === '/' || path === '') path = '/index.html';
  if (path.includes('\0') || path.includes('\\')) return undefined;
  const file = join(root, path);
  const rel = relative(root, file);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('..')) return undefined;
  if (!(extname(file) in CONTENT_TYPES)) return undefined;
  return file;
}

/** The protocol handler body: a Response for `request.url`. */
export async function serveAppRequest(url: string, root: string): Promise<Response> {
  const file = resolveAppFile(url, root);
  if (!file) return new Response('Not found', { status: 404, headers: securityHeaders(APP_CSP) });
  try {
    const [realRoot, realFile] = await Promise.all([realpath(root), realpath(file)]);
    if (!realFile.startsWith(realRoot + sep)) return new Response('Not found', { status: 404, headers: securityHeaders(APP_CSP) });
    const body = await readFile(realFile);
    return new Response(new Uint8Array(body), {
      status: 200,
      headers: { 'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream', ...securityHeaders(APP_CSP) },
    });
  } catch {
    return new Response('Not found', { status: 404, headers: securityHeaders(APP_CSP) });
  }
}
