import { describe, expect, it } from 'vitest';
import { MysqlDumpReader } from '../../src/backup/sources/shared/mysql-dump-reader.js';

async function read(text: string, chunk = 7): Promise<MysqlDumpReader> {
  const reader = new MysqlDumpReader();
  reader.resume();
  const bytes = Buffer.from(text);
  // Small chunks: a header, a string or a row split across chunks must still count once.
  for (let i = 0; i < bytes.length; i += chunk) reader.write(bytes.subarray(i, i + chunk));
  reader.end();
  await new Promise((resolve) => reader.on('finish', resolve));
  return reader;
}

describe('the mysql dump reader', () => {
  it.each([
    ['rows on one line (MySQL, older MariaDB)', "INSERT INTO `t` VALUES (1,'a;b'),(2,'it\\'s (x)');\n"],
    [
      'one row per line (MariaDB 10.11.8 and later)',
      "INSERT INTO `t` VALUES\n(1,'a;b'),\n(2,'it\\'s (x)');\n",
    ],
  ])('counts rows with %s, ignoring parentheses and semicolons inside strings', async (_layout, inserts) => {
    const reader = await read(
      `/*M!999999\\- enable the sandbox mode */\n-- Server version\t10.11.19-MariaDB\nCREATE TABLE \`t\` (a int);\nCREATE TABLE \`empty\` (a int);\n${inserts}/*!40000 ALTER TABLE \`t\` ENABLE KEYS */;\n-- Dump completed on 2026-12-01\n`,
    );
    expect(reader.rows).toEqual({ t: 2, empty: 0 });
    expect(reader.completed).toBe(true);
    expect(reader.serverVersion).toBe('10.11.19-MariaDB');
  });

  it('tells a dump cut short from a whole one, and refuses output that is not a dump', async () => {
    expect((await read('-- dump\nINSERT INTO `t` VALUES (1),(2')).completed).toBe(false);
    const reader = new MysqlDumpReader();
    const failed = new Promise((resolve) => reader.on('error', resolve));
    reader.resume();
    reader.end(Buffer.from('mysqldump: Got error: 1045: Access denied'));
    expect(String(await failed)).toMatch(/did not write a dump/);
  });
});
