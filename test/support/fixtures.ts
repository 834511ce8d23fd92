// Where the tests' data files live: inside the repository, under test/fixtures/
// (origins and hashes in test/fixtures/SOURCES.md). Nothing outside the repository is read.
import { fileURLToPath } from 'node:url';

/** Real public reference data (certificates, liste blanche, CDA, XDM, MDN samples). */
export const REFERENCE_FIXTURES = fileURLToPath(new URL('../fixtures/reference/', import.meta.url));
