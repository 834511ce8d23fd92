// A mailbox account's connection settings: pure types and validation (no I/O). No secret ever
// lives here: card accounts authenticate with the CPS card (PIN asked at use), PKCS#12 accounts
// keep only the path of their (encrypted) .p12 file, whose password is asked at use.
import { isIP } from 'node:net';
import { z } from 'zod';
import { AppError } from '../errors/index.js';

export type TransportSecurity = 'tls' | 'starttls';

export interface Endpoint {
  host: string;
  port: number;
  /** 'tls': implicit TLS (993/465); 'starttls': plaintext then STARTTLS (143/587) */
  security: TransportSecurity;
}

/** Pro Santé Connect (XOAUTH2): the OpenID settings; the client secret only by the name of its env variable. */
export interface PscAuth {
  kind: 'psc';
  issuer: string;
  clientId: string;
  scope: string;
  clientSecretEnv?: string;
  /** RFC 8705 `tls_client_auth`: the organisation certificate (PKCS#12 file) presented to PSC; its password only by env variable name */
  clientCertFile?: string;
  clientCertPasswordEnv?: string;
  /** PEM anchors for the provider's HTTPS certificate instead of the system roots (qualification, bench) */
  caFile?: string;
  /** keep the refresh token across commands/restarts, sealed under the store key (psc/refresh-vault.ts); default false */
  keepRefreshToken?: boolean;
}

export type AccountAuth = { kind: 'card' } | { kind: 'pkcs12'; file: string } | PscAuth;

export interface AccountConfig {
  /** MSSanté address, lower case: the account key */
  address: string;
  imap: Endpoint;
  smtp: Endpoint;
  auth: AccountAuth;
  /** a qualification PKI's anchors (PEM) instead of the IGC-Santé roots; logged at every use */
  trustAnchorsFile?: string;
  createdAt: string;
}

const endpointSchema = z.object({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  security: z.enum(['tls', 'starttls']),
});

export const accountSchema = z.object({
  address: z.string().min(3),
  imap: endpointSchema,
  smtp: endpointSchema,
  auth: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('card') }),
    z.object({ kind: z.literal('pkcs12'), file: z.string().min(1) }),
    z.object({
      kind: z.literal('psc'), issuer: z.string().url(), clientId: z.string().min(1), scope: z.string().min(1),
      clientSecretEnv: z.string().min(1).optional(), caFile: z.string().min(1).optional(),
      clientCertFile: z.string().min(1).optional(), clientCertPasswordEnv: z.string().min(1).optional(),
      keepRefreshToken: z.boolean().optional(),
    }),
  ]),
  trustAnchorsFile: z.string().min(1).optional(),
  createdAt: z.string(),
});

// Deliberately simple: one @, a non-empty local part, a dotted domain, no spaces.
const ADDRESS = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function normaliseAddress(address: string): string {
  const a = address.trim().toLowerCase();
  if (!ADDRESS.test(a)) throw new AppError('INVALID_ARGUMENT', `not a mail address: ${address}`, { data: { field: 'address' } });
  return a;
}

/** "host:port", "[v6]:port" → host and port. */
export function parseHostPort(value: string): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(value.trim());
  const m = bracketed ?? /^([^:\s]+):(\d+)$/.exec(value.trim());
  const port = m ? Number(m[2]) : NaN;
  const host = m?.[1] ?? '';
  if (!m || !Number.isInteger(port) || port < 1 || port > 65535 || (bracketed && isIP(host) !== 6)) {
    throw new AppError('INVALID_ARGUMENT', `expected HOST:PORT, got "${value}"`, { data: { field: 'host:port' } });
  }
  return { host: host.toLowerCase(), port };
}
