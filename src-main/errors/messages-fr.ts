import type { ErrorCode } from './codes.js';

// French user-facing wording of every error code. A Record over the closed set:
// adding a code without its message fails the typecheck.
export const MESSAGES_FR: Record<ErrorCode, string> = {
  INTERNAL: 'Erreur interne inattendue.',
  INVALID_ARGUMENT: 'Paramètre invalide.',
  NOT_FOUND: 'Élément introuvable.',
  IO_FAILED: 'Lecture ou écriture de fichier impossible.',
  CARD_MODULE_NOT_FOUND: 'Bibliothèque PKCS#11 de la carte CPS introuvable (Cryptolib CPS ou OpenSC).',
  CARD_MODULE_LOAD_FAILED: 'La bibliothèque PKCS#11 de la carte n’a pas pu être chargée.',
  CARD_NOT_PRESENT: 'Aucune carte CPS détectée : insérez votre carte dans le lecteur.',
  CARD_REMOVED: 'La carte CPS a été retirée.',
  CARD_UNAVAILABLE: 'La carte CPS ne répond pas (lecteur ou bibliothèque indisponible).',
  CARD_PIN_INCORRECT: 'Code PIN incorrect.',
  CARD_PIN_LOCKED: 'Carte bloquée : le code PIN a été saisi trop de fois de manière erronée. Utilisez votre code de déblocage.',
  CARD_PIN_REQUIRED: 'Le code PIN de la carte est nécessaire.',
  CARD_NO_CERTIFICATE: 'Aucun certificat d’authentification trouvé sur la carte.',
  CARD_SIGN_FAILED: 'La carte n’a pas pu signer.',
  CARD_TOKEN_AMBIGUOUS: 'Plusieurs cartes sont présentes : précisez laquelle utiliser (--token).',
  TLS_HANDSHAKE_FAILED: 'La connexion sécurisée (TLS) avec le serveur a échoué.',
  TLS_PROTOCOL_VERSION: 'Le serveur n’accepte pas TLS 1.2, seule version autorisée par MSSanté.',
  TLS_NO_SHARED_CIPHER: 'Le serveur ne propose aucune suite de chiffrement autorisée par MSSanté.',
  TLS_BAD_RECORD: 'Données TLS altérées ou invalides reçues du serveur.',
  TLS_ALERT_RECEIVED: 'Le serveur a interrompu la connexion sécurisée.',
  TLS_TRUNCATED: 'La connexion a été coupée sans fermeture TLS propre (données possiblement tronquées).',
  TLS_RENEGOTIATION_REFUSED: 'Le serveur a demandé une renégociation TLS, refusée par sécurité.',
  TLS_TIMEOUT: 'Le serveur ne répond pas (délai dépassé).',
  CERT_UNKNOWN_CA: 'Le certificat du serveur n’est pas émis par l’IGC-Santé.',
  CERT_HOSTNAME_MISMATCH: 'Le certificat du serveur ne correspond pas au nom du serveur.',
  CERT_EXPIRED: 'Le certificat du serveur a expiré.',
  CERT_NOT_YET_VALID: 'Le certificat du serveur n’est pas encore valide.',
  CERT_REVOKED: 'Le certificat du serveur a été révoqué.',
  CERT_REVOCATION_UNKNOWN: 'Impossible de vérifier la révocation du certificat du serveur.',
  CERT_BAD_USAGE: 'Le certificat du serveur n’est pas prévu pour un serveur (usage de clé).',
  CERT_INVALID: 'Le certificat du serveur est invalide.',
  NETWORK_UNREACHABLE: 'Serveur injoignable : vérifiez la connexion réseau.',
  IMAP_AUTH_FAILED: 'Le serveur de messagerie a refusé l’authentification par carte CPS.',
  IMAP_FAILED: 'Erreur du serveur de messagerie (IMAP).',
  SMTP_AUTH_FAILED: 'Le serveur d’envoi a refusé l’authentification par carte CPS.',
  SMTP_REJECTED: 'Le serveur d’envoi a refusé le message.',
  SMTP_FAILED: 'Erreur du serveur d’envoi (SMTP).',
  STORE_LOCKED: 'La base locale est utilisée par une autre instance.',
  STORE_BAD_KEY: 'Clé de la base locale incorrecte.',
  STORE_FUTURE_VERSION: 'La base locale a été créée par une version plus récente de l’application.',
  STORE_CORRUPT: 'La base locale est endommagée.',
};

export function messageFr(code: ErrorCode): string {
  return MESSAGES_FR[code];
}
