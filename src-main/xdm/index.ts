// Public surface of the structured-documents module (IHE_XDM.ZIP, CDA, MDN).
export { type ZipLimits, type XmlLimits } from './limits.js';
export { type ZipFile } from './zip-reader.js';
export { type XdsMetadata, type XdsDocumentEntry, type XdsSubmissionSet, type CodedValue } from './xds-metadata.js';
export { readXdm, type XdmPackage, type XdmDocument, type XdmWarning, type CheckResult } from './read-xdm.js';
export { describeInsFr, evaluateIns, type PatientIdentity, type InsTraits } from './ins-status.js';
export { parseCdaBytes, type CdaDocument, type CdaAttachment, type CdaPatient } from './cda.js';
export { renderCdaBytes, type RenderedCda } from './cda-render.js';
export { buildXdmZip, type BuildXdmInput, type XdmAuthor, type XdmPatient, type XdmInputDocument, type XdsCode } from './build-xdm.js';
export { summarizeXdm, xdmWarningFr, isXdmAttachment, type XdmSummary, type XdmDocumentSummary, type XdmPatientSummary } from './summary.js';
export { mdnPolicy, receiptView, type ReceiptView, type MdnPolicy, type MdnDisposition, type BuildMdnOptions, type BuiltMdn, type ParsedMdn } from './mdn.js';
export { xdmMailParts, xdmAuthorFromCard, type XdmMailParts, type MailAttachment } from './send-xdm.js';
