// Child process for the crash test: one sync of one folder into a store,
// printing each progress event as a line so the parent can SIGKILL it at a
// chosen point. Test tooling (PLAIN connector).
import { MailStore } from '../../../src-main/store/mail-store.js';
import { staticKeyProvider } from '../../../src-main/store/key-provider.js';
import { SyncEngine } from '../../../src-main/sync/engine.js';
import { connector, USER } from './helpers.js';

const [file, keyHex, folder, chunk] = process.argv.slice(2);
const store = await MailStore.open({ file: file!, keyProvider: staticKeyProvider(keyHex!) });
const engine = new SyncEngine({ store, connector: connector(), account: { address: USER }, chunkSize: Number(chunk), firstChunkSize: 5 });
engine.on('progress', (p) => process.stdout.write(`progress ${p.phase} ${p.done}/${p.total}\n`));
const s = await engine.syncOnce({ folders: [folder!] });
store.close();
process.stdout.write(`done ${JSON.stringify({ new: s.new, vanished: s.vanished })}\n`);
