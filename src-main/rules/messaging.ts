// What the Référentiel socle MSSanté #2 ("Clients de messageries", ECO.2.4.x)
// and the ANS guides ask of the messages a client sends, and the Mon espace
// santé (patient messaging) conventions. Other modules import these facts.

/** ECO.2.4.1: the `code` of each CDA header carried in an IHE_XDM attachment (multi-valued: comma-separated). */
export const HEADER_CODE_CDA = 'X-MSS-CODECDA';
/** ECO.2.4.2: INS qualified and carried (O) or not (N), on a message carrying a CDA in IHE_XDM. */
export const HEADER_INS = 'X-MSS-INS';
/** The product's reference number registered for conformity (Ségur labelling). */
export const HEADER_NIL = 'X-MSS-NIL';
/** "Message de fin de traitement": the patient may not reply. Only towards patients. */
export const HEADER_MES = 'X-MSS-MES';
export const MES_END_OF_TREATMENT = 'FIN';
export const INS_CARRIED = 'O';
export const INS_NOT_CARRIED = 'N';

/** Multi-valued X-MSS-CODECDA: values joined by this separator (RFC 5322 list style). */
export const CODE_CDA_SEPARATOR = ', ';

/**
 * The product's conformity reference (X-MSS-NIL). A build setting: the release
 * process writes the number given by the ANS here; empty = not referenced
 * (header absent, and `account test` says so).
 */
export const PRODUCT_NIL = '';

// --- Mon espace santé (patients) ---

/** Production domain of patients' mailboxes: `<INS matricule>@patient.mssante.fr`. */
export const PATIENT_DOMAIN = 'patient.mssante.fr';
/** Size limit of a message towards a patient's mailbox (reported by integrators): 25 MB. */
export const PATIENT_MAX_MESSAGE_BYTES = 25 * 1024 * 1024;
/** At most one patient per message (each patient's mailbox is personal). */
export const PATIENT_MAX_PER_MESSAGE = 1;

// --- Delivery status notifications (RFC 3461/3464) ---

/** What we ask the servers to report for every recipient. */
export const DSN_NOTIFY = ['SUCCESS', 'FAILURE'] as const;
/** RET: headers only, never the whole medical message back. */
export const DSN_RETURN = 'headers' as const;

/** ENVID of a message: its Message-ID without the brackets (printable ASCII, ≤ 100 chars, RFC 3461 §4.4). */
export function envelopeIdOf(messageId: string): string {
  return messageId.replace(/^<|>$/g, '').replace(/[^\x21-\x7e]/g, '').slice(0, 100);
}

/**
 * A patients' (Mon espace santé) domain: production, or a test platform's
 * `patient.mssante.<tld>` (e.g. the bench's patient.mssante.test).
 */
export function isPatientDomain(domain: string, configured: string = PATIENT_DOMAIN): boolean {
  const d = domain.toLowerCase();
  return d === configured.toLowerCase() || d === PATIENT_DOMAIN || /^patient\.mssante\.[a-z]+$/.test(d);
}

/**
 * Why a message to a patient came back, by RFC 3463 status (the reasons integrators report from
 * the Mon espace santé platform: mailbox closed or unknown, too large, patient opposed).
 */
export const PATIENT_BOUNCE_FR: readonly { status: RegExp; fr: string }[] = [
  { status: /^5\.1\.[0-36]$/, fr: 'la messagerie du patient est inconnue ou fermée (profil Mon espace santé non activé ou clôturé) : informez le patient par un autre moyen' },
  { status: /^5\.2\.[12]$/, fr: 'la messagerie du patient est pleine ou désactivée : réessayez plus tard ou informez le patient par un autre moyen' },
  { status: /^5\.(2\.3|3\.4)$/, fr: 'le message dépasse la taille acceptée par Mon espace santé (25 Mo) : allégez les pièces jointes' },
  { status: /^5\.7\.\d+$/, fr: 'le patient s’est opposé à recevoir des messages de professionnels, ou l’envoi n’est pas autorisé' },
];

/** Generic reasons, for professionals' mailboxes. */
export const BOUNCE_FR: readonly { status: RegExp; fr: string }[] = [
  { status: /^5\.1\.\d$/, fr: 'adresse inconnue du serveur du destinataire : vérifiez-la dans l’annuaire santé' },
  { status: /^5\.2\.2$/, fr: 'boîte aux lettres du destinataire pleine' },
  { status: /^5\.(2\.3|3\.4)$/, fr: 'message trop volumineux pour le serveur du destinataire' },
  { status: /^5\.7\.\d+$/, fr: 'refusé par le serveur du destinataire (politique de sécurité)' },
];
