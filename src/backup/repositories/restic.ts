import { z } from 'zod';
import { secretString } from '../../config/secret-schema.js';
import type { RepositoryKindDefinition } from './registry.js';

/** A restic repository on any backend restic supports (a path, sftp:, s3:, rest:). Encrypted by restic. */
export const resticRepository = {
  kind: 'restic',
  description: 'a restic repository on any restic backend (path, sftp:, s3:, rest:)',
  options: z.strictObject({
    repository: z.string().min(1),
    password: secretString(),
    /** Backend credentials such as AWS_SECRET_ACCESS_KEY, passed to restic and kept secret. */
    env: z.record(z.string(), secretString()).optional(),
  }),
} satisfies RepositoryKindDefinition;
