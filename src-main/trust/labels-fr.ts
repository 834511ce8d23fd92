import type { TrustCheck, TrustDecision, TrustReason } from './types.js';

// French wording of the trust decision, for the UI and the CLI: the one place to change it.

import { TRUST_LEVEL_LABELS_FR } from '../common/trust-levels.js';

export { TRUST_LEVEL_LABELS_FR };

const CHECK_LABELS_FR: Record<TrustCheck, { passed: string; failed: string; notApplicable: string }> = {
  from_address: {
    passed: 'Adresse d’expéditeur bien formée',
    failed: 'Adresse d’expéditeur absente, multiple ou invalide',
    notApplicable: 'Adresse d’expéditeur non vérifiée',
  },
  domain_in_liste_blanche: {
    passed: 'Domaine présent dans la liste blanche MSSanté',
    failed: 'Domaine absent de la liste blanche MSSanté',
    notApplicable: 'Liste blanche non consultée',
  },
  address_in_annuaire: {
    passed: 'Adresse inscrite à l’annuaire MSSanté',
    failed: 'Adresse absente de l’annuaire MSSanté',
    notApplicable: 'Annuaire non consulté',
  },
  mailbox_type: {
    passed: 'Type de boîte aux lettres connu',
    failed: 'Type de boîte aux lettres inconnu',
    notApplicable: 'Type de boîte non applicable',
  },
  sender_matches_from: {
    passed: 'L’en-tête Sender correspond à l’expéditeur',
    failed: 'L’en-tête Sender désigne une autre adresse que l’expéditeur',
    notApplicable: 'Pas d’en-tête Sender',
  },
  envelope_matches_from: {
    passed: 'L’adresse de retour (enveloppe) correspond à l’expéditeur',
    failed: 'L’adresse de retour (enveloppe) diffère de l’expéditeur',
    notApplicable: 'Adresse de retour absente',
  },
  display_name: {
    passed: 'Nom affiché cohérent avec l’adresse',
    failed: 'Le nom affiché imite un autre professionnel ou contient une autre adresse',
    notApplicable: 'Pas de nom affiché',
  },
  idn_domain: {
    passed: 'Domaine international écrit dans une seule écriture',
    failed: 'Domaine international trompeur : il mélange des alphabets ou imite des lettres latines',
    notApplicable: 'Domaine en caractères latins simples',
  },
  dkim: {
    passed: 'Signature DKIM valide du domaine expéditeur',
    failed: 'Signature DKIM du domaine expéditeur invalide (message modifié ou usurpé)',
    notApplicable: 'Pas de signature DKIM vérifiable du domaine expéditeur',
  },
};

const DETAIL_LABELS_FR: Record<string, string> = {
  PER: 'boîte personnelle',
  ORG: 'boîte organisationnelle',
  same_domain: 'même domaine',
  other_trusted_domain: 'autre domaine MSSanté',
  domain_outside_trust_space: 'domaine hors espace de confiance',
  contains_other_address: 'le nom affiché contient une autre adresse',
  name_of_other_professional: 'nom d’un autre professionnel de l’annuaire',
  imitates_professional: 'imitation du nom d’un professionnel (caractères trompeurs)',
  several: 'plusieurs expéditeurs',
  bounce: 'message de non-remise',
  offline: 'non vérifiable hors ligne',
  single_script: 'une seule écriture',
  mixed_script: 'alphabets mélangés',
  confusable: 'lettres imitant l’alphabet latin',
};

export function reasonLabelFr(reason: TrustReason): string {
  const labels = CHECK_LABELS_FR[reason.check];
  const base = reason.status === 'passed' ? labels.passed : reason.status === 'failed' ? labels.failed : labels.notApplicable;
  const detail = reason.detail ? DETAIL_LABELS_FR[reason.detail] : undefined;
  return detail ? `${base} (${detail})` : base;
}

/** The sentence the badge explanation gets from the DKIM check made when the message was opened, or null. */
export function dkimExplanationFr(reasons: readonly TrustReason[]): string | null {
  const dkim = reasons.find((r) => r.check === 'dkim');
  if (!dkim) return null;
  if (dkim.status === 'passed') return 'Signature DKIM du domaine expéditeur vérifiée à l’ouverture du message.';
  if (dkim.status === 'failed') return 'Signature DKIM du domaine expéditeur invalide à l’ouverture : le message a pu être modifié ou usurpé.';
  if (dkim.detail === 'offline') return 'Signature DKIM non vérifiable hors ligne : elle sera vérifiée à la prochaine ouverture avec une connexion.';
  return null;
}

/** One-line French summary: "Professionnel vérifié — Jean DUPONT, Médecin (RPPS 10001234567)". */
export function decisionSummaryFr(decision: TrustDecision): string {
  const level = TRUST_LEVEL_LABELS_FR[decision.level].label;
  const id = decision.identity;
  if (!id) return level;
  const national = id.nationalId && id.nationalIdType ? ` (${id.nationalIdType} ${id.nationalId.slice(1)})` : '';
  const what = [id.profession, id.specialty].filter(Boolean).join(', ');
  return `${level} — ${id.name}${what ? ', ' + what : ''}${national}`;
}
