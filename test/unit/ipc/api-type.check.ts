// Compile-time checks of the renderer's API type generated from the contract
// (run by `npm run typecheck`; a broken expectation fails the typecheck).
import type { MssanteApi } from '../../../src-main/ipc/contract.js';

declare const api: MssanteApi;
void api.mail.folders();
void api.session.unlock({ pin: '1234' });
// @ts-expect-error the window unlocks through session.unlock; there is no card.login channel
void api.card.login({ pin: '1234' });
// @ts-expect-error mail.list needs a request
void api.mail.list();
// @ts-expect-error there is no generic channel
void api.store.sql('select 1');
const off: () => void = api.on('sync.progress', (p) => {
  const done: number = p.done;
  void done;
});
off();
