/**
 * One error catalogue with stable codes, used by every face (CLI, HTTP API, later the EIR).
 * Each code carries its HTTP status and its CLI exit code; `docs/errors.md` lists them and a
 * test keeps the two in step.
 */

export const EXIT = { ok: 0, failure: 1, usage: 2, refused: 3 } as const;

interface ErrorSpec {
  readonly status: number;
  readonly exit: number;
  readonly title: string;
}

export const ERRORS = {
  CEIR_ERR_USAGE: { status: 400, exit: EXIT.usage, title: 'Bad command or request' },
  CEIR_ERR_CONFIG_INVALID: { status: 500, exit: EXIT.usage, title: 'Invalid configuration' },
  CEIR_ERR_INPUT_REFUSED: { status: 422, exit: EXIT.refused, title: 'Input refused' },
  CEIR_ERR_INVALID_IMEI: { status: 400, exit: EXIT.usage, title: 'Invalid IMEI' },
  CEIR_ERR_INVALID_TAC: { status: 400, exit: EXIT.usage, title: 'Invalid TAC' },
  CEIR_ERR_UNAUTHORIZED: { status: 401, exit: EXIT.failure, title: 'Not authorised' },
  CEIR_ERR_NOT_FOUND: { status: 404, exit: EXIT.failure, title: 'Not found' },
  CEIR_ERR_DB_TOO_NEW: { status: 500, exit: EXIT.failure, title: 'Database is newer than this code' },
  CEIR_ERR_BUSY: { status: 409, exit: EXIT.failure, title: 'Another job holds the lock' },
  CEIR_ERR_LISTS_REFUSED: { status: 502, exit: EXIT.refused, title: 'List version refused' },
  CEIR_ERR_INTERNAL: { status: 500, exit: EXIT.failure, title: 'Internal error' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

export class CeirError extends Error {
  readonly code: ErrorCode;
  readonly details?: unknown;
  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'CeirError';
    this.code = code;
    this.details = details;
  }
  get status(): number {
    return ERRORS[this.code].status;
  }
  get exitCode(): number {
    return ERRORS[this.code].exit;
  }
}

export function isCeirError(e: unknown): e is CeirError {
  return e instanceof CeirError;
}
