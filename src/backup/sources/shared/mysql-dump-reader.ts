import { Transform, type TransformCallback } from 'node:stream';
import { DayshiftError } from '../../../errors.js';

const INSERT = Buffer.from('INSERT INTO `');
const CREATE = Buffer.from('CREATE TABLE `');
const COMPLETED = '-- Dump completed';

/**
 * Passes a mariadb-dump/mysqldump stream through unchanged while counting the rows it holds per table
 * (the tuples of each `INSERT INTO ... VALUES (...),(...);`, outside quoted strings), so the manifest's
 * row counts are exactly the dump's, however busy the database was. It also tells a dump that is
 * whole (it ends with "-- Dump completed") from one cut short, and output that is not a dump at all.
 */
export class MysqlDumpReader extends Transform {
  readonly rows: Record<string, number> = {};
  seen = 0;
  serverVersion: string | undefined;
  #tail = '';
  /** The first 4 KiB, where the tool writes the server's version. */
  #prologue = '';
  #head: number[] = [];
  #lineStart = true;
  /** Inside the VALUES of an INSERT: which table, string state and parenthesis depth. */
  #table: string | undefined;
  #inString = false;
  #escaped = false;
  #depth = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    // A dump opens with a comment, or (MariaDB 10.11.8 and later) with its sandbox-mode directive.
    if (this.seen === 0 && !/^(-- |\/\*)/.test(chunk.subarray(0, 3).toString('latin1'))) {
      done(new DayshiftError('BACKUP_FAILED', 'the mysql dump tool did not write a dump'));
      return;
    }
    if (this.serverVersion === undefined && this.seen < 4096) {
      this.#prologue += chunk.subarray(0, 4096 - this.seen).toString('latin1');
      const version = /-- Server version\s+(\S+)\n/.exec(this.#prologue);
      if (version) this.serverVersion = version[1];
    }
    this.seen += chunk.length;
    for (let i = 0; i < chunk.length; i++) this.#byte(chunk[i] as number);
    this.#tail = (this.#tail + chunk.subarray(-256).toString('latin1')).slice(-256);
    done(null, chunk);
  }

  /** True when the tool finished the dump (its trailer is there). */
  get completed(): boolean {
    return this.#tail.includes(COMPLETED);
  }

  #byte(b: number): void {
    if (this.#table !== undefined) {
      this.#value(b);
      return;
    }
    if (this.#lineStart) this.#head = [];
    this.#lineStart = b === 0x0a;
    if (b === 0x0a) {
      // MariaDB 10.11.8 and later put each row of an INSERT on its own line after `VALUES`.
      this.#insertHeader(Buffer.from(this.#head).toString('utf8'), /^INSERT INTO `((?:[^`]|``)+)` VALUES$/);
      return;
    }
    if (this.#head.length < 200) {
      this.#head.push(b);
      this.#header();
    }
  }

  /** Recognises `INSERT INTO \`t\` VALUES ` and `CREATE TABLE \`t\`` at the start of a line. */
  #header(): void {
    const head = this.#head;
    const last = head[head.length - 1];
    if (startsWith(head, CREATE) && last === 0x60 && head.length > CREATE.length) {
      const name = Buffer.from(head.slice(CREATE.length, -1)).toString('utf8');
      this.rows[name] ??= 0;
      this.#head = [0];
    } else if (startsWith(head, INSERT) && last === 0x20 && head.length > INSERT.length) {
      this.#insertHeader(Buffer.from(head).toString('utf8'), /^INSERT INTO `((?:[^`]|``)+)` VALUES $/);
    }
  }

  /** Starts counting the tuples of an INSERT when `text` is its header. */
  #insertHeader(text: string, pattern: RegExp): void {
    const match = pattern.exec(text);
    if (!match) return;
    this.#head = [];
    this.#table = (match[1] as string).replace(/``/g, '`');
    this.rows[this.#table] ??= 0;
    this.#inString = false;
    this.#escaped = false;
    this.#depth = 0;
  }

  #value(b: number): void {
    if (this.#inString) {
      if (this.#escaped) this.#escaped = false;
      else if (b === 0x5c) this.#escaped = true;
      else if (b === 0x27) this.#inString = false;
      return;
    }
    if (b === 0x27) this.#inString = true;
    else if (b === 0x28) {
      if (this.#depth === 0) this.rows[this.#table as string] = (this.rows[this.#table as string] ?? 0) + 1;
      this.#depth++;
    } else if (b === 0x29) this.#depth--;
    else if (b === 0x3b && this.#depth === 0) {
      // The statement ends at its semicolon, whether the rows were on one line or many.
      this.#table = undefined;
      this.#lineStart = false;
    }
  }
}

function startsWith(head: number[], prefix: Buffer): boolean {
  if (head.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (head[i] !== prefix[i]) return false;
  return true;
}
