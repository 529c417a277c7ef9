import type { Kysely } from 'kysely';
import { sql } from 'kysely';

/** Rows rewritten per statement batch, so a long alert history is not read into memory at once. */
const PAGE = 500;

/**
 * An alert's origin (check, rule, missed, delivery, backup) was called its `source`, a word that also
 * names what a backup dumps. It is `origin` now: the column, the label Dayshift sets on an alert, and
 * the label a stored silence matches on. Labels and matchers are JSON text, rewritten row by row in
 * code so both stores run the same statements. SQLite applies a migration outside a transaction, so
 * each step can be run again after a crash part-way: the rename only while the old column is there,
 * and the rewrites only touch what still says `source`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const tables = await db.introspection.getTables();
  const alerts = tables.find((t) => t.name === 'alerts');
  if (alerts?.columns.some((c) => c.name === 'source'))
    await db.schema.alterTable('alerts').renameColumn('source', 'origin').execute();
  await rewritePages(db, { table: 'alerts', column: 'labels', origin: true }, renameOwnLabel);
  await rewritePages(db, { table: 'silences', column: 'matchers', origin: false }, renameMatchers);
}

/**
 * Only a `source` label whose value is the alert's origin was Dayshift's own; a rule's `labels:` could
 * hold a label of that name with another value, which is the user's and stays.
 */
function renameOwnLabel(text: string, origin: string | undefined): string | undefined {
  const labels = JSON.parse(text) as Record<string, string>;
  if (labels.source === undefined || labels.source !== origin) return undefined;
  const { source, ...rest } = labels;
  return JSON.stringify({ ...rest, origin: source });
}

function renameMatchers(text: string): string | undefined {
  const matchers = JSON.parse(text) as Array<{ name: string }>;
  if (!matchers.some((m) => m.name === 'source')) return undefined;
  return JSON.stringify(matchers.map((m) => (m.name === 'source' ? { ...m, name: 'origin' } : m)));
}

/** Rewrites one JSON text column; `rewrite` gives the new text, or undefined to leave the row alone. */
async function rewritePages(
  db: Kysely<unknown>,
  where: { table: string; column: string; origin: boolean },
  rewrite: (text: string, origin: string | undefined) => string | undefined,
): Promise<void> {
  const { table, column } = where;
  const origin = where.origin ? sql`, origin` : sql``;
  let after = 0;
  for (;;) {
    // The JSON text holds `"source"` wherever there is anything to rewrite; the rest is skipped unread.
    const page = await sql<{ id: number; text: string; origin?: string }>`
      select id, ${sql.ref(column)} as text${origin} from ${sql.table(table)}
      where id > ${after} and ${sql.ref(column)} like ${'%"source"%'}
      order by id limit ${PAGE}`.execute(db);
    for (const row of page.rows) {
      const next = rewrite(row.text, row.origin);
      if (next !== undefined)
        await sql`update ${sql.table(table)} set ${sql.ref(column)} = ${next} where id = ${row.id}`.execute(
          db,
        );
    }
    const last = page.rows.at(-1);
    if (page.rows.length < PAGE || last === undefined) return;
    after = Number(last.id);
  }
}
