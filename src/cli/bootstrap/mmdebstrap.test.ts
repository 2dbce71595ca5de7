import { describe, expect, it } from 'vitest';
import { describeCommand, mmdebstrapArgs } from './mmdebstrap.js';
import { resolveTarget } from './target.js';

describe('mmdebstrapArgs', () => {
  it('asks for a tar without device nodes, from the one mirror line', () => {
    const args = mmdebstrapArgs(resolveTarget({ image: 'debian:bookworm', include: ['curl'] }), 'out.tar');
    expect(args).toContain('--variant=minbase');
    expect(args).toContain('--format=tar');
    expect(args).toContain('--skip=output/dev');
    expect(args).toContain('--include=curl');
    expect(args).toContain('--keyring=/usr/share/keyrings/debian-archive-keyring.gpg');
    expect(args.slice(-3)).toEqual(['bookworm', 'out.tar', 'deb http://deb.debian.org/debian bookworm main']);
    expect(args.some((arg) => arg.startsWith('--dpkgopt='))).toBe(false);
  });

  it('leaves documentation out of slim images', () => {
    const args = mmdebstrapArgs(resolveTarget({ image: 'debian:bookworm-slim' }), 'out.tar');
    expect(args).toContain('--dpkgopt=path-exclude=/usr/share/doc/*');
    expect(args).toContain('--dpkgopt=path-include=/usr/share/doc/*/copyright');
  });

  it('describes the command for the history without the output path', () => {
    expect(describeCommand(resolveTarget({ image: 'debian:trixie' }))).toBe(
      'mmdebstrap --variant=minbase trixie "deb http://deb.debian.org/debian trixie main"',
    );
  });
});
