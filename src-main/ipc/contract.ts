// THE contract between the renderer and the main process: the only door.
//
// - `CHANNELS`: invoke request → response. Main validates every request (strict:
//   unknown keys refused) and every response (unknown keys stripped, so nothing
//   undeclared — a key, a PIN, a credential, SQL — can ever leave main).
// - `EVENTS`: main → renderer notifications, validated before they are sent.
// - Every answer is a `Result` envelope: `{ ok: true, value } | { ok: false, error }`
//   with a code from src-main/errors/codes.ts.
// - `owner`: 'core' channels are implemented by the Electron-free facade
//   (src-main/app/), 'shell' channels need the OS (dialogs, views, opening files).
//
// The renderer types its global with:
//   import type { MssanteApi } from '../../src-main/ipc/contract.js';
//   declare global { interface Window { mssante: MssanteApi } }
//
// Everything here is plain JSON (strings, numbers, booleans, arrays, objects), so
// the same contract works over Electron IPC and over the test-only loopback
// harness. Dates are ISO 8601 strings. Identifiers are opaque strings.
import { z } from 'zod';
import { ERROR_CODES } from '../errors/codes.js';
import { TRUST_LEVELS } from '../trust/types.js';
import { IMAGE_REFUSALS, SENDER_IMAGE_CHOICES } from '../common/remote-images.js';

// ---------------------------------------------------------------- building blocks

const Id = z.string().min(1).max(256);
const IsoDate = z.iso.datetime({ offset: true });
const Count = z.int().min(0);
const EmailAddress = z.string().min(3).max(320);
/** One-line text shown to the user (names, subjects, labels). */
const Line = z.string().max(2000);
/** Text that comes from mail or the directory: never length-limited on the way out (a long subject must not break a page). */
const Text = z.string();
const Empty = z.strictObject({});
const Ids = z.array(Id).min(1).max(1000);

const Address = z.object({ address: Text, name: Text.optional() });
const AddressIn = z.strictObject({ address: EmailAddress, name: Line.optional() });

export const ErrorInfo = z.object({
  code: z.enum(ERROR_CODES),
  /** French, for the user. */
  message: z.string().optional(),
  /** Structured facts an edge may show (e.g. PIN state); primitives only. */
  data: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
});

/**
 * The sender trust levels of the trust module (src-main/trust/types.ts, one source
 * of truth), plus 'unknown' when no decision exists yet (annuaire not imported).
 */
const TrustLevel = z.enum([...TRUST_LEVELS, 'unknown']);

/** Who an address belongs to, according to the annuaire. */
const Identity = z.object({
  /** 'PER' (a person), 'ORG' (an organisation mailbox), or another annuaire type. */
  kind: z.string().max(16),
  name: Text,
  profession: Text.optional(),
  specialty: Text.optional(),
  /** National identifier as printed: RPPS (11 digits) or ADELI. */
  nationalId: z.string().max(20).optional(),
  nationalIdType: z.enum(['RPPS', 'ADELI']).optional(),
  structure: Text.optional(),
  city: Text.optional(),
});

/** What the badge next to an address shows, and its French explanation on hover/click. */
export const TrustBadge = z.object({
  level: TrustLevel,
  /** e.g. "Professionnel vérifié", "Hors espace de confiance". */
  label: Text,
  /** How to colour it. */
  tone: z.enum(['ok', 'info', 'warning', 'danger']),
  /** One French sentence on what the level means. */
  explanation: z.string().max(4000),
  /** The checks behind the decision, in French ("Domaine présent dans la liste blanche MSSanté"…). */
  reasons: z.array(z.string().max(1000)),
  identity: Identity.optional(),
  /** The professional a look-alike display name imitates ('suspicious'). */
  imitated: Identity.optional(),
  /** The sender is a patient (Mon espace santé): "Patient" badge, never "professionnel vérifié". */
  patient: z.object({ ins: z.string().max(20).nullable(), name: Text.nullable() }).optional(),
});

// ---------------------------------------------------------------- card and session

/**
 * PKCS#11 token PIN flags: 'count-low' after a wrong PIN, 'final-try' when one
 * try is left (the dialog must say so), 'locked' when blocked.
 */
const PinState = z.enum(['ok', 'count-low', 'final-try', 'locked']);

export const CardStatus = z.object({
  /** 'several': more than one card is inserted and none was chosen (settings / --token): remove the others. */
  state: z.enum(['no-module', 'no-reader', 'absent', 'several', 'present', 'logged-in', 'unavailable']),
  /** Read from the certificate, no PIN needed. */
  holder: z.object({ name: Text, profession: Text.optional(), rpps: z.string().max(20).optional() }).optional(),
  /** The PIN's try state (never the PIN itself). */
  pinState: PinState.optional(),
  /** Reader with its own keypad: the PIN is typed on the reader, never in the app. */
  pinpad: z.boolean(),
});

/** 4 to 8 digits; goes renderer → main only and is never sent back, logged or stored. */
const Pin = z.string().regex(/^[0-9]{4,8}$/);
const PinLogin = z.strictObject({ pin: Pin.optional() });

export const SessionState = z.object({
  locked: z.boolean(),
  /** 'logout': « Se déconnecter » (card session ended); 'expired': the maximum session length was reached */
  reason: z.enum(['startup', 'card-removed', 'idle', 'user', 'system', 'logout', 'expired', 'psc-ended']).optional(),
});

// ---------------------------------------------------------------- first run and Pro Santé Connect

/** How the doctor logs in: the CPS card (mutual TLS, EXTERNAL), Pro Santé Connect (XOAUTH2), an organisation certificate (PKCS#12). */
export const AuthMethod = z.enum(['card', 'psc', 'certificate']);
const Endpoint = z.object({ host: Line, port: z.int().min(1).max(65535), security: z.enum(['tls', 'starttls']) });
const EndpointIn = z.strictObject({ host: z.string().min(1).max(253), port: z.int().min(1).max(65535), security: z.enum(['tls', 'starttls']) });

/** The mailbox account of the data folder; `configured: false` → the window shows the first-run screen. */
export const AccountInfo = z.object({
  configured: z.boolean(),
  address: Text.optional(),
  auth: z.enum(['card', 'psc', 'pkcs12']).optional(),
});

/** What auto-configuration found for an address (DNS SRV, autoconfig XML, presets) and what the servers accept. */
export const Discovery = z.object({
  address: Text,
  source: z.enum(['srv', 'autoconfig', 'preset']),
  /** DNS names or URL the servers came from */
  origin: Line,
  imap: Endpoint,
  smtp: Endpoint,
  /** the login methods the source names or the IMAP server's SASL mechanisms imply */
  authMethods: z.array(AuthMethod),
  /** SASL mechanisms the IMAP server advertises after TLS (CAPABILITY AUTH=…); [] when it could not be asked */
  mechanisms: z.array(z.string().max(40)).max(40),
  /** Pro Santé Connect is configured for this installation (issuer and client registration) */
  pscAvailable: z.boolean(),
});

/** The Pro Santé Connect session (never a token: only who, until when, and why it ended). */
export const PscStatus = z.object({
  /** the account logs in with PSC and the installation has a PSC registration */
  available: z.boolean(),
  loggedIn: z.boolean(),
  /** the professional's identifier at PSC (RPPS) */
  subject: z.string().max(64).optional(),
  expiresAt: IsoDate.optional(),
  silentRefresh: z.boolean(),
  endedBecause: z.enum(['refresh-refused', 'expired', 'logout']).optional(),
  /** the session is kept, sealed, across restarts and commands (account setting keepRefreshToken) */
  sealedAcrossRestarts: z.boolean(),
  /**
   * After « Se déconnecter »: telling PSC (revocation, in the background) is under way, done, or failed —
   * 'failed': PSC could not be told, the session there ends at its own expiry (the lock screen says so).
   */
  revocation: z.enum(['pending', 'done', 'failed']).optional(),
  /**
   * A card-less login succeeded but the store does not open through the keychain (keyring made by
   * `store init --without-card`, or a keychain wrap this OS profile cannot open): the lock screen asks
   * for the store's recovery code (`psc.recoveryUnlock`). Never the code itself.
   */
  storeNeedsRecoveryCode: z.boolean().optional(),
});
const Rpps = z.string().regex(/^[0-9]{11}$/);

// ---------------------------------------------------------------- mail

const FolderRole = z.enum(['inbox', 'sent', 'drafts', 'trash', 'junk', 'archive', 'other']);
export const Folder = z.object({
  id: Id,
  parentId: Id.nullable(),
  /** Display name (the server path decoded from modified UTF-7). */
  name: Text,
  role: FolderRole,
  unread: Count,
  total: Count,
});

export const MessageSummary = z.object({
  id: Id,
  folderId: Id,
  /** Messages of one conversation share it; `threadSize` is 1 when not grouped. */
  threadId: Id.optional(),
  threadSize: z.int().min(1),
  date: IsoDate,
  from: Address,
  /** To recipients (the Sent and Drafts lists show them instead of the sender). */
  to: z.array(Address).optional(),
  fromTrust: TrustLevel,
  subject: Text,
  hasAttachments: z.boolean(),
  seen: z.boolean(),
  flagged: z.boolean(),
  answered: z.boolean(),
  size: Count,
  /** laboratory results in the attachments: abnormal and critical counts, for the list row */
  results: z.object({ abnormal: Count, critical: Count }).optional(),
  /** Sent folder only: the least advanced recipient's delivery state (failed wins), for the list's icon. */
  delivery: z.enum(['sent', 'submitted', 'delivered', 'read', 'processed', 'failed']).optional(),
});

export const MessagePage = z.object({ total: Count, offset: Count, items: z.array(MessageSummary) });

const Paging = { offset: Count, limit: z.int().min(1).max(500) };
const SortOrder = z.strictObject({
  by: z.enum(['date', 'from', 'subject', 'size']),
  dir: z.enum(['asc', 'desc']),
});

const AttachmentInfo = z.object({
  partId: Id,
  filename: Text,
  contentType: Text,
  size: Count,
  /** 'xdm' for an IHE_XDM.ZIP structured-document archive. */
  kind: z.enum(['file', 'xdm']),
});

/** An IHE_XDM.ZIP as the xdm module summarises it (src-main/xdm/summary.ts), for the reading pane. */
const XdmSummary = z.object({
  partId: Id,
  patient: z.object({
    birthName: z.string().optional(),
    firstGivenName: z.string().optional(),
    /** YYYY-MM-DD */
    birthDate: z.string().optional(),
    sex: z.enum(['M', 'F']).optional(),
    ins: z.string().optional(),
    /** The INS grouped as printed on cards: "1 84 12 75 108 155 15". */
    insShown: z.string().optional(),
    /** INS qualified: matricule + OID + the 4 identity traits. */
    qualified: z.boolean(),
    /** French, e.g. "INS non qualifiée : manque date de naissance". */
    statusText: z.string(),
  }),
  documents: z.array(z.object({
    title: z.string().optional(),
    /** Document type as displayed (typeCode). */
    type: z.string().optional(),
    creationTime: z.string().optional(),
    authors: z.array(z.string()),
    mimeType: z.string().optional(),
    /** Bytes checked against the metadata (size / SHA-1). */
    integrity: z.enum(['ok', 'mismatch', 'unverified', 'missing']),
    /** Confidentiality codes in French words ("Normale", "Non visible par le patient"). */
    confidentiality: z.array(z.string()).optional(),
    /** The document replaces one received earlier (same CDA setId, higher versionNumber): "remplace le document du 12/10/2024". */
    replaces: Line.optional(),
  })),
  /** Set when a document does not match its metadata: the French warning to show before it. */
  alteredWarning: z.string().optional(),
  /** French warnings (patient mismatch, unlisted files…). */
  warnings: z.array(z.string()),
  /** Set when the archive could not be read (French message of its error code). */
  error: ErrorInfo.optional(),
});

// ---------------------------------------------------------------- laboratory results

const FlagLevel = z.enum(['normal', 'low', 'high', 'abnormal', 'critical', 'other', 'none']);
const ResultsSummary = z.object({ total: Count, abnormal: Count, critical: Count, mismatches: Count });
/** One measure, already worded in French by the results module (src-main/results/view.ts). */
const ResultCells = z.object({
  value: Text,
  unit: Text,
  range: Text,
  /** "▲ élevé (calculé)", "‼ critique bas", "normal", or '' */
  flag: Text,
  level: FlagLevel,
  /** the flag was computed from the range: the laboratory gave none */
  computed: z.boolean(),
});
const ResultRow = ResultCells.extend({
  label: Text,
  code: Text.optional(),
  /** the same result in another unit (mmol/L and g/L) */
  alternates: z.array(ResultCells),
  /** comments, previous result, text/structure disagreement (French) */
  notes: z.array(Text),
  mismatch: z.boolean(),
});
const ResultsDocumentView = z.object({
  title: Text,
  source: z.enum(['cda', 'hprim']),
  sourceText: Text,
  /** attachment file name (and document number in an XDM archive) */
  origin: Text,
  /** "PAT-TROIS DOMINIQUE, né(e) le … — INS qualifiée (…)" */
  patient: Text,
  laboratory: Text.optional(),
  biologist: Text.optional(),
  prescriber: Text.optional(),
  requestNumber: Text.optional(),
  dates: Text,
  summary: ResultsSummary,
  /** one French sentence listing the abnormal values, for screen readers */
  abnormalSummary: Text,
  criticalLabels: z.array(Text),
  groups: z.array(z.object({ title: Text, specimen: Text.optional(), rows: z.array(ResultRow), comments: z.array(Text) })),
  comments: z.array(Text),
  /** HPRIM free text, or the narrative of a CDA without structured results */
  freeText: Text.nullable(),
  /** the laboratory's PDF of the same report, embedded in the CDA */
  /** `partId`: attachment.open opens it with the OS */
  pdf: z.object({ filename: Text, size: Count, partId: Id.optional() }).nullable(),
});
/** Results carried by a message (CDA biology in an IHE_XDM.ZIP, HPRIM attachments). */
export const ResultsPanel = z.object({
  summary: ResultsSummary,
  documents: z.array(ResultsDocumentView),
  /** French lines about attachments that could not be read */
  errors: z.array(Line),
});

export const MessageView = z.object({
  id: Id,
  folderId: Id,
  headers: z.object({
    from: Address,
    to: z.array(Address),
    cc: z.array(Address),
    replyTo: z.array(Address),
    date: IsoDate,
    subject: Text,
    messageId: Text.optional(),
    /** The From address as shown: an internationalised domain in Unicode when it is single-script (else as received). */
    fromShown: Text.optional(),
  }),
  text: z.string().nullable(),
  /**
   * The HTML part as received: UNSANITISED. The renderer sanitises it (DOMPurify)
   * before showing it in the isolated, script-less, network-less message view.
   */
  html: z.string().nullable(),
  /**
   * Remote images: 'never' (setting or the sender's choice), 'always' (the sender's choice: the
   * renderer asks main for them on open, `mail.images`), else 'ask' (the bar offers them).
   */
  imagesChoice: z.enum(SENDER_IMAGE_CHOICES),
  attachments: z.array(AttachmentInfo),
  trust: TrustBadge,
  xdm: XdmSummary.nullable(),
  /** laboratory results found in the attachments, or null when there are none */
  results: ResultsPanel.nullable(),
  readReceipt: z.object({
    requested: z.boolean(),
    /** false when the receipt address differs from Return-Path: ask before sending. */
    safeToSend: z.boolean(),
  }),
  /** Read receipts received for this message when it is one we sent (Sent folder), oldest first. */
  receipts: z.array(z.object({
    /** displayed, processed, deleted, dispatched */
    disposition: z.string().max(64),
    date: IsoDate.nullable(),
    reporter: EmailAddress.nullable(),
    /** French, e.g. "lu le 26/11/2026 à 11:30". */
    status: Line,
  })),
  /**
   * Delivery of a message we sent (Sent folder), per recipient: the furthest state reached and
   * every step (envoyé → remis au serveur → distribué → lu / traité, or échec). [] for others.
   */
  delivery: z
    .array(z.object({
      recipient: z.string().max(320),
      state: z.enum(['sent', 'submitted', 'delivered', 'read', 'processed', 'failed']),
      /** French label of the state ("distribué") */
      label: Line,
      at: IsoDate.nullable(),
      /** French reason of a failure (bounce explained), or the server's words */
      detail: z.string().max(1000).nullable(),
      steps: z.array(z.object({ label: Line, at: IsoDate.nullable() })),
    }))
    .default([]),
  seen: z.boolean(),
  flagged: z.boolean(),
});

const XdmDocument = z.object({
  title: z.string().optional(),
  /** A CDA document rendered to HTML by the xdm module (sanitise like MessageView.html), or null. */
  html: z.string().nullable(),
  /** Other documents (PDF…) are opened with attachment.open on the XDM part. */
  mimeType: z.string().optional(),
});

// ---------------------------------------------------------------- compose

/** A file attached to a draft, held by main; the renderer only knows its id. */
const ComposeAttachment = z.object({
  attachmentId: Id,
  filename: Text,
  contentType: z.string().max(255),
  size: Count,
});
const ComposeAttachmentIn = z.strictObject({
  attachmentId: Id,
  filename: Line,
  contentType: z.string().max(255),
  size: Count,
});

/**
 * "Écrire au patient": where the patient comes from. Main evaluates the INS itself (matricule, INS
 * OID, four traits; xdm/ins-status.ts) and builds the address: the renderer never says "qualified".
 * 'xdm': the patient of a received IHE_XDM.ZIP; 'typed': an INS typed with its traits.
 */
export const PatientSource = z.discriminatedUnion('source', [
  z.strictObject({ source: z.literal('xdm'), messageId: Id, partId: Id }),
  z.strictObject({
    source: z.literal('typed'),
    ins: z.string().max(40),
    oid: z.string().max(64),
    birthName: z.string().max(200),
    firstGivenName: z.string().max(200),
    /** YYYY-MM-DD */
    birthDate: z.string().max(10),
    sex: z.enum(['M', 'F', '']),
  }),
]);
/** What main says of a patient before the message is written: the address only for a qualified INS. */
export const PatientCheck = z.object({
  qualified: z.boolean(),
  /** French: "INS qualifiée (INS-NIR)" or "INS non qualifiée : manque date de naissance" */
  statusText: Text,
  name: Text.optional(),
  insShown: z.string().max(40).optional(),
  /** `<INS>@<patient domain>`, qualified INS only */
  address: z.string().max(320).optional(),
  /** When not qualified: why « Écrire au patient » is refused, in French. */
  refusal: Text.optional(),
});

const draftShape = {
  draftId: Id.optional(),
  to: z.array(AddressIn).max(500),
  cc: z.array(AddressIn).max(500),
  bcc: z.array(AddressIn).max(500),
  subject: z.string().max(998),
  text: z.string().max(10_000_000),
  attachments: z.array(ComposeAttachmentIn).max(100),
  inReplyTo: z.string().max(998).optional(),
  references: z.array(z.string().max(998)).max(200).optional(),
  /** Id of the stored message this answers (marked answered once sent); from compose.template. */
  replyTo: Id.optional(),
  readReceipt: z.boolean(),
  /** « Écrire au patient »: the message goes to this patient's Mon espace santé mailbox (one patient per message). */
  patient: PatientSource.optional(),
  /** The user confirmed sending to a patient and to professionals in the same message. */
  mixedConfirmed: z.boolean().optional(),
  /** "Fin de traitement — le patient ne peut pas répondre" (X-MSS-MES: FIN); towards a patient only. */
  endOfTreatment: z.boolean().optional(),
};
const DraftIn = z.strictObject(draftShape);
export const Draft = z.object({
  ...draftShape,
  to: z.array(Address),
  cc: z.array(Address),
  bcc: z.array(Address),
  attachments: z.array(ComposeAttachment),
});

export const OutboxItem = z.object({
  id: Id,
  createdAt: IsoDate,
  subject: Text,
  to: z.array(Text),
  /** The outbox states of the sending module: 'uncertain' = the connection broke during the SMTP
   *  transaction, the message may have been sent (never resent without checking). */
  state: z.enum(['queued', 'sending', 'sent', 'failed', 'uncertain', 'cancelled']),
  attempts: Count,
  error: ErrorInfo.optional(),
});

export const DirectoryEntry = z.object({
  address: Text,
  identity: Identity,
  /** The professional declared they want no paper copies (annuaire column 18). */
  dematerialisation: z.boolean(),
  /** The badge a message from this address would get. */
  trust: TrustLevel,
});

const RecipientCheck = z.object({
  address: Text,
  syntaxValid: z.boolean(),
  /** false → the UI blocks sending until the user confirms ("hors espace de confiance"). */
  inTrustSpace: z.boolean(),
  /** The annuaire entry of the address, when it has one. */
  identity: Identity.optional(),
  dematerialisation: z.boolean().optional(),
});

// ---------------------------------------------------------------- sync and settings

const SyncProgress = z.object({ folderName: Text, done: Count, total: Count });
export const SyncStatus = z.object({
  online: z.boolean(),
  state: z.enum(['idle', 'syncing', 'offline', 'error', 'stopped']),
  lastSyncAt: IsoDate.nullable(),
  progress: SyncProgress.optional(),
  error: ErrorInfo.optional(),
  /** what the last pass met on the server, in French (folders renamed or deleted, changes dropped, reconnections) */
  notices: z.array(z.string().max(2000)).max(50).optional(),
});

/** A DNS domain in lower case (the patients' domain setting). */
export const PatientDomain = z.string().max(253).regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/);
/** Where a clinic rule comes from: the clinic's file (`mssante policy set`), an older settings.json, or the default. */
const RuleSource = z.enum(['clinic', 'legacy', 'default']);

/**
 * What applies (app/settings-policy.ts). Clinic rules (outsideTrustSpace, maxSessionHours,
 * patientDomain, idleLockMaxMinutes) are set by the clinic's IT person with `mssante policy set`
 * and are read-only here; the rest are the user's preferences, changed through `settings.set`.
 */
export const Settings = z.object({
  /** Lock after this many minutes without input (the user's choice, never above idleLockMaxMinutes). */
  idleLockMinutes: z.int().min(1).max(240),
  /** Clinic: the longest idle lock a user may choose. */
  idleLockMaxMinutes: z.int().min(1).max(240),
  /** Clinic: the PIN is asked again after this many hours of card session (Référentiel: 12 h at most; the clinic may lower it). */
  maxSessionHours: z.int().min(1).max(12),
  /** Remote images are never loaded automatically; 'ask' offers "afficher les images". */
  remoteImages: z.enum(['ask', 'never']),
  groupThreads: z.boolean(),
  readReceipts: z.enum(['ask', 'never']),
  /** Clinic: recipients outside the MSSanté trust space are forbidden, or sent after a confirmation per recipient. */
  outsideTrustSpace: z.enum(['block', 'confirm']),
  /** Clinic: patients' (Mon espace santé) domain: patient.mssante.fr; a test platform's otherwise (patient.mssante.test). */
  patientDomain: PatientDomain,
  /** Where each clinic rule comes from (the window says « fixé par votre établissement » for 'clinic'). */
  clinic: z.object({ outsideTrustSpace: RuleSource, maxSessionHours: RuleSource, patientDomain: RuleSource, idleLockMaxMinutes: RuleSource }),
});
/** The user's preferences only: a clinic rule in the patch is refused by the schema (strict), whatever the renderer sends. */
const SettingsPatch = z.strictObject({
  idleLockMinutes: z.int().min(1).max(240).optional(),
  remoteImages: z.enum(['ask', 'never']).optional(),
  groupThreads: z.boolean().optional(),
  readReceipts: z.enum(['ask', 'never']).optional(),
});
/** Read-only facts for « Réglages »: how the local store is protected, and the senders whose images are always shown or never. */
const SettingsFacts = z.object({
  /** 'card-only': the store opens with the CPS card alone; 'keychain': also through the system keychain (clinic setting); null: unknown here */
  storeProtection: z.enum(['card-only', 'keychain']).nullable(),
  imageSenders: z.array(z.object({ address: z.string().max(320), choice: z.enum(['always', 'never']) })).max(5000),
});

const Bounds = z.strictObject({
  x: z.int().min(0).max(100_000),
  y: z.int().min(0).max(100_000),
  width: z.int().min(0).max(100_000),
  height: z.int().min(0).max(100_000),
});
const PartRef = z.strictObject({ messageId: Id, partId: Id });

// ---------------------------------------------------------------- channels

type Owner = 'core' | 'shell';
function channel<O extends Owner, Req extends z.ZodType, Res extends z.ZodType>(owner: O, request: Req, response: Res) {
  return { owner, request, response };
}

export const CHANNELS = {
  // application
  'app.info': channel('shell', Empty, z.object({
    version: z.string(),
    platform: z.enum(['linux', 'win32', 'darwin', 'other']),
    /** true in Electron: show message HTML through messageView.*; false: the renderer's sandboxed iframe. */
    isolatedMessageView: z.boolean(),
  })),

  // card and session
  'card.status': channel('core', Empty, CardStatus),
  'session.state': channel('core', Empty, SessionState),
  'session.lock': channel('core', z.strictObject({ reason: z.enum(['idle', 'user']) }), SessionState),
  /** Unlocking proves the card again: a PIN login (no `pin` on a pinpad reader). Never retried automatically. */
  'session.unlock': channel('core', PinLogin, SessionState),
  /** « Se déconnecter »: ends the card session (journalled), locks; the PIN is needed to come back. */
  'session.logout': channel('core', Empty, SessionState),
  /**
   * The PIN asked again for one signature (key with CKA_ALWAYS_AUTHENTICATE), answering a `card.signaturePin`
   * event: one try, format checked before the card (CARD_PIN_FORMAT: the request stays open), never retried.
   */
  'card.signaturePinAnswer': channel('core', z.strictObject({ requestId: Id, pin: z.string().max(64) }), z.object({ accepted: z.boolean() })),
  /** « Annuler » in that dialog: the signature fails with CARD_SIGNATURE_PIN_CANCELLED. */
  'card.signaturePinCancel': channel('core', z.strictObject({ requestId: Id }), z.object({ cancelled: z.boolean() })),

  // first run and Pro Santé Connect (open while locked; account.create only while no account exists)
  'account.get': channel('core', Empty, AccountInfo),
  /** Auto-configuration of an address: servers found and the login methods they offer (nothing saved). */
  'account.discover': channel('core', z.strictObject({ address: EmailAddress }), Discovery),
  /** Saves the first account (refused with ACCOUNT_EXISTS once one exists): servers confirmed by the user and the login method. */
  'account.create': channel('core', z.strictObject({ address: EmailAddress, imap: EndpointIn, smtp: EndpointIn, auth: z.enum(['card', 'psc']) }), AccountInfo),
  'psc.status': channel('core', Empty, PscStatus),
  /**
   * e-CPS on the phone (CIBA): answers once the doctor approved (session unlocked), refused or let it expire.
   * The `psc.pending` event says when the request reached the phone and when it expires.
   */
  'psc.loginCiba': channel('core', z.strictObject({ rpps: Rpps }), SessionState),
  /** CPS card in the system browser (code + PKCE, loopback redirect owned by main): answers once the browser came back. */
  'psc.loginBrowser': channel('core', Empty, SessionState),
  /**
   * Reopens the session kept sealed by an earlier run (account setting keepRefreshToken: one refresh at PSC,
   * no new validation); PSC_NOT_LOGGED_IN when none is kept, PSC_SESSION_ENDED (and erased) when PSC refuses it.
   */
  'psc.resume': channel('core', Empty, SessionState),
  /**
   * « Ouvrir avec le code de secours »: only while a card-less login waits for the store (PscStatus
   * storeNeedsRecoveryCode; PSC_NOT_LOGGED_IN otherwise). One try per call, never retried; the code goes
   * renderer → main only, like the PIN: never sent back, logged or stored. STORE_RECOVERY_INVALID when wrong.
   */
  'psc.recoveryUnlock': channel('core', z.strictObject({ code: z.string().min(1).max(64) }), SessionState),
  /** Stops waiting for the phone or the browser (or for the store's recovery code: that login is dropped). */
  'psc.cancel': channel('core', Empty, z.object({ cancelled: z.boolean() })),

  // mail
  'mail.folders': channel('core', Empty, z.object({ folders: z.array(Folder) })),
  'mail.list': channel('core', z.strictObject({ folderId: Id, ...Paging, sort: SortOrder, threads: z.boolean() }), MessagePage),
  'mail.read': channel('core', z.strictObject({ id: Id }), MessageView),
  /**
   * The message as received (RFC 822 source, UTF-8 else windows-1252, cut at 2 MB) for "Voir la source": shown as escaped text, never as HTML.
   */
  'mail.source': channel('core', z.strictObject({ id: Id }), z.object({ text: z.string(), truncated: z.boolean() })),
  /**
   * The message's remote images (<img src>), fetched by main (HTTPS only, bounded; src-main/images/) and
   * returned as data: URLs the renderer puts in place before the HTML reaches the view, which never
   * reaches the network. Refused when the setting or the sender's choice is 'never'.
   */
  'mail.images': channel('core', z.strictObject({ id: Id }), z.object({
    images: z.array(z.object({ url: z.string().max(4096), dataUrl: z.string().max(3_000_000) })).max(100),
    refused: z.array(z.object({ url: z.string().max(4096), reason: z.enum(IMAGE_REFUSALS) })).max(5000),
  })),
  /** « Toujours / Jamais pour cet expéditeur » (or back to 'ask'): kept per sender address of this message. */
  'mail.imagesChoice': channel('core', z.strictObject({ id: Id, choice: z.enum(SENDER_IMAGE_CHOICES) }), z.object({ choice: z.enum(SENDER_IMAGE_CHOICES) })),
  'mail.setFlags': channel('core', z.strictObject({ ids: Ids, seen: z.boolean().optional(), flagged: z.boolean().optional() }), z.object({ updated: Count })),
  'mail.move': channel('core', z.strictObject({ ids: Ids, toFolderId: Id }), z.object({ moved: Count })),
  /** To the trash; deleted for good when already in the trash. */
  'mail.delete': channel('core', z.strictObject({ ids: Ids }), z.object({ deleted: Count })),
  /** Full-text search, accent-insensitive; `folderId` omitted = every folder. */
  'mail.search': channel('core', z.strictObject({ query: z.string().min(1).max(500), folderId: Id.optional(), ...Paging }), MessagePage),
  'xdm.view': channel('core', PartRef, z.object({ summary: XdmSummary, documents: z.array(XdmDocument) })),

  // attachments (need the OS)
  'attachment.open': channel('shell', PartRef, z.object({ opened: z.boolean() })),
  'attachment.save': channel('shell', PartRef, z.object({ saved: z.boolean() })),

  // compose and outbox
  'compose.template': channel('core', z.strictObject({ messageId: Id, mode: z.enum(['reply', 'reply-all', 'forward']) }), Draft),
  /** Files chosen in the OS file dialog. */
  'compose.pickFiles': channel('shell', Empty, z.object({ attachments: z.array(ComposeAttachment) })),
  /** Files dropped on the compose pane, read by the renderer (base64, 25 MB at most). */
  'compose.attachData': channel('core', z.strictObject({
    filename: z.string().min(1).max(255),
    contentType: z.string().max(255),
    dataBase64: z.base64().max(35_000_000),
  }), ComposeAttachment),
  'compose.saveDraft': channel('core', z.strictObject({ draft: DraftIn }), z.object({ draftId: Id })),
  /** « Écrire au patient »: main evaluates the patient's INS (qualified or not, and why) and gives the address. */
  'compose.patient': channel('core', PatientSource, PatientCheck),
  'compose.discardDraft': channel('core', z.strictObject({ draftId: Id }), z.object({ discarded: z.boolean() })),
  /** Saved in the outbox before any network; sent by the outbox. */
  /**
   * `confirmedOutside`: the recipients outside the trust space the user confirmed one by one for
   * this message (refused when the clinic setting outsideTrustSpace is 'block'); recorded in the journal.
   */
  'compose.send': channel('core', z.strictObject({ draft: DraftIn, confirmedOutside: z.array(z.string().max(320)).max(1500).optional() }), z.object({ outboxId: Id })),
  'outbox.list': channel('core', Empty, z.object({ items: z.array(OutboxItem) })),
  /** `confirmUncertain`: the user accepts that an 'uncertain' message may reach its recipients twice. */
  'outbox.retry': channel('core', z.strictObject({ id: Id, confirmUncertain: z.boolean().optional() }), OutboxItem),
  'outbox.cancel': channel('core', z.strictObject({ id: Id }), z.object({ cancelled: z.boolean() })),

  // trust
  'annuaire.search': channel('core', z.strictObject({ query: z.string().min(1).max(200), limit: z.int().min(1).max(50) }), z.object({ entries: z.array(DirectoryEntry) })),
  'recipients.check': channel('core', z.strictObject({ addresses: z.array(EmailAddress).min(1).max(500) }), z.object({ results: z.array(RecipientCheck) })),

  // sync
  'sync.status': channel('core', Empty, SyncStatus),
  /** Sync now (also the "réessayer" action after an error). */
  'sync.now': channel('core', Empty, SyncStatus),

  // settings
  'settings.get': channel('core', Empty, Settings),
  'settings.set': channel('core', SettingsPatch, Settings),
  'settings.facts': channel('core', Empty, SettingsFacts),
  /** Back to « demander » for this sender's remote images (the « toujours / jamais » choice forgotten). */
  'settings.forgetImageSender': channel('core', z.strictObject({ address: z.string().min(1).max(320) }), SettingsFacts),

  // OS integration
  /** Asks the user (native dialog) then opens http(s)/mailto in the OS; anything else refused. */
  'link.open': channel('shell', z.strictObject({ url: z.string().min(1).max(4096) }), z.object({ opened: z.boolean() })),
  /** Shows sanitised message HTML in the isolated view (no script, no network) at `bounds`. */
  /** `tabStops`: the view's keyboard stops main counted (0: the message area is not a Tab stop). */
  'messageView.show': channel('shell', z.strictObject({ html: z.string().max(40_000_000), bounds: Bounds }), z.object({ shown: z.boolean(), tabStops: Count })),
  'messageView.setBounds': channel('shell', z.strictObject({ bounds: Bounds }), z.object({ shown: z.boolean() })),
  'messageView.hide': channel('shell', Empty, z.object({ shown: z.boolean() })),
  /**
   * Tab (Shift+Tab when `backwards`) reached the message area: main gives the view the keyboard focus on its
   * first (last) stop; `focused: false` (no stop, no view): the renderer goes on. The way back is `messageView.focusLeft`.
   */
  'messageView.focus': channel('shell', z.strictObject({ backwards: z.boolean() }), z.object({ focused: z.boolean() })),
  /** Export a message (or only its laboratory results) as PDF: save dialog, then Chromium's PDF printing; journalled. */
  'print.pdf': channel('shell', z.strictObject({ messageId: Id, view: z.enum(['message', 'results']) }), z.object({ saved: z.boolean() })),
} as const;

// ---------------------------------------------------------------- events (main → renderer)

export const EVENTS = {
  'card.inserted': CardStatus,
  'card.removed': z.object({}),
  'card.changed': CardStatus,
  /** The card's key needs the PIN for this signature: what it signs (server login, access journal, store key). */
  'card.signaturePin': z.object({ requestId: Id, purpose: z.enum(['server', 'journal', 'store']) }),
  /** That request is over (answered, cancelled, timed out): close its dialog. */
  'card.signaturePinDone': z.object({ requestId: Id }),
  'session.changed': SessionState,
  /** A PSC login is waiting: on the phone (CIBA, until `expiresAt`) or in the system browser. */
  'psc.pending': z.object({ method: z.enum(['ciba', 'browser']), expiresAt: IsoDate.optional() }),
  'psc.changed': PscStatus,
  'sync.status': SyncStatus,
  'sync.progress': SyncProgress,
  /** New, changed or removed messages: refresh these folders' lists and counts. */
  'mail.changed': z.object({ folderIds: z.array(Id) }),
  'outbox.changed': z.object({ items: z.array(OutboxItem) }),
  /**
   * The message view gave the keyboard focus back (Electron): Tab after its last stop → 'next', Shift+Tab before
   * its first → 'previous' (the controls after / before the message area), Escape → 'holder' (the area itself).
   */
  'messageView.focusLeft': z.object({ to: z.enum(['next', 'previous', 'holder']) }),
} as const;

// ---------------------------------------------------------------- types

export type Channels = typeof CHANNELS;
export type ChannelName = keyof Channels;
export type CoreChannel = { [C in ChannelName]: Channels[C]['owner'] extends 'core' ? C : never }[ChannelName];
export type ShellChannel = Exclude<ChannelName, CoreChannel>;
/** What the renderer sends (input of the schema). */
export type RequestOf<C extends ChannelName> = z.input<Channels[C]['request']>;
/** What a handler receives after validation. */
export type ParsedRequestOf<C extends ChannelName> = z.output<Channels[C]['request']>;
/** What a handler returns (validated, undeclared keys stripped, before leaving main). */
export type ResponseOf<C extends ChannelName> = z.output<Channels[C]['response']>;

export type Events = typeof EVENTS;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.output<Events[E]>;

export type ErrorInfo = z.output<typeof ErrorInfo>;
export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorInfo };

export type CardStatus = z.output<typeof CardStatus>;
export type SessionState = z.output<typeof SessionState>;
export type AccountInfo = z.output<typeof AccountInfo>;
export type Discovery = z.output<typeof Discovery>;
export type PscStatus = z.output<typeof PscStatus>;
export type Folder = z.output<typeof Folder>;
export type MessageSummary = z.output<typeof MessageSummary>;
export type MessagePage = z.output<typeof MessagePage>;
export type MessageView = z.output<typeof MessageView>;
export type ResultsPanel = z.output<typeof ResultsPanel>;
export type TrustBadge = z.output<typeof TrustBadge>;
export type Draft = z.output<typeof Draft>;
export type OutboxItem = z.output<typeof OutboxItem>;
export type DirectoryEntry = z.output<typeof DirectoryEntry>;
export type SyncStatus = z.output<typeof SyncStatus>;
export type Settings = z.output<typeof Settings>;
export type SettingsFacts = z.output<typeof SettingsFacts>;
export type PatientSource = z.output<typeof PatientSource>;
export type PatientCheck = z.output<typeof PatientCheck>;

export type ChannelHandler<C extends ChannelName> = (request: ParsedRequestOf<C>) => Promise<ResponseOf<C>>;
/** An implementation of every channel: what the dispatcher needs. */
export type ChannelHandlers = { [C in ChannelName]: ChannelHandler<C> };

// ---------------------------------------------------------------- the API the preload exposes

type GroupOf<C> = C extends `${infer G}.${string}` ? G : never;
type Invoker<C extends ChannelName> = Record<never, never> extends RequestOf<C>
  ? (request?: RequestOf<C>) => Promise<Result<ResponseOf<C>>>
  : (request: RequestOf<C>) => Promise<Result<ResponseOf<C>>>;

/**
 * `window.mssante`: one function per channel, grouped by prefix
 * (`mssante.mail.list({...})`), plus `on(event, listener)` → unsubscribe.
 */
export type MssanteApi = {
  [G in GroupOf<ChannelName>]: { [C in ChannelName as C extends `${G}.${infer M}` ? M : never]: Invoker<C> };
} & {
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
};

/** Electron IPC channel names: one per contract entry, nothing else is handled or exposed. */
export const IPC_PREFIX = 'mssante:';
export const IPC_EVENT_PREFIX = 'mssante-event:';
export const CHANNEL_NAMES = Object.keys(CHANNELS) as ChannelName[];
export const EVENT_NAMES = Object.keys(EVENTS) as EventName[];

/** 'mail.list' → ['mail', 'list']. */
export function splitChannel(name: string): [group: string, method: string] {
  const dot = name.indexOf('.');
  return [name.slice(0, dot), name.slice(dot + 1)];
}
