import { z } from 'zod';
import { secretString } from '../../config/secret-schema.js';
import type { RepositoryKindDefinition } from './registry.js';

/** Dayshift's own format in a directory: compressed, and encrypted when a passphrase is set. */
export const localRepository = {
  kind: 'local',
  description: "Dayshift's own format in a directory: compressed, encrypted when a passphrase is set",
  options: z.strictObject({ path: z.string().min(1), passphrase: secretString().optional() }),
} satisfies RepositoryKindDefinition;
