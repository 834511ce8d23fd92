// Building blocks of the corpus: a seeded PRNG, French medical wording,
// small valid PDFs and IHE_XDM.ZIP packages (METADATA.XML + a CDA R2 level 1
// document embedding the PDF, as French senders produce them). Pure functions.
import { createHash } from 'node:crypto';
import { zipSync, strToU8 } from 'fflate';

/** sfc32: small, fast, good enough; the same seed gives the same corpus everywhere. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 15; i++) this.next();
  }
  next(): number {
    this.a >>>= 0; this.b >>>= 0; this.c >>>= 0; this.d >>>= 0;
    let t = (this.a + this.b) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.d = (this.d + 1) | 0;
    t = (t + this.d) | 0;
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

export interface Person {
  name: string;
  address: string;
}

/** Correspondents outside the test PKI: other MSSanté operators and plain Internet senders. */
export const OUTSIDE_SENDERS: readonly Person[] = [
  { name: 'Service de cardiologie – CHU Exemple', address: 'cardiologie@chu-exemple.mssante.test' },
  { name: 'Laboratoire de biologie médicale Biolab', address: 'resultats@biolab-exemple.mssante.test' },
  { name: 'Dr Amélie Rousseau', address: 'amelie.rousseau@pediatre.mssante.test' },
  { name: 'Centre d’imagerie Saint-Éloi', address: 'secretariat@imagerie-saint-eloi.mssante.test' },
  { name: 'Pharmacie de la Gare', address: 'pharmacie.gare@pharmacien.mssante.test' },
  { name: 'Cabinet infirmier Les Tilleuls', address: 'ide.tilleuls@infirmier.mssante.test' },
  { name: 'Noël Lefèbvre', address: 'noel.lefebvre@example.org' },
];

export interface Patient {
  birthName: string;
  givenName: string;
  sex: 'F' | 'M';
  birthDate: string; // YYYYMMDD
  /** INS matricule (NIR-shaped, test range) */
  ins: string;
}

const PATIENT_GIVEN_F = ['Élodie', 'Françoise', 'Maëlle', 'Chloé', 'Agnès', 'Inès', 'Léa', 'Béatrice', 'Zoé', 'Hélène'];
const PATIENT_GIVEN_M = ['Jérôme', 'François', 'Noël', 'Anaïs', 'Gaël', 'Loïc', 'Théo', 'Raphaël', 'Benoît', 'Cédric'];
const PATIENT_NAMES = ['LAMBERT', 'FAURE', 'MERCIER', 'BONNET', 'FRANÇOIS', 'LEGRAND', 'GÉRARD', 'BRUNEL', 'CHÂTEAU', 'DUPRÉ', 'MOREAU', 'BLANC'];

export function patient(rng: Rng): Patient {
  const sex = rng.chance(0.5) ? 'F' : 'M';
  const year = rng.int(1930, 2020);
  const month = rng.int(1, 12);
  const day = rng.int(1, 28);
  // NIR-shaped INS: 13 digits (sex, year, month, department 99 = born abroad, commune, order) + 2-digit key
  const nir = `${sex === 'F' ? 2 : 1}${String(year % 100).padStart(2, '0')}${String(month).padStart(2, '0')}99${rng.int(100, 999)}${rng.int(100, 999)}`;
  const ins = `${nir}${String(97 - Number(BigInt(nir) % 97n)).padStart(2, '0')}`;
  return {
    birthName: rng.pick(PATIENT_NAMES),
    givenName: rng.pick(sex === 'F' ? PATIENT_GIVEN_F : PATIENT_GIVEN_M),
    sex,
    birthDate: `${year}${String(month).padStart(2, '0')}${String(day).padStart(2, '0')}`,
    ins,
  };
}

export function frenchDate(yyyymmdd: string): string {
  return `${yyyymmdd.slice(6, 8)}/${yyyymmdd.slice(4, 6)}/${yyyymmdd.slice(0, 4)}`;
}

export const SUBJECTS = [
  'Compte rendu de consultation', 'Résultats d’analyses biologiques', 'Lettre de liaison – sortie d’hospitalisation',
  'Demande d’avis spécialisé', 'Compte rendu opératoire', 'Résultat d’échographie', 'Ordonnance de renouvellement',
  'Suivi post-opératoire', 'Bilan cardiologique', 'Adressage pour IRM', 'Certificat médical', 'Vaccination – rappel',
];

const SENTENCES = [
  'Je vous remercie de m’avoir adressé votre patient(e) pour avis.',
  'L’examen clinique retrouve une tension artérielle à 13/8 et une fréquence cardiaque régulière à 72 battements par minute.',
  'Le bilan biologique montre une hémoglobine glyquée à 7,2 %, en légère amélioration par rapport au précédent contrôle.',
  'L’électrocardiogramme est en rythme sinusal, sans trouble de la repolarisation.',
  'Je propose de poursuivre le traitement actuel et de réévaluer dans trois mois.',
  'Une échographie abdominale a été réalisée : pas d’anomalie hépatique décelée, vésicule alithiasique.',
  'Le patient signale une dyspnée d’effort stade II de la NYHA, sans douleur thoracique.',
  'Antécédents : hypertension artérielle traitée, appendicectomie dans l’enfance, allergie à la pénicilline.',
  'Traitement à la sortie : ramipril 5 mg le matin, atorvastatine 20 mg le soir, paracétamol si besoin.',
  'Je reste à votre disposition pour tout renseignement complémentaire.',
  'La cicatrisation est satisfaisante ; les fils pourront être retirés par l’infirmière à J12.',
  'Les résultats de la TSH (2,1 mUI/L) sont dans les normes ; pas de modification du traitement substitutif.',
  'Pourriez-vous me transmettre le dernier compte rendu d’hospitalisation ainsi que l’ordonnance en cours ?',
  'Il conviendra de contrôler la kaliémie et la créatininémie dans huit jours.',
  'Rendez-vous de contrôle programmé le mois prochain en consultation externe.',
  'Vaccination antigrippale effectuée ce jour, lot n° FR4521, bien tolérée.',
];

const GREETINGS = ['Cher confrère,', 'Chère consœur,', 'Chers collègues,', 'Bonjour,', 'Madame, Monsieur,'];
const CLOSINGS = ['Bien confraternellement,', 'Cordialement,', 'Avec mes salutations confraternelles,', 'Bien à vous,'];

/** A letter of `paragraphs` paragraphs about `p`, signed by `signer`. */
export function letter(rng: Rng, p: Patient, signer: string, paragraphs: number): string[] {
  const lines = [rng.pick(GREETINGS), '', `Concerne : ${p.sex === 'F' ? 'Mme' : 'M.'} ${p.givenName} ${p.birthName}, né${p.sex === 'F' ? 'e' : ''} le ${frenchDate(p.birthDate)}.`, ''];
  for (let i = 0; i < paragraphs; i++) {
    const n = rng.int(2, 5);
    const para: string[] = [];
    for (let j = 0; j < n; j++) para.push(rng.pick(SENTENCES));
    lines.push(para.join(' '), '');
  }
  lines.push(rng.pick(CLOSINGS), '', signer);
  return lines;
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

// --- PDF --------------------------------------------------------------------------------

/** PDF literal string in WinAnsiEncoding (Latin-1 covers French accents; others become '?'). */
function pdfString(s: string): string {
  let out = '(';
  for (const ch of s.replace(/[’]/g, '\'').replace(/[–]/g, '-').replace(/œ/g, 'oe')) {
    const c = ch.codePointAt(0)!;
    if (ch === '(' || ch === ')' || ch === '\\') out += `\\${ch}`;
    else if (c >= 32 && c < 127) out += ch;
    else if (c >= 160 && c < 256) out += `\\${c.toString(8).padStart(3, '0')}`;
    else out += '?';
  }
  return `${out})`;
}

/** A small valid one-or-more-page PDF (Helvetica, WinAnsi) with the given lines. */
export function makePdf(title: string, lines: readonly string[]): Buffer {
  const perPage = 50;
  const pages: string[][] = [];
  for (let i = 0; i < Math.max(1, lines.length); i += perPage) pages.push(lines.slice(i, i + perPage) as string[]);
  const objects: string[] = [];
  const pageIds = pages.map((_, i) => 4 + i * 2);
  objects[1] = '<< /Type /Catalog /Pages 2 0 R >>';
  objects[2] = `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pages.length} >>`;
  objects[3] = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>';
  pages.forEach((pageLines, i) => {
    const text = [`BT /F1 14 Tf 50 800 Td ${pdfString(title)} Tj ET`, 'BT /F1 10 Tf 50 770 Td 14 TL',
      ...pageLines.map((l) => `${pdfString(l)} '`), 'ET'].join('\n');
    objects[pageIds[i]!] = `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents ${pageIds[i]! + 1} 0 R >>`;
    objects[pageIds[i]! + 1] = `<< /Length ${Buffer.byteLength(text, 'latin1')} >>\nstream\n${text}\nendstream`;
  });
  let out = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  for (let id = 1; id < objects.length; id++) {
    offsets[id] = Buffer.byteLength(out, 'latin1');
    out += `${id} 0 obj\n${objects[id]}\nendobj\n`;
  }
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length}\n0000000000 65535 f \n`;
  for (let id = 1; id < objects.length; id++) out += `${String(offsets[id]).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

// --- IHE XDM --------------------------------------------------------------------------------

const INS_OID = '1.2.250.1.213.1.4.10'; // INS-NIR de test
const UUIDS = {
  doc: 'urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1',
  set: 'urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd',
  docPatientId: 'urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427',
  docUniqueId: 'urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab',
  setPatientId: 'urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446',
  setUniqueId: 'urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8',
  setSourceId: 'urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832',
  classCode: 'urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a',
  typeCode: 'urn:uuid:f0306f51-975f-434e-a61c-c59651d33983',
  formatCode: 'urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d',
  author: 'urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d',
};

function xml(s: string): string {
  return escapeHtml(s);
}

function slot(name: string, ...values: string[]): string {
  return `<Slot name="${name}"><ValueList>${values.map((v) => `<Value>${xml(v)}</Value>`).join('')}</ValueList></Slot>`;
}

/** CDA R2 level 1 (non-structured body: the PDF, base64), header with the INS as in ANS samples. */
export function makeCda(o: { p: Patient; title: string; pdf: Buffer; author: Person; rpps: string; docId: string; when: string }): string {
  const { p } = o;
  return `<?xml version="1.0" encoding="UTF-8"?>
<ClinicalDocument xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <realmCode code="FR"/>
  <typeId root="2.16.840.1.113883.1.3" extension="POCD_HD000040"/>
  <templateId root="2.16.840.1.113883.2.8.2.1" assigningAuthorityName="HL7 France"/>
  <templateId root="1.2.250.1.213.1.1.1.1" assigningAuthorityName="CI-SIS"/>
  <id root="${o.docId}"/>
  <code code="11488-4" codeSystem="2.16.840.1.113883.6.1" displayName="Note de consultation"/>
  <title>${xml(o.title)}</title>
  <effectiveTime value="${o.when}"/>
  <confidentialityCode code="N" codeSystem="2.16.840.1.113883.5.25"/>
  <languageCode code="fr-FR"/>
  <recordTarget>
    <patientRole>
      <id root="${INS_OID}" extension="${p.ins}"/>
      <patient>
        <name><given qualifier="BR">${xml(p.givenName)}</given><family qualifier="BR">${xml(p.birthName)}</family></name>
        <administrativeGenderCode code="${p.sex}" codeSystem="2.16.840.1.113883.5.1"/>
        <birthTime value="${p.birthDate}"/>
      </patient>
    </patientRole>
  </recordTarget>
  <author>
    <time value="${o.when}"/>
    <assignedAuthor>
      <id root="1.2.250.1.71.4.2.1" extension="8${o.rpps}"/>
      <telecom value="mailto:${xml(o.author.address)}"/>
      <assignedPerson><name><family>${xml(o.author.name)}</family></name></assignedPerson>
    </assignedAuthor>
  </author>
  <component>
    <nonXMLBody>
      <text mediaType="application/pdf" representation="B64">${o.pdf.toString('base64')}</text>
    </nonXMLBody>
  </component>
</ClinicalDocument>
`;
}

function metadata(o: { p: Patient; title: string; cda: Buffer; author: Person; rpps: string; docId: string; setId: string; when: string; recipient: string }): string {
  const { p } = o;
  const pid = `${p.ins}^^^&${INS_OID}&ISO`;
  const sha1 = createHash('sha1').update(o.cda).digest('hex');
  return `<?xml version="1.0" encoding="UTF-8"?>
<lcm:SubmitObjectsRequest xmlns:lcm="urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0" xmlns="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0">
<RegistryObjectList>
<ExtrinsicObject id="Document01" mimeType="text/xml" objectType="${UUIDS.doc}">
${slot('creationTime', o.when)}
${slot('languageCode', 'fr-FR')}
${slot('hash', sha1)}
${slot('size', String(o.cda.length))}
${slot('sourcePatientId', pid)}
${slot('sourcePatientInfo', `PID-3|${pid}`, `PID-5|${p.birthName}^${p.givenName}^^^^^L`, `PID-7|${p.birthDate}`, `PID-8|${p.sex}`)}
${slot('URI', 'DOC0001.XML')}
<Name><LocalizedString value="${xml(o.title)}"/></Name>
<Classification classificationScheme="${UUIDS.author}" classifiedObject="Document01" nodeRepresentation="" id="cl01">${slot('authorPerson', `8${o.rpps}^${o.author.name}^^^^^^^&1.2.250.1.71.4.2.1&ISO^D^^^IDNPS`)}</Classification>
<Classification classificationScheme="${UUIDS.classCode}" classifiedObject="Document01" nodeRepresentation="11" id="cl02">${slot('codingScheme', '1.2.250.1.213.1.1.4.1')}<Name><LocalizedString value="Compte rendu"/></Name></Classification>
<Classification classificationScheme="${UUIDS.typeCode}" classifiedObject="Document01" nodeRepresentation="11488-4" id="cl03">${slot('codingScheme', '2.16.840.1.113883.6.1')}<Name><LocalizedString value="Note de consultation"/></Name></Classification>
<Classification classificationScheme="${UUIDS.formatCode}" classifiedObject="Document01" nodeRepresentation="urn:ihe:iti:xds-sd:pdf:2008" id="cl04">${slot('codingScheme', '1.3.6.1.4.1.19376.1.2.3')}</Classification>
<ExternalIdentifier id="ei01" registryObject="Document01" identificationScheme="${UUIDS.docPatientId}" value="${xml(pid)}"><Name><LocalizedString value="XDSDocumentEntry.patientId"/></Name></ExternalIdentifier>
<ExternalIdentifier id="ei02" registryObject="Document01" identificationScheme="${UUIDS.docUniqueId}" value="${o.docId}"><Name><LocalizedString value="XDSDocumentEntry.uniqueId"/></Name></ExternalIdentifier>
</ExtrinsicObject>
<RegistryPackage id="SubmissionSet01">
${slot('submissionTime', o.when)}
${slot('intendedRecipient', `|${o.recipient}^^^^^^^^^^^^^INTERNET`)}
<ExternalIdentifier id="ei03" registryObject="SubmissionSet01" identificationScheme="${UUIDS.setPatientId}" value="${xml(pid)}"><Name><LocalizedString value="XDSSubmissionSet.patientId"/></Name></ExternalIdentifier>
<ExternalIdentifier id="ei04" registryObject="SubmissionSet01" identificationScheme="${UUIDS.setUniqueId}" value="${o.setId}"><Name><LocalizedString value="XDSSubmissionSet.uniqueId"/></Name></ExternalIdentifier>
<ExternalIdentifier id="ei05" registryObject="SubmissionSet01" identificationScheme="${UUIDS.setSourceId}" value="1.2.250.1.999.1"><Name><LocalizedString value="XDSSubmissionSet.sourceId"/></Name></ExternalIdentifier>
</RegistryPackage>
<Classification id="cl10" classifiedObject="SubmissionSet01" classificationNode="${UUIDS.set}"/>
<Association id="as01" associationType="urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember" sourceObject="SubmissionSet01" targetObject="Document01">${slot('SubmissionSetStatus', 'Original')}</Association>
</RegistryObjectList>
</lcm:SubmitObjectsRequest>
`;
}

/** IHE_XDM.ZIP: INDEX.HTM, README.TXT, IHE_XDM/SUBSET01/{METADATA.XML, DOC0001.XML}. */
export function makeXdmZip(o: { p: Patient; title: string; pdf: Buffer; author: Person; rpps: string; recipient: string; when: string; n: number; seed: number }): Buffer {
  const docId = `1.2.250.1.999.2.${o.seed}.${o.n}`;
  const setId = `1.2.250.1.999.3.${o.seed}.${o.n}`;
  const cda = Buffer.from(makeCda({ ...o, docId }), 'utf8');
  const files = {
    'INDEX.HTM': strToU8(`<html><body><h1>${xml(o.title)}</h1><p><a href="IHE_XDM/SUBSET01/DOC0001.XML">DOC0001.XML</a></p></body></html>\r\n`),
    'README.TXT': strToU8(`Envoi MSSanté – ${o.author.name}\r\nContenu : un document CDA R2 (IHE XDM).\r\n`),
    'IHE_XDM/SUBSET01/METADATA.XML': strToU8(metadata({ ...o, cda, docId, setId })),
    'IHE_XDM/SUBSET01/DOC0001.XML': new Uint8Array(cda),
  };
  // Fixed mtime: the same seed gives byte-identical zips.
  return Buffer.from(zipSync(files, { level: 6, mtime: new Date('2024-01-01T00:00:00Z') }));
}
