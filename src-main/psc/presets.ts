// Pro Santé Connect issuers and the per-account OpenID settings (pure data, no I/O).
// IT can override every field per account (issuer, client id, scopes); the
// presets only save typing. PSC's production and sandbox (BAS) realms.
import { z } from 'zod';

export const PSC_PRESETS = {
  production: { issuer: 'https://auth.esw.esante.gouv.fr/auth/realms/esante-wallet', scope: 'openid scope_all' },
  bas: { issuer: 'https://auth.bas.psc.esante.gouv.fr/auth/realms/esante-wallet', scope: 'openid scope_all' },
} as const;
export type PscPreset = keyof typeof PSC_PRESETS;

export const pscSettingsSchema = z.object({
  issuer: z.string().url(),
  clientId: z.string().min(1),
  scope: z.string().min(1),
  /** where the client secret comes from (never the secret itself in the account file): an env variable name */
  clientSecretEnv: z.string().min(1).optional(),
  /** PEM anchors for the provider's HTTPS certificate instead of the system's (qualification, the bench) */
  caFile: z.string().min(1).optional(),
  /** keep the refresh token across restarts (sealed): default false = log in again after a restart */
  keepRefreshToken: z.boolean().default(false),
});
export type PscSettings = z.infer<typeof pscSettingsSchema>;
