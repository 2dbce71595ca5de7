// Error codes on the wire, in one place: a BerthError code becomes an HTTP status on the server and the
// status becomes the code again in the client, so `isBerthError(e, 'NotFound')` works across the socket.
// Invariant: the two tables are inverse for every code the server sends (AlreadyExists and Conflict share 409
// and come back as Conflict, as Docker's errdefs do).

import { BerthError, type ErrorCode } from '../../shared/errors.js';

/** The JSON body of every error response, as Docker sends it. */
export interface ErrorResponse {
  message: string;
}

const STATUS_OF_CODE: Record<ErrorCode, number> = {
  InvalidArgument: 400,
  Usage: 400,
  NotFound: 404,
  AlreadyExists: 409,
  Conflict: 409,
  FailedPrecondition: 409,
  Unauthenticated: 401,
  Cancelled: 499,
  Internal: 500,
  Unavailable: 503,
};

/**
 * A route Docker has and berth does not serve (yet): HTTP 501. The shared error codes have no NotImplemented, so
 * it travels as Internal and is told apart by its class on the server.
 */
export class NotImplementedError extends BerthError {
  constructor(what: string) {
    super('Internal', `${what} is not implemented by berth's engine`);
    this.name = 'NotImplementedError';
  }
}

/** HTTP status for an error thrown by a route; anything that is not a BerthError is a 500. */
export function statusOfError(error: unknown): number {
  if (error instanceof NotImplementedError) return 501;
  return error instanceof BerthError ? STATUS_OF_CODE[error.code] : 500;
}

/** Error code for an HTTP error status received by the client. */
export function codeOfStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
      return 'InvalidArgument';
    case 401:
      return 'Unauthenticated';
    case 404:
      return 'NotFound';
    case 409:
      return 'Conflict';
    case 499:
      return 'Cancelled';
    case 503:
      return 'Unavailable';
    default:
      return 'Internal';
  }
}

/** The error a client raises for a non-2xx response; the message is the server's `message`. */
export function errorFromResponse(status: number, body: string): BerthError {
  let message = body.trim();
  try {
    const parsed = JSON.parse(body) as Partial<ErrorResponse>;
    if (typeof parsed.message === 'string') message = parsed.message;
  } catch {
    // not JSON: keep the text (a proxy or an old engine answered)
  }
  if (message === '') message = `engine answered HTTP ${status}`;
  return new BerthError(codeOfStatus(status), message);
}
