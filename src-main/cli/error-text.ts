// The French text of a failure as the CLI prints it: the error's code says what went wrong,
// its data (address, file, folder, id) lets the text name the culprit and the next step.
// Pure; runCli prints the result after "Erreur : ".
import { messageFr, type AppError } from '../errors/index.js';
import { termField } from '../common/terminal-text.js';


const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function causeCode(err: AppError): string | undefined {
  const cause = (err as { cause?: unknown }).cause;
  return cause && typeof cause === 'object' ? str((cause as { code?: unknown }).code) : undefined;
}

/** French sentence for `err`, naming what the error's data names. */
export function cliErrorTextFr(err: AppError): string {
  const d = err.data;
  const set = str(d.messageFr);
  if (set) return set;
  const address = str(d.address);
  const file = str(d.file) ?? str(d.path);
  switch (err.code) {
    case 'ACCOUNT_NOT_FOUND':
      return address
        ? `Aucun compte de messagerie configuré pour l’adresse ${termField(address)} : ajoutez-le avec « mssante account add --address ${termField(address)} … ».`
        : 'Aucun compte de messagerie configuré : ajoutez-en un avec « mssante account add ».';
    case 'IO_FAILED':
      if (file) {
        const code = causeCode(err);
        if (code === 'ENOENT') return `Fichier introuvable : ${termField(file)}.`;
        if (code === 'EACCES' || code === 'EPERM') return `Accès refusé au fichier ${termField(file)} : vérifiez ses droits.`;
        return `Lecture ou écriture impossible : ${termField(file)}.`;
      }
      break;
    case 'NOT_FOUND':
      if (str(d.folder)) return `Dossier « ${termField(str(d.folder)!)} » introuvable dans la base locale.`;
      if (d.id !== undefined) return `Aucun message n° ${termField(String(d.id))} dans la base locale (voir « mssante messages list »).`;
      break;
    case 'INVALID_ARGUMENT':
      if (d.id !== undefined) return `« ${termField(String(d.id))} » n’est pas un numéro de message (voir « mssante messages list »).`;
      if (str(d.option)) return `Valeur refusée pour l’option ${termField(str(d.option)!)}.`;
      break;
    default:
      break;
  }
  return messageFr(err.code, err.data);
}
