export { createSmtpTransport, asSmtpError, type SmtpEndpoint, type SmtpTransportOptions, type OnTlsSocket } from './transport.js';
export { smtpStartTls, type StartTlsResult } from './starttls.js';
