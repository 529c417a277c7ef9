import { selftestJob } from '../jobs/builtin/selftest.js';
import type { JobKind } from '../jobs/kinds.js';

/**
 * The queue's own job kinds, which every node runs whatever its features. The features' kinds
 * (backups, drills, deliveries, history maintenance) come from their declarations
 * (src/runtime/features.ts).
 */
export const BUILTIN_JOB_KINDS: readonly JobKind[] = [selftestJob as JobKind];

/** Kinds an operator may queue directly through `POST /api/v1/jobs`. */
export const REQUESTABLE_KINDS: ReadonlySet<string> = new Set(['selftest']);
