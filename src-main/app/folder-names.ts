// Folders by their role and French name: special-use folders have one French name
// everywhere (sidebar, list title, moves, sync progress), whatever the server calls them.
import type { Folder } from '../ipc/contract.js';
import type { Folder as StoreFolder } from '../store/types.js';

const ROLE_BY_SPECIAL_USE: Record<string, Folder['role']> = {
  '\\Sent': 'sent',
  '\\Drafts': 'drafts',
  '\\Trash': 'trash',
  '\\Junk': 'junk',
  '\\Archive': 'archive',
};

/** Special-use folders have one French name everywhere (sidebar, list title, moves), whatever the server calls them. */
export const FOLDER_NAMES_FR: Partial<Record<Folder['role'], string>> = {
  inbox: 'Boîte de réception',
  sent: 'Envoyés',
  drafts: 'Brouillons',
  trash: 'Corbeille',
  junk: 'Indésirables',
  archive: 'Archives',
};

export function folderRole(f: Pick<StoreFolder, 'path' | 'specialUse'>): Folder['role'] {
  if (f.path.toUpperCase() === 'INBOX') return 'inbox';
  return (f.specialUse && ROLE_BY_SPECIAL_USE[f.specialUse]) || 'other';
}
