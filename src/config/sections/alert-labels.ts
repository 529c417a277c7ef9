import { z } from 'zod';

/**
 * Label names a check's or rule's `labels:` may not use. `origin` is set by Dayshift on every alert
 * (check, rule, missed, delivery, backup) and would hide the file's value; `source` was its name
 * before, and silences refuse matchers on it, so a label called that could never be matched.
 */
const RESERVED: Readonly<Record<string, string>> = {
  origin: 'the label `origin` is set by Dayshift: where the alert comes from (check, rule, missed, backup)',
  source:
    'the label `source` is no longer an alert label: where an alert comes from is now the label `origin`, and silences refuse matchers on `source`',
};

/** A check's or a rule's own alert labels, which silences match on beside the ones Dayshift sets. */
export const alertLabels = () =>
  z.record(z.string(), z.string()).superRefine((labels, ctx) => {
    for (const name of Object.keys(labels)) {
      const why = RESERVED[name];
      if (why)
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: why,
          params: { at: 'key', got: false, hint: 'give this label another name, such as team or owner' },
        });
    }
  });
