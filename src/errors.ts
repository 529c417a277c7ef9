/**
 * Errors that reach a user carry a stable code, a message that says what to do, a hint and a cause.
 * Each code has one row in ERROR_TABLE: its HTTP status and its CLI exit code. The server's error
 * handler (src/server/http-errors.ts) and the CLI (src/cli/exit-codes.ts) both read that row; nothing
 * else decides how an error is shown. A new code is one new row, and the typecheck refuses a code
 * without one.
 *
 * Glossary: a *code* names what went wrong (`JOB_NOT_FOUND`); its *row* says how it is answered.
 * A *conflict* (409) is a request that is well formed but that the current state refuses (a job that
 * already finished, a restore target that holds data); a *missing thing* (404) is one the request
 * names by path or argument that does not exist.
 */

/**
 * How a run of the `dayshift` program ends. Every exit code it uses is one of these (the same list is
 * in docs/cli.md).
 */
export const EXIT = {
  /** The command did what it was asked. */
  ok: 0,
  /** The work failed (a check is unhealthy, a backup or job failed), or the current state refuses it (a conflict). */
  failed: 1,
  /** The input was wrong: the stack file, an argument, a name that does not exist, a refused target. */
  input: 2,
  /** A dependency was unreachable: the store could not be opened or migrated, the Docker Engine did not answer. */
  unreachable: 3,
  /** A bug in Dayshift (EX_SOFTWARE): please report it with the output. */
  bug: 70,
} as const;

/** An exit code the `dayshift` program may end with. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** How one error code is answered: the HTTP status, the CLI exit code, and what it means. */
export interface ErrorRule {
  /** The HTTP status of an API answer with this code (4xx or 5xx). */
  readonly http: number;
  /** The exit code of a CLI run that ends with this error; never 0. */
  readonly exit: Exclude<ExitCode, 0>;
  /** One line for docs/api.md: when this code is used. */
  readonly means: string;
}

/** Every error code with its HTTP status and exit code. docs/api.md's table is checked against it. */
export const ERROR_TABLE = {
  CONFIG_INVALID: {
    http: 400,
    exit: EXIT.input,
    means: 'the stack file (or a condition in it) has errors, each given with file:line:col',
  },
  CONFIG_NOT_FOUND: {
    http: 404,
    exit: EXIT.input,
    means:
      'no stack file or `.env` file where one was named, or a node started without the stack file a job needs',
  },
  STORE_UNAVAILABLE: {
    http: 503,
    exit: EXIT.unreachable,
    means: 'the store cannot be opened, does not answer, or refused a write',
  },
  STORE_MIGRATION_FAILED: { http: 503, exit: EXIT.unreachable, means: 'migrating the store failed' },
  JOB_NOT_FOUND: { http: 404, exit: EXIT.input, means: 'no job has this id' },
  JOB_STATE_CONFLICT: {
    http: 409,
    exit: EXIT.failed,
    means:
      "the job's state refuses it (retrying a running job, cancelling a finished one), or its unique key is taken",
  },
  RUN_STATE_CONFLICT: {
    http: 409,
    exit: EXIT.failed,
    means:
      'a run asked to move where its state does not allow (src/runs/states.ts): finished, or not waiting; or a release that is settled already',
  },
  JOB_KIND_UNKNOWN: { http: 400, exit: EXIT.input, means: 'no job kind of this name may be queued here' },
  JOB_FAILED: {
    http: 500,
    exit: EXIT.failed,
    means: "a job failed on purpose (the selftest job's planned failures); recorded as the job's last error",
  },
  AUTH_REQUIRED: {
    http: 401,
    exit: EXIT.input,
    means: 'no token, or one that does not exist or was revoked',
  },
  AUTH_FORBIDDEN: { http: 403, exit: EXIT.input, means: "the token's role is too weak for this" },
  TOKEN_NOT_FOUND: { http: 404, exit: EXIT.input, means: 'no live token has this name or id' },
  TOKEN_NAME_TAKEN: { http: 409, exit: EXIT.failed, means: 'a live token already has this name' },
  CHECK_NOT_FOUND: { http: 404, exit: EXIT.input, means: 'no check (or service) has this id' },
  CHECK_FAILED: {
    http: 502,
    exit: EXIT.failed,
    means: "a check's probe could not reach or read its target; it becomes the check result's error",
  },
  ALERT_NOT_FOUND: { http: 404, exit: EXIT.input, means: 'no alert has this id' },
  ALERT_STATE_CONFLICT: {
    http: 409,
    exit: EXIT.failed,
    means: 'the alert is resolved, so it cannot be acknowledged',
  },
  INCIDENT_NOT_FOUND: { http: 404, exit: EXIT.input, means: 'no incident has this id' },
  INCIDENT_STATE_CONFLICT: {
    http: 409,
    exit: EXIT.failed,
    means: 'the incident is resolved, or was changed meanwhile, so the change does not apply',
  },
  DELIVERY_FAILED: {
    http: 502,
    exit: EXIT.failed,
    means:
      "a notifier's receiver did not accept a message; it is retried unless the receiver refused it for good",
  },
  NOT_FOUND: {
    http: 404,
    exit: EXIT.input,
    means:
      'nothing of this name: no route, backup, snapshot, run, release, silence, maintenance window, smoke suite or notifier',
  },
  BACKUP_CORRUPT: {
    http: 422,
    exit: EXIT.failed,
    means: 'a snapshot is damaged: a stream does not match its SHA-256',
  },
  BACKUP_FAILED: {
    http: 502,
    exit: EXIT.failed,
    means: 'a backup, restore or its hook failed: the dump tool, the source or the repository',
  },
  BACKUP_PASSPHRASE: {
    http: 422,
    exit: EXIT.failed,
    means: "the repository's passphrase or password is missing or does not open it",
  },
  /** A restore target outside what the stack file allows (restore.allowed_paths, its servers). */
  RESTORE_TARGET_REFUSED: {
    http: 403,
    exit: EXIT.input,
    means:
      "a restore's `to` is outside what the stack file allows (its directory, `restore.allowed_paths`, its servers)",
  },
  /** A restore into a target that holds data, without force: a conflict with what is there. */
  RESTORE_TARGET_OCCUPIED: {
    http: 409,
    exit: EXIT.failed,
    means: 'the restore target (or the original) holds data; replacing it needs force',
  },
  BAD_REQUEST: {
    http: 400,
    exit: EXIT.input,
    means: 'an argument, body, query or path is not valid, or past a bound; the message says which',
  },
  BODY_TOO_LARGE: { http: 413, exit: EXIT.input, means: 'the request body is larger than 1 MiB' },
  HEADERS_TOO_LARGE: {
    http: 431,
    exit: EXIT.input,
    means: 'the request line and headers are larger than 16 KiB',
  },
  REQUEST_TIMEOUT: { http: 408, exit: EXIT.input, means: 'the request took too long to arrive' },
  MEDIA_TYPE_UNSUPPORTED: { http: 415, exit: EXIT.input, means: "the body's content type is not JSON" },
  SERVICE_NOT_FOUND: {
    http: 404,
    exit: EXIT.input,
    means: 'no service of this name in the stack file, or in the Compose project its driver acts on',
  },
  ACTION_UNSUPPORTED: {
    http: 400,
    exit: EXIT.input,
    means: "the service's driver cannot do this action with its settings (or the service has no driver)",
  },
  DOCKER_UNREACHABLE: {
    http: 503,
    exit: EXIT.unreachable,
    means:
      'the Docker Engine does not answer on its socket (`socket:`, $DOCKER_HOST or /var/run/docker.sock), so a compose or docker driver cannot act',
  },
  SERVICE_ACTION_FAILED: {
    http: 502,
    exit: EXIT.failed,
    means: "the driver's action on the service failed; the message says how and shows its output",
  },
  RUNBOOK_NOT_FOUND: { http: 404, exit: EXIT.input, means: 'no runbook of this name in the stack file' },
  PARAM_INVALID: {
    http: 400,
    exit: EXIT.input,
    means: 'a runbook parameter is missing, unknown, or not of its type or bounds; the message lists each',
  },
  RUNBOOK_BUSY: {
    http: 409,
    exit: EXIT.failed,
    means: 'the runbook already has as many runs going as its concurrency allows; the message names them',
  },
  RUNBOOK_RATE_LIMITED: {
    http: 429,
    exit: EXIT.failed,
    means: "the runbook started its max_runs in the last hour; no more start until the hour's first ages out",
  },
  APPROVER_NOT_ALLOWED: {
    http: 403,
    exit: EXIT.input,
    means: 'the approve step names who may approve, and this token or user is not one of them',
  },
  SYSTEMD_UNAVAILABLE: {
    http: 503,
    exit: EXIT.unreachable,
    means:
      'systemctl or journalctl is missing, or no systemd answers them (PID 1 is not systemd, no user manager)',
  },
  AGENT_AUTH_FAILED: {
    http: 401,
    exit: EXIT.input,
    means:
      "a request to `dayshift agent` is unsigned, signed with another token, outside the agent's 30 s window, or replayed",
  },
  AGENT_ACTION_REFUSED: {
    http: 403,
    exit: EXIT.input,
    means: '`dayshift agent` takes only the typed service actions in its list (`--allow`); this is not one',
  },
  AGENT_LISTEN_REFUSED: {
    http: 400,
    exit: EXIT.input,
    means: '`dayshift agent` listens on a unix socket or a loopback address only; the one given is neither',
  },
  AGENT_UNAVAILABLE: {
    http: 503,
    exit: EXIT.unreachable,
    means:
      "the `dayshift agent` a service's `agent:` names does not answer, or answers something that is not the agent",
  },
  SERVER_UNREACHABLE: {
    http: 502,
    exit: EXIT.unreachable,
    means: 'the Dayshift server `--server` names does not answer, or answers something that is not its API',
  },
  IMAGE_NOT_FOUND: {
    http: 400,
    exit: EXIT.input,
    means:
      'the image reference cannot be pulled, or has no digest from its registry (an image only built locally)',
  },
  DEPLOY_BUSY: {
    http: 409,
    exit: EXIT.failed,
    means: 'a deploy or rollback of the service is already going on some node; the message names its run',
  },
  DEPLOY_UNSUPPORTED: {
    http: 400,
    exit: EXIT.input,
    means:
      'the service cannot be deployed this way: its driver runs no containers, or it deploys by ref (repo:)',
  },
  REF_NOT_FOUND: {
    http: 400,
    exit: EXIT.input,
    means:
      "the git ref to deploy names no commit in the deploy's work tree (after a fetch, with `fetch: true`)",
  },
  GIT_FAILED: {
    http: 502,
    exit: EXIT.failed,
    means:
      "git failed in a deploy's `repo:` (not a git work tree, a fetch or a checkout that failed); the message gives git's words",
  },
  DEPLOY_STEP_FAILED: {
    http: 502,
    exit: EXIT.failed,
    means: 'a step of a deploy by ref failed; the message names it, its exit and the end of its output',
  },
  /** `serve` could not listen: another program has the port. Never an API answer; the status is nominal. */
  PORT_IN_USE: {
    http: 400,
    exit: EXIT.input,
    means: '`serve` cannot listen: another program already uses the address; choose another with `--listen`',
  },
  INTERNAL: {
    http: 500,
    exit: EXIT.bug,
    means: 'a bug in Dayshift; the server log (or the CLI output) has the details',
  },
} as const satisfies Record<string, ErrorRule>;

/** A stable error code: a key of ERROR_TABLE. */
export type ErrorCode = keyof typeof ERROR_TABLE;

/** The row of a code: its HTTP status, exit code and meaning. */
export function ruleOf(code: ErrorCode): ErrorRule {
  return ERROR_TABLE[code];
}

export class DayshiftError extends Error {
  readonly code: ErrorCode;
  /** What the user can do about it, when there is something useful to say. */
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; hint?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DayshiftError';
    this.code = code;
    this.hint = options.hint;
  }
}

/** Turns anything thrown into an Error, so callers never handle strings or plain objects. */
export function coerceError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  if (typeof thrown === 'string') return new Error(thrown);
  try {
    return new Error(JSON.stringify(thrown));
  } catch {
    return new Error(String(thrown));
  }
}
