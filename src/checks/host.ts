import { z } from 'zod';
import { notBuilt } from './not-built.js';
import type { CheckKindDefinition } from './registry.js';

/** This machine. Values: cpu_pct, memory_pct, disk_pct (of `disk`), load1, load5, load15. */
export const hostCheck = {
  kind: 'host',
  description: 'this machine: values cpu_pct, memory_pct, disk_pct (of the disk path), load1, load5, load15',
  options: z.strictObject({ disk: z.string().min(1).default('/') }),
  defaultExpect: [],
  probe: notBuilt,
} satisfies CheckKindDefinition;
