// `mssante mdn status|send ID`: read receipts (MDN) for a stored message.
import { JsonFileAccountRepository } from '../../accounts/account-repository.js';
import { AppError } from '../../errors/index.js';
import { MDN_SENT_KEYWORD } from '../../rules/mdn.js';
import { mdnPolicy, mdnStatusFr, parseMdn, prepareMdnSend, type MdnPolicy } from '../../xdm/mdn.js';
import type { ConnectOptions } from '../account-signer.js';
import { withAccountConnection } from '../account-connection.js';
import { crlSoftFailOption, trustAnchorsOption } from '../pki-options.js';
import type { CommandRegistrar } from '../program.js';
import { withStore } from './messages.js';

function parseId(raw: string): number {
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id < 1) throw new AppError('INVALID_ARGUMENT', `not a message id: ${raw}`, { data: { id: raw } });
  return id;
}

const POLICY_FR: Record<MdnPolicy['reason'], string> = {
  ok: 'accusé de lecture demandé par l’expéditeur',
  'not-requested': 'aucun accusé de lecture demandé',
  'already-sent': 'accusé de lecture déjà envoyé',
  'is-report': 'ce message est lui-même un accusé',
  'return-path-mismatch': 'accusé demandé vers une autre adresse que celle de l’expéditeur : confirmation nécessaire (--confirm)',
  'no-return-path': 'accusé demandé, mais l’adresse de retour est inconnue : confirmation nécessaire (--confirm)',
  'several-addresses': 'accusé demandé vers plusieurs adresses : confirmation nécessaire (--confirm)',
};

interface SendOptions extends ConnectOptions {
  account?: string;
  confirm?: boolean;
}

export const registerMdn: CommandRegistrar = (program, ctx) => {
  const mdn = program.command('mdn').description('accusés de lecture (MDN) des messages');

  mdn
    .command('status')
    .description('indiquer si un message demande un accusé de lecture, ou ce que dit un accusé reçu')
    .argument('<id>', 'identifiant du message (voir messages list)')
    .action(async (rawId: string) => {
      const c = ctx();
      const { raw } = await withStore(c, (s) => s.getRaw(parseId(rawId)));
      const receipt = parseMdn(raw);
      const policy = mdnPolicy(raw);
      c.result(
        {
          ok: true,
          request: { offer: policy.offer, automaticAllowed: policy.automaticAllowed, reason: policy.reason, ...(policy.notificationTo ? { notificationTo: policy.notificationTo } : {}) },
          receipt: receipt ? { ...receipt, date: receipt.date?.toISOString(), status: mdnStatusFr(receipt) } : null,
        },
        () =>
          receipt
            ? `Accusé de lecture reçu pour le message ${receipt.originalMessageId ?? '(identifiant absent)'} : ${mdnStatusFr(receipt)}.`
            : `Accusé de lecture : ${POLICY_FR[policy.reason]}${policy.notificationTo && policy.offer ? ` (à ${policy.notificationTo})` : ''}.`,
      );
    });

  mdn
    .command('send')
    .description('envoyer l’accusé de lecture demandé par l’expéditeur d’un message')
    .argument('<id>', 'identifiant du message (voir messages list)')
    .option('--account <adresse>', 'compte qui envoie l’accusé (par défaut : le seul compte)')
    .option('--confirm', 'confirmer l’envoi quand l’adresse de l’accusé diffère de celle de l’expéditeur')
    .addOption(trustAnchorsOption())
    .addOption(crlSoftFailOption())
    .option('--password-stdin', 'lire le mot de passe du certificat logiciel sur l’entrée standard')
    .option('--rpps <rpps>', 'compte Pro Santé Connect : RPPS pour la validation sur le téléphone (e-CPS)')
    .option('--browser', 'compte Pro Santé Connect : connexion dans le navigateur (carte CPS)')
    .action(async (rawId: string, o: SendOptions) => {
      const c = ctx();
      const id = parseId(rawId);
      const { raw, message } = await withStore(c, (s) => ({ ...s.getRaw(id), message: s.getMessage(id) }));
      const account = await JsonFileAccountRepository.inHome(c.home).get(o.account);
      // Policy first: no PIN (nor Pro Santé Connect validation) is asked for a receipt that may not be sent.
      const mdnMessage = prepareMdnSend(raw, { disposition: { type: 'displayed' }, reporter: { address: account.address }, confirmed: Boolean(o.confirm) });
      // the account's method: the card (or certificate), or Pro Santé Connect (XOAUTH2)
      await withAccountConnection(c, account, o, async (conn) => {
        // RFC 3503: the $MDNSent keyword on the server says a receipt already went out (from any client).
        const imap = message.uid === null ? undefined : await conn.openImap();
        try {
          const lock = imap ? await imap.getMailboxLock(message.folderPath) : undefined;
          try {
            if (imap && message.uid !== null) {
              const current = await imap.fetchOne(String(message.uid), { flags: true }, { uid: true });
              if (current && current.flags?.has(MDN_SENT_KEYWORD)) {
                throw new AppError('MDN_NOT_REQUESTED', 'receipt already sent ($MDNSent)', { data: { reason: 'already-sent' } });
              }
            }
            const transport = await conn.smtpTransport();
            try {
              await transport.sendMail({ envelope: mdnMessage.envelope, raw: Buffer.from(mdnMessage.raw) });
            } catch (err) {
              throw conn.smtpError(err);
            } finally {
              transport.close();
            }
            if (imap && message.uid !== null) await imap.messageFlagsAdd(String(message.uid), [MDN_SENT_KEYWORD], { uid: true });
          } finally {
            lock?.release();
          }
        } finally {
          await imap?.logout().catch(() => undefined);
        }
      });
      c.result({ ok: true, to: mdnMessage.to, messageId: mdnMessage.messageId }, `Accusé de lecture envoyé à ${mdnMessage.to}.`);
    });
};
