// `mssante policy show|set|unset`: the clinic's rules for this workstation (app/clinic-policy.ts,
// app/settings-policy.ts), written by the clinic's IT person, never by the window, which shows them
// read-only (« fixé par votre établissement »). Each change is journalled (waiting in the pending
// journal until the next card unlock when no card session is open, like `store keychain`).
import { AppError } from '../../errors/index.js';
import { CLINIC_POLICY_FILE, isDomainName, readClinicPolicy, writeClinicPolicy } from '../../app/clinic-policy.js';
import { LIMITS, type ClinicKey, type ClinicRules, type RuleSource } from '../../app/settings-policy.js';
import { SettingsFile } from '../../app/settings.js';
import { termField } from '../../common/terminal-text.js';
import { recordCliOrQueue } from '../card-unlock.js';
import type { CliContext } from '../context.js';
import type { CommandRegistrar } from '../program.js';
import { join } from 'node:path';

/** The command line's name of each rule, its French label, and how its value is read. */
const RULES: Record<string, { key: ClinicKey; label: string; parse(raw: string): ClinicRules[ClinicKey]; hint: string }> = {
  'outside-trust-space': {
    key: 'outsideTrustSpace',
    label: 'Envoi hors de l’espace de confiance MSSanté',
    hint: 'block (interdit) ou confirm (confirmé destinataire par destinataire)',
    parse: (raw) => {
      if (raw !== 'block' && raw !== 'confirm') throw refused('outside-trust-space', raw);
      return raw;
    },
  },
  'max-session-hours': {
    key: 'maxSessionHours',
    label: 'Durée maximale d’une session carte (heures)',
    hint: `un nombre entier d’heures, de ${LIMITS.maxSessionHours.min} à ${LIMITS.maxSessionHours.max}`,
    parse: (raw) => integerIn(raw, LIMITS.maxSessionHours, 'max-session-hours'),
  },
  'idle-lock-max-minutes': {
    key: 'idleLockMaxMinutes',
    label: 'Verrouillage après inactivité, au plus (minutes)',
    hint: `un nombre entier de minutes, de ${LIMITS.idleLockMinutes.min} à ${LIMITS.idleLockMinutes.max}`,
    parse: (raw) => integerIn(raw, LIMITS.idleLockMinutes, 'idle-lock-max-minutes'),
  },
  'patient-domain': {
    key: 'patientDomain',
    label: 'Domaine des patients (Mon espace santé)',
    hint: 'un nom de domaine (patient.mssante.fr ; celui d’une plateforme de test sinon)',
    parse: (raw) => {
      const d = raw.trim().toLowerCase();
      if (!isDomainName(d)) throw refused('patient-domain', raw);
      return d;
    },
  },
};

/** A value the rule does not take: the French text names the rule, the value and what it takes. */
function refused(name: string, raw: string): AppError {
  return new AppError('INVALID_ARGUMENT', `${name}: value refused`, {
    data: { messageFr: `Valeur « ${termField(raw)} » refusée pour la règle ${name} : ${RULES[name]!.hint}.` },
  });
}

function integerIn(raw: string, range: { min: number; max: number }, name: string): number {
  const n = Number(raw);
  if (!/^[0-9]+$/.test(raw.trim()) || n < range.min || n > range.max) throw refused(name, raw);
  return n;
}

function ruleOf(name: string) {
  const rule = RULES[name];
  if (!rule) {
    throw new AppError('INVALID_ARGUMENT', 'unknown clinic rule', {
      data: { messageFr: `Règle inconnue « ${termField(name)} » : les règles de l’établissement sont ${Object.keys(RULES).join(', ')}.` },
    });
  }
  return rule;
}

const SOURCE_FR: Record<RuleSource, string> = {
  clinic: 'fixé par l’établissement',
  legacy: 'repris de l’ancien fichier settings.json (à fixer avec mssante policy set)',
  default: 'valeur par défaut',
};

function valueFr(key: ClinicKey, value: string | number): string {
  if (key === 'outsideTrustSpace') return value === 'block' ? 'interdit (block)' : 'confirmé destinataire par destinataire (confirm)';
  return String(value);
}

function show(c: CliContext): void {
  const policy = readClinicPolicy(c.home);
  const s = new SettingsFile(join(c.home, 'settings.json')).read();
  const rules = Object.entries(RULES).map(([name, r]) => ({ rule: name, key: r.key, value: s[r.key], source: s.clinic[r.key] }));
  c.result({ ok: true, file: CLINIC_POLICY_FILE, unreadable: policy.unreadable, rules }, () =>
    [
      ...(policy.unreadable
        ? [`Le fichier ${CLINIC_POLICY_FILE} de ce poste est illisible : l’envoi hors de l’espace de confiance est interdit tant qu’il n’est pas corrigé (mssante policy set … le réécrit).`]
        : []),
      ...rules.map((r) => `${RULES[r.rule]!.label} : ${valueFr(r.key, r.value)} — ${SOURCE_FR[r.source]} (${r.rule})`),
    ].join('\n'),
  );
}

async function change(c: CliContext, name: string, raw: string | undefined): Promise<void> {
  const rule = ruleOf(name);
  const value = raw === undefined ? undefined : rule.parse(raw);
  const before = readClinicPolicy(c.home).rules;
  const next: Partial<ClinicRules> = { ...before };
  if (value === undefined) delete next[rule.key];
  else (next as Record<string, unknown>)[rule.key] = value;
  writeClinicPolicy(c.home, next);
  if (before[rule.key] !== next[rule.key]) {
    await recordCliOrQueue(c, [{ action: 'settings.changed', data: { changes: { [`clinic.${rule.key}`]: next[rule.key] ?? null } } }]);
  }
  const s = new SettingsFile(join(c.home, 'settings.json')).read();
  c.result(
    { ok: true, rule: name, key: rule.key, value: s[rule.key], source: s.clinic[rule.key] },
    value === undefined
      ? `Règle de l’établissement retirée : ${rule.label} — maintenant ${valueFr(rule.key, s[rule.key])} (${SOURCE_FR[s.clinic[rule.key]]}). La fenêtre l’applique sans redémarrer.`
      : `Règle de l’établissement enregistrée : ${rule.label} — ${valueFr(rule.key, s[rule.key])}. La fenêtre l’applique sans redémarrer et l’affiche en lecture seule.`,
  );
}

export const registerPolicy: CommandRegistrar = (program, ctx) => {
  const names = Object.keys(RULES).join(', ');
  const policy = program
    .command('policy')
    .description('règles de l’établissement pour ce poste (fixées par la personne qui gère l’informatique, en lecture seule dans la fenêtre)');
  policy
    .command('show')
    .description('afficher chaque règle, sa valeur et qui l’a fixée')
    .action(() => show(ctx()));
  policy
    .command('set')
    .argument('<règle>', names)
    .argument('<valeur>', Object.entries(RULES).map(([n, r]) => `${n} : ${r.hint}`).join(' ; '))
    .description('fixer une règle de l’établissement (journalisé)')
    .action(async (name: string, value: string) => change(ctx(), name, value));
  policy
    .command('unset')
    .argument('<règle>', names)
    .description('retirer une règle de l’établissement : la valeur par défaut s’applique (journalisé)')
    .action(async (name: string) => change(ctx(), name, undefined));
};
