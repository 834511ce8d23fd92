import { join } from 'node:path';

/**
 * Where the annuaire and the liste blanche of a data folder live: `<home>/trust/` (the app's
 * userData layout calls it trustDir). Every trust function takes this directory; the CLI maps
 * `--home` to it so that the CLI and the app share one copy.
 */
export function trustDirOf(home: string): string {
  return join(home, 'trust');
}
