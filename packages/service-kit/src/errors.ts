import { errorStatus, type ErrorCode, type ErrorDetail } from '@taskflow/contracts';

/**
 * An error meant for the caller. Code throws it where it knows what went wrong; the one error
 * handler turns it into the uniform body. Anything else becomes a logged 500.
 */
export class AppError extends Error {
  override name = 'AppError';
  readonly code: ErrorCode;
  readonly details: ErrorDetail[] | undefined;

  constructor(code: ErrorCode, message: string, details?: ErrorDetail[]) {
    super(message);
    this.code = code;
    this.details = details;
  }

  get statusCode(): number {
    return errorStatus[this.code];
  }
}

export const notFound = (what: string) => new AppError('not_found', `${what} not found`);
