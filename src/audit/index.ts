/** The audit log: who did what, to what, with which parameters, and how it ended (docs/audit.md). */
export {
  AUDIT_DEFAULT_LIMIT,
  AUDIT_MAX_LIMIT,
  type AuditFilter,
  type AuditNote,
  type AuditOutcome,
  type AuditRecord,
  appendAudit,
  audited,
  listAudit,
} from './audit-log.js';
export {
  type AuditAction,
  type AuditEntry,
  cliActor,
  cliUser,
  resultOf,
  scrubParams,
  tokenActor,
} from './entry.js';
export { timeOf } from './time-filter.js';
