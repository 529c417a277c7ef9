import { Transform, type TransformCallback } from 'node:stream';
import { DayshiftError } from '../../../errors.js';

/** Archive versions whose header and table of contents this reads: pg_dump 12 to 17 write them. */
const OLDEST = [1, 14] as const;
const NEWEST = [1, 16] as const;

/** Block types in the data part of a custom archive (pg_backup_archiver.h). */
const BLOCK_DATA = 1;
const BLOCK_BLOBS = 3;

/** Not a failure: the buffer ends inside an item, so parsing waits for more bytes. Never leaves this file. */
class NeedMore extends Error {}

/** An archive this cannot follow: the backup fails rather than keep what cannot be checked. */
function unreadable(why: string, cause?: unknown): DayshiftError {
  return new DayshiftError('BACKUP_FAILED', `pg_dump wrote an archive that cannot be followed: ${why}`, {
    hint: 'nothing was kept; run the backup again, and report it if it fails the same way',
    cause,
  });
}

/** Reads the integers and strings of a custom archive from a buffer that may end too soon. */
class ArchiveReader {
  position = 0;
  intSize = 4;

  constructor(readonly buffer: Buffer) {}

  byte(): number {
    if (this.position >= this.buffer.length) throw new NeedMore();
    return this.buffer[this.position++] as number;
  }

  /** A sign byte, then `intSize` bytes, least significant first. */
  int(): number {
    const negative = this.byte() !== 0;
    if (this.position + this.intSize > this.buffer.length) throw new NeedMore();
    let value = 0;
    for (let i = 0; i < this.intSize; i++) value += (this.buffer[this.position + i] as number) * 2 ** (8 * i);
    this.position += this.intSize;
    return negative ? -value : value;
  }

  /** A length, then that many bytes; a negative length is a null string. */
  string(): string | null {
    const length = this.int();
    if (length < 0) return null;
    if (this.position + length > this.buffer.length) throw new NeedMore();
    const text = this.buffer.toString('utf8', this.position, this.position + length);
    this.position += length;
    return text;
  }

  skip(bytes: number): void {
    if (this.position + bytes > this.buffer.length) throw new NeedMore();
    this.position += bytes;
  }
}

interface TableOfContents {
  version: string;
  intSize: number;
  /** Entries pg_dump wrote data for (table data, large objects): each must have a whole block. */
  withData: Map<number, string>;
  /** Where the data blocks start. */
  end: number;
}

/** Parses the header and the table of contents; throws NeedMore while they have not all arrived. */
function readTableOfContents(buffer: Buffer): TableOfContents | { newer: string } {
  const r = new ArchiveReader(buffer);
  r.skip(5); // PGDMP, checked by MagicCheck before this
  const major = r.byte();
  const minor = r.byte();
  r.byte(); // revision
  const version = `${major}.${minor}`;
  const at = (v: readonly [number, number]) => major > v[0] || (major === v[0] && minor >= v[1]);
  if (!at(OLDEST) || (at(NEWEST) && !(major === NEWEST[0] && minor === NEWEST[1]))) return { newer: version };
  r.intSize = r.byte();
  const offSize = r.byte();
  if (r.byte() !== 1) throw unreadable('it is not in the custom format');
  if (at([1, 15]))
    r.byte(); // compression algorithm
  else r.int(); // compression level
  for (let i = 0; i < 7; i++) r.int(); // the time it was made
  r.string(); // database
  r.string(); // server version
  r.string(); // pg_dump version
  const count = r.int();
  const withData = new Map<number, string>();
  for (let i = 0; i < count; i++) {
    const dumpId = r.int();
    const hadDumper = r.int();
    r.string(); // table oid
    r.string(); // oid
    const tag = r.string();
    const desc = r.string();
    r.int(); // section
    r.string(); // definition
    r.string(); // drop statement
    r.string(); // copy statement
    const namespace = r.string();
    r.string(); // tablespace
    r.string(); // table access method
    if (at([1, 16])) r.int(); // relkind
    r.string(); // owner
    r.string(); // "false": tables with OIDs are gone
    while (r.string() !== null); // dependencies, up to a null
    r.byte(); // where its data is: unknown when pg_dump writes to a pipe
    r.skip(offSize);
    if (hadDumper)
      withData.set(dumpId, `${desc ?? 'data'} ${namespace ? `${namespace}.` : ''}${tag ?? dumpId}`);
  }
  return { version, intSize: r.intSize, withData, end: r.position };
}

type BlockState =
  | { at: 'type' }
  | { at: 'id'; type: number }
  | { at: 'blob'; id: number }
  | { at: 'length'; id: number; blobs: boolean }
  | { at: 'chunk'; id: number; blobs: boolean; left: number };

/**
 * Follows a pg_dump custom-format archive as it streams past, without decompressing anything: the
 * header, the table of contents, then the length-prefixed chunks of each data block. The format has
 * no end marker, so this is how an archive cut short while pg_dump still exited 0 is told from a whole
 * one: `complete` holds only when every entry with data had its block end and the stream stopped
 * between blocks. An archive newer than this reads is passed through unchecked (`unchecked` says so).
 */
export class PgArchiveCheck extends Transform {
  version: string | undefined;
  unchecked: string | undefined;
  #head: Buffer[] = [];
  #headBytes = 0;
  #nextTry = 4_096;
  #toc: TableOfContents | undefined;
  #state: BlockState = { at: 'type' };
  /** Bytes of an integer that straddles two chunks. */
  #partial = Buffer.alloc(0);
  readonly #ended = new Set<number>();

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.push(chunk);
    try {
      if (this.unchecked === undefined) this.#take(chunk);
      done();
    } catch (error) {
      done(error instanceof DayshiftError ? error : unreadable((error as Error).message, error));
    }
  }

  /** True when every data block the table of contents announced arrived whole. */
  get complete(): boolean {
    if (this.unchecked !== undefined) return true;
    if (!this.#toc || this.#state.at !== 'type' || this.#partial.length > 0) return false;
    return [...this.#toc.withData.keys()].every((id) => this.#ended.has(id));
  }

  /** What is missing, for the error of an archive cut short. */
  describeMissing(): string {
    if (!this.#toc) return 'its table of contents never arrived whole';
    const missing = [...this.#toc.withData].filter(([id]) => !this.#ended.has(id)).map(([, name]) => name);
    return missing.length
      ? `the data of ${missing.length} of ${this.#toc.withData.size} entries did not arrive whole (first: ${missing[0]})`
      : 'it stopped in the middle of a block';
  }

  #take(chunk: Buffer): void {
    if (!this.#toc) {
      this.#head.push(chunk);
      this.#headBytes += chunk.length;
      // Parsed again only as the buffer doubles, so a large table of contents costs linear time.
      if (this.#headBytes < this.#nextTry) return;
      const buffer = Buffer.concat(this.#head);
      this.#head = [buffer];
      try {
        const toc = readTableOfContents(buffer);
        if ('newer' in toc) {
          this.unchecked = `archive version ${toc.newer} is outside what Dayshift reads; its structure was not checked`;
          this.#head = [];
          return;
        }
        this.#toc = toc;
        this.version = toc.version;
        this.#head = [];
        this.#blocks(buffer.subarray(toc.end));
      } catch (error) {
        if (!(error instanceof NeedMore)) throw error;
        this.#nextTry = this.#headBytes * 2;
      }
      return;
    }
    this.#blocks(chunk);
  }

  /** Walks the data blocks: type, id, then chunks until a zero length (per large object for blobs). */
  #blocks(input: Buffer): void {
    const intBytes = (this.#toc?.intSize ?? 4) + 1;
    let data = this.#partial.length ? Buffer.concat([this.#partial, input]) : input;
    this.#partial = Buffer.alloc(0);
    const readInt = (): number | undefined => {
      if (data.length < intBytes) return undefined;
      const r = new ArchiveReader(data);
      r.intSize = intBytes - 1;
      const value = r.int();
      data = data.subarray(intBytes);
      return value;
    };
    while (data.length > 0) {
      const s = this.#state;
      if (s.at === 'chunk') {
        const take = Math.min(s.left, data.length);
        data = data.subarray(take);
        this.#state =
          s.left === take ? { at: 'length', id: s.id, blobs: s.blobs } : { ...s, left: s.left - take };
        continue;
      }
      if (s.at === 'type') {
        const type = data[0] as number;
        data = data.subarray(1);
        if (type !== BLOCK_DATA && type !== BLOCK_BLOBS) throw unreadable(`unknown block type ${type}`);
        this.#state = { at: 'id', type };
        continue;
      }
      const value = readInt();
      if (value === undefined) break;
      if (s.at === 'id')
        this.#state =
          s.type === BLOCK_BLOBS ? { at: 'blob', id: value } : { at: 'length', id: value, blobs: false };
      else if (s.at === 'blob') {
        if (value === 0) this.#end(s.id);
        else this.#state = { at: 'length', id: s.id, blobs: true };
      } else if (value < 0) throw unreadable(`a chunk of block ${s.id} has a negative length`);
      else if (value > 0) this.#state = { at: 'chunk', id: s.id, blobs: s.blobs, left: value };
      else if (s.blobs) this.#state = { at: 'blob', id: s.id };
      else this.#end(s.id);
    }
    this.#partial = Buffer.from(data);
  }

  #end(id: number): void {
    this.#ended.add(id);
    this.#state = { at: 'type' };
  }

  override _flush(done: TransformCallback): void {
    // A table of contents smaller than the first parse threshold is parsed at the end.
    if (!this.#toc && this.unchecked === undefined && this.#headBytes > 0) {
      this.#nextTry = 0;
      try {
        this.#take(Buffer.alloc(0));
      } catch {
        // left incomplete: `complete` says so
      }
    }
    done();
  }
}
