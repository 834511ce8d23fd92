// The installation's Pro Santé Connect registration, deployed by IT as `psc.json` in the
// data folder: the PSC preset (production / BAS) or an explicit issuer, the client id ANS
// gave the software, the scopes, and where a confidential client's secret is read from
// (an environment variable's name, never the secret) or, for RFC 8705 `tls_client_auth`, the
// organisation certificate's PKCS#12 file and the variable its password is read from (never the
// password). Absent or invalid → the first-run
// screen does not offer PSC (said in the log).
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { PSC_PRESETS } from '../psc/index.js';
import type { PscRegistration } from './account-setup.js';

const fileSchema = z.strictObject({
  preset: z.enum(['production', 'bas']).optional(),
  issuer: z.string().url().optional(),
  clientId: z.string().min(1),
  scope: z.string().min(1).optional(),
  clientSecretEnv: z.string().min(1).optional(),
  /** RFC 8705: "tls_client_auth" with clientCertFile (PKCS#12) and clientCertPasswordEnv */
  clientAuth: z.enum(['client_secret_basic', 'tls_client_auth', 'none']).optional(),
  clientCertFile: z.string().min(1).optional(),
  clientCertPasswordEnv: z.string().min(1).optional(),
  caFile: z.string().min(1).optional(),
  keepRefreshToken: z.boolean().optional(),
});

export function readPscRegistration(file: string, log: (line: string) => void = () => undefined): PscRegistration | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    if ((err as { code?: string }).code !== 'ENOENT') log(`psc registration unreadable: ${file}`);
    return undefined;
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    log(`psc registration invalid: ${file}`);
    return undefined;
  }
  const r = parsed.data;
  // tls_client_auth and a certificate file go together: either alone is a half-made registration
  if ((r.clientAuth === 'tls_client_auth') !== (r.clientCertFile !== undefined)) {
    log(`psc registration invalid: ${file} (clientAuth "tls_client_auth" needs clientCertFile, and clientCertFile needs it)`);
    return undefined;
  }
  const preset = PSC_PRESETS[r.preset ?? 'production'];
  return {
    issuer: r.issuer ?? preset.issuer,
    clientId: r.clientId,
    scope: r.scope ?? preset.scope,
    ...(r.clientSecretEnv && r.clientAuth !== 'tls_client_auth' ? { clientSecretEnv: r.clientSecretEnv } : {}),
    ...(r.clientCertFile ? { clientCertFile: r.clientCertFile, ...(r.clientCertPasswordEnv ? { clientCertPasswordEnv: r.clientCertPasswordEnv } : {}) } : {}),
    ...(r.caFile ? { caFile: r.caFile } : {}),
    ...(r.keepRefreshToken ? { keepRefreshToken: true } : {}),
  };
}
