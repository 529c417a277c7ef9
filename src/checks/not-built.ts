import type { ProbeOutcome } from './types.js';

// Temporary while the kinds are being built; deleted when the last one lands.
export async function notBuilt(): Promise<ProbeOutcome> {
  return { subject: {}, error: 'this check kind cannot run yet' };
}
