export { ERROR_CODES, isErrorCode, type ErrorCode } from './codes.js';
export { AppError, isAppError, toAppError } from './app-error.js';
export { MESSAGES_FR, describeErrorFr, messageFr } from './messages-fr.js';
