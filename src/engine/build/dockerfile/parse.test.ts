import { describe, expect, it } from 'vitest';
import { BerthError } from '../../../shared/errors.js';
import { parseDockerfile, parseInstruction } from './parse.js';
import type { Instruction } from './types.js';

const parse = (text: string) => parseDockerfile(text, 'Dockerfile');

/** The instructions of the first stage. */
function body(text: string): Instruction[] {
  return parse(`FROM alpine\n${text}`).stages[0]!.instructions;
}
/** The instruction type whose kind includes K (CMD → CommandInstruction). */
type Of<K extends Instruction['kind']> = Instruction extends infer T
  ? T extends Instruction
    ? K extends T['kind']
      ? T
      : never
    : never
  : never;
function one<K extends Instruction['kind']>(text: string, kind: K): Of<K> {
  const [instruction] = body(text);
  expect(instruction?.kind).toBe(kind);
  return instruction as Of<K>;
}

function failure(text: string): BerthError {
  try {
    parse(text);
  } catch (error) {
    expect(error).toBeInstanceOf(BerthError);
    expect((error as BerthError).code).toBe('InvalidArgument');
    return error as BerthError;
  }
  throw new Error(`expected to fail:\n${text}`);
}

describe('parseDockerfile: structure', () => {
  it('splits stages at FROM, keeps ARGs before the first FROM as meta args, numbers lines from 1', () => {
    const file = parse(
      [
        'ARG BASE=alpine:3.19 OTHER',
        '',
        '# a comment',
        'FROM $BASE AS Build',
        'RUN make',
        'from scratch',
        'copy --from=build /out /out',
      ].join('\n'),
    );
    expect(file.file).toBe('Dockerfile');
    expect(file.escape).toBe('\\');
    expect(file.syntax).toBeUndefined();
    expect(file.metaArgs).toHaveLength(1);
    expect(file.metaArgs[0]!.args).toEqual([
      { name: 'BASE', defaultValue: 'alpine:3.19' },
      { name: 'OTHER', defaultValue: undefined },
    ]);
    expect(file.stages.map((s) => [s.index, s.name, s.from.image, s.from.location.line])).toEqual([
      [0, 'build', '$BASE', 4],
      [1, undefined, 'scratch', 6],
    ]);
    expect(file.stages[0]!.instructions.map((i) => [i.kind, i.location.line])).toEqual([['RUN', 5]]);
    expect(file.stages[1]!.instructions[0]).toMatchObject({
      kind: 'COPY',
      from: 'build',
      original: 'copy --from=build /out /out',
    });
  });

  it('reads FROM --platform and validates stage names', () => {
    const from = parse('FROM --platform=$BUILDPLATFORM golang:1.22 as builder-1.x_y').stages[0]!.from;
    expect(from).toMatchObject({
      image: 'golang:1.22',
      stageName: 'builder-1.x_y',
      platform: '$BUILDPLATFORM',
    });
    expect(failure('FROM alpine AS 1st').message).toBe(
      `Dockerfile:1: invalid name for build stage: "1st", name can't start with a number or contain symbols`,
    );
    expect(failure('FROM alpine AS a$b').message).toMatch(/^Dockerfile:1: invalid name for build stage/);
    expect(failure('FROM a AS x\nFROM b AS X').message).toBe('Dockerfile:2: duplicate stage name "x"');
  });

  it('reports FROM with a wrong number of arguments', () => {
    expect(failure('# c\n\nFROM').message).toBe('Dockerfile:3: FROM requires at least one argument');
    expect(failure('FROM a b').message).toBe('Dockerfile:1: FROM requires either one or three arguments');
    expect(failure('FROM a AS').message).toBe('Dockerfile:1: FROM requires either one or three arguments');
    expect(failure('FROM a FOR b').message).toBe('Dockerfile:1: FROM requires either one or three arguments');
  });

  it('refuses a file without FROM and instructions before the first FROM', () => {
    expect(failure('').message).toBe('Dockerfile:1: no FROM instruction');
    expect(failure('ARG A\n# only args\n').message).toBe('Dockerfile:2: no FROM instruction');
    const early = failure('ARG A\nRUN true\nFROM alpine');
    expect(early.message).toBe('Dockerfile:2: RUN before the first FROM');
    expect(early.hint).toMatch(/Only ARG/);
  });

  it('names unknown instructions with a suggestion', () => {
    expect(failure('FROM a\n\n\n\n\n\nRUNN make').message).toBe(
      'Dockerfile:7: unknown instruction: RUNN (did you mean RUN?)',
    );
    expect(failure('FROM a\ncopyy a b').message).toBe(
      'Dockerfile:2: unknown instruction: copyy (did you mean COPY?)',
    );
    expect(failure('FROM a\nFROBNICATE x').message).toBe('Dockerfile:2: unknown instruction: FROBNICATE');
  });

  it('accepts keywords in any case and leading whitespace, and handles CRLF and a BOM', () => {
    const file = parse('\uFEFFfrom alpine\r\n   Run echo hi\r\n\tcMd ["sh"]\r\n');
    expect(file.stages[0]!.instructions.map((i) => i.kind)).toEqual(['RUN', 'CMD']);
    expect(file.stages[0]!.instructions[0]).toMatchObject({ command: { form: 'shell', text: 'echo hi' } });
  });
});

describe('parseDockerfile: directives', () => {
  it('reads escape and syntax at the top, ignores check, and keeps syntax as written', () => {
    const file = parse('# syntax=docker/dockerfile:1.7\n#check=skip=all\n# escape=`\nFROM alpine');
    expect(file.syntax).toBe('docker/dockerfile:1.7');
    expect(file.escape).toBe('`');
  });

  it('stops reading directives at the first other line, which is then a plain comment', () => {
    expect(parse('# a comment\n# escape=`\nFROM a').escape).toBe('\\');
    expect(parse('\n# escape=`\nFROM a').escape).toBe('\\');
    expect(parse('# unknown=x\n# escape=`\nFROM a').escape).toBe('\\');
    expect(parse('FROM a\n# escape=`\n').escape).toBe('\\');
  });

  it('matches directive names in any case and refuses bad or repeated ones', () => {
    expect(parse('#  ESCAPE = `  \nFROM a').escape).toBe('`');
    expect(parse('  # escape=`\nFROM a').escape).toBe('`');
    expect(failure('# escape=x\nFROM a').message).toMatch(/^Dockerfile:1: invalid escape token 'x'/);
    expect(failure('# escape=`\n# escape=\\\nFROM a').message).toBe(
      'Dockerfile:2: only one escape parser directive can be used',
    );
  });

  it('uses the backtick for continuations under escape=`, leaving backslashes as text', () => {
    const file = parse(
      '# escape=`\nFROM mcr.microsoft.com/windows\nRUN dir C:\\ `\n  && echo done\nWORKDIR C:\\app\\',
    );
    const [run, workdir] = file.stages[0]!.instructions;
    expect(run).toMatchObject({
      command: { form: 'shell', text: 'dir C:\\   && echo done' },
      location: { line: 3 },
    });
    expect(workdir).toMatchObject({ kind: 'WORKDIR', value: 'C:\\app\\', location: { line: 5 } });
  });
});

describe('parseDockerfile: continuations', () => {
  it('joins continued lines as Docker does: the escape and trailing blanks removed, nothing inserted', () => {
    const run = one('RUN apt-get update \\\n    && apt-get install -y \\ \t\n curl', 'RUN');
    expect(run.command).toEqual({ form: 'shell', text: 'apt-get update     && apt-get install -y  curl' });
    expect(run.original).toBe('RUN apt-get update     && apt-get install -y  curl');
    expect(one('RUN echo a\\\nb', 'RUN').command).toEqual({ form: 'shell', text: 'echo ab' });
  });

  it('skips comment lines and empty lines inside a continuation, counting them for later line numbers', () => {
    const [run, env] = body('RUN a \\\n# a comment\n\n   # indented comment\n  b\nENV X=1');
    expect(run).toMatchObject({ command: { text: 'a   b' }, location: { line: 2 } });
    expect(env).toMatchObject({ kind: 'ENV', location: { line: 7 } });
  });

  it('keeps a # that is not at the start of a line', () => {
    expect(one('RUN echo a # not a comment', 'RUN').command).toEqual({
      form: 'shell',
      text: 'echo a # not a comment',
    });
  });

  it('does not continue after an escaped escape character, but does on a line holding only the escape', () => {
    const [run, user] = body('RUN echo C:\\\\\nUSER x');
    expect(run).toMatchObject({ command: { text: 'echo C:\\\\' } });
    expect(user).toMatchObject({ kind: 'USER', location: { line: 3 } });
    expect(one('RUN a \\\n\\\n b', 'RUN').command).toEqual({ form: 'shell', text: 'a  b' });
  });

  it('ends a continuation at the end of the file', () => {
    expect(one('RUN echo a \\', 'RUN').command).toEqual({ form: 'shell', text: 'echo a' });
  });

  it('continues a FROM line and an instruction made of a lone keyword', () => {
    const file = parse('FROM \\\n alpine \\\n AS base\nCMD \\\n ["a"]');
    expect(file.stages[0]!.from).toMatchObject({ image: 'alpine', stageName: 'base' });
    expect(file.stages[0]!.instructions[0]).toMatchObject({ command: { form: 'exec', args: ['a'] } });
  });
});

describe('parseDockerfile: command forms', () => {
  it('reads the exec form as a JSON array and everything else as the shell form', () => {
    expect(one('CMD ["nginx", "-g", "daemon off;"]', 'CMD').command).toEqual({
      form: 'exec',
      args: ['nginx', '-g', 'daemon off;'],
    });
    expect(one('ENTRYPOINT []', 'ENTRYPOINT').command).toEqual({ form: 'exec', args: [] });
    expect(one('ENTRYPOINT exec "$@"', 'ENTRYPOINT').command).toEqual({ form: 'shell', text: 'exec "$@"' });
    expect(one('RUN ["echo", "\\u00e9\\t"]', 'RUN').command).toEqual({ form: 'exec', args: ['echo', 'é\t'] });
  });

  it('falls back to the shell form when the JSON array is malformed', () => {
    expect(one("CMD ['single', 'quotes']", 'CMD').command).toEqual({
      form: 'shell',
      text: "['single', 'quotes']",
    });
    expect(one('CMD ["a", "b"', 'CMD').command).toEqual({ form: 'shell', text: '["a", "b"' });
    expect(one('RUN [ -f x ] && echo y', 'RUN').command).toEqual({
      form: 'shell',
      text: '[ -f x ] && echo y',
    });
    expect(one('CMD ["a"] extra', 'CMD').command).toEqual({ form: 'shell', text: '["a"] extra' });
  });

  it('refuses a JSON array holding something else than strings', () => {
    expect(failure('FROM a\nCMD ["a", 1]').message).toBe(
      'Dockerfile:2: when using JSON array syntax, arrays must be comprised of strings only',
    );
  });

  it('requires the JSON form for SHELL', () => {
    expect(one('SHELL ["powershell", "-command"]', 'SHELL').shell).toEqual(['powershell', '-command']);
    expect(failure('FROM a\nSHELL /bin/bash -c').message).toBe(
      'Dockerfile:2: SHELL requires the arguments to be in JSON form',
    );
    expect(failure('FROM a\nSHELL []').message).toBe('Dockerfile:2: SHELL requires at least one argument');
  });

  it('requires an argument for RUN, CMD and ENTRYPOINT', () => {
    expect(failure('FROM a\nRUN').message).toBe('Dockerfile:2: RUN requires at least one argument');
    expect(failure('FROM a\nCMD   ').message).toBe('Dockerfile:2: CMD requires at least one argument');
    expect(failure('FROM a\nRUN --network=none').message).toBe(
      'Dockerfile:2: RUN requires at least one argument',
    );
  });
});

describe('parseDockerfile: flags', () => {
  it('reads RUN --mount (repeatable), --network and --security', () => {
    const run = one(
      'RUN --mount=type=cache,target=/root/.cache --mount="type=secret,id=x" --network=none --security=insecure make',
      'RUN',
    );
    expect(run).toMatchObject({
      mounts: ['type=cache,target=/root/.cache', 'type=secret,id=x'],
      network: 'none',
      security: 'insecure',
      command: { form: 'shell', text: 'make' },
    });
  });

  it('reads COPY and ADD flags, with repeatable --exclude and boolean flags', () => {
    const copy = one(
      'COPY --from=build --chown=app:app --chmod=0755 --link --exclude=*.md --exclude=tmp --parents a b /dst/',
      'COPY',
    );
    expect(copy).toMatchObject({
      sources: ['a', 'b'],
      dest: '/dst/',
      from: 'build',
      chown: 'app:app',
      chmod: '0755',
      link: true,
      exclude: ['*.md', 'tmp'],
      parents: true,
      checksum: undefined,
      keepGitDir: false,
      heredocs: [],
    });
    expect(one('COPY --link=false a b', 'COPY').link).toBe(false);
    const add = one('ADD --checksum=sha256:abc --keep-git-dir=true https://x/y.git /src', 'ADD');
    expect(add).toMatchObject({
      checksum: 'sha256:abc',
      keepGitDir: true,
      sources: ['https://x/y.git'],
      dest: '/src',
    });
  });

  it('refuses unknown flags, flags of another instruction, missing values and duplicates', () => {
    const wrong = failure('FROM a\nCOPY --checksum=sha256:abc a b');
    expect(wrong.message).toBe('Dockerfile:2: unknown flag for COPY: --checksum');
    expect(wrong.hint).toMatch(/--from/);
    expect(failure('FROM a\nRUN --foo=bar make').message).toBe('Dockerfile:2: unknown flag for RUN: --foo');
    expect(failure('FROM a\nWORKDIR --x=1 /a').hint).toBe('WORKDIR takes no flags.');
    expect(failure('FROM --platform a').message).toBe('Dockerfile:1: missing a value on flag: --platform');
    expect(failure('FROM a\nCOPY --from=a --from=b x y').message).toBe(
      'Dockerfile:2: duplicate flag specified: --from',
    );
    expect(failure('FROM a\nCOPY --link=maybe x y').message).toBe(
      'Dockerfile:2: expecting boolean value for flag --link, not: maybe',
    );
  });

  it('removes quotes and escapes from flag values, with the file escape character', () => {
    expect(one('COPY --chown="a b" --exclude=x\\ y s d', 'COPY')).toMatchObject({
      chown: 'a b',
      exclude: ['x y'],
    });
    const file = parse('# escape=`\nFROM a\nCOPY --exclude=x` y --chown=\\u s d');
    expect(file.stages[0]!.instructions[0]).toMatchObject({ exclude: ['x y'], chown: '\\u' });
  });

  it('stops reading flags at the first word that is not one, or after --', () => {
    expect(one('RUN echo --mount=x', 'RUN').mounts).toEqual([]);
    expect(one('RUN -- --weird', 'RUN').command).toEqual({ form: 'shell', text: '--weird' });
  });
});

describe('parseDockerfile: ENV, LABEL, ARG', () => {
  it('reads key=value pairs with quotes and escapes left in place', () => {
    expect(one('ENV A=1 B="two words" C=three\\ words D= E=\'$x\'', 'ENV').pairs).toEqual([
      { key: 'A', value: '1' },
      { key: 'B', value: '"two words"' },
      { key: 'C', value: 'three\\ words' },
      { key: 'D', value: '' },
      { key: 'E', value: "'$x'" },
    ]);
    expect(one('LABEL "com.example.vendor"="ACME Inc" version=1.0', 'LABEL').pairs).toEqual([
      { key: '"com.example.vendor"', value: '"ACME Inc"' },
      { key: 'version', value: '1.0' },
    ]);
  });

  it('reads the legacy `ENV key value` form, the value being the rest of the line', () => {
    expect(one('ENV PATH  /usr/local/bin:$PATH  and more', 'ENV').pairs).toEqual([
      { key: 'PATH', value: '/usr/local/bin:$PATH  and more' },
    ]);
    expect(one('LABEL maintainer "me <me@x>"', 'LABEL').pairs).toEqual([
      { key: 'maintainer', value: '"me <me@x>"' },
    ]);
  });

  it('reports malformed pairs', () => {
    expect(failure('FROM a\nENV A').message).toBe('Dockerfile:2: ENV must have two arguments');
    expect(failure('FROM a\nENV').message).toBe('Dockerfile:2: ENV requires at least one argument');
    expect(failure('FROM a\nENV A=1 B').message).toMatch(/^Dockerfile:2: syntax error - can't find = in "B"/);
    expect(failure('FROM a\nLABEL =x').message).toBe('Dockerfile:2: LABEL names can not be blank');
  });

  it('reads several ARGs per line, with and without defaults', () => {
    expect(one('ARG A B=2 C="x y" D=', 'ARG').args).toEqual([
      { name: 'A', defaultValue: undefined },
      { name: 'B', defaultValue: '2' },
      { name: 'C', defaultValue: '"x y"' },
      { name: 'D', defaultValue: '' },
    ]);
    expect(failure('FROM a\nARG').message).toBe('Dockerfile:2: ARG requires at least one argument');
    expect(failure('FROM a\nARG =1').message).toBe('Dockerfile:2: ARG names can not be blank');
  });
});

describe('parseDockerfile: other instructions', () => {
  it('reads EXPOSE and VOLUME words, VOLUME also in JSON form', () => {
    expect(one('EXPOSE 80 443/udp $PORT', 'EXPOSE').words).toEqual(['80', '443/udp', '$PORT']);
    expect(one('VOLUME /data "/my logs"', 'VOLUME').words).toEqual(['/data', '"/my logs"']);
    expect(one('VOLUME ["/a", "/b c"]', 'VOLUME').words).toEqual(['/a', '/b c']);
    expect(failure('FROM a\nEXPOSE').message).toBe('Dockerfile:2: EXPOSE requires at least one argument');
  });

  it('reads USER, WORKDIR, STOPSIGNAL and MAINTAINER as the rest of the line', () => {
    expect(one('USER app:app', 'USER').value).toBe('app:app');
    expect(one('WORKDIR /my dir', 'WORKDIR').value).toBe('/my dir');
    expect(one('STOPSIGNAL SIGQUIT', 'STOPSIGNAL').value).toBe('SIGQUIT');
    expect(one('MAINTAINER Jane <jane@example.com>', 'MAINTAINER').value).toBe('Jane <jane@example.com>');
    expect(failure('FROM a\nUSER').message).toBe('Dockerfile:2: USER requires exactly one argument');
  });

  it('reads HEALTHCHECK with its flags, NONE, and both command forms', () => {
    const check = one(
      'HEALTHCHECK --interval=5s --timeout=3s --start-period=1m --start-interval=1s --retries=3 CMD curl -f http://localhost/',
      'HEALTHCHECK',
    );
    expect(check).toMatchObject({
      command: { form: 'shell', text: 'curl -f http://localhost/' },
      interval: '5s',
      timeout: '3s',
      startPeriod: '1m',
      startInterval: '1s',
      retries: '3',
    });
    expect(one('healthcheck cmd ["true"]', 'HEALTHCHECK').command).toEqual({ form: 'exec', args: ['true'] });
    expect(one('HEALTHCHECK none', 'HEALTHCHECK').command).toBeUndefined();
    expect(failure('FROM a\nHEALTHCHECK NONE x').message).toBe(
      'Dockerfile:2: HEALTHCHECK NONE takes no arguments',
    );
    expect(failure('FROM a\nHEALTHCHECK curl x').message).toBe(
      'Dockerfile:2: unknown type "curl" in HEALTHCHECK (try CMD)',
    );
    expect(failure('FROM a\nHEALTHCHECK CMD').message).toBe(
      'Dockerfile:2: missing command after HEALTHCHECK CMD',
    );
    expect(failure('FROM a\nHEALTHCHECK').message).toBe(
      'Dockerfile:2: HEALTHCHECK requires at least one argument',
    );
    expect(failure('FROM a\nHEALTHCHECK --mount=x CMD true').message).toBe(
      'Dockerfile:2: unknown flag for HEALTHCHECK: --mount',
    );
  });

  it('carries the heredoc bodies of an ONBUILD trigger with it, so the trigger parses again', () => {
    const [onbuild, user] = body('ONBUILD RUN <<EOF\necho hi\nEOF\nUSER x');
    expect(onbuild).toMatchObject({ kind: 'ONBUILD', trigger: 'RUN <<EOF\necho hi\nEOF' });
    expect(user).toMatchObject({ kind: 'USER', location: { line: 5 } });
    const trigger = parseInstruction((onbuild as { trigger: string }).trigger, { file: 'base', line: 1 });
    expect(trigger).toMatchObject({ kind: 'RUN', heredocs: [{ name: 'EOF', content: 'echo hi\n' }] });
  });

  it('keeps an ONBUILD trigger as written and refuses ONBUILD ONBUILD, FROM and MAINTAINER', () => {
    expect(one('ONBUILD  COPY --from=x . /app', 'ONBUILD').trigger).toBe('COPY --from=x . /app');
    expect(failure('FROM a\nONBUILD ONBUILD RUN x').message).toMatch(/^Dockerfile:2: .*ONBUILD ONBUILD/);
    expect(failure('FROM a\nONBUILD from b').message).toBe(
      "Dockerfile:2: FROM isn't allowed as an ONBUILD trigger",
    );
    expect(failure('FROM a\nONBUILD MAINTAINER me').message).toBe(
      "Dockerfile:2: MAINTAINER isn't allowed as an ONBUILD trigger",
    );
    expect(failure('FROM a\nONBUILD RUNN x').message).toBe(
      'Dockerfile:2: unknown instruction: RUNN (did you mean RUN?)',
    );
    expect(failure('FROM a\nONBUILD').message).toBe('Dockerfile:2: ONBUILD requires at least one argument');
  });

  it('requires a source and a destination for COPY and ADD; keeps quoted sources whole', () => {
    expect(failure('FROM a\nCOPY onlyone').message).toBe(
      'Dockerfile:2: COPY requires at least two arguments, but only one was provided. Destination could not be determined',
    );
    expect(one('COPY "a b" c* /dst', 'COPY').sources).toEqual(['"a b"', 'c*']);
    expect(one('COPY ["a b", "c", "/d e/"]', 'COPY')).toMatchObject({ sources: ['a b', 'c'], dest: '/d e/' });
  });
});

describe('parseDockerfile: heredocs', () => {
  it('reads a RUN heredoc body from the following lines', () => {
    const [run, next] = body('RUN <<EOF\napt-get update\n  echo $HOME\nEOF\nUSER app');
    expect(run).toMatchObject({
      kind: 'RUN',
      command: { form: 'shell', text: '<<EOF' },
      heredocs: [{ name: 'EOF', content: 'apt-get update\n  echo $HOME\n', expand: true }],
      location: { line: 2 },
    });
    expect(next).toMatchObject({ kind: 'USER', location: { line: 6 } });
  });

  it('accepts blanks between << and the delimiter, and a partly quoted delimiter', () => {
    const run = one(`RUN cat << EOF > /a && cat 3<<E'N'D\nx\nEOF\ny\nEND`, 'RUN');
    expect(run.heredocs).toEqual([
      { name: 'EOF', content: 'x\n', expand: true },
      { name: 'END', content: 'y\n', expand: false },
    ]);
    expect(one('COPY << EOF /dst\nz\nEOF', 'COPY')).toMatchObject({ sources: ['EOF'], dest: '/dst' });
  });

  it('marks quoted delimiters as not expanded and strips leading tabs for <<-', () => {
    const run = one(`RUN <<-"A" cat > /x && sh <<'B'\n\tline one\n\t\tline two\n\tA\necho b\nB`, 'RUN');
    expect(run.heredocs).toEqual([
      { name: 'A', content: 'line one\nline two\n', expand: false },
      { name: 'B', content: 'echo b\n', expand: false },
    ]);
    expect(run.command).toEqual({ form: 'shell', text: `<<-"A" cat > /x && sh <<'B'` });
  });

  it('only ends a heredoc on a line that is exactly the delimiter, and keeps comment-like lines', () => {
    const run = one('RUN python3 <<PY\n# not a comment\n  PY\nPYX\n\nPY', 'RUN');
    expect(run.heredocs[0]!.content).toBe('# not a comment\n  PY\nPYX\n\n');
  });

  it('reads several heredocs on a COPY line, using their names as sources', () => {
    const copy = one('COPY --chmod=755 <<one.sh <<two.sh /usr/bin/\necho 1\none.sh\necho 2\ntwo.sh', 'COPY');
    expect(copy).toMatchObject({ sources: ['one.sh', 'two.sh'], dest: '/usr/bin/', chmod: '755' });
    expect(copy.heredocs.map((h) => [h.name, h.content])).toEqual([
      ['one.sh', 'echo 1\n'],
      ['two.sh', 'echo 2\n'],
    ]);
  });

  it('reads heredocs after a continued line, and counts their lines', () => {
    const [run, cmd] = body('RUN --network=none \\\n  cat <<EOF\nhi\nEOF\nCMD ["x"]');
    expect(run).toMatchObject({ network: 'none', heredocs: [{ content: 'hi\n' }] });
    expect(cmd!.location.line).toBe(6);
  });

  it('leaves << alone in the exec form and in instructions without heredocs', () => {
    expect(one('RUN ["sh", "-c", "cat <<EOF"]', 'RUN').heredocs).toEqual([]);
    expect(one('RUN echo "<<EOF"', 'RUN').heredocs).toEqual([]);
    expect(one('ENV A=<<EOF', 'ENV').pairs).toEqual([{ key: 'A', value: '<<EOF' }]);
  });

  it('reports an unterminated heredoc at its instruction', () => {
    const error = failure('FROM a\nRUN <<EOF\necho hi\neof');
    expect(error.message).toBe('Dockerfile:2: unterminated heredoc EOF');
    expect(error.hint).toMatch(/EOF/);
  });
});

describe('parseInstruction', () => {
  it('parses one trigger line at the given location', () => {
    const location = { file: 'base-image ONBUILD', line: 3 };
    expect(parseInstruction('COPY . /app', location)).toMatchObject({
      kind: 'COPY',
      sources: ['.'],
      dest: '/app',
      location,
      original: 'COPY . /app',
    });
    expect(parseInstruction('RUN a `\n b', location, '`')).toMatchObject({ command: { text: 'a  b' } });
  });

  it('reports errors at the given location', () => {
    expect(() => parseInstruction('RUNN x', { file: 'img', line: 1 })).toThrow(
      'img:1: unknown instruction: RUNN',
    );
    expect(() => parseInstruction('   ', { file: 'img', line: 1 })).toThrow('img:1: empty instruction');
    expect(() => parseInstruction('RUN a\nRUN b', { file: 'img', line: 1 })).toThrow(
      'img:1: more than one instruction',
    );
  });
});

describe('parseDockerfile: a realistic multi-stage file', () => {
  it('parses every instruction at its line', () => {
    const text = [
      '# syntax=docker/dockerfile:1',
      'ARG NODE_VERSION=20',
      'FROM node:${NODE_VERSION}-bookworm AS deps',
      'WORKDIR /app',
      'COPY package.json package-lock.json ./',
      'RUN --mount=type=cache,target=/root/.npm \\',
      '    npm ci --omit=dev',
      '',
      'FROM node:${NODE_VERSION}-bookworm-slim',
      'ENV NODE_ENV=production \\',
      '    PORT=3000',
      'WORKDIR /app',
      'COPY --from=deps --chown=node:node /app/node_modules ./node_modules',
      'COPY --chown=node:node . .',
      'COPY <<-EOF /etc/app.conf',
      '\tport=${PORT}',
      '\tEOF',
      'USER node',
      'EXPOSE 3000',
      'HEALTHCHECK --interval=30s CMD node healthcheck.js',
      'STOPSIGNAL SIGTERM',
      'ENTRYPOINT ["node"]',
      'CMD ["server.js"]',
    ].join('\n');
    const file = parse(text);
    expect(file.syntax).toBe('docker/dockerfile:1');
    expect(file.metaArgs.map((a) => a.location.line)).toEqual([2]);
    expect(file.stages.map((s) => [s.name, s.from.image])).toEqual([
      ['deps', 'node:${NODE_VERSION}-bookworm'],
      [undefined, 'node:${NODE_VERSION}-bookworm-slim'],
    ]);
    expect(file.stages[0]!.instructions.map((i) => `${i.location.line} ${i.kind}`)).toEqual([
      '4 WORKDIR',
      '5 COPY',
      '6 RUN',
    ]);
    expect(file.stages[1]!.instructions.map((i) => `${i.location.line} ${i.kind}`)).toEqual([
      '10 ENV',
      '12 WORKDIR',
      '13 COPY',
      '14 COPY',
      '15 COPY',
      '18 USER',
      '19 EXPOSE',
      '20 HEALTHCHECK',
      '21 STOPSIGNAL',
      '22 ENTRYPOINT',
      '23 CMD',
    ]);
    expect(file.stages[1]!.instructions[4]).toMatchObject({
      sources: ['EOF'],
      dest: '/etc/app.conf',
      heredocs: [{ name: 'EOF', content: 'port=${PORT}\n', expand: true }],
    });
  });
});
