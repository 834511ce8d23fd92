import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REFERENCE_FIXTURES } from '../../support/fixtures.js';

export const XDM_SAMPLES = ['xd-common_samplexdm.zip', 'xd_xdm_backslash-paths.zip', 'xdmail_samplexdm_backslash-paths.zip'] as const;

export function xdmSample(name: (typeof XDM_SAMPLES)[number]): Uint8Array {
  return readFileSync(join(REFERENCE_FIXTURES, 'xdm', 'direct-project', name));
}

export const CDA_BIO = 'ANS_BIO-CR-BIO_2024.01_TSH_1.xml';
export const CDA_N1 = 'ANS_DOC_NON_STRUCTURE_CDA-R2-N1.xml';

export function cdaSample(name: string): Uint8Array {
  return readFileSync(join(REFERENCE_FIXTURES, 'cda', name));
}

export function mailSample(name: string): string {
  return readFileSync(join(REFERENCE_FIXTURES, 'mssante-mail', name), 'latin1');
}

/** The ANS test patient of both CDA samples (INS-NIR de test). */
export const ANS_TEST_PATIENT = {
  ins: '279035121518989',
  oid: '1.2.250.1.213.1.4.10',
  traits: { birthName: 'PAT-TROIS', firstGivenName: 'DOMINIQUE', birthDate: '1979-03-28', sex: 'F' as const },
};
