import { afterAll, describe, expect, it } from 'vitest';
import { parseDotenv, parseDotenvLines } from '../../src/config/dotenv.js';
import { loadConfig, loadConfigOrThrow } from '../../src/config/load.js';
import { scratch } from './fixtures.js';

describe('.env files are read the way Compose reads them', () => {
  it('parses KEY=VALUE, export, comments, quotes and escapes', () => {
    const text = [
      '# a comment',
      '',
      'PLAIN=value',
      'SPACED = spaced value ',
      'export EXPORTED=yes',
      "SINGLE='kept as is \\n $HOME'",
      'DOUBLE="line one\\nline two\\t\\"quoted\\""',
      'TRAILING=value # a comment after',
      'HASH=a#b',
      'EMPTY=',
      'EQUALS=a=b=c',
      "QUOTED_HASH='a # b'",
    ].join('\n');
    expect(parseDotenv(text)).toEqual({
      PLAIN: 'value',
      SPACED: 'spaced value',
      EXPORTED: 'yes',
      SINGLE: 'kept as is \\n $HOME',
      DOUBLE: 'line one\nline two\t"quoted"',
      TRAILING: 'value',
      HASH: 'a#b',
      EMPTY: '',
      EQUALS: 'a=b=c',
      QUOTED_HASH: 'a # b',
    });
  });

  it('reports lines that are not assignments', () => {
    expect(parseDotenvLines('A=1\nnot an assignment\nB=2\n').invalid).toEqual([2]);
  });
});

describe('.env beside the stack file', () => {
  const tmp = scratch('dotenv');
  afterAll(tmp.cleanup);
  tmp.write('.env', 'STACK=from-dotenv\nPORT=7071\nONLY_IN_DOTENV=here\nthis line is wrong\n');
  const file = tmp.write(
    'dayshift.yaml',
    'version: 1\nstack: "${STACK}"\nserver:\n  listen: "127.0.0.1:${PORT}"\nservices:\n  web: { description: "${ONLY_IN_DOTENV}" }\n',
  );

  it('provides variables, and the process environment wins over it', () => {
    expect(loadConfigOrThrow(file, { env: {} }).config).toMatchObject({
      stack: 'from-dotenv',
      server: { listen: '127.0.0.1:7071' },
    });
    expect(loadConfigOrThrow(file, { env: { STACK: 'from-env' } }).config.stack).toBe('from-env');
    // Even an empty value in the environment wins, as in Compose.
    expect(loadConfigOrThrow(file, { env: { ONLY_IN_DOTENV: '' } }).config.services.web?.description).toBe(
      '',
    );
  });

  it('reports its bad lines as warnings', () => {
    const result = loadConfigOrThrow(file, { env: {} });
    expect(result.config.services.web?.description).toBe('here');
    expect(result.warnings).toEqual([
      expect.objectContaining({ line: 4, col: 1, message: 'not a KEY=VALUE line; ignored' }),
    ]);
  });

  it('is never applied to keys', () => {
    const keyed = tmp.write('keys.yaml', 'version: 1\nservices:\n  "${ONLY_IN_DOTENV}": {}\n');
    const result = loadConfig(keyed, { env: {} });
    expect(result.ok ? [] : result.errors.map((e) => e.message)).toEqual([
      'invalid name `${ONLY_IN_DOTENV}`: expected a name of letters, digits, - and _, starting with a letter',
    ]);
  });
});
