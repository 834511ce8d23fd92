import { importListeBlanche, trustDirOf, type ListeBlancheImportReport } from '../../trust/index.js';
import type { CommandRegistrar } from '../program.js';

const SIGNATURE_FR = {
  valid: 'signature valide (IGC-Santé)',
  invalid: 'signature invalide',
  absent: 'fichier non signé',
} as const;

function reportTextFr(r: ListeBlancheImportReport): string {
  const lines = [
    `Liste blanche importée : ${r.domains} domaines (${r.entries} entrées), ${SIGNATURE_FR[r.signature.status]}.`,
    `Générée le : ${r.version.generatedAt ?? 'date inconnue'}.`,
  ];
  if (r.signature.status === 'valid' && r.signature.signer) lines.push(`Signataire : ${r.signature.signer.subject}.`);
  if (r.signature.signerExpiredSince) lines.push('Le certificat du signataire a expiré depuis : téléchargez une liste blanche plus récente.');
  if (!r.wellFormed) lines.push('Attention : le fichier XML est mal formé ; les domaines ont été lus en mode tolérant.');
  if (r.warnings.includes('unsigned_replaces_signed')) lines.push('Attention : cette liste non signée (acceptée par --accept-unsigned) remplace une liste dont la signature avait été vérifiée.');
  if (r.warnings.includes('older_than_previous')) lines.push('Attention : cette liste (acceptée par --force) est plus ancienne que celle qu’elle remplace.');
  if (r.invalidNames.length) lines.push(`Noms de domaine invalides ignorés : ${r.invalidNames.join(', ')}.`);
  return lines.join('\n');
}

/** `mssante listeblanche import FILE`: the domains of the MSSanté trust space. */
export const registerListeBlanche: CommandRegistrar = (program, ctx) => {
  const lb = program.command('listeblanche').description('liste blanche des domaines de l’espace de confiance MSSanté');
  lb.command('import')
    .description('importer la liste blanche (listeblanchemssante.xml) ; sa signature est vérifiée quand elle est présente')
    .argument('<fichier>', 'fichier listeblanchemssante.xml')
    .option('--accept-unsigned', 'accepter un fichier non signé alors qu’une liste signée a déjà été importée (réservé à l’informaticien)')
    .option('--force', 'accepter une liste plus ancienne que la liste actuelle (date de génération)')
    .action(async (file: string, o: { acceptUnsigned?: boolean; force?: boolean }) => {
      const c = ctx();
      c.progress('Import de la liste blanche et vérification de la signature…');
      const r = await importListeBlanche(file, { home: trustDirOf(c.home), acceptUnsigned: o.acceptUnsigned === true, force: o.force === true });
      c.result(
        {
          ok: true,
          domains: r.domains,
          entries: r.entries,
          wellFormed: r.wellFormed,
          invalidNames: r.invalidNames,
          warnings: r.warnings,
          signature: r.signature,
          version: r.version,
          seconds: r.seconds,
        },
        () => reportTextFr(r),
      );
    });
};
