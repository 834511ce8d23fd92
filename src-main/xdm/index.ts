// Public surface of the structured-documents module (IHE_XDM.ZIP, CDA, MDN).
export { DEFAULT_ZIP_LIMITS, METADATA_XML_LIMITS, CDA_XML_LIMITS, type ZipLimits, type XmlLimits } from './limits.js';
export { readZipSafely, type ZipFile } from './zip-reader.js';
export { parseXmlSafely, parseXmlBytesSafely, decodeXmlBytes } from './safe-xml.js';
export { parseXdsMetadata, parseXdsMetadataBytes, type XdsMetadata, type XdsDocumentEntry, type XdsSubmissionSet, type CodedValue } from './xds-metadata.js';
export { readXdm, patientOfEntry, xdsTimeToIso, type XdmPackage, type XdmDocument, type XdmWarning, type CheckResult } from './read-xdm.js';
export { evaluateIns, describeInsFr, type PatientIdentity, type InsTraits } from './ins-status.js';
export { parseCda, parseCdaBytes, type CdaDocument, type CdaAttachment, type CdaPatient } from './cda.js';
export { renderCda, renderCdaBytes, type RenderedCda } from './cda-render.js';
export { buildXdmZip, XDS_DEFAULT_CODES, type BuildXdmInput, type XdmAuthor, type XdmPatient, type XdmInputDocument, type XdsCode } from './build-xdm.js';
export { summarizeXdm, xdmJsonForAttachment, xdmSummaryTextFr, xdmWarningFr, isXdmAttachment, type XdmSummary, type XdmDocumentSummary, type XdmPatientSummary } from './summary.js';
export { mdnPolicy, buildMdn, prepareMdnSend, parseMdn, parseDisposition, mdnStatusFr, receiptView, receiptLineFr, type ReceiptView, type MdnPolicy, type MdnDisposition, type BuildMdnOptions, type BuiltMdn, type ParsedMdn } from './mdn.js';
export { xdmMailParts, xdmAuthorFromCard, xdmPatientFromCda, xdmMailSubject, type XdmMailParts, type MailAttachment } from './send-xdm.js';
