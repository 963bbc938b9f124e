/**
 * The one error type tenet raises. `code` is stable (scripts may match on it), `message` says what was
 * wrong, `hint` says what to do, and `location` points at the offending input.
 */
import { redactDeep, redactSecrets } from './redact.ts';

export type ErrorCode =
  | 'BAD_USAGE'
  | 'BAD_INPUT'
  | 'CONFIG'
  | 'NOT_FOUND'
  | 'PROVIDER'
  | 'PROVIDER_AUTH'
  | 'RATE_LIMITED'
  | 'TIMEOUT'
  | 'ABORTED'
  | 'MALFORMED_RESPONSE'
  | 'STRUCTURED_OUTPUT'
  | 'STORE'
  | 'MISSING_DEPENDENCY'
  | 'CHECK_FAILED'
  /** An endpoint cannot (or failed the check to) score continuations: an optional measurement is skipped with this reason. */
  | 'SCORING_UNAVAILABLE'
  /** Another process holds the run's lease (runtime/lease.ts). */
  | 'RUN_BUSY'
  | 'INTERNAL';

const USAGE_CODES: ReadonlySet<ErrorCode> = new Set(['BAD_USAGE', 'BAD_INPUT', 'CONFIG', 'NOT_FOUND', 'RUN_BUSY']);

export interface ErrorLocation {
  file?: string;
  line?: number;
  /** A field path inside the input, e.g. `dimensions[2].poles.virtue`. */
  path?: string;
}

export interface TenetErrorOptions {
  hint?: string;
  location?: ErrorLocation;
  cause?: unknown;
  /** Extra machine-readable facts (HTTP status, raw model text, ...). */
  details?: Record<string, unknown>;
}

export class TenetError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly location: ErrorLocation | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: TenetErrorOptions = {}) {
    // Credentials never reach a message, hint or detail (they are printed, logged and stored).
    super(redactSecrets(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TenetError';
    this.code = code;
    this.hint = options.hint === undefined ? undefined : redactSecrets(options.hint);
    this.location = options.location;
    this.details = options.details === undefined ? undefined : redactDeep(options.details);
  }

  /** Exit code for the CLI: 2 for bad usage or input (including a file or run that does not exist), 1 for everything else that failed. */
  get exitCode(): 1 | 2 {
    return USAGE_CODES.has(this.code) ? 2 : 1;
  }

  /** `file:line at path` for messages, or '' when the error has no location. */
  get where(): string {
    const loc = this.location;
    if (!loc) return '';
    const fileLine = loc.file ? (loc.line ? `${loc.file}:${loc.line}` : loc.file) : '';
    const path = loc.path ? `at ${loc.path}` : '';
    return [fileLine, path].filter(Boolean).join(' ');
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint ? { hint: this.hint } : {}),
      ...(this.location ? { location: this.location } : {}),
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

export function isTenetError(e: unknown): e is TenetError {
  return e instanceof TenetError;
}
