// Auto-configuration of a mailbox from its address, in the référentiel's order: DNS SRV
// (RFC 6186: _imaps._tcp, _imap._tcp, _submissions._tcp, _submission._tcp), then a
// Mozilla-style autoconfig XML from the operator's HTTPS site, then operator presets.
// I/O is injected (resolver, HTTPS fetch) so tests use the bench's loopback DNS and
// never the system's resolver. The decision (which record wins) is pure: pickSrv, parseAutoconfigXml.
import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { DOMParser } from '@xmldom/xmldom';
import { AppError } from '../errors/index.js';
import type { FetchLike } from '../psc/https-fetch.js';
import type { Endpoint } from './account.js';

export type AuthMethod = 'card' | 'psc' | 'pkcs12';

export interface Discovery {
  source: 'srv' | 'autoconfig' | 'preset';
  imap: Endpoint;
  smtp: Endpoint;
  /** what the source says the servers accept; empty = the source does not say (SRV) */
  authMethods: AuthMethod[];
  /** where it came from, for the confirmation screen (DNS names or URL) */
  origin: string;
}

export interface SrvRecord {
  name: string;
  port: number;
  priority: number;
  weight: number;
}

export interface AutoconfigIo {
  resolveSrv(name: string): Promise<SrvRecord[]>;
  /** GET over HTTPS; undefined when absent (404, unreachable); may throw (a refused certificate is named in the error) */
  fetchText(url: string): Promise<string | undefined>;
  /** URLs to try for a domain; default: autoconfig.<domain> and <domain>/.well-known */
  autoconfigUrls?(domain: string, address: string): string[];
  presets?: Record<string, Omit<Discovery, 'source' | 'origin'>>;
}

/**
 * A resolver that asks only the given servers ("127.0.0.1:20811"): tests never touch the system's.
 * "No such record" is an empty answer; a DNS server that does not answer (timeout, refused) is
 * AUTOCONFIG_DNS_UNREACHABLE, so discovery stops asking it and can say so (not "nothing found").
 */
export function srvResolver(servers?: string[]): (name: string) => Promise<SrvRecord[]> {
  const r = new Resolver({ timeout: 3000, tries: 2 });
  if (servers) r.setServers(servers);
  return async (name) => {
    try {
      return await r.resolveSrv(name);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'ENOTFOUND' || code === 'ENODATA' || code === 'ESERVFAIL' || code === 'ENONAME') return [];
      if (code === 'ETIMEOUT' || code === 'ECONNREFUSED' || code === 'EREFUSED') {
        throw new AppError('AUTOCONFIG_DNS_UNREACHABLE', `DNS server did not answer for ${name}: ${code}`, { cause: err });
      }
      throw err;
    }
  };
}

/** fetchText over an HTTPS fetch (psc/https-fetch.ts): the body of a 200, undefined otherwise; a refused certificate is thrown. */
export function autoconfigFetchText(fetchFn: FetchLike): (url: string) => Promise<string | undefined> {
  return async (url) => {
    let res: Response;
    try {
      res = await fetchFn(url, { method: 'GET', headers: {}, signal: AbortSignal.timeout(10_000) });
    } catch (err) {
      if (err instanceof AppError && err.data.answer === 'tls') throw err;
      return undefined;
    }
    return res.status === 200 ? res.text() : undefined;
  };
}

function defaultAutoconfigUrls(domain: string, address: string): string[] {
  const q = `emailaddress=${encodeURIComponent(address)}`;
  return [`https://autoconfig.${domain}/mail/config-v1.1.xml?${q}`, `https://${domain}/.well-known/autoconfig/mail/config-v1.1.xml?${q}`];
}

/** RFC 2782/6186 choice: lowest priority, then highest weight; port 0 or target "." = service absent. */
export function pickSrv(records: SrvRecord[]): SrvRecord | undefined {
  const usable = records.filter((r) => r.port > 0 && r.name !== '' && r.name !== '.');
  return usable.sort((a, b) => a.priority - b.priority || b.weight - a.weight)[0];
}

export async function discoverAccount(address: string, io: AutoconfigIo): Promise<Discovery> {
  const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
  // a silent DNS server is asked once, not four times (each wait is the resolver's full timeout)
  let dnsDown: AppError | undefined;
  const bySrv = await fromSrv(domain, io).catch((err: unknown) => {
    if (err instanceof AppError && err.code === 'AUTOCONFIG_DNS_UNREACHABLE') return void (dnsDown = err);
    throw err;
  });
  if (bySrv) return bySrv;
  let untrustedSite: string | undefined;
  for (const url of (io.autoconfigUrls ?? defaultAutoconfigUrls)(domain, address)) {
    const xml = await io.fetchText(url).catch((err: unknown) => {
      // a site whose certificate is refused is not read, but it is named if nothing else is found
      if (err instanceof AppError && err.data.answer === 'tls') untrustedSite ??= new URL(url).hostname;
      return undefined;
    });
    const parsed = xml ? parseAutoconfigXml(xml, domain) : undefined;
    if (parsed) return { source: 'autoconfig', origin: url, ...parsed };
  }
  const preset = io.presets?.[domain];
  if (preset) return { source: 'preset', origin: domain, ...preset };
  if (dnsDown) throw new AppError('AUTOCONFIG_DNS_UNREACHABLE', dnsDown.message, { data: { domain }, cause: dnsDown });
  throw new AppError('AUTOCONFIG_NOT_FOUND', `no SRV record, autoconfig XML or preset for ${domain}`, { data: { domain, ...(untrustedSite ? { untrustedSite } : {}) } });
}

async function fromSrv(domain: string, io: AutoconfigIo): Promise<Discovery | undefined> {
  // Implicit TLS preferred over STARTTLS at equal standing (RFC 8314 §5.1).
  const first = async (names: [string, Endpoint['security']][]): Promise<{ endpoint: Endpoint; name: string } | undefined> => {
    for (const [name, security] of names) {
      const rec = pickSrv(await io.resolveSrv(`${name}.${domain}`));
      const host = rec?.name.replace(/\.$/, '').toLowerCase();
      if (rec && host && isHostName(host)) return { endpoint: { host, port: rec.port, security }, name: `${name}.${domain}` };
    }
    return undefined;
  };
  const imap = await first([['_imaps._tcp', 'tls'], ['_imap._tcp', 'starttls']]);
  const smtp = await first([['_submissions._tcp', 'tls'], ['_submission._tcp', 'starttls']]);
  if (!imap || !smtp) return undefined;
  return { source: 'srv', imap: imap.endpoint, smtp: smtp.endpoint, authMethods: [], origin: `${imap.name}, ${smtp.name}` };
}

const AUTH_NAMES: Record<string, AuthMethod> = { oauth2: 'psc', 'tls-client-cert': 'card' };

/**
 * A DNS host name (letters, digits, hyphens; IDN in its xn-- form) or an IP literal: what a server name
 * from DNS or an operator's XML must be before it is shown, saved or connected to (no spaces, no
 * terminal escapes, no unexpanded entity or placeholder).
 */
export function isHostName(host: string): boolean {
  if (isIP(host)) return true;
  if (host.length > 253) return false;
  return host.split('.').every((label) => /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i.test(label));
}

/** Autoconfig files are small; a DOCTYPE (entities, external references) has no business in one. */
const MAX_AUTOCONFIG_CHARS = 256 * 1024;

/**
 * Mozilla autoconfig v1.1: the first IMAP incomingServer and SMTP outgoingServer with TLS or STARTTLS (never plain)
 * and a valid host name (`%EMAILDOMAIN%` replaced by the address's domain, as Thunderbird does).
 */
export function parseAutoconfigXml(xml: string, domain?: string): Omit<Discovery, 'source' | 'origin'> | undefined {
  if (xml.length > MAX_AUTOCONFIG_CHARS || /<!DOCTYPE/i.test(xml)) return undefined;
  let doc;
  try {
    doc = new DOMParser({ onError: () => undefined }).parseFromString(xml, 'text/xml');
  } catch {
    return undefined;
  }
  const servers = (tag: string) => Array.from(doc.getElementsByTagName(tag));
  const text = (el: Element, tag: string) => el.getElementsByTagName(tag)[0]?.textContent?.trim() ?? '';
  const endpoint = (el: Element): Endpoint | undefined => {
    const socket = text(el, 'socketType').toUpperCase();
    const security = socket === 'SSL' ? 'tls' : socket === 'STARTTLS' ? 'starttls' : undefined;
    const port = Number(text(el, 'port'));
    const raw = text(el, 'hostname').toLowerCase();
    const host = domain ? raw.replaceAll('%emaildomain%', domain) : raw;
    if (!security || !host || !isHostName(host) || !Number.isInteger(port) || port < 1 || port > 65535) return undefined;
    return { host, port, security };
  };
  const imapEl = servers('incomingServer').find((e) => e.getAttribute('type') === 'imap' && endpoint(e as unknown as Element));
  const smtpEl = servers('outgoingServer').find((e) => e.getAttribute('type') === 'smtp' && endpoint(e as unknown as Element));
  if (!imapEl || !smtpEl) return undefined;
  const methods = new Set<AuthMethod>();
  for (const el of [imapEl, smtpEl]) {
    for (const a of Array.from(el.getElementsByTagName('authentication'))) {
      const m = AUTH_NAMES[(a.textContent ?? '').trim().toLowerCase()];
      if (m) methods.add(m);
    }
  }
  return { imap: endpoint(imapEl as unknown as Element)!, smtp: endpoint(smtpEl as unknown as Element)!, authMethods: [...methods] };
}

type Element = { getElementsByTagName(t: string): ArrayLike<{ textContent: string | null }>; getAttribute(n: string): string | null };
