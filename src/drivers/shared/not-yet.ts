import type { Refusal, ServiceAction } from '../types.js';

/**
 * A driver whose acting has not arrived yet declares the actions it will support, so a stack file
 * written for it validates now; asked to act, it is refused (it has no `open`).
 */
export function notYetActing(kind: string, actions: readonly ServiceAction[]) {
  return {
    supports: (): readonly ServiceAction[] => actions,
    refusal: (service: string, action: ServiceAction): Refusal => ({
      message: actions.includes(action)
        ? `service \`${service}\` uses the ${kind} driver, which cannot act on services yet (\`${action}\` arrives with its own change)`
        : `service \`${service}\` uses the ${kind} driver, which has no \`${action}\``,
      hint: `the ${kind} driver does: ${actions.join(', ')}; a shell driver with a \`${action}:\` command can do it`,
    }),
  };
}
