// Entry of the store worker thread (registered as `store` in runtime/workers.ts):
// the store thread with the hooks of the registry (store-hooks.ts) and the services
// that write through its connection too (store-services.ts: outbox, journal).
import { runStoreThread } from '../store/worker/worker-main.js';
import { composeStoreHooks } from './store-hooks.js';
import { composeStoreServices } from './store-services.js';

runStoreThread(composeStoreHooks, composeStoreServices);
