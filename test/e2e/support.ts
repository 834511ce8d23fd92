// What the browser tests share: a data folder with the annuaire, the liste
// blanche and (optionally) a card account; the harness (real core + loopback
// server + built renderer); Chromium (Debian's, fresh profile); screenshots
// under test-artifacts/.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { importAnnuaire, importListeBlanche, trustDirOf } from '../../src-main/trust/index.js';
import { JsonFileAccountRepository } from '../../src-main/accounts/account-repository.js';
import { CARD_PROFESSION, CARD_SPECS, MAIL_DOMAIN, ORG_CLIENT, ORG_DOMAIN, cardAddress } from '../testbed/config.js';
import { extractionLine, referenceHeader } from '../unit/trust/support/extraction.js';
import { REPO_ROOT, type TestbedCard, type TestbedState } from '../support/testbed.js';
import { closedPort } from '../support/ports.js';
import { buildRenderer } from './harness/build.js';
import { startHarnessCore, type HarnessCore, type HarnessCoreOptions } from './harness/core.js';
import { startHarnessServer, type HarnessServer } from './harness/server.js';
import type { EventSink } from '../../src-main/ipc/dispatch.js';

export const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'e2e');

/** Colleagues the annuaire knows besides the bench's card holders (autocomplete material). */
export const COLLEAGUES = [
  { address: `jean.dupont@${MAIL_DOMAIN}`, lastName: 'DUPONT', firstName: 'Jean', nationalId: '810001234567', profession: 'Médecin', specialty: 'Cardiologie et maladies vasculaires', city: 'BREST', postalCode: '29200', dematerialisation: 'true' },
  { address: `amelie.durand@${MAIL_DOMAIN}`, lastName: 'DURAND', firstName: 'Amélie', nationalId: '810009876543', profession: 'Médecin', specialty: 'Pédiatrie', city: 'RENNES', postalCode: '35000', dematerialisation: 'false' },
];

/** A data folder: annuaire + liste blanche of the bench's domains in <home>/trust, a card account when given. */
/** `extraDomains`: more liste blanche domains (the bench's patients' domain). */
export async function prepareHome(options: { state?: TestbedState; doctor?: TestbedCard; extraDomains?: readonly string[] } = {}): Promise<string> {
  const home = mkdtempSync(join(tmpdir(), 'mssante-e2e-'));
  const trustHome = trustDirOf(home);
  mkdirSync(trustHome, { recursive: true });
  const extraction = join(home, 'Extraction_Correspondance_MSSante_202611260300.txt');
  writeFileSync(extraction, [
    referenceHeader(),
    ...CARD_SPECS.map((s) => extractionLine({
      type: 'PER', address: cardAddress(s), nationalId: `8${s.rpps}`, lastName: s.lastName, firstName: s.firstName,
      profession: CARD_PROFESSION, specialty: 'Qualifié en Médecine Générale', postalCode: '75014', city: 'PARIS', dematerialisation: 'false',
    })),
    ...COLLEAGUES.map((c) => extractionLine({ type: 'PER', ...c })),
    extractionLine({ type: 'ORG', address: ORG_CLIENT.address, structureName: 'CENTRE DE SANTÉ DES TILLEULS', postalCode: '35000', city: 'RENNES' }),
  ].join('\n') + '\n');
  await importAnnuaire(extraction, { home: trustHome });
  const lb = join(home, 'listeblanchemssante.xml');
  writeFileSync(lb, `<?xml version="1.0" encoding="UTF-8"?><ListeBlancheMSSante xmlns="https://listeblanche.mssante.fr/schema"><DateDeGeneration>2026-11-01T00:00:00Z</DateDeGeneration><ListeDomaines><Domaine><Nom>${MAIL_DOMAIN}</Nom></Domaine><Domaine><Nom>${ORG_DOMAIN}</Nom></Domaine>${(options.extraDomains ?? []).map((d) => `<Domaine><Nom>${d}</Nom></Domaine>`).join('')}</ListeDomaines></ListeBlancheMSSante>`);
  await importListeBlanche(lb, { home: trustHome });
  if (options.state && options.doctor) {
    await JsonFileAccountRepository.inHome(home).save({
      address: options.doctor.address,
      imap: { host: 'localhost', port: options.state.ports.imap, security: 'starttls' },
      smtp: { host: 'localhost', port: options.state.ports.submissions, security: 'tls' },
      auth: { kind: 'card' },
      trustAnchorsFile: options.state.pki.caBundle,
      createdAt: new Date().toISOString(),
    });
  }
  return home;
}

/**
 * A card account whose server does not answer, for window tests that need the lock screen but no
 * mail server (a data folder without any account opens on the first-run screen).
 */
export async function saveUnreachableCardAccount(home: string, address: string): Promise<void> {
  const port = await closedPort();
  await JsonFileAccountRepository.inHome(home).save({
    address,
    imap: { host: '127.0.0.1', port, security: 'tls' },
    smtp: { host: '127.0.0.1', port, security: 'tls' },
    auth: { kind: 'card' },
    createdAt: new Date().toISOString(),
  });
}

export interface Harness {
  core: HarnessCore;
  server: HarnessServer;
  close(): Promise<void>;
}

/** `observe`: sees each event of the core (in the core's own turn) before the page does, e.g. to hold a server. */
export async function startHarness(options: Omit<HarnessCoreOptions, 'emit'> & { observe?: EventSink }): Promise<Harness> {
  const root = await buildRenderer();
  // The core needs the server's event sink; the server needs the core's handlers.
  const wired: { handlers?: HarnessCore['handlers'] } = {};
  const server = await startHarnessServer({ root, handlers: () => wired.handlers! });
  const { observe, ...coreOptions } = options;
  const emit: EventSink = (event, payload) => {
    observe?.(event, payload);
    server.emit(event, payload);
  };
  const core = await startHarnessCore({ ...coreOptions, emit });
  wired.handlers = core.handlers;
  return {
    core,
    server,
    close: async () => {
      await server.close();
      await core.close();
    },
  };
}

export interface Browsing {
  browser: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** Debian's Chromium, headless, fresh profile, no background traffic; French locale. */
export async function openBrowser(options: { colorScheme?: 'light' | 'dark' } = {}): Promise<Browsing> {
  const profile = mkdtempSync(join(tmpdir(), 'mssante-e2e-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
    locale: 'fr-FR',
    timezoneId: 'Europe/Paris',
    viewport: { width: 1366, height: 800 },
    colorScheme: options.colorScheme ?? 'light',
  });
  const page = browser.pages()[0] ?? (await browser.newPage());
  return {
    browser,
    page,
    close: async () => {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

export type { Browser };

/**
 * Every request of `page` that leaves for somewhere else than the harness (`origin`) is refused
 * and recorded in `foreign`: the window must never reach the network by itself.
 */
export async function refuseForeignRequests(page: Page, origin: string, foreign: string[]): Promise<void> {
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith('about:') || url.startsWith('data:')) return route.continue();
    foreign.push(url);
    return route.abort();
  });
}
