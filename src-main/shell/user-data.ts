// Layout of the application's data folder (Electron's userData). Everything
// sensitive is inside the encrypted store; the rest holds no patient data.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDir } from '../files/private.js';
import { trustDirOf } from '../trust/home.js';

export interface UserDataLayout {
  root: string;
  /** Encrypted SQLite store (mail.db + WAL files). */
  storeDir: string;
  storeFile: string;
  /** Store key sealed by the OS keystore (safeStorage) by versions before card binding: migrated, then removed. */
  sealedKeyFile: string;
  /** The keychain KEK sealed by safeStorage (only when the clinic setting or the user's consent asks for it). */
  keychainKekFile: string;
  /** The user's explicit acceptance of a plaintext keystore (Linux basic_text). */
  keyProtectionFile: string;
  /** Preferences (settings.json): no patient data. */
  settingsFile: string;
  /** Attachments opened with the OS, wiped at start and at quit. */
  openedAttachmentsDir: string;
  /** Annuaire and liste blanche (`mssante --home <root> annuaire import …` writes here: <root>/trust). */
  trustDir: string;
  /** Mailbox accounts (`mssante account add --home <root>`) and the TLS client's CRL cache live in `root`. */
  logsDir: string;
}

export function userDataLayout(root: string): UserDataLayout {
  const storeDir = join(root, 'store');
  return {
    root,
    storeDir,
    storeFile: join(storeDir, 'mail.db'),
    sealedKeyFile: join(storeDir, 'store-key.sealed'),
    keychainKekFile: join(storeDir, 'keychain-kek.sealed'),
    keyProtectionFile: join(root, 'key-protection.json'),
    settingsFile: join(root, 'settings.json'),
    openedAttachmentsDir: join(root, 'opened-attachments'),
    trustDir: trustDirOf(root),
    logsDir: join(root, 'logs'),
  };
}

/** Creates the folders and makes them owner-only (also when they existed as 0755); empties opened-attachments. */
export function prepareUserData(layout: UserDataLayout): void {
  for (const dir of [layout.root, layout.storeDir, layout.openedAttachmentsDir, layout.trustDir, layout.logsDir]) {
    ensurePrivateDir(dir);
  }
  wipeOpenedAttachments(layout);
}

/** Attachments handed to the OS are copies in clear: never leave them behind. */
export function wipeOpenedAttachments(layout: UserDataLayout): void {
  let names: string[];
  try {
    names = readdirSync(layout.openedAttachmentsDir);
  } catch {
    return;
  }
  for (const name of names) rmSync(join(layout.openedAttachmentsDir, name), { recursive: true, force: true });
}
