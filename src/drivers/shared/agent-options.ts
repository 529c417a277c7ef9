import { z } from 'zod';
import { secretString } from '../../schema/secret-schema.js';
import { httpUrl } from '../../schema/values.js';

/**
 * Delegation to `dayshift agent`, the separate process that alone holds the Docker socket and accepts
 * a fixed list of typed actions, authenticated by a shared token. Shared by the compose and docker drivers.
 */
export const agentOptions = () =>
  z
    .strictObject({ url: httpUrl(), token: secretString() })
    .describe('send actions to a dayshift agent instead of using the Docker socket directly');
