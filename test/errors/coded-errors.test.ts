import { describe, expect, it } from 'vitest';
import { readSources, type SourceFile, SRC } from '../helpers/architecture.js';
import { droppedCauses, formatFindings, plainThrows } from '../helpers/error-scan.js';

/**
 * Library code throws DayshiftErrors (a code decides the exit code and the HTTP status; a plain Error
 * is answered as a bug, exit 70 or 500), and an error thrown while handling another keeps it as its
 * cause. Nothing is allowed to break either rule.
 */
describe('errors in src/', () => {
  const sources = readSources(SRC);

  it('are never plain Errors: every throw names a code', () => {
    expect(formatFindings(sources.flatMap(plainThrows))).toBe('');
  });

  it('keep what they caught: a throw inside a catch block sets its cause', () => {
    expect(formatFindings(sources.flatMap(droppedCauses))).toBe('');
  });
});

describe('the error scans', () => {
  const file = (text: string): SourceFile => ({ path: 'jobs/x.ts', text });

  it('name the file and line of a plain throw, a plain rejection and a RangeError', () => {
    const findings = plainThrows(
      file(
        [
          "import { DayshiftError } from '../errors.js';",
          "if (a) throw new Error('no');",
          "child.once('error', (e) => reject(new Error(e.message)));",
          "  throw new RangeError('out of range');",
          "throw new DayshiftError('INTERNAL', 'fine');",
          "controller.abort(new Error('a reason, not a failure'));",
        ].join('\n'),
      ),
    );
    expect(formatFindings(findings).split('\n')).toEqual([
      'src/jobs/x.ts:2 throw new Error',
      'src/jobs/x.ts:3 reject(new Error',
      'src/jobs/x.ts:4 throw new RangeError',
    ]);
  });

  it('find a handler that makes a new error without the one it caught, and pass one that keeps it', () => {
    const findings = droppedCauses(
      file(
        [
          'try {',
          '  await a();',
          '} catch (error) {',
          "  throw new DayshiftError('BACKUP_FAILED', `it failed: ${(error as Error).message}`, { hint: 'again' });",
          '}',
          'try { b(); } catch {',
          "  throw new DayshiftError('INTERNAL', 'lost');",
          '}',
          "await stat(f).catch(() => { throw new DayshiftError('NOT_FOUND', 'gone'); });",
          "child.once('error', (error) => reject(new DayshiftError('BACKUP_FAILED', error.message)));",
          "try { c(); } catch (error) { throw new DayshiftError('BACKUP_FAILED', 'kept', { cause: error }); }",
          "try { d(); } catch (error) { throw new ConditionSyntaxError('kept', 0, undefined, error); }",
          'try { e(); } catch (error) { if (x) throw error; }',
          "child.once('error', (error) => reject(new DayshiftError('BACKUP_FAILED', 'kept', { cause: error })));",
        ].join('\n'),
      ),
    );
    expect(formatFindings(findings).split('\n')).toEqual([
      'src/jobs/x.ts:4 throw new DayshiftError(...) drops the caught error',
      'src/jobs/x.ts:7 throw new DayshiftError(...) drops the caught error',
      'src/jobs/x.ts:9 throw new DayshiftError(...) drops the caught error',
      'src/jobs/x.ts:10 reject(new DayshiftError(...) drops the caught error',
    ]);
  });
});
