import type { ErrorCode } from './codes.js';

// French user-facing wording of every error code. A Record over the closed set:
// adding a code without its message fails the typecheck.
const MESSAGES_FR: Record<ErrorCode, string> = {
  INTERNAL: 'Erreur interne inattendue.',
  INVALID_ARGUMENT: 'Paramètre invalide.',
  NOT_FOUND: 'Élément introuvable.',
  IO_FAILED: 'Lecture ou écriture de fichier impossible.',
  SETTING_FIXED_BY_CLINIC: 'Ce réglage est fixé par votre établissement : il ne peut pas être changé depuis ce poste. Adressez-vous à la personne qui gère l’informatique de votre établissement.',
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
  CARD_PIN_FORMAT: 'Code PIN non accepté : il doit comporter de 4 à 8 chiffres, sans espace ni autre caractère. Il n’a pas été présenté à la carte (aucun essai consommé).',
  CARD_CERT_REVOKED: 'Le certificat de votre carte CPS a été révoqué (liste de révocation de l’IGC-Santé) : le serveur le refusera, le code PIN n’a pas été demandé. Contactez l’ANS pour obtenir une nouvelle carte.',
  CARD_SIGNATURE_PIN_CANCELLED: 'Signature annulée : le code PIN demandé pour cette signature n’a pas été saisi. Rien n’a été présenté à la carte ; réessayez quand vous le souhaitez.',
  CARD_SIGNATURE_PIN_TIMEOUT: 'Signature abandonnée : le code PIN demandé pour cette signature n’a pas été saisi à temps. Rien n’a été présenté à la carte ; relancez l’action pour qu’il soit demandé à nouveau.',
  TLS_HANDSHAKE_FAILED: 'La connexion sécurisée (TLS) avec le serveur a échoué.',
  TLS_PROTOCOL_VERSION: 'Le serveur n’accepte pas TLS 1.2, seule version autorisée par MSSanté.',
  TLS_NO_SHARED_CIPHER: 'Le serveur ne propose aucune suite de chiffrement autorisée par MSSanté.',
  TLS_BAD_RECORD: 'Données TLS altérées ou invalides reçues du serveur.',
  TLS_ALERT_RECEIVED: 'Le serveur a interrompu la connexion sécurisée.',
  TLS_TRUNCATED: 'La connexion a été coupée sans fermeture TLS propre (données possiblement tronquées).',
  TLS_RENEGOTIATION_REFUSED: 'Le serveur a demandé une renégociation TLS, refusée par sécurité.',
  TLS_TIMEOUT: 'Le serveur ne répond pas (délai dépassé).',
  TLS_SERVER_INSECURE: 'Le serveur ne prend pas en charge les protections TLS obligatoires (extended master secret, renégociation sécurisée).',
  TLS_HANDSHAKE_TAMPERED: 'La négociation TLS avec le serveur a été altérée (signature ou empreinte invalide) : connexion refusée.',
  TLS_NO_SHARED_SIGNATURE_SCHEME: 'Le serveur n’accepte aucun algorithme de signature que votre carte ou certificat sait produire.',
  TLS_SIGN_TIMEOUT: 'La carte n’a pas signé à temps (code PIN non saisi ou carte trop lente).',
  TLS_CLIENT_CERT_REJECTED: 'Le serveur a refusé votre certificat d’authentification (carte CPS ou certificat logiciel).',
  TLS_CLIENT_CERT_NOT_SENT: 'Le serveur exige un certificat client et aucun ne lui a été présenté (vérification sans carte) : relancez avec --card pour présenter votre carte CPS.',
  STARTTLS_NOT_OFFERED: 'Le serveur ne propose pas STARTTLS : connexion refusée (jamais de messagerie en clair).',
  STARTTLS_INJECTION: 'Données inattendues reçues en clair avant la négociation TLS (possible attaque) : connexion refusée.',
  CERT_UNKNOWN_CA: 'Le certificat du serveur n’est pas émis par l’IGC-Santé.',
  CERT_HOSTNAME_MISMATCH: 'Le certificat du serveur ne correspond pas au nom du serveur.',
  CERT_EXPIRED: 'Le certificat du serveur a expiré.',
  CERT_NOT_YET_VALID: 'Le certificat du serveur n’est pas encore valide.',
  CERT_REVOKED: 'Le certificat du serveur a été révoqué.',
  CERT_REVOCATION_UNKNOWN: 'Impossible de vérifier la révocation du certificat du serveur.',
  CERT_BAD_USAGE: 'Le certificat du serveur n’est pas prévu pour un serveur (usage de clé).',
  CERT_INVALID: 'Le certificat du serveur est invalide.',
  CERT_BAD_SIGNATURE: 'La signature d’un certificat de la chaîne du serveur est invalide (certificat falsifié ou altéré).',
  CERT_ISSUER_NOT_CA: 'La chaîne de certificats du serveur contient un certificat qui n’est pas une autorité de certification.',
  CERT_CRL_EXPIRED: 'La liste de révocation (CRL) publiée pour le certificat du serveur est périmée : révocation invérifiable.',
  CERT_CRL_INVALID: 'La liste de révocation (CRL) du certificat du serveur est invalide (signature ou format).',
  PKCS12_BAD_PASSWORD: 'Mot de passe du certificat logiciel (PKCS#12) incorrect.',
  PKCS12_INVALID: 'Le fichier de certificat logiciel (PKCS#12) est invalide ou ne contient pas de clé RSA avec son certificat.',
  ACCOUNT_NOT_FOUND: 'Aucun compte de messagerie configuré : ajoutez-en un avec « mssante account add ».',
  ACCOUNT_AMBIGUOUS: 'Plusieurs comptes sont configurés : précisez lequel avec --address.',
  ACCOUNT_EXISTS: 'Un compte existe déjà pour cette adresse (ajoutez --replace pour le remplacer).',
  NETWORK_UNREACHABLE: 'Serveur injoignable : vérifiez la connexion réseau.',
  NETWORK_STALLED: 'Le serveur de messagerie ne répond plus (délai d’attente dépassé) : la synchronisation reprendra au prochain essai.',
  NETWORK_CONNECTION_CUT: 'La connexion au serveur de messagerie a été coupée en cours de synchronisation : ce qui a été reçu est conservé, la synchronisation reprendra là où elle s’était arrêtée.',
  IMAP_SERVER_REFUSED: 'Le serveur de messagerie a refusé la connexion : réessayez plus tard ou contactez votre opérateur.',
  IMAP_AUTH_FAILED: 'Le serveur de messagerie a refusé l’authentification par carte CPS.',
  IMAP_FAILED: 'Erreur du serveur de messagerie (IMAP).',
  SMTP_AUTH_FAILED: 'Le serveur d’envoi a refusé l’authentification par carte CPS.',
  SMTP_REJECTED: 'Le serveur d’envoi a refusé le message.',
  SMTP_FAILED: 'Erreur du serveur d’envoi (SMTP).',
  STORE_LOCKED: 'La base locale est utilisée par une autre instance.',
  STORE_BAD_KEY: 'Clé de la base locale incorrecte.',
  STORE_FUTURE_VERSION: 'La base locale a été créée par une version plus récente de l’application.',
  STORE_CORRUPT: 'La base locale des messages est endommagée (vérification d’intégrité en échec). Reconstruisez-la depuis le serveur : bouton « Reconstruire » de la fenêtre, ou « mssante store rebuild » (la boîte d’envoi, les brouillons locaux et le journal des accès sont conservés). Détail : « mssante store check ».',
  STORE_CARD_REQUIRED: 'La base locale ne s’ouvre qu’avec votre carte CPS et son code PIN : insérez la carte et saisissez le code PIN (--pin-stdin en ligne de commande). Sans la carte : avec le code de secours de la base (--recovery-stdin).',
  STORE_WRONG_CARD: 'Cette base locale est liée à une autre carte CPS. Après un renouvellement de carte, utilisez le code de secours : mssante store rekey --new-card.',
  STORE_RECOVERY_INVALID: 'Code de secours incorrect pour cette base locale (5 groupes de 5 caractères, tel qu’imprimé à la création) : vérifiez-le et relancez la commande. Code perdu : avec la carte CPS liée à la base, « mssante store rekey --recovery » en crée un nouveau ; sans carte, la base ne peut plus être ouverte (créez un autre dossier de données : les messages reviennent du serveur par une synchronisation).',
  STORE_ALREADY_SET_UP: 'La base locale de ce dossier de données existe déjà (elle a sa clé et son code de secours) : rien n’a été changé. Pour changer de carte ou de code de secours : « mssante store rekey ».',
  STORE_CARD_NOT_DETERMINISTIC: 'Cette carte ne sait pas faire de signature RSA PKCS#1 v1.5 : elle ne peut pas protéger la base locale. Acceptez la protection par le trousseau du système (proposée au déverrouillage de la fenêtre) ou demandez une carte CPS récente à votre service informatique.',
  XDM_ZIP_INVALID: 'L’archive IHE_XDM.ZIP est endommagée ou n’est pas une archive ZIP.',
  XDM_ZIP_UNSUPPORTED: 'L’archive IHE_XDM.ZIP utilise un format non pris en charge (chiffrement, ZIP64 ou compression inconnue).',
  XDM_ZIP_UNSAFE_PATH: 'L’archive IHE_XDM.ZIP contient un nom de fichier dangereux (chemin absolu, « .. » ou lien) : elle a été refusée.',
  XDM_ZIP_TOO_MANY_ENTRIES: 'L’archive IHE_XDM.ZIP contient trop de fichiers : elle a été refusée.',
  XDM_ZIP_TOO_LARGE: 'L’archive IHE_XDM.ZIP est trop volumineuse une fois décompressée (possible bombe de décompression) : elle a été refusée.',
  XDM_NO_METADATA: 'L’archive ne contient pas de fichier METADATA.XML : ce n’est pas un IHE_XDM.ZIP valide.',
  XDM_METADATA_INVALID: 'Le fichier METADATA.XML de l’archive IHE_XDM.ZIP est invalide.',
  XDM_DOCUMENT_MISSING: 'Le document décrit dans les métadonnées est absent de l’archive IHE_XDM.ZIP.',
  XDM_DOCUMENT_ALTERED: 'Le document ne correspond pas aux métadonnées de l’archive (taille ou empreinte) : il n’est pas affiché.',
  XML_INVALID: 'Le document XML est mal formé.',
  XML_DTD_FORBIDDEN: 'Le document XML contient une DTD ou des entités, refusées par sécurité.',
  XML_TOO_LARGE: 'Le document XML est trop volumineux ou trop profondément imbriqué.',
  CDA_INVALID: 'Ce document n’est pas un document CDA R2 lisible.',
  MDN_INVALID: 'Cet accusé de lecture (MDN) est mal formé.',
  MDN_NOT_REQUESTED: 'L’expéditeur n’a pas demandé d’accusé de lecture pour ce message.',
  MDN_CONFIRMATION_REQUIRED: 'L’adresse de l’accusé de lecture diffère de l’adresse de retour : confirmez l’envoi explicitement.',
  HPRIM_INVALID: 'Ce fichier HPRIM est illisible (contenu binaire ou trop volumineux) : demandez au laboratoire de le renvoyer.',
  RESULTS_NOT_FOUND: 'Aucun résultat d’analyses dans ce document ou ce message : ni compte rendu de biologie CDA, ni fichier HPRIM.',
  PRINT_FAILED: 'L’impression en PDF a échoué : vérifiez que Chromium est installé et que le dossier de destination est accessible.',
  IPC_FORBIDDEN: 'Requête refusée : elle ne provient pas de la fenêtre de l’application.',
  SERVICE_UNAVAILABLE: 'Cette fonction n’est pas disponible pour le moment.',
  SESSION_LOCKED: 'La session est verrouillée : insérez votre carte CPS et saisissez votre code PIN.',
  KEYSTORE_UNAVAILABLE: 'Le coffre-fort de clés du système est indisponible : la base locale ne peut pas être protégée.',
  KEYSTORE_WEAK: 'Le système ne propose pas de coffre-fort de clés chiffré (trousseau GNOME ou KWallet) : la clé de la base locale serait stockée sans protection.',
  APP_ALREADY_RUNNING: 'La messagerie est déjà ouverte.',
  ANNUAIRE_BAD_FILE: 'Ce fichier n’est pas une extraction de l’annuaire MSSanté (Extraction_Correspondance_MSSante) : en-tête ou archive non reconnus.',
  ANNUAIRE_NOT_IMPORTED: 'L’annuaire MSSanté n’a pas encore été importé : lancez « mssante annuaire import FICHIER ».',
  ANNUAIRE_IMPORT_FAILED: 'L’import de l’annuaire a échoué ; la version précédente reste utilisée.',
  ANNUAIRE_DOWNLOAD_OFFLINE: 'Téléchargement impossible : pas de connexion Internet ou serveur de l’annuaire injoignable. Réessayez plus tard ou importez un fichier téléchargé ailleurs.',
  ANNUAIRE_DOWNLOAD_FAILED: 'Le serveur a refusé le téléchargement ou a renvoyé un fichier invalide.',
  ANNUAIRE_TRUNCATED: 'L’extraction de l’annuaire est tronquée (dernière ligne coupée ou archive incomplète) : import refusé, la version précédente reste utilisée. Téléchargez de nouveau le fichier.',
  ANNUAIRE_TOO_LARGE: 'Le fichier de l’annuaire se décompresse en un volume anormal (plus de 1 Go ou taux de compression suspect) : import refusé, la version précédente reste utilisée.',
  ANNUAIRE_SHRINK_REFUSED: 'Le nouveau fichier contient beaucoup moins d’adresses que l’annuaire actuel : import refusé, la version précédente reste utilisée. Vérifiez le fichier, ou relancez avec --force si cette baisse est attendue.',
  LISTE_BLANCHE_BAD_FILE: 'Ce fichier n’est pas une liste blanche MSSanté lisible (aucun domaine trouvé ou contenu refusé).',
  LISTE_BLANCHE_SIGNATURE_INVALID: 'La signature de la liste blanche est invalide (fichier modifié ou signataire non reconnu par l’IGC-Santé) : elle n’a pas été importée, la version précédente reste utilisée.',
  LISTE_BLANCHE_UNSIGNED_REFUSED: 'Ce fichier de liste blanche n’est pas signé alors que la liste actuelle l’était : import refusé, la liste actuelle reste utilisée. Utilisez le fichier signé publié par l’ANS (un informaticien peut forcer avec « mssante listeblanche import --accept-unsigned »).',
  LISTE_BLANCHE_OLDER_REFUSED: 'Cette liste blanche est plus ancienne que la liste actuelle (date de génération antérieure) : import refusé, la liste actuelle reste utilisée. Relancez avec --force pour revenir à cette version.',
  SEND_NO_RECIPIENT: 'Aucun destinataire : indiquez au moins une adresse (À, Cc ou Cci).',
  SEND_RECIPIENT_INVALID: 'Adresse de destinataire invalide : corrigez-la avant d’envoyer.',
  SEND_RECIPIENT_OUTSIDE_TRUST_SPACE: 'Envoi bloqué : un destinataire n’appartient pas à l’espace de confiance MSSanté (domaine absent de la liste blanche). L’opérateur refuserait ce message ; aucune donnée n’a été envoyée.',
  SEND_LISTE_BLANCHE_MISSING: 'La liste blanche MSSanté n’a pas été importée : les destinataires ne peuvent pas être vérifiés. Lancez « mssante listeblanche import FICHIER ».',
  SEND_SENDER_MISMATCH: 'L’expéditeur doit être la boîte aux lettres du titulaire de la carte (ou du certificat) utilisée pour l’envoi.',
  SEND_PATIENT_NOT_QUALIFIED: 'Écriture au patient impossible : son INS n’est pas qualifiée (matricule, OID et les quatre traits d’identité). Qualifiez l’identité dans le logiciel de soins avant d’écrire au patient ; rien n’a été envoyé.',
  SEND_PATIENT_RULE: 'Message au patient refusé : un seul patient par message, adresse construite uniquement à partir d’une INS qualifiée (« Écrire au patient »), et « fin de traitement » réservée aux messages aux patients.',
  SEND_PATIENT_MIXED: 'Ce message part à la fois à un patient et à des professionnels : confirmez ce mélange (option --confirm-mixed, ou la question dans la fenêtre) ou envoyez deux messages.',
  SEND_TOO_LARGE: 'Message trop volumineux : la taille des pièces jointes dépasse la limite d’envoi. Retirez ou allégez des pièces jointes.',
  OUTBOX_INVALID_STATE: 'Impossible dans l’état actuel de ce message de la boîte d’envoi.',
  AUDIT_JOURNAL_BROKEN: 'Le journal des accès a été modifié : la chaîne d’empreintes est rompue.',
  AUDIT_ANCHOR_INVALID: 'Le point d’ancrage du journal des accès est illisible ou ne correspond pas au journal.',
  EXPORT_TARGET_EXISTS: 'Le fichier de destination existe déjà : choisissez un autre nom ou un dossier vide.',
  PSC_UNREACHABLE: 'Pro Santé Connect est injoignable ou son certificat n’est pas reconnu : vérifiez la connexion réseau et l’adresse du fournisseur d’identité configurée pour ce compte.',
  PSC_LOGIN_FAILED: 'La connexion Pro Santé Connect a échoué. Réessayez ; si le problème persiste, contactez votre service informatique.',
  PSC_LOGIN_REFUSED: 'La connexion a été refusée sur votre téléphone (e-CPS) ou par Pro Santé Connect. Relancez la connexion si c’était une erreur.',
  PSC_LOGIN_EXPIRED: 'La demande de connexion a expiré avant d’être validée sur votre téléphone (e-CPS). Relancez la connexion puis validez-la dans l’application e-CPS.',
  PSC_UNKNOWN_USER: 'Pro Santé Connect ne connaît pas ce numéro RPPS : vérifiez-le (11 chiffres) ou activez votre e-CPS.',
  PSC_NOT_LOGGED_IN: 'Vous n’êtes pas connecté à Pro Santé Connect : connectez-vous (bouton « Pro Santé Connect » de la messagerie, ou « mssante psc login »).',
  PSC_CLIENT_AUTH_REFUSED: 'Pro Santé Connect a refusé d’identifier le logiciel (client non reconnu ou mal authentifié) : la connexion n’a pas été tentée pour vous. Le service informatique doit vérifier l’identifiant client, le secret ou le certificat d’établissement enregistrés pour ce compte auprès de l’ANS.',
  PSC_CLIENT_CERT_UNAVAILABLE: 'Le certificat d’établissement que ce compte présente à Pro Santé Connect ne peut pas être ouvert (fichier PKCS#12 absent ou mot de passe non fourni) : le service informatique doit le vérifier.',
  PSC_SESSION_ENDED: 'Votre session Pro Santé Connect a pris fin (expirée ou révoquée) : reconnectez-vous (bouton « Pro Santé Connect » de la messagerie, ou « mssante psc login »).',
  XOAUTH2_TOKEN_REFUSED: 'Le serveur de messagerie a refusé le jeton Pro Santé Connect (expiré, émis pour un autre service, ou non autorisé pour cette boîte aux lettres). Reconnectez-vous ; si le refus persiste, vérifiez que cette boîte vous est bien attribuée auprès de votre opérateur.',
  XOAUTH2_SERVER_UNAVAILABLE: 'Le serveur de messagerie n’a pas pu vérifier votre jeton Pro Santé Connect (panne temporaire de son côté, votre connexion n’est pas en cause) : réessayez dans quelques minutes ; si cela dure, prévenez votre opérateur de messagerie. Les messages à envoyer restent dans la boîte d’envoi.',
  AUTOCONFIG_DNS_UNREACHABLE: 'Le serveur DNS ne répond pas : les serveurs de messagerie de ce domaine n’ont pas pu être recherchés. Vérifiez la connexion réseau puis réessayez ; sinon, votre service informatique peut saisir les serveurs (« mssante account add --address … --imap … --smtp … »).',
  AUTOCONFIG_HOST_UNKNOWN: 'Le serveur de messagerie annoncé pour ce domaine n’existe pas dans le DNS : la configuration publiée par l’opérateur est erronée. Signalez-le à votre opérateur ; en attendant, votre service informatique peut saisir les serveurs (« mssante account add --address … --imap … --smtp … »).',
  AUTOCONFIG_NOT_FOUND: 'Aucun serveur trouvé pour ce domaine (ni enregistrement DNS SRV, ni fichier de configuration automatique, ni opérateur connu) : vérifiez l’adresse ; sinon, votre service informatique peut saisir les serveurs (« mssante account add --address … --imap … --smtp … »).'
};

type ErrorData = Readonly<Record<string, unknown>>;

const ANNUAIRE_BAD_FILE_FR: Record<string, string> = {
  header: 'Ce fichier n’est pas une extraction de l’annuaire MSSanté (Extraction_Correspondance_MSSante) : en-tête non reconnu (colonnes « Type de BAL » et « Adresse BAL » absentes).',
  empty: 'Le fichier de l’annuaire est vide : import refusé, la version précédente reste utilisée.',
  no_usable_line: 'Le fichier de l’annuaire ne contient aucune ligne utilisable : import refusé, la version précédente reste utilisée.',
  line_length: 'Le fichier de l’annuaire contient une ligne anormalement longue (fichier binaire ou sans fins de ligne) : import refusé.',
  archive: 'L’archive de l’annuaire est endommagée (ZIP illisible) : import refusé, la version précédente reste utilisée. Téléchargez-la de nouveau.',
  archive_entry: 'L’archive ne contient pas de fichier Extraction_Correspondance_MSSante_*.txt : import refusé.',
};

function count(value: unknown): string {
  return typeof value === 'number' ? value.toLocaleString('fr-FR') : '?';
}

// Wording that names the facts an error carries (counts, which check failed). Only primitive
// data the core put there on purpose; never text from a file or a server.
const DETAILED_FR: Partial<Record<ErrorCode, (data: ErrorData) => string | undefined>> = {
  STORE_CARD_REQUIRED: (d) =>
    d.reason === 'card-less-store'
      ? 'Cette base locale n’est liée à aucune carte CPS : elle s’ouvre avec son code de secours, saisi au clavier, ou donné sur la première ligne de l’entrée standard avec --recovery-stdin.'
      : d.reason === 'not-set-up'
        ? 'La base locale de ce dossier n’existe pas encore : elle se crée à la première connexion avec la carte CPS et son code PIN ; sans carte (e-CPS), créez-la avec « mssante store init --without-card » (son code de secours est affiché une seule fois).'
        : undefined,
  STORE_RECOVERY_INVALID: (d) =>
    d.reason === 'window'
      ? 'Code de secours incorrect pour cette base locale (5 groupes de 5 caractères, tel qu’imprimé à la création) : vérifiez-le et saisissez-le de nouveau. Code perdu : votre service informatique peut en créer un nouveau avec une carte CPS liée à la base (« mssante store rekey --recovery ») ; sinon la base ne peut plus être ouverte, et il crée un autre dossier de données (les messages reviennent du serveur par une synchronisation).'
      : d.reason === 'not-set-up'
      ? 'Ce dossier de données n’a pas encore de base locale, donc pas de code de secours : créez-la sans carte avec « mssante store init --without-card » (le code de secours est affiché une seule fois).'
      : d.reason === 'empty'
        ? 'Aucun code de secours reçu : donnez-le sur la première ligne de l’entrée standard (--recovery-stdin).'
        : undefined,
  PSC_UNREACHABLE: (d) =>
    d.answer === 'none'
      ? 'Pro Santé Connect ne répond pas (aucune réponse dans le délai) : le service est peut-être surchargé, ou le réseau de l’établissement le bloque. Réessayez dans quelques minutes ; si cela dure, contactez votre service informatique.'
      : d.answer === 'unexpected'
        ? 'Pro Santé Connect a répondu par une page inattendue au lieu du service (portail Wi-Fi, proxy de l’établissement, ou incident chez Pro Santé Connect) : vérifiez l’accès à Internet puis réessayez ; si cela dure, contactez votre service informatique.'
        : undefined,
  PSC_LOGIN_EXPIRED: (d) =>
    d.method === 'browser'
      ? 'La connexion dans le navigateur n’a pas été terminée à temps (onglet fermé ou connexion abandonnée) : relancez-la (« Carte CPS dans le navigateur », ou « mssante psc login --browser ») et allez jusqu’au bout dans le navigateur.'
      : undefined,
  AUTOCONFIG_NOT_FOUND: (d) =>
    typeof d.untrustedSite === 'string' && /^[a-z0-9.:-]+$/i.test(d.untrustedSite)
      ? `Aucun serveur trouvé pour ce domaine : pas d’enregistrement DNS SRV, et le site de configuration automatique de l’opérateur (« ${d.untrustedSite} ») présente un certificat non reconnu (un proxy de l’établissement qui intercepte HTTPS ?). Contactez votre service informatique : il peut aussi saisir les serveurs (« mssante account add --address … --imap … --smtp … »).`
      : undefined,
  IO_FAILED: (d) =>
    d.what === 'psc-ca'
      ? `Le fichier des autorités de confiance de Pro Santé Connect configuré pour ce compte${typeof d.file === 'string' && /^[\w./ :\\-]+$/.test(d.file) ? ` (« ${d.file} »)` : ''} est illisible ou absent : vérifiez le chemin (option --psc-ca, ou « caFile » de psc.json) auprès de votre service informatique.`
      : undefined,
  // the host passed isHostName (accounts/autoconfig.ts): letters, digits, dots and hyphens only
  AUTOCONFIG_HOST_UNKNOWN: (d) =>
    typeof d.host === 'string' && /^[a-z0-9.:-]+$/i.test(d.host)
      ? `Le serveur de messagerie annoncé pour ce domaine (« ${d.host} ») n’existe pas dans le DNS : la configuration publiée par l’opérateur est erronée. Signalez-le à votre opérateur ; en attendant, votre service informatique peut saisir les serveurs (« mssante account add --address … --imap … --smtp … »).`
      : undefined,
  ANNUAIRE_BAD_FILE: (d) => (typeof d.check === 'string' ? ANNUAIRE_BAD_FILE_FR[d.check] : undefined),
  ANNUAIRE_TRUNCATED: (d) =>
    d.check === 'final_newline'
      ? `L’extraction de l’annuaire est tronquée : la ligne ${count(d.line)} est coupée (pas de fin de ligne à la fin du fichier). Import refusé, la version précédente reste utilisée. Téléchargez de nouveau le fichier.`
      : undefined,
  ANNUAIRE_TOO_LARGE: (d) =>
    d.check === 'ratio'
      ? `L’archive de l’annuaire se décompresse de façon anormale (taux supérieur à ${count(d.maxRatio)} pour 1 : archive piégée ou corrompue). Import refusé, la version précédente reste utilisée.`
      : d.check === 'size'
        ? `Le fichier de l’annuaire dépasse la taille maximale admise (${count(d.maxMegabytes)} Mo une fois décompressé ; l’extraction réelle fait environ 100 Mo). Import refusé, la version précédente reste utilisée.`
        : undefined,
  LISTE_BLANCHE_OLDER_REFUSED: (d) =>
    typeof d.fileGeneratedAt === 'string' && typeof d.currentGeneratedAt === 'string'
      ? `Cette liste blanche a été générée le ${d.fileGeneratedAt.slice(0, 10)}, avant la liste actuelle (générée le ${d.currentGeneratedAt.slice(0, 10)}) : import refusé, la liste actuelle reste utilisée. Relancez avec --force pour revenir à cette version.`
      : undefined,
  NETWORK_STALLED: (d) =>
    typeof d.seconds === 'number'
      ? `Le serveur de messagerie ne répond plus (aucune donnée reçue pendant ${d.seconds} s) : la synchronisation reprendra au prochain essai.`
      : undefined,
  NETWORK_CONNECTION_CUT: (d) => {
    const m = d.messages;
    if (typeof m !== 'number') return undefined;
    const s = m > 1 ? 's' : '';
    return `La connexion au serveur de messagerie a été coupée après ${m} message${s} reçu${s} : ce qui a été reçu est conservé, la synchronisation reprendra là où elle s’était arrêtée.`;
  },
  CARD_CERT_REVOKED: (d) =>
    typeof d.revocationDate === 'string'
      ? `Le certificat de votre carte CPS a été révoqué le ${new Date(d.revocationDate).toLocaleDateString('fr-FR')} (liste de révocation de l’IGC-Santé) : le serveur le refusera, le code PIN n’a pas été demandé. Contactez l’ANS pour obtenir une nouvelle carte.`
      : undefined,
  SEND_RECIPIENT_OUTSIDE_TRUST_SPACE: (d) =>
    d.setting === 'block'
      ? 'Envoi bloqué : le réglage du cabinet interdit d’écrire hors de l’espace de confiance MSSanté (domaine absent de la liste blanche). Retirez ce destinataire ; aucune donnée n’a été envoyée.'
      : d.unconfirmed === true
        ? 'Envoi non fait : un destinataire est hors de l’espace de confiance MSSanté (domaine absent de la liste blanche) et son envoi n’a pas été confirmé. Confirmez chacun de ces destinataires, ou retirez-le ; aucune donnée n’a été envoyée.'
        : undefined,
  PSC_CLIENT_AUTH_REFUSED: (d) =>
    d.method === 'tls_client_auth'
      ? `Pro Santé Connect a refusé le certificat d’établissement présenté par le logiciel${typeof d.clientId === 'string' ? ` (client « ${d.clientId} »)` : ''} : certificat absent, d’une autre structure ou non enregistré pour ce client. Le service informatique doit vérifier le fichier PKCS#12 du compte (--psc-client-cert) et le DN enregistré auprès de l’ANS ; aucune connexion n’a été faite en votre nom.`
      : d.method === 'client_secret_basic'
        ? `Pro Santé Connect a refusé le secret du logiciel${typeof d.clientId === 'string' ? ` (client « ${d.clientId} »)` : ''} : secret absent ou erroné, ou ce client s’authentifie autrement (certificat d’établissement). Le service informatique doit vérifier la variable d’environnement du secret et l’enregistrement auprès de l’ANS.`
        : undefined,
  PSC_CLIENT_CERT_UNAVAILABLE: (d) =>
    d.reason === 'password-env'
      ? `Le mot de passe du certificat d’établissement (Pro Santé Connect) n’est pas fourni : définissez la variable d’environnement ${typeof d.env === 'string' ? d.env : 'MSSANTE_PSC_CLIENT_CERT_PASSWORD'} (il n’est jamais enregistré).`
      : d.reason === 'file'
        ? 'Le fichier PKCS#12 du certificat d’établissement (Pro Santé Connect) est introuvable ou illisible : vérifiez le chemin enregistré pour ce compte (--psc-client-cert).'
        : undefined,
  SETTING_FIXED_BY_CLINIC: (d) =>
    d.key === 'idleLockMinutes' && typeof d.max === 'number'
      ? `Votre établissement limite le verrouillage automatique à ${d.max} minutes d’inactivité au plus : choisissez une durée plus courte.`
      : d.key === 'patientDomain' && typeof d.value === 'string'
        ? `Le domaine des messageries patients est fixé par votre établissement (${d.value}) : retirez l’option --patient-domain, ou demandez à la personne qui gère l’informatique de le changer (mssante policy set patient-domain).`
        : undefined,
  ANNUAIRE_SHRINK_REFUSED: (d) =>
    `Le nouveau fichier ne contient que ${count(d.next)} adresses contre ${count(d.previous)} dans l’annuaire actuel (baisse de plus de ${count(d.maxPercent)} %) : import refusé, la version précédente reste utilisée. Vérifiez le fichier (extraction tronquée ?), ou relancez avec --force si cette baisse est attendue.`,
};

/** French text of `code`; with the error's `data`, the wording that names its facts when there is one. */
export function messageFr(code: ErrorCode, data?: ErrorData): string {
  return (data && DETAILED_FR[code]?.(data)) || MESSAGES_FR[code];
}

/** The French message of an error with the facts it carries: `messageFr(code, data)` for an error object. */
export function describeErrorFr(err: { code: ErrorCode; data?: ErrorData }): string {
  return messageFr(err.code, err.data);
}
