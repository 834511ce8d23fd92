export { IMAGE_LIMITS, IMAGE_REFUSALS, checkImageUrl, checkRedirect, checkResponseHead, imageDataUrl, publicAddress, sniffImageType, type ImageRefusal } from './policy.js';
export { remoteImageUrls } from './extract.js';
export { fetchImage, fetchImages, type FetchedImages, type ImageFetchOptions } from './fetch.js';
export { SenderImageChoices, type SenderImageChoice } from './sender-choices.js';
