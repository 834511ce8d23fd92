// The window's first-run screen, on the core: which account the data folder has,
// auto-configuration of an address (DNS SRV → autoconfig XML → presets, then the
// SASL mechanisms the IMAP server offers, asked after TLS), and saving the first
// account. These channels answer while the session is locked (there is nothing to
// unlock yet); `account.create` is refused once an account exists, so the lock
// screen can never be used to swap the mailbox under a doctor.
import { JsonFileAccountRepository } from '../accounts/account-repository.js';
import type { AccountConfig, Endpoint, PscAuth } from '../accounts/account.js';
import { autoconfigFetchText, discoverAccount, srvResolver, type AuthMethod } from '../accounts/autoconfig.js';
import { methodsOfMechanisms, probeSaslMechanisms } from '../accounts/sasl-probe.js';
import { AppError } from '../errors/index.js';
import type { AccountInfo, Discovery } from '../ipc/contract.js';
import { httpsFetch } from '../psc/index.js';
import { createServerCertificateVerifier } from '../tls/pki/verifier.js';
import type { JournalPort } from '../audit/port.js';
import type { CoreChannelHandlers } from './services.js';

/** The installation's Pro Santé Connect registration (what IT deploys): new PSC accounts get it. */
export interface PscRegistration {
  issuer: string;
  clientId: string;
  scope: string;
  /** environment variable holding a confidential client's secret (never stored) */
  clientSecretEnv?: string;
  /** RFC 8705 `tls_client_auth`: the organisation certificate (PKCS#12) and the env variable of its password */
  clientCertFile?: string;
  clientCertPasswordEnv?: string;
  /** PEM anchors of the provider's HTTPS certificate instead of the system's */
  caFile?: string;
  keepRefreshToken?: boolean;
}

export interface AccountSetupOptions {
  home: string;
  psc?: PscRegistration;
  /** DNS servers for SRV ("127.0.0.1:53"); default: the system's */
  dnsServers?: string[];
  /** a qualification PKI's anchors for new accounts instead of the IGC-Santé roots (logged at every use) */
  trustAnchorsFile?: string;
  journal?: JournalPort;
  log: (line: string) => void;
}

type SetupChannels = Pick<CoreChannelHandlers, 'account.get' | 'account.discover' | 'account.create'>;

/** The account the window works with: the card account, else the Pro Santé Connect one. */
export async function appAccount(home: string): Promise<AccountConfig | undefined> {
  const all = await JsonFileAccountRepository.inHome(home).list();
  return all.find((a) => a.auth.kind === 'card') ?? all.find((a) => a.auth.kind === 'psc');
}

const CONTRACT_METHOD: Record<AuthMethod, Discovery['authMethods'][number]> = { card: 'card', psc: 'psc', pkcs12: 'certificate' };

export function accountSetupChannels(o: AccountSetupOptions): SetupChannels {
  const repo = JsonFileAccountRepository.inHome(o.home);
  const verifier = () => createServerCertificateVerifier({ home: o.home, ...(o.trustAnchorsFile ? { trustAnchorsFile: o.trustAnchorsFile } : {}), crlSoftFail: false, log: o.log });
  const fetchFn = httpsFetch();
  return {
    'account.get': async (): Promise<AccountInfo> => {
      const all = await repo.list();
      const a = await appAccount(o.home);
      // a data folder with only a PKCS#12 account (configured with the CLI) is configured too
      if (!a) return all[0] ? { configured: true, address: all[0].address, auth: all[0].auth.kind } : { configured: false };
      return { configured: true, address: a.address, auth: a.auth.kind };
    },
    'account.discover': async ({ address }) => {
      const addr = address.trim().toLowerCase();
      const found = await discoverAccount(addr, {
        resolveSrv: srvResolver(o.dnsServers),
        fetchText: autoconfigFetchText(fetchFn),
      });
      // the source says nothing (SRV) or little: the IMAP server's own SASL list completes it
      const probe = await probeSaslMechanisms(found.imap, verifier());
      if (probe.error?.code === 'AUTOCONFIG_HOST_UNKNOWN') throw probe.error; // the first-run screen says so instead of offering it
      const methods = new Set<AuthMethod>([...found.authMethods, ...methodsOfMechanisms(probe.mechanisms)]);
      return {
        address: addr,
        source: found.source,
        origin: found.origin,
        imap: found.imap,
        smtp: found.smtp,
        authMethods: [...methods].map((m) => CONTRACT_METHOD[m]),
        mechanisms: probe.mechanisms,
        pscAvailable: o.psc !== undefined,
      };
    },
    'account.create': async ({ address, imap, smtp, auth }) => {
      if ((await repo.list()).length) throw new AppError('ACCOUNT_EXISTS', 'the data folder already has an account', { data: { surface: 'window' } });
      if (auth === 'psc' && !o.psc) throw new AppError('SERVICE_UNAVAILABLE', 'no Pro Santé Connect registration for this installation');
      const psc: PscAuth | undefined = o.psc
        ? { kind: 'psc', issuer: o.psc.issuer, clientId: o.psc.clientId, scope: o.psc.scope, ...(o.psc.clientSecretEnv ? { clientSecretEnv: o.psc.clientSecretEnv } : {}), ...(o.psc.clientCertFile ? { clientCertFile: o.psc.clientCertFile } : {}), ...(o.psc.clientCertPasswordEnv ? { clientCertPasswordEnv: o.psc.clientCertPasswordEnv } : {}), ...(o.psc.caFile ? { caFile: o.psc.caFile } : {}), ...(o.psc.keepRefreshToken ? { keepRefreshToken: true } : {}) }
        : undefined;
      const account: AccountConfig = {
        address: address.trim().toLowerCase(),
        imap: imap as Endpoint,
        smtp: smtp as Endpoint,
        auth: auth === 'psc' ? psc! : { kind: 'card' },
        ...(o.trustAnchorsFile ? { trustAnchorsFile: o.trustAnchorsFile } : {}),
        createdAt: new Date().toISOString(),
      };
      await repo.save(account);
      const ep = (e: Endpoint): string => `${e.host}:${e.port}/${e.security}`;
      await o.journal?.record([{ action: 'account.added', data: { address: account.address, imap: ep(account.imap), smtp: ep(account.smtp), auth: account.auth.kind } }]).catch(() => undefined);
      return { configured: true, address: account.address, auth: account.auth.kind };
    },
  };
}
