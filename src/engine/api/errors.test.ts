import { describe, expect, it } from 'vitest';
import { BerthError, type ErrorCode } from '../../shared/errors.js';
import { codeOfStatus, errorFromResponse, NotImplementedError, statusOfError } from './errors.js';

describe('error codes on the wire', () => {
  it('maps each code to Docker status codes', () => {
    const statuses = Object.fromEntries(
      (
        [
          'InvalidArgument',
          'NotFound',
          'AlreadyExists',
          'Conflict',
          'FailedPrecondition',
          'Unavailable',
          'Internal',
        ] as ErrorCode[]
      ).map((code) => [code, statusOfError(new BerthError(code, 'x'))]),
    );
    expect(statuses).toEqual({
      InvalidArgument: 400,
      NotFound: 404,
      AlreadyExists: 409,
      Conflict: 409,
      FailedPrecondition: 409,
      Unavailable: 503,
      Internal: 500,
    });
    expect(statusOfError(new NotImplementedError('POST /swarm/init'))).toBe(501);
    expect(statusOfError(new TypeError('boom'))).toBe(500);
  });

  it('maps statuses back to codes in the client', () => {
    expect([400, 404, 409, 500, 501, 503].map(codeOfStatus)).toEqual([
      'InvalidArgument',
      'NotFound',
      'Conflict',
      'Internal',
      'Internal',
      'Unavailable',
    ]);
  });

  it('takes the message from a JSON body, or the text', () => {
    const notFound = errorFromResponse(404, '{"message":"No such container: web"}');
    expect([notFound.code, notFound.message]).toEqual(['NotFound', 'No such container: web']);
    expect(errorFromResponse(502, 'bad gateway\n').message).toBe('bad gateway');
    expect(errorFromResponse(500, '').message).toBe('engine answered HTTP 500');
  });
});
