// Orchestrates the test bench: `up` (idempotent), `down` (stops exactly what
// `up` started, from the pids recorded in the run dir), `status`.
import { mkdtemp, mkdir, writeFile, readFile, rm, rename, chmod, chown, stat } from 'node:fs/promises';
import { existsSync, readFileSync, readdirSync, openSync, closeSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PSC_CLIENTS, PSC_MTLS_CLIENT, HOST, LOCK_DIR, SOFTHSM_MODULE, MAIL_DOMAIN, ORG_CLIENT, ORG_DOMAIN, PATIENT_DOMAIN_TEST, PATIENT_MAILBOXES, STATE_FILE, TESTBED_HOME, benchPorts, portBase, CARD_SPECS, cardCommonName, cardAddress } from './config.js';
import { createPki, publishCrls } from './pki.js';
import { prepareSoftHsm, createCardTokens, certifyCards } from './cards.js';
import { startDovecot, ensureVmailUser, mailboxHome, dovecotBaseDir, type Mailbox } from './dovecot.js';
import { startPostfix, stopPostfix } from './postfix.js';
import type { TestbedState } from '../support/testbed.js';

/** A process the bench started; `match` must appear in its /proc cmdline or environ before we signal it. */
export interface BenchProcess {
  name: string;
  pid: number;
  match: string;
}

const PROCESSES_FILE = 'processes.json';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** True only if pid is still the process we started (pids get reused). */
function isOurs(p: BenchProcess): boolean {
  if (!alive(p.pid)) return false;
  for (const f of ['cmdline', 'environ']) {
    try {
      if (readFileSync(`/proc/${p.pid}/${f}`, 'utf8').includes(p.match)) return true;
    } catch {
      /* gone or not readable */
    }
  }
  return false;
}

async function recordProcesses(runDir: string, procs: BenchProcess[]): Promise<void> {
  await writeFile(join(runDir, PROCESSES_FILE), JSON.stringify(procs, null, 2));
}

async function readPid(file: string, timeoutMs = 5000): Promise<number> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      const pid = Number((await readFile(file, 'utf8')).trim());
      if (pid > 0) return pid;
    } catch {
      /* not yet written */
    }
    if (Date.now() > end) throw new Error(`no pid in ${file} after ${timeoutMs} ms`);
    await sleep(20);
  }
}

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}

function portOpen(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: HOST, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

async function waitPorts(ports: readonly number[], timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (const port of ports) {
    while (!(await portOpen(port))) {
      if (Date.now() > end) throw new Error(`port ${HOST}:${port} did not open within ${timeoutMs} ms`);
      await sleep(25);
    }
  }
}

function allPorts(state: Pick<TestbedState, 'ports'>): number[] {
  return Object.values(state.ports);
}

export function readState(): TestbedState | undefined {
  try {
    return JSON.parse(readFileSync(STATE_FILE, 'utf8')) as TestbedState;
  } catch {
    return undefined;
  }
}

/** Up and answering: every recorded process is ours and alive, every port accepts connections. */
export async function isHealthy(state: TestbedState): Promise<boolean> {
  if (!existsSync(state.dir)) return false;
  if (!state.processes?.length || !state.processes.every(isOurs)) return false;
  const open = await Promise.all(allPorts(state).map((p) => portOpen(p)));
  return open.every(Boolean);
}

// --- the start lock: several engineers' test runs may call `up` at once -------------

async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  await mkdir(TESTBED_HOME, { recursive: true });
  const end = Date.now() + 180_000;
  for (;;) {
    try {
      await mkdir(LOCK_DIR);
      await writeFile(join(LOCK_DIR, 'pid'), String(process.pid));
      break;
    } catch {
      let holder = 0;
      try {
        holder = Number(await readFile(join(LOCK_DIR, 'pid'), 'utf8'));
      } catch {
        /* being created or removed */
      }
      const age = await stat(LOCK_DIR).then((s) => Date.now() - s.mtimeMs, () => 0);
      if ((holder > 0 && !alive(holder)) || (holder === 0 && age > 10_000)) {
        await rm(LOCK_DIR, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > end) throw new Error(`test bench lock ${LOCK_DIR} held by pid ${holder} for too long`);
      await sleep(200);
    }
  }
  try {
    return await fn();
  } finally {
    await rm(LOCK_DIR, { recursive: true, force: true });
  }
}

// --- up ---------------------------------------------------------------------------

export interface UpResult {
  started: boolean;
  state: TestbedState;
  timings?: Record<string, number>;
}

/** The run dir of a start in progress: an `up` killed half-way leaves it for the next up/down to clean. */
const STARTING_FILE = join(TESTBED_HOME, 'starting');

async function cleanInterruptedStart(): Promise<void> {
  const dir = await readFile(STARTING_FILE, 'utf8').catch(() => '');
  if (dir) await stopRun(dir.trim(), []);
  await rm(STARTING_FILE, { force: true });
}

export async function up(): Promise<UpResult> {
  return withLock(async () => {
    await cleanInterruptedStart();
    const existing = readState();
    if (existing && (await isHealthy(existing))) return { started: false, state: existing };
    if (existing) await stopRun(existing.dir, existing.processes ?? []);
    return { started: true, ...(await startFresh()) };
  });
}

async function startFresh(): Promise<{ state: TestbedState; timings: Record<string, number> }> {
  const t0 = Date.now();
  const timings: Record<string, number> = {};
  const mark = (k: string) => (timings[k] = Date.now() - t0);
  const ports = benchPorts();
  const busy = (await Promise.all(Object.entries(ports).map(async ([k, p]) => ((await portOpen(p)) ? `${k}=${p}` : '')))).filter(Boolean);
  if (busy.length) {
    throw new Error(`ports already in use on ${HOST}: ${busy.join(', ')} (another bench? set MSSANTE_TESTBED_PORT_BASE to use other ports)`);
  }

  const dir = await mkdtemp(join(tmpdir(), 'mssante-testbed-'));
  await writeFile(STARTING_FILE, dir);
  // Dovecot's unprivileged processes must traverse it (keys inside stay 0600).
  await chmod(dir, 0o755);
  const procs: BenchProcess[] = [];
  const track = async (p: BenchProcess | Promise<BenchProcess>) => {
    procs.push(await p);
    await recordProcesses(dir, procs);
  };
  try {
    const maildirRoot = join(dir, 'mail');
    const mailboxes: Mailbox[] = [
      ...CARD_SPECS.map((spec) => ({ address: cardAddress(spec), password: `plain-${spec.name}`, certCommonName: cardCommonName(spec) })),
      { address: ORG_CLIENT.address, password: 'plain-org', certCommonName: ORG_CLIENT.commonName },
      { address: PATIENT_MAILBOXES.accept, password: 'plain-patient' },
    ];
    const pubDir = join(dir, 'pub');
    // Postfix and the CRL server need no PKI: start them while the keys are generated.
    // one promise: Postfix's virtual(8) delivery and Dovecot both write the Maildirs as this user
    const vmailUidP = ensureVmailUser();
    const postfixP = vmailUidP.then((vmailUid) => startPostfix({
      runDir: dir,
      maildirRoot,
      vmailUid,
      ports,
      mailboxes: mailboxes.map((m) => m.address),
      domains: [MAIL_DOMAIN, ORG_DOMAIN, PATIENT_DOMAIN_TEST],
      bounce: [PATIENT_MAILBOXES.bounce],
      defer: [PATIENT_MAILBOXES.defer],
    }))
      .then(async (p) => {
        await track({ name: 'postfix', pid: await readPid(p.pidFile), match: p.configDir });
        return p;
      });
    const pkiP = (async () => {
      const [vmailUid, hsm] = await Promise.all([vmailUidP, prepareSoftHsm(dir)]);
      const [pki] = await Promise.all([createPki(dir, ports.crlHttp), createCardTokens(hsm)]);
      mark('pkiAndTokens');
      await track(startCrlServer(dir, pubDir, ports.crlHttp));
      const cards = await certifyCards(hsm, pki);
      const crls = await publishCrls(pki, ports.crlHttp);
      mark('cardsAndCrls');
      const psc = await startPscServer(dir, pki, ports);
      await track(psc.process);
      await mkdir(maildirRoot, { recursive: true });
      await chown(maildirRoot, vmailUid, vmailUid);
      for (const m of mailboxes) await ensureMailboxDirs(maildirRoot, m.address, vmailUid);
      const dovecot = await startDovecot({
        runDir: dir, ports, serverCert: pki.server.chain, serverKey: pki.server.key,
        caCerts: [pki.root.cert, pki.personnes.cert, pki.organisations.cert], crls: crls.filter((c) => c.issuer !== 'foreign').map((c) => c.file),
        mailboxes, maildirRoot, vmailUid, instanceName: `mssante-testbed-${ports.imap}`,
        oauth2: { introspectionUrl: `${psc.issuer}/token/introspection`, ...PSC_CLIENTS.dovecot, caFile: pki.caBundle },
      });
      for (const [role, d] of Object.entries(dovecot)) await track({ name: `dovecot-${role}`, pid: await readPid(d.pidFile), match: d.conf });
      return { hsm, pki, cards, crls, dovecot, psc };
    })();
    // allSettled: a failure of one must not hide the pids of the other from the cleanup.
    const [postfixR, pkiR] = await Promise.allSettled([postfixP, pkiP]);
    if (postfixR.status === 'rejected') throw postfixR.reason;
    if (pkiR.status === 'rejected') throw pkiR.reason;
    const postfix = postfixR.value;
    const { hsm, pki, cards, crls, dovecot, psc } = pkiR.value;
    await waitPorts(Object.values(ports));
    mark('servers');

    const state: TestbedState = {
      dir,
      host: HOST,
      portBase: portBase(),
      ports,
      pki: {
        rootCa: pki.root.cert,
        personnesCa: pki.personnes.cert,
        organisationsCa: pki.organisations.cert,
        caBundle: pki.caBundle,
        crls,
        server: pki.server,
        revokedServer: pki.revokedServer,
        expiredServer: pki.expiredServer,
        notYetValidServer: pki.notYetValidServer,
        noServerAuthServer: pki.noServerAuthServer,
        wrongHostServer: pki.wrongHostServer,
        foreignServer: pki.foreignServer,
        foreignCa: pki.foreign.cert,
        orgClientP12: pki.orgClientP12,
        orgClient: pki.orgClient,
        toolingClient: pki.toolingClient,
      },
      softhsm: { module: SOFTHSM_MODULE, conf: hsm.conf, tokenDir: hsm.tokenDir, opensslConf: hsm.opensslConf },
      cards,
      plainUsers: mailboxes.map((m) => ({ user: m.address, password: m.password })),
      mailboxes: mailboxes.map((m) => m.address),
      patients: { domain: PATIENT_DOMAIN_TEST, ...PATIENT_MAILBOXES },
      maildirRoot,
      dovecot: { conf: dovecot.main.conf, log: dovecot.main.log, baseDir: dovecot.main.baseDir, toolingConf: dovecot.tooling.conf, toolingLog: dovecot.tooling.log },
      postfix: { configDir: postfix.configDir, log: postfix.log },
      psc: {
        issuer: psc.issuer, dnsServer: `${HOST}:${ports.dns}`, clients: PSC_CLIENTS,
        mtlsClient: PSC_MTLS_CLIENT, mtlsOrigin: psc.mtlsOrigin,
        dovecotConf: dovecot.psc.conf, dovecotLog: dovecot.psc.log, serverLog: psc.log,
      },
      processes: procs,
      startedAt: new Date().toISOString(),
    };
    await writeFile(join(dir, 'state.json'), JSON.stringify(state, null, 2));
    await mkdir(TESTBED_HOME, { recursive: true });
    // Readers never see a half-written state: write aside, then rename.
    await writeFile(`${STATE_FILE}.tmp`, JSON.stringify(state, null, 2));
    await rename(`${STATE_FILE}.tmp`, STATE_FILE);
    await rm(STARTING_FILE, { force: true });
    mark('total');
    return { state, timings };
  } catch (err) {
    await stopRun(dir, procs, { keepDir: true }).catch(() => undefined);
    await rm(STARTING_FILE, { force: true });
    throw new Error(`test bench failed to start (run dir kept for its logs: ${dir}): ${(err as Error).message}`, { cause: err });
  }
}

async function ensureMailboxDirs(maildirRoot: string, address: string, uid: number): Promise<void> {
  const home = mailboxHome(maildirRoot, address);
  const domainDir = join(home, '..');
  await mkdir(domainDir, { recursive: true });
  await chown(domainDir, uid, uid);
  await mkdir(home, { recursive: true });
  await chown(home, uid, uid);
}

function startCrlServer(runDir: string, pubDir: string, port: number): BenchProcess {
  // pubDir is created by createPki; the server reads files per request.
  const here = fileURLToPath(import.meta.url);
  const script = join(here, '..', `crl-server${here.endsWith('.ts') ? '.ts' : '.js'}`);
  // cwd in the repo: execArgv's `--import tsx` resolves from there.
  const out = openSync(join(runDir, 'crl-http.log'), 'a');
  const child = spawn(process.execPath, [...process.execArgv, script, pubDir, String(port)], {
    detached: true, stdio: ['ignore', out, out], cwd: join(here, '..'),
  });
  child.unref();
  closeSync(out);
  return { name: 'crl-http', pid: child.pid!, match: pubDir };
}

/** The PSC stand-in (OpenID provider, autoconfig XML, DNS): see psc-server.ts. */
async function startPscServer(runDir: string, pki: Awaited<ReturnType<typeof createPki>>, ports: ReturnType<typeof benchPorts>) {
  const issuer = `https://${HOST}:${ports.oidc}`;
  const users: Record<string, { address: string; givenName: string; familyName: string }> = {};
  for (const spec of CARD_SPECS) users[spec.rpps] = { address: cardAddress(spec), givenName: spec.firstName, familyName: spec.lastName };
  const autoconfigXml = `<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="${ORG_DOMAIN}">
    <domain>${ORG_DOMAIN}</domain>
    <incomingServer type="imap">
      <hostname>localhost</hostname><port>${ports.pscImap}</port><socketType>STARTTLS</socketType>
      <username>%EMAILADDRESS%</username><authentication>OAuth2</authentication>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>localhost</hostname><port>${ports.pscSubmission}</port><socketType>STARTTLS</socketType>
      <username>%EMAILADDRESS%</username><authentication>OAuth2</authentication>
    </outgoingServer>
  </emailProvider>
</clientConfig>
`;
  const srv = (port: number) => [{ priority: 0, weight: 1, port, target: 'localhost' }];
  const config = {
    host: HOST, oidcPort: ports.oidc, dnsPort: ports.dns, cert: pki.server.chain, key: pki.server.key, users,
    clients: [{ ...PSC_CLIENTS.app, short: false }, { ...PSC_CLIENTS.appShort, short: true }],
    introspection: PSC_CLIENTS.dovecot,
    mtls: { port: ports.oidcMtls, ca: pki.caBundle, ...PSC_MTLS_CLIENT },
    srv: {
      [`_imap._tcp.${MAIL_DOMAIN}`]: srv(ports.pscImap),
      [`_submission._tcp.${MAIL_DOMAIN}`]: srv(ports.pscSubmission),
    },
    autoconfig: { [ORG_DOMAIN]: autoconfigXml },
  };
  const configFile = join(runDir, 'psc-server.json');
  await writeFile(configFile, JSON.stringify(config, null, 2));
  const here = fileURLToPath(import.meta.url);
  const script = join(here, '..', `psc-server${here.endsWith('.ts') ? '.ts' : '.js'}`);
  const log = join(runDir, 'psc-server.log');
  const out = openSync(log, 'a');
  const child = spawn(process.execPath, [...process.execArgv, script, configFile], {
    detached: true, stdio: ['ignore', out, out], cwd: join(here, '..'),
  });
  child.unref();
  closeSync(out);
  await waitPorts([ports.oidc, ports.oidcMtls]);
  return { issuer, mtlsOrigin: `https://${HOST}:${ports.oidcMtls}`, log, process: { name: 'psc-server', pid: child.pid!, match: configFile } satisfies BenchProcess };
}

// --- down -------------------------------------------------------------------------

/** Servers found through their own pid files in a run dir: covers an `up` killed before it recorded them. */
async function discoverProcesses(dir: string): Promise<BenchProcess[]> {
  const found: BenchProcess[] = [];
  const candidates: [string, string, string][] = [
    ['postfix', join(dir, 'postfix', 'queue', 'pid', 'master.pid'), join(dir, 'postfix', 'etc')],
    ...(['main', 'tooling', 'psc'] as const).map((role): [string, string, string] =>
      [`dovecot-${role}`, join(dovecotBaseDir(dir, role), 'master.pid'), join(dir, 'dovecot', `dovecot-${role}.conf`)]),
  ];
  for (const [name, pidFile, match] of candidates) {
    const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
    if (pid > 0) found.push({ name, pid, match });
  }
  return found;
}

/**
 * Bench servers of this run dir that an interrupted `up` started but never recorded (e.g. a
 * Postfix still starting). Matched narrowly — Postfix by its MAIL_CONFIG, Dovecot and the CRL
 * server by their command line — so that a test process that merely has the run dir in its
 * environment (SOFTHSM2_CONF, OPENSSL_CONF) is never touched.
 */
function unrecordedServers(dir: string): number[] {
  const postfixEnv = `MAIL_CONFIG=${join(dir, 'postfix', 'etc')}\0`;
  const dovecotArg = `-c\0${join(dir, 'dovecot')}/`;
  const crlArg = `crl-server`;
  const pscArg = `psc-server`;
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
      if (environ.includes(postfixEnv) || cmdline.includes(dovecotArg) || ((cmdline.includes(crlArg) || cmdline.includes(pscArg)) && cmdline.includes(`${dir}/`))) found.push(pid);
    } catch {
      /* gone, or a kernel thread */
    }
  }
  return found;
}

async function stopRun(dir: string, recorded: BenchProcess[], opts: { keepDir?: boolean } = {}): Promise<string[]> {
  let procs = recorded;
  try {
    procs = JSON.parse(await readFile(join(dir, PROCESSES_FILE), 'utf8')) as BenchProcess[];
  } catch {
    /* use what the caller knows */
  }
  for (const p of await discoverProcesses(dir)) if (!procs.some((q) => q.pid === p.pid)) procs.push(p);
  const stopped: string[] = [];
  const postfix = procs.find((p) => p.name === 'postfix');
  if (postfix && isOurs(postfix)) await stopPostfix(postfix.match).catch(() => undefined);
  for (const p of procs) if (isOurs(p)) process.kill(p.pid, 'SIGTERM');
  const end = Date.now() + 5000;
  while (procs.some(isOurs) && Date.now() < end) await sleep(50);
  for (const p of procs) {
    if (isOurs(p)) process.kill(p.pid, 'SIGKILL');
    stopped.push(`${p.name} (pid ${p.pid})`);
  }
  // Stragglers (unrecorded children of an interrupted start), twice: a starting Postfix forks late.
  for (let round = 0; round < 2; round++) {
    for (const pid of unrecordedServers(dir)) process.kill(pid, 'SIGKILL');
    await sleep(200);
  }
  if (!opts.keepDir && dir.startsWith(join(tmpdir(), 'mssante-testbed-'))) await rm(dir, { recursive: true, force: true });
  return stopped;
}

export async function down(): Promise<{ stopped: string[]; dir?: string }> {
  return withLock(async () => {
    await cleanInterruptedStart();
    const state = readState();
    if (!state) return { stopped: [] };
    const stopped = await stopRun(state.dir, state.processes ?? []);
    await rm(STATE_FILE, { force: true });
    return { stopped, dir: state.dir };
  });
}

export async function status(): Promise<{ up: boolean; state?: TestbedState; processes: { name: string; pid: number; running: boolean }[]; ports: Record<string, boolean> }> {
  const state = readState();
  if (!state) return { up: false, processes: [], ports: {} };
  const processes = (state.processes ?? []).map((p) => ({ name: p.name, pid: p.pid, running: isOurs(p) }));
  const ports: Record<string, boolean> = {};
  for (const [k, p] of Object.entries(state.ports)) ports[`${k}:${p}`] = await portOpen(p);
  return { up: await isHealthy(state), state, processes, ports };
}
