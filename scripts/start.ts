// `npm start`: the desktop window from the sources, on a developer machine.
//  1. the Electron binary must be there (npm install downloads it; ELECTRON_SKIP_BINARY_DOWNLOAD skips it):
//     without it, say so in French and point to what works without a window (exit code 1);
//  2. better-sqlite3 is built against one V8 ABI: `npm install` built it for Node (CLI, tests), so an
//     Electron build is made once beside it, in node_modules/.cache (prebuilt binary through
//     prebuild-install, else compiled by @electron/rebuild), and src-main/store/native-binding.ts
//     loads it under Electron. pkcs11js is N-API: its one build serves both;
//  3. build (main, preload, renderer), then run Electron on the app.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADDON_FILE, electronNativeDir } from '../src-main/store/native-binding.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
const SQLITE = 'better-sqlite3-multiple-ciphers';

export const NO_ELECTRON_FR = [
  'La fenêtre de Messagerie MSSanté a besoin du programme Electron, absent de node_modules/electron.',
  'Il est téléchargé par « npm install » sur une machine connectée à Internet (sans ELECTRON_SKIP_BINARY_DOWNLOAD) ;',
  'dans une installation déjà faite : « node node_modules/electron/install.js », puis de nouveau « npm start ».',
  'Sans fenêtre, tout le reste fonctionne :',
  '  - la ligne de commande : npm run mssante -- --help',
  '  - les tests : npm test (suite complète) ou npm run test:unit (sans banc de test)',
].join('\n');

/** Path of the Electron binary, or undefined when it was not downloaded (require('electron') throws then). */
export function electronBinary(): string | undefined {
  try {
    const path = require('electron') as unknown;
    return typeof path === 'string' && existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

const hasAbi = (file: string, abi: string) => readFileSync(file).includes(`node_register_module_v${abi}`);

function run(cmd: string, args: string[], cwd: string): boolean {
  return spawnSync(cmd, args, { cwd, stdio: 'inherit', shell: process.platform === 'win32' }).status === 0;
}

/** The Electron build of better-sqlite3, made on first use and cached per Electron version, platform and arch. */
async function ensureElectronNative(): Promise<void> {
  const electronDir = dirname(require.resolve('electron/package.json'));
  const electron = (JSON.parse(readFileSync(join(electronDir, 'package.json'), 'utf8')) as { version: string }).version;
  const abi = readFileSync(join(electronDir, 'abi_version'), 'utf8').trim();
  const moduleDir = dirname(require.resolve(`${SQLITE}/package.json`));
  const version = (JSON.parse(readFileSync(join(moduleDir, 'package.json'), 'utf8')) as { version: string }).version;
  const cacheDir = electronNativeDir(dirname(moduleDir), { electron, platform: process.platform, arch: process.arch });
  const target = join(cacheDir, ADDON_FILE);
  if (existsSync(target) && hasAbi(target, abi)) return;

  console.log(`Préparation de ${SQLITE} pour Electron ${electron} (une seule fois)…`);
  mkdirSync(cacheDir, { recursive: true });
  // A scratch copy, so the Node build in node_modules stays as it is.
  const work = mkdtempSync(join(dirname(cacheDir), 'work-'));
  try {
    const copy = join(work, 'node_modules', SQLITE);
    cpSync(moduleDir, copy, { recursive: true, filter: (src) => !(relative(moduleDir, src) + sep).startsWith(`build${sep}`) });
    writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'electron-native-build', version: '0.0.0', private: true, dependencies: { [SQLITE]: version } }));
    const prebuild = require.resolve('prebuild-install/bin.js');
    const built = run(process.execPath, [prebuild, '--runtime', 'electron', '--target', electron, '--arch', process.arch, '--platform', process.platform], copy);
    if (!built) {
      console.log('Pas de binaire précompilé : compilation avec @electron/rebuild (outils de compilation C++ et Python nécessaires)…');
      const { rebuild } = await import('@electron/rebuild');
      await rebuild({ buildPath: work, electronVersion: electron, arch: process.arch, onlyModules: [SQLITE], force: true, buildFromSource: true });
    }
    const addon = join(copy, 'build', 'Release', ADDON_FILE);
    if (!existsSync(addon) || !hasAbi(addon, abi)) throw new Error(`no ${ADDON_FILE} for Electron ABI ${abi} was produced`);
    copyFileSync(addon, target);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  const electron = electronBinary();
  if (!electron) {
    console.error(NO_ELECTRON_FR);
    return 1;
  }
  try {
    await ensureElectronNative();
  } catch (err) {
    console.error(`Impossible de préparer ${SQLITE} pour Electron : ${(err as Error).message}`);
    console.error('Vérifiez l’accès à Internet (binaires précompilés) ou installez les outils de compilation (voir README).');
    return 1;
  }
  if (!run('npm', ['run', '--silent', 'build'], root)) return 1;
  const child = spawn(electron, ['.', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
  return new Promise((resolve) => child.on('close', (code) => resolve(code ?? 1)));
}

process.exitCode = await main();
