/**
 * Roles, weakest first. `viewer` reads; `operator` runs checks, runbooks, backups, restarts and
 * acknowledges; `admin` manages tokens, users, restores over live data and config.
 */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** True when a token of role `held` may call a route that needs `needed`. */
export function roleAllows(held: Role, needed: Role): boolean {
  return ROLES.indexOf(held) >= ROLES.indexOf(needed);
}
