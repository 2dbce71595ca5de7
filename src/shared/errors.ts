// One error class for the whole project. The code survives the engine's wire (mapped to HTTP status in
// engine/api) and becomes an exit code only in cli/. Context is added by wrapping with { cause }.

export type ErrorCode =
  | 'InvalidArgument' // bad input from the user: a compose file, a flag, a reference
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict' // the state forbids it (in use, running, ...)
  | 'FailedPrecondition'
  | 'Unavailable' // a dependency (engine, registry) cannot be reached
  | 'Unauthenticated' // credentials missing or refused (a registry login)
  | 'Usage' // the command line itself is wrong: exit code 2
  | 'Cancelled'
  | 'Internal';

export class BerthError extends Error {
  readonly code: ErrorCode;
  /** What the user can do about it, printed under the message. */
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; hint?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BerthError';
    this.code = code;
    this.hint = options.hint;
  }
}

export function isBerthError(error: unknown, code?: ErrorCode): error is BerthError {
  return error instanceof BerthError && (code === undefined || error.code === code);
}

/** The message of any thrown value, for logs. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
