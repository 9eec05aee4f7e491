// The audit service's public face: policies as data, runs (create, run, resume), repair, reports, the schedule.
export { createAuditService, AUDIT_QUEUE, AUDIT_TICK_QUEUE, SCHEDULER, type AuditService, type AuditServiceOptions } from './service.ts';
export { createAudit, runAudit, findRunningAudit, auditFailed, summaryOf, AuditRequestError, type Audit, type AuditDeps, type AuditRequest, type AuditSummary, type RunOptions, type RunOutcome, type StoreProgress } from './run.ts';
export { auditReport, auditFindings, renderAuditHtml, type AuditReport } from './report.ts';
export { loadAuditPolicies, parseAuditPolicies, policyFor, withinHours, runIntervalDays, DEFAULT_STORE_POLICY, type AuditPolicies, type StorePolicy } from './policy.ts';
export { renderAuditMetrics } from './metrics.ts';
