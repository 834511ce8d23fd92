// French lines for what a sync pass met on the server (folders renamed,
// deleted or failing, local changes that could not apply, connections
// recovered): the CLI prints them, the window shows them. Pure.
import { describeErrorFr, messageFr } from '../errors/index.js';
import type { SyncSummary } from './engine.js';

const plural = (n: number, one: string, many: string): string => `${n} ${n > 1 ? many : one}`;

const CHANGE_FR = { flags: 'changement de drapeau', move: 'déplacement', delete: 'suppression' } as const;

export function syncNoticesFr(s: Pick<SyncSummary, 'renamedFolders' | 'removedFolders' | 'failedFolders' | 'droppedChanges' | 'reconnects'>): string[] {
  const out: string[] = [];
  for (const r of s.renamedFolders) out.push(`Le dossier « ${r.from} » a été renommé « ${r.to} » sur le serveur : ses messages sont conservés.`);
  for (const r of s.removedFolders) {
    out.push(`Le dossier « ${r.folder} » n’existe plus sur le serveur : il a été retiré de ce poste (${plural(r.messages, 'message retiré', 'messages retirés')}).`);
  }
  for (const d of s.droppedChanges) {
    if (d.reason === 'target-missing') {
      out.push(`Déplacement vers « ${d.target ?? ''} » impossible : ce dossier n’existe plus sur le serveur. Le message est resté dans « ${d.folder} ».`);
    } else {
      out.push(`Modification locale abandonnée (${CHANGE_FR[d.kind]}) : le dossier « ${d.folder} » a été supprimé sur le serveur.`);
    }
  }
  for (const f of s.failedFolders) out.push(`Le dossier « ${f.folder} » n’a pas pu être synchronisé (${messageFr(f.code)}) ; les autres dossiers l’ont été.`);
  for (const r of s.reconnects) out.push(`${describeErrorFr({ code: r.code, data: r.data })} Reconnexion effectuée, la synchronisation a repris.`);
  return out;
}
