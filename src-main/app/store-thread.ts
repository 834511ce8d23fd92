// Entry of the store worker thread (registered as `store` in runtime/workers.ts):
// the store thread with the hooks of the registry (store-hooks.ts).
import { runStoreThread } from '../store/worker/worker-main.js';
import { composeStoreHooks } from './store-hooks.js';

runStoreThread(composeStoreHooks);
