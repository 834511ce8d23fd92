// electron-builder.yml checked with electron-builder's own loader and schema,
// plus the facts the issue asks for: targets, native modules unpacked and
// rebuilt, fuses, French product name, icons that are real images.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, rmSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
// electron-builder's config loader and schema validation (its own package, pinned by the lock file)
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config.js';
import { log } from 'builder-util/out/log.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const quiet = { isEnabled: false, add() {}, addValue() {}, nestedValue() {} } as never;
// electron-builder logs straight to stdout, which the test runner reserves for its own protocol.
(log as unknown as { stream: { write(s: string): boolean } }).stream = { write: () => true };

type Config = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function load(dir: string, file: string): Promise<Config> {
  const config = await getConfig(dir, file, null);
  await validateConfiguration(config, quiet);
  return config as Config;
}

const targetsOf = (platform: { target: (string | { target: string })[] }) => platform.target.map((t) => (typeof t === 'string' ? t : t.target));

test('electron-builder.yml is valid for electron-builder and packages all four targets', async () => {
  const config = await load(root, join(root, 'electron-builder.yml'));
  assert.equal(config.productName, 'Messagerie MSSanté');
  assert.match(config.appId, /^[a-z]+(\.[a-z]+)+$/);
  assert.deepEqual(targetsOf(config.linux), ['AppImage', 'deb']);
  assert.deepEqual(targetsOf(config.win), ['nsis']);
  assert.deepEqual(targetsOf(config.mac), ['dmg']);
  assert.ok(config.deb.depends.includes('libsecret-1-0'), 'the keystore that seals the store key');
});

test('native modules are rebuilt for Electron and unpacked from the asar archive', async () => {
  const config = await load(root, join(root, 'electron-builder.yml'));
  assert.equal(config.npmRebuild, true);
  assert.equal(config.asar, true);
  for (const mod of ['pkcs11js', 'better-sqlite3-multiple-ciphers']) {
    assert.ok(config.asarUnpack.includes(`node_modules/${mod}/**`), mod);
    assert.ok(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).dependencies[mod], `${mod} is a runtime dependency`);
  }
  const files = (config.files as (string | { filter: string[] })[]).flatMap((f) => (typeof f === 'string' ? [f] : f.filter));
  assert.ok(files.includes('dist/preload/preload.cjs'));
  assert.ok(files.includes('dist/renderer/**/*'));
  const main = readFileSync(join(root, 'src-main/shell/main.ts'), 'utf8');
  assert.match(main, /'dist', 'preload', 'preload\.cjs'/, 'main loads the preload from where it is packaged');
  assert.match(main, /'dist', 'renderer'/);
});

test('Electron fuses: no run-as-node, no NODE_OPTIONS, no inspector, asar integrity, asar only', async () => {
  const { electronFuses } = await load(root, join(root, 'electron-builder.yml'));
  assert.equal(electronFuses.runAsNode, false);
  assert.equal(electronFuses.enableNodeOptionsEnvironmentVariable, false);
  assert.equal(electronFuses.enableNodeCliInspectArguments, false);
  assert.equal(electronFuses.enableEmbeddedAsarIntegrityValidation, true);
  assert.equal(electronFuses.onlyLoadAppFromAsar, true);
  assert.equal(electronFuses.grantFileProtocolExtraPrivileges, false);
});

test('a misspelt option is rejected by the schema check (the validation can fail)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mssante-eb-'));
  try {
    copyFileSync(join(root, 'package.json'), join(dir, 'package.json'));
    writeFileSync(join(dir, 'eb.yml'), 'appId: a.b\nasarUnpak:\n  - x\n');
    await assert.rejects(load(dir, join(dir, 'eb.yml')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function pngSize(buf: Buffer): number {
  assert.ok(buf.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), 'PNG signature');
  const width = buf.readUInt32BE(16);
  assert.equal(buf.readUInt32BE(20), width, 'square');
  return width;
}

test('icons: PNG set for Linux, ICO with 256 px for Windows, ICNS up to 1024 px for macOS', () => {
  assert.equal(pngSize(readFileSync(join(root, 'build/icon.png'))), 1024);
  for (const s of [16, 32, 48, 64, 128, 256, 512]) assert.equal(pngSize(readFileSync(join(root, `build/icons/${s}x${s}.png`))), s);
  const ico = readFileSync(join(root, 'build/icon.ico'));
  assert.equal(ico.readUInt16LE(2), 1, 'ICO type');
  const sizes = Array.from({ length: ico.readUInt16LE(4) }, (_, i) => ico[6 + 16 * i] || 256);
  assert.ok(sizes.includes(256) && sizes.includes(16), sizes.join(','));
  const icns = readFileSync(join(root, 'build/icon.icns'));
  assert.equal(icns.subarray(0, 4).toString('latin1'), 'icns');
  assert.equal(icns.readUInt32BE(4), icns.length);
  assert.ok(icns.includes(Buffer.from('ic10')) && icns.includes(Buffer.from('ic07')));
});
