import { Option } from 'commander';
import { AnnuaireReader, TrustContext, downloadAnnuaire, importAnnuaire, trustDirOf, type AnnuaireEntry, type AnnuaireImportReport } from '../../trust/index.js';
import type { CliContext } from '../context.js';
import { integerBetween } from '../option-parsers.js';
import { termField } from '../../common/terminal-text.js';
import type { CommandRegistrar } from '../program.js';

/** JSON row of `annuaire search` (shape fixed by issue 7). */
function entryJson(e: AnnuaireEntry): Record<string, unknown> {
  return {
    address: e.address,
    type: e.type,
    nationalId: e.nationalId,
    lastName: e.lastName,
    firstName: e.firstName,
    profession: e.profession,
    specialty: e.specialty,
    structure: e.structureName ?? e.tradeName,
    city: e.city,
    postalCode: e.postalCode,
    dematerialisation: e.dematerialisation,
  };
}

// The annuaire is a downloaded public file: its fields are untrusted text for the terminal.
function entryTextFr(e: AnnuaireEntry): string {
  return termField(entryLineFr(e), 400);
}

function entryLineFr(e: AnnuaireEntry): string {
  const who = [e.civility, e.firstName, e.lastName].filter(Boolean).join(' ') || e.structureName || '';
  const what = [e.profession, e.specialty].filter(Boolean).join(', ');
  const where = [e.structureName && e.lastName ? e.structureName : null, [e.postalCode, e.city].filter(Boolean).join(' ')].filter(Boolean).join(', ');
  const flags = [e.type === 'ORG' ? 'boîte organisationnelle' : null, e.dematerialisation ? 'dématérialisation' : null].filter(Boolean);
  return `${e.address}  ${who}${what ? ' — ' + what : ''}${where ? ' — ' + where : ''}${flags.length ? ` [${flags.join(', ')}]` : ''}`;
}

function reportJson(r: AnnuaireImportReport): Record<string, unknown> {
  return {
    ok: true,
    rows: r.rows,
    imported: r.imported,
    duplicates: r.duplicates,
    malformed: r.malformed,
    malformedByReason: r.malformedByReason,
    malformedSamples: r.malformedSamples,
    seconds: r.seconds,
    version: r.version,
    unknownColumns: r.unknownColumns,
    missingColumns: r.missingColumns,
  };
}

const REASON_FR: Record<string, string> = {
  field_count: 'nombre de colonnes incorrect',
  missing_type: 'type de boîte absent',
  invalid_address: 'adresse invalide',
};

function reportTextFr(r: AnnuaireImportReport): string {
  const lines = [
    `Annuaire importé : ${r.imported} adresses (${r.rows} lignes lues, ${r.duplicates} doublons ignorés, ${r.malformed} lignes invalides) en ${r.seconds} s.`,
    `Version : ${r.version.sourceName}${r.version.extractionDate ? ` (extraction du ${r.version.extractionDate.slice(0, 10)})` : ''}.`,
  ];
  if (r.malformed > 0) {
    const detail = Object.entries(r.malformedByReason)
      .filter(([, n]) => n > 0)
      .map(([reason, n]) => `${n} × ${REASON_FR[reason] ?? reason}`)
      .join(', ');
    lines.push(`Lignes invalides non importées : ${detail} (premières : lignes ${r.malformedSamples.map((s) => s.line).join(', ')}).`);
  }
  if (r.missingColumns.length) lines.push(`Colonnes absentes du fichier : ${r.missingColumns.join(', ')}.`);
  return lines.join('\n');
}

function progressReporter(c: CliContext): (fraction: number, rows: number) => void {
  let last = -1;
  return (fraction, rows) => {
    const pct = Math.floor(fraction * 10) * 10;
    if (pct !== last) {
      last = pct;
      c.progress(`Import de l’annuaire : ${pct} % (${rows} lignes)`);
    }
  };
}

/** `mssante annuaire import|search|download`: the national MSSanté directory, offline. */
export const registerAnnuaire: CommandRegistrar = (program, ctx) => {
  const annuaire = program.command('annuaire').description('annuaire MSSanté hors ligne (import de l’extraction publique, recherche)');

  annuaire
    .command('import')
    .description('importer l’extraction Extraction_Correspondance_MSSante (.txt ou .zip) ; remplace l’annuaire actuel une fois l’import réussi')
    .argument('<fichier>', 'fichier Extraction_Correspondance_MSSante_*.txt ou archive .zip')
    .option('--max-shrink <pourcent>', 'baisse maximale du nombre d’adresses acceptée sans --force (défaut : 10)', integerBetween('--max-shrink', 0, 100))
    .option('--force', 'accepter un fichier qui réduit l’annuaire au-delà de --max-shrink')
    .action(async (file: string, o: { maxShrink?: number; force?: boolean }) => {
      const c = ctx();
      const maxShrinkShare = o.maxShrink === undefined ? undefined : o.maxShrink / 100;
      const report = await importAnnuaire(file, {
        home: trustDirOf(c.home),
        ...(maxShrinkShare === undefined ? {} : { maxShrinkShare }),
        force: o.force === true,
        onProgress: progressReporter(c),
        onIndexing: () => c.progress('Construction de l’index de recherche…'),
      });
      c.result(reportJson(report), () => reportTextFr(report));
    });

  annuaire
    .command('download')
    .description('télécharger l’extraction officielle (service de l’Annuaire Santé ou miroir data.gouv.fr) puis l’importer')
    .addOption(new Option('--source <source>', 'source du fichier').choices(['webservice', 'datagouv']).default('webservice'))
    .option('--url <url>', 'adresse de téléchargement (remplace celle de la source)')
    .option('--force', 'accepter un fichier qui réduit l’annuaire de plus de 10 %')
    .action(async (o: { source: 'webservice' | 'datagouv'; url?: string; force?: boolean }) => {
      const c = ctx();
      const report = await downloadAnnuaire({
        home: trustDirOf(c.home),
        source: o.source,
        ...(o.url ? { url: o.url } : {}),
        force: o.force === true,
        onProgress: (l) => c.progress(l),
      });
      c.result(reportJson(report), () => reportTextFr(report));
    });

  annuaire
    .command('status')
    .description('versions de l’annuaire et de la liste blanche importés')
    .action(() => {
      const c = ctx();
      const trust = TrustContext.open(trustDirOf(c.home));
      try {
        const { annuaire: a, listeBlanche: lb } = trust.versions;
        c.result({ ok: true, annuaire: a, listeBlanche: lb }, () =>
          [
            a ? `Annuaire : ${a.entries} adresses, ${a.sourceName}, importé le ${a.importedAt.slice(0, 10)}.` : 'Annuaire : non importé.',
            lb ? `Liste blanche : générée le ${lb.generatedAt ?? 'date inconnue'}, importée le ${lb.importedAt.slice(0, 10)} (${lb.signature === 'valid' ? 'signature valide' : 'non signée'}).` : 'Liste blanche : non importée.',
          ].join('\n'),
        );
      } finally {
        trust.close();
      }
    });

  annuaire
    .command('search')
    .description('rechercher un professionnel ou une structure (nom, prénom, profession, spécialité, ville, code postal, structure, adresse ou domaine)')
    .argument('<recherche>', 'mots recherchés (début de mot suffisant, accents facultatifs), une adresse complète ou un domaine (@ch-exemple.mssante.fr)')
    .option('--limit <n>', 'nombre maximal de résultats, de 1 à 1 000', integerBetween('--limit', 1, 1000), 20)
    .action((query: string, o: { limit: number }) => {
      const c = ctx();
      const limit = o.limit;
      const reader = AnnuaireReader.require(trustDirOf(c.home));
      try {
        const found = reader.search(query, limit);
        c.result({ ok: true, version: reader.version, results: found.map(entryJson) }, () =>
          found.length ? found.map(entryTextFr).join('\n') : 'Aucun résultat dans l’annuaire.',
        );
      } finally {
        reader.close();
      }
    });
};
