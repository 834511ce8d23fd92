// The one place that knows the MSSanté rules (Référentiel socle MSSanté #2,
// "Clients de messageries", and the CPS / IGC-Santé conventions). Other
// modules import these facts; they never restate them.

/** ECO.1.1.2: TLS 1.2 only. */
export const TLS_VERSION = 0x0303;

/**
 * ECO.1.1.3: the four allowed suites. The TLS client implements the GCM ones;
 * see src-main/tls for why the CBC ones are not offered.
 */
export const TLS_ALLOWED_SUITES = {
  ECDHE_RSA_AES256_GCM_SHA384: 0xc030,
  ECDHE_RSA_AES128_GCM_SHA256: 0xc02f,
  ECDHE_RSA_AES256_CBC_SHA384: 0xc028,
  ECDHE_RSA_AES128_CBC_SHA256: 0xc027,
} as const;

/** OpenSSL names of the four suites, for server configuration in tests. */
export const TLS_ALLOWED_SUITES_OPENSSL = [
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES256-SHA384',
  'ECDHE-RSA-AES128-SHA256',
] as const;

// --- Annuaire and liste blanche (DOMAIN.md §5) ---

/** File name of the extraction inside the ZIP; the suffix is the extraction date AAAAMMJJhhmm. */
export const ANNUAIRE_EXTRACTION_FILE_PATTERN = /^(?:.*[\\/])?Extraction_Correspondance_MSSante_(\d{12})?[^\\/]*\.txt$/i;
/** First digit of `Identification nationale PP`: 8 = RPPS, 0 = ADELI. */
export const NATIONAL_ID_PREFIXES = { '8': 'RPPS', '0': 'ADELI' } as const;
/**
 * Where the extraction is published (unconfirmed URLs: overridable with --url). The Annuaire Santé web
 * service serves an IGC-Santé certificate; the data.gouv.fr mirror serves a public-CA certificate.
 */
export const ANNUAIRE_EXTRACTION_SOURCES = {
  webservice: 'https://service.annuaire.sante.fr/annuaire-sante-webservices/V300/services/extraction/Extraction_Correspondance_MSSante',
  datagouv: 'https://www.data.gouv.fr/fr/datasets/r/extraction-correspondance-mssante',
} as const;

/** XML namespace of the liste blanche; domains are at //Domaine/Nom. */
export const LISTE_BLANCHE_NAMESPACE = 'https://listeblanche.mssante.fr/schema';
