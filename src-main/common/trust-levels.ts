// Pure module shared by the main process and the renderer (no Node, no I/O):
// the sender-trust levels and their French words, the one place to change them.

export const TRUST_LEVELS = [
  'verified_professional',
  'verified_organization',
  'trusted_domain_unknown_address',
  'outside_trust_space',
  'suspicious',
] as const;
export type TrustLevel = (typeof TRUST_LEVELS)[number];

export const TRUST_LEVEL_LABELS_FR: Record<TrustLevel, { label: string; description: string; tone: 'ok' | 'info' | 'warning' | 'danger' }> = {
  verified_professional: {
    label: 'Professionnel vérifié',
    description: 'Adresse personnelle d’un professionnel de santé inscrit à l’annuaire MSSanté, sur un domaine de l’espace de confiance.',
    tone: 'ok',
  },
  verified_organization: {
    label: 'Boîte organisationnelle vérifiée',
    description: 'Adresse d’une structure (secrétariat, service) inscrite à l’annuaire MSSanté, sur un domaine de l’espace de confiance.',
    tone: 'ok',
  },
  trusted_domain_unknown_address: {
    label: 'Domaine MSSanté, adresse inconnue de l’annuaire',
    description: 'Le domaine appartient à l’espace de confiance MSSanté, mais l’adresse n’est pas (ou plus) dans l’annuaire, ou un contrôle n’a pas abouti.',
    tone: 'info',
  },
  outside_trust_space: {
    label: 'Hors espace de confiance',
    description: 'Le domaine de l’expéditeur ne fait pas partie de la liste blanche MSSanté : ce message ne bénéficie pas des garanties MSSanté.',
    tone: 'warning',
  },
  suspicious: {
    label: 'Expéditeur suspect',
    description: 'Le message présente des incohérences sur l’identité de l’expéditeur : vérifiez avant d’y répondre ou d’ouvrir les pièces jointes.',
    tone: 'danger',
  },
};
