import { z } from 'zod';

/** Every error code taskflow answers with, and the HTTP status each one means. */
export const errorStatus = {
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  precondition_failed: 412,
  payload_too_large: 413,
  unsupported_media_type: 415,
  idempotency_key_reused: 422,
  /** Well-formed by the published schema, refused for what it means (a reminder in the past). */
  unprocessable: 422,
  precondition_required: 428,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;
export const ErrorCode = z.enum(Object.keys(errorStatus) as [ErrorCode, ...ErrorCode[]]);

/** One field-level problem: where (a JSON path into the request part) and what. */
export const ErrorDetail = z.object({
  location: z.enum(['body', 'params', 'query', 'headers']),
  path: z.string(),
  message: z.string(),
});
export type ErrorDetail = z.infer<typeof ErrorDetail>;

/** The one error body of every endpoint. */
export const ErrorBody = z.object({
  error: z.object({
    code: ErrorCode,
    message: z.string(),
    details: z.array(ErrorDetail).optional(),
    request_id: z.string(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;
