// Public interface of sending: compose, recipient checks, size limits, the outbox and drafts.
export { composeMessage, newMessageId, type ComposeInput, type ComposeAddress, type ComposeAttachment, type ComposedMessage } from './compose.js';
export { assertRecipients, assertRecipientsExcept, checkRecipientsWithOverride, confirmedOutsideRecipients, assertSender, certificateMailboxes, recipientProblemsFr, recipientPolicyOf, type RecipientPolicy, type RecipientProblem } from './recipients.js';
export { effectiveSizeLimit, assertMessageSize, DEFAULT_MAX_MESSAGE_BYTES, type SizeLimit } from './limits.js';
export { replyFields, subjectFor, type ReplyMode, type ReplyFields } from './reply.js';
export { Outbox, type OutboxApi, type OutboxEntry, type OutboxState } from './outbox-store.js';
export { classifySendFailure, retryDelayMs, type FailureKind } from './outbox-policy.js';
export { processEntry, processOutbox, FINISHED_RETENTION_MS, type MailChannel, type SubmitResult, type RunnerHooks } from './outbox-runner.js';
export { accountMailChannel, xoauth2MailChannel, type AccountMailChannel } from './mail-channel.js';
export { saveDraftLocally, uploadDraft } from './drafts.js';
export { contentTypeOf } from './content-type.js';
export { prepareOutgoing, type OutgoingDraft, type PreparedMessage } from './prepare.js';
