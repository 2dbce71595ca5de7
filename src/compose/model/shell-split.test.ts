import { describe, expect, it } from 'vitest';
import { shellSplit, ShellSplitError } from './shell-split.js';

describe('shellSplit', () => {
  it('splits on runs of whitespace', () => {
    expect(shellSplit('  npm   run\tdev \n')).toEqual(['npm', 'run', 'dev']);
  });

  it('keeps quoted text together and drops the quotes', () => {
    expect(shellSplit(`sh -c "echo hello world" 'a b'`)).toEqual(['sh', '-c', 'echo hello world', 'a b']);
    expect(shellSplit(`--name="my app"`)).toEqual(['--name=my app']);
  });

  it('keeps an empty quoted word', () => {
    expect(shellSplit(`echo '' ""`)).toEqual(['echo', '', '']);
  });

  it('treats single quotes literally and backslashes as escapes elsewhere', () => {
    expect(shellSplit(`echo 'a\\b' "c\\"d" e\\ f`)).toEqual(['echo', 'a\\b', 'c"d', 'e f']);
  });

  it('does not expand variables', () => {
    expect(shellSplit('echo $HOME ${USER}')).toEqual(['echo', '$HOME', '${USER}']);
  });

  it('stops at an unquoted shell operator, as go-shellwords does', () => {
    expect(shellSplit('echo a && echo b')).toEqual(['echo', 'a']);
    expect(shellSplit('cat x | wc')).toEqual(['cat', 'x']);
    expect(shellSplit('run 2>/dev/null')).toEqual(['run']);
    expect(shellSplit(`echo "a && b"`)).toEqual(['echo', 'a && b']);
  });

  it('returns no words for an empty string', () => {
    expect(shellSplit('')).toEqual([]);
  });

  it('rejects unterminated quotes and a trailing backslash', () => {
    expect(() => shellSplit(`echo "open`)).toThrow(ShellSplitError);
    expect(() => shellSplit(`echo 'open`)).toThrow('invalid command line string');
    expect(() => shellSplit('echo \\')).toThrow(ShellSplitError);
  });
});
