/**
 * A call to the Dapr sidecar failed. `status` and `body` are the sidecar's answer (absent when
 * there was none); `errorCode` is Dapr's code from that body, e.g. ERR_PUBSUB_PUBLISH_MESSAGE.
 */
export class DaprError extends Error {
  override name = 'DaprError';
  /** What was attempted, e.g. "publish taskflow-pubsub/tasks.events". */
  readonly operation: string;
  readonly status: number | undefined;
  readonly errorCode: string | undefined;
  readonly body: string | undefined;

  constructor(
    operation: string,
    message: string,
    details: { status?: number; errorCode?: string; body?: string; cause?: unknown } = {},
  ) {
    super(`${operation} failed: ${message}`, { cause: details.cause });
    this.operation = operation;
    this.status = details.status;
    this.errorCode = details.errorCode;
    this.body = details.body;
  }
}

/**
 * A state write lost a concurrency check: the etag no longer matches, or a first-write found the
 * key already there. Read again and decide; retrying the same write cannot succeed.
 */
export class EtagMismatchError extends DaprError {
  override name = 'EtagMismatchError';
}

/**
 * The sidecar did not answer: not running, not reachable, or slower than the client's timeout.
 * Nothing is known about whether the operation happened.
 */
export class SidecarUnavailableError extends DaprError {
  override name = 'SidecarUnavailableError';
}
