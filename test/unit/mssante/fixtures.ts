// Fixtures of the MSSanté conformance tests (copies in test/fixtures/mssante-mail/, see SOURCES.md there).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../support/testbed.js';

export const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'mssante-mail');
export const fixture = (name: string): Buffer => readFileSync(join(FIXTURES, name));
export const CDA_N1_FILE = join(FIXTURES, 'ANS_DOC_NON_STRUCTURE_CDA-R2-N1.xml');
export const cdaN1 = (): Buffer => fixture('ANS_DOC_NON_STRUCTURE_CDA-R2-N1.xml');

/** The ANS test patient of the CDA sample (INS-NIR de test), qualified. */
export const ANS_TEST_PATIENT = {
  ins: '279035121518989',
  oid: '1.2.250.1.213.1.4.10',
  traits: { birthName: 'PAT-TROIS', firstGivenName: 'DOMINIQUE', birthDate: '1979-03-28', sex: 'F' as const },
};

/** The same CDA with another document code (a second kind of document). */
export function cdaWithCode(code: string): Buffer {
  return Buffer.from(cdaN1().toString('utf8').replace('<code code="11502-2"', `<code code="${code}"`), 'utf8');
}

/** The same CDA whose patient lacks a birth date: its INS is not qualified. */
export function cdaUnqualified(): Buffer {
  return Buffer.from(cdaN1().toString('utf8').replace(/<birthTime value="\d+"\/>/, ''), 'utf8');
}
