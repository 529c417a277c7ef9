/** The secrets each example will not guess: each is `${NAME:?why}` in the file, never a `change-me` default. */
export const exampleSecrets: Readonly<Record<string, readonly string[]>> = {
  'examples/quickstart/dayshift.yaml': [],
  'examples/runbooks/000.yaml': ['RESTIC_PASSWORD'],
  'examples/runbooks/001.yaml': ['BACKUP_PASSPHRASE'],
  'examples/runbooks/002.yaml': ['BACKUP_PASSPHRASE', 'RESTIC_PASSWORD'],
  'examples/runbooks/003.yaml': ['BACKUP_PASSPHRASE'],
  'examples/runbooks/004.yaml': ['NTFY_TOPIC', 'BACKUP_PASSPHRASE'],
};

/** An environment that sets an example's secrets to a placeholder, and nothing else. */
export function exampleEnv(file: string): Record<string, string> {
  return Object.fromEntries((exampleSecrets[file] ?? []).map((n) => [n, 'set-by-the-test']));
}

/** Every example's secrets at once, for tests that load all the examples with one environment. */
export function examplesEnv(): Record<string, string> {
  return Object.assign({}, ...Object.keys(exampleSecrets).map(exampleEnv));
}
