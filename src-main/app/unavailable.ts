// A facade where nothing is wired yet: every channel answers SERVICE_UNAVAILABLE.
// The real facade (core-app.ts) starts from it and replaces what the core provides,
// so a missing piece is a clear French error in the UI, never a crash.
import { AppError } from '../errors/index.js';
import { CHANNELS, CHANNEL_NAMES, type CoreChannel } from '../ipc/contract.js';
import type { CoreServices } from './services.js';

export const CORE_CHANNEL_NAMES = CHANNEL_NAMES.filter((name): name is CoreChannel => CHANNELS[name].owner === 'core');

function unavailable(what: string): () => Promise<never> {
  return async () => {
    throw new AppError('SERVICE_UNAVAILABLE', `${what} is not wired to the core`);
  };
}

export function unavailableServices(): CoreServices {
  const services: Record<string, unknown> = {
    attachmentContent: unavailable('attachmentContent'),
    attachFile: unavailable('attachFile'),
    printable: unavailable('printable'),
    recordPrinted: unavailable('recordPrinted'),
  };
  for (const name of CORE_CHANNEL_NAMES) services[name] = unavailable(name);
  return services as unknown as CoreServices;
}
