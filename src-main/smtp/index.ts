export { createSmtpTransport, externalAuthHandler, asSmtpError, type SmtpEndpoint, type SmtpTransportOptions, type OnTlsSocket } from './transport.js';
export { smtpStartTls, type StartTlsResult } from './starttls.js';
