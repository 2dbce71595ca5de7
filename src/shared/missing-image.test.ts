import { describe, expect, it } from 'vitest';
import { BerthError } from './errors.js';
import { bootstrapCommandFor, missingImageHint } from './missing-image.js';

describe('bootstrapCommandFor', () => {
  it('names the bootstrap command for Debian and Ubuntu images on Docker Hub', () => {
    expect(bootstrapCommandFor('debian:bookworm')).toBe('berth image bootstrap debian:bookworm');
    expect(bootstrapCommandFor('debian:bookworm-slim')).toBe('berth image bootstrap debian:bookworm-slim');
    expect(bootstrapCommandFor('docker.io/library/debian:trixie')).toBe(
      'berth image bootstrap debian:trixie',
    );
    expect(bootstrapCommandFor('library/ubuntu:24.04')).toBe('berth image bootstrap ubuntu:24.04');
    expect(bootstrapCommandFor('debian')).toBe('berth image bootstrap debian:latest');
  });

  it('adds a tag when the name lives on another registry', () => {
    expect(bootstrapCommandFor('127.0.0.1:5000/debian:bookworm')).toBe(
      'berth image bootstrap debian:bookworm -t 127.0.0.1:5000/debian:bookworm',
    );
  });

  it('has nothing for other images, digests and dated tags', () => {
    expect(bootstrapCommandFor('busybox:latest')).toBeUndefined();
    expect(bootstrapCommandFor('someone/debian:bookworm')).toBeUndefined();
    expect(bootstrapCommandFor('debian@sha256:' + '0'.repeat(64))).toBeUndefined();
    expect(bootstrapCommandFor('debian:bookworm-20240101')).toBeUndefined();
  });
});

describe('missingImageHint', () => {
  it('prefers the bootstrap command, else keeps the hint of the cause', () => {
    expect(missingImageHint('debian:bookworm')).toContain('berth image bootstrap debian:bookworm');
    const cause = new BerthError('Unauthenticated', 'denied', { hint: 'berth login first' });
    expect(missingImageHint('debian:bookworm', cause)).toContain('berth image bootstrap');
    expect(missingImageHint('redis:7', cause)).toBe('berth login first');
    expect(missingImageHint('redis:7', new Error('x'))).toBeUndefined();
    const named = new Error('not present locally, or `berth image bootstrap debian:bookworm`');
    expect(missingImageHint('debian:bookworm', named)).toBeUndefined();
  });
});
