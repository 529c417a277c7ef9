import { z } from 'zod';
import { definePlugin } from '../config/plugin.js';

/** No control: the service can be checked and backed up, not restarted. */
export const noneDriver = definePlugin({
  kind: 'none',
  description: 'no control: the service can be checked and backed up, not restarted',
  options: z.strictObject({}),
});
