// Child process for the interrupted-import test: imports an extraction into a home and kills
// itself with SIGKILL after N lines (as a crash or power loss would), mid-build.
import { importAnnuaire } from '../../../../src-main/trust/index.js';

const [file, home, killAfter] = process.argv.slice(2);
await importAnnuaire(file!, {
  home: home!,
  afterLine: (rows) => {
    if (rows === Number(killAfter)) process.kill(process.pid, 'SIGKILL');
  },
});
