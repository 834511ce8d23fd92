// CPS card facts (ANS "Cryptolib CPS", IGC-Santé certificate profiles). The
// card service imports these; nothing else restates them.

/** Where the ANS Cryptolib CPS PKCS#11 library is installed, per OS (tried first). */
export const CRYPTOLIB_MODULE_PATHS: Readonly<Record<string, readonly string[]>> = {
  linux: ['/opt/santesocial/CPS/lib/libcps3_pkcs11_lux.so'],
  win32: ['C:\\Windows\\System32\\cps3_pkcs11_w64.dll', 'C:\\Windows\\SysWOW64\\cps3_pkcs11_w32.dll'],
  darwin: ['/usr/local/lib/libcps3_pkcs11_osx.dylib', '/usr/lib/libcps3_pkcs11_osx.dylib'],
};

/** OpenSC (its IAS-ECC driver reads CPS3 cards): the fallback when Cryptolib is absent. */
export const OPENSC_MODULE_PATHS: Readonly<Record<string, readonly string[]>> = {
  linux: [
    '/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so',
    '/usr/lib/aarch64-linux-gnu/opensc-pkcs11.so',
    '/usr/lib64/opensc-pkcs11.so',
    '/usr/lib/opensc-pkcs11.so',
    '/usr/local/lib/opensc-pkcs11.so',
  ],
  win32: ['C:\\Windows\\System32\\opensc-pkcs11.dll', 'C:\\Program Files\\OpenSC Project\\OpenSC\\pkcs11\\opensc-pkcs11.dll'],
  darwin: ['/Library/OpenSC/lib/opensc-pkcs11.so', '/opt/homebrew/lib/opensc-pkcs11.so', '/usr/local/lib/opensc-pkcs11.so'],
};

/** Environment variable naming the PKCS#11 module explicitly (wins over discovery). */
export const PKCS11_MODULE_ENV = 'MSSANTE_PKCS11_MODULE';

/**
 * First character of the national identifier (CN of the authentication
 * certificate): its type. 8 + RPPS (11 digits), 0 + ADELI (9 characters);
 * staff cards (CPE/CPA) use a structure identifier + "/" + internal number.
 */
export const NATIONAL_ID_PREFIXES = {
  '8': 'RPPS',
  '0': 'ADELI',
  '3': 'FINESS_STAFF',
  '4': 'SIREN_STAFF',
  '5': 'SIRET_STAFF',
  '6': 'RPPS_OFFICE_STAFF',
} as const;

export type NationalIdType = (typeof NATIONAL_ID_PREFIXES)[keyof typeof NATIONAL_ID_PREFIXES] | 'UNKNOWN';

/** Health professionals (CPS) carry an RPPS or ADELI identifier; the rest are staff cards. */
export const PROFESSIONAL_ID_TYPES: readonly NationalIdType[] = ['RPPS', 'ADELI'];

/**
 * Card / certificate kinds we recognise from the issuing CA:
 *   CPS  health professional card (RPPS/ADELI) — "AC IGC-SANTE … PERSONNES"
 *   CPE  staff card (établissement, cabinet) — same CAs, structure-based id
 *   ORG  organisation (server, software) certificate — "AC IGC-SANTE … ORGANISATIONS"
 *   OTHER anything else (other PKIs, former GIP-CPS classes)
 */
export type CardType = 'CPS' | 'CPE' | 'ORG' | 'OTHER';

export const PERSON_ISSUER_PATTERN = /\bIGC-SANTE\b.*\bPERSONNES\b/i;
export const ORGANISATION_ISSUER_PATTERN = /\bIGC-SANTE\b.*\bORGANISATIONS\b/i;

/** Who holds a CPS card, as its authentication certificate says (card/identity.ts reads it). */
export interface CardHolder {
  /** CN as written: prefix + number (e.g. 899700523527, 00B6087510, 30B0057881/CPET0002) */
  nationalId: string;
  idType: NationalIdType;
  /** RPPS number (11 digits) when idType is RPPS, else null */
  rpps: string | null;
  /** ADELI number when idType is ADELI, else null */
  adeli: string | null;
  lastName: string;
  firstName: string;
  /** the `title` attribute, e.g. "Médecin" */
  profession: string;
}

/**
 * A CPS PIN is 4 to 8 digits (ANS, Cryptolib CPS). Anything else (a space typed around it, a
 * letter) is refused before the card: a PIN the card would reject costs one of its 3 tries.
 */
const CPS_PIN_MIN_LENGTH = 4;
const CPS_PIN_MAX_LENGTH = 8;

/** Checks the PIN bytes without making a string of them (the caller wipes the buffer). */
export function isCpsPinFormat(pin: Uint8Array): boolean {
  if (pin.length < CPS_PIN_MIN_LENGTH || pin.length > CPS_PIN_MAX_LENGTH) return false;
  for (const b of pin) if (b < 0x30 || b > 0x39) return false;
  return true;
}
