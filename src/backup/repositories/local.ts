import { z } from 'zod';
import { definePlugin } from '../../config/plugin.js';
import { secretString } from '../../config/schema-helpers.js';

/** Dayshift's own format in a directory: compressed, optionally encrypted. */
export const localRepository = definePlugin({
  kind: 'local',
  description: "Dayshift's own format in a directory: compressed, optionally encrypted",
  options: z.strictObject({ path: z.string().min(1), passphrase: secretString().optional() }),
});
