// Remote images of a message (issue 15, point 9): main fetches them (src-main/images/:
// HTTPS only, bounded, no cookie or referrer) and hands data: URLs to the renderer, which
// swaps them in before the HTML reaches the message view (that view never has network).
// The choice is per message ("cette fois") or per sender ("toujours" / "jamais"), kept in
// the data folder; the setting `remoteImages: 'never'` overrides everything.
import { AppError } from '../errors/index.js';
import { fetchImages, remoteImageUrls, SenderImageChoices, type ImageFetchOptions, type SenderImageChoice } from '../images/index.js';
import type { Settings } from '../ipc/contract.js';
import { parseId, type MailStorePort } from './mail-app.js';
import type { CoreChannelHandlers } from './services.js';

export interface ImagesAppDeps {
  store: () => Pick<MailStorePort, 'getMessage'>;
  settings: () => Settings;
  /** the per-sender choices file (remote-images.json in the data folder) */
  choicesFile: string;
  /** TLS anchors and loopback for the test bench; the product passes nothing (system roots, public addresses only) */
  fetch?: ImageFetchOptions;
}

export interface ImagesApp {
  /** What `mail.read` reports for a message from this sender. */
  choiceFor(sender: string | null | undefined): SenderImageChoice;
  /** The senders with a kept choice; forgetting one brings it back to « demander ». */
  senders(): { address: string; choice: 'always' | 'never' }[];
  forgetSender(address: string): void;
  channels: Pick<CoreChannelHandlers, 'mail.images' | 'mail.imagesChoice'>;
}

export function createImagesApp(deps: ImagesAppDeps): ImagesApp {
  const choices = new SenderImageChoices(deps.choicesFile);
  const choiceFor = (sender: string | null | undefined): SenderImageChoice =>
    deps.settings().remoteImages === 'never' ? 'never' : choices.get(sender);

  return {
    choiceFor,
    senders: () => choices.list(),
    forgetSender: (address) => void choices.set(address, 'ask'),
    channels: {
      'mail.images': async ({ id }) => {
        const d = await deps.store().getMessage(parseId(id, 'message'));
        if (choiceFor(d.from?.address) === 'never') throw new AppError('INVALID_ARGUMENT', 'remote images are refused for this sender or by the settings');
        if (!d.html) return { images: [], refused: [] };
        return fetchImages(remoteImageUrls(d.html), deps.fetch ?? {});
      },
      'mail.imagesChoice': async ({ id, choice }) => {
        const d = await deps.store().getMessage(parseId(id, 'message'));
        const sender = d.from?.address;
        if (!sender) throw new AppError('INVALID_ARGUMENT', 'this message has no sender address');
        return { choice: choices.set(sender, choice) };
      },
    },
  };
}
