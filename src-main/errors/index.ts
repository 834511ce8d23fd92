export { isErrorCode, type ErrorCode } from './codes.js';
export { AppError, isAppError, toAppError } from './app-error.js';
export { describeErrorFr, messageFr } from './messages-fr.js';
