// Remote images fetched by main (src-main/images/): why one was not, and its French
// words. Pure: the contract, the core and the renderer share it.

export const IMAGE_REFUSALS = [
  'not-https',
  'bad-url',
  'private-address',
  'too-many-redirects',
  'http-status',
  'not-an-image',
  'too-large',
  'timeout',
  'network',
  'tls',
  'too-many-images',
] as const;
export type ImageRefusal = (typeof IMAGE_REFUSALS)[number];

/** The user's choice for a sender's remote images ('ask' = the bar offers them each time). */
export const SENDER_IMAGE_CHOICES = ['ask', 'always', 'never'] as const;
export type SenderImageChoice = (typeof SENDER_IMAGE_CHOICES)[number];

export const IMAGE_REFUSAL_FR: Record<ImageRefusal, string> = {
  'not-https': 'adresse non sécurisée (http), jamais chargée',
  'bad-url': 'adresse invalide',
  'private-address': 'adresse du réseau local, refusée',
  'too-many-redirects': 'trop de redirections',
  'http-status': 'le serveur n’a pas fourni l’image',
  'not-an-image': 'ce n’est pas une image',
  'too-large': 'image trop volumineuse',
  timeout: 'le serveur n’a pas répondu à temps',
  network: 'serveur injoignable',
  tls: 'certificat du serveur non valide',
  'too-many-images': 'trop d’images dans ce message',
};
