import {
  callSidecar,
  failureOf,
  isSuccess,
  segment,
  type SidecarConnection,
} from './sidecar-http.ts';

export interface InvokeBindingOptions {
  /** The binding's operation; `create` for most output bindings (bindings.smtp: the only one). */
  operation?: string;
  /** Per-request metadata the component reads (bindings.smtp: emailTo, subject, emailFrom...). */
  metadata?: Record<string, string>;
  timeoutMs?: number;
}

/**
 * Invokes an output binding (`POST /v1.0/bindings/{name}`) and answers its response body
 * (often empty). A binding's failure (a component error, an unknown binding) throws DaprError
 * with daprd's code; no answer throws SidecarUnavailableError. Not retried here: the resiliency
 * policy of the component, then the caller, decide.
 */
export async function invokeBinding(
  connection: SidecarConnection,
  name: string,
  data: unknown,
  options: InvokeBindingOptions = {},
): Promise<string> {
  const operation = `invoke binding ${name}`;
  const response = await callSidecar(connection, {
    operation,
    method: 'POST',
    path: `/v1.0/bindings/${segment(name)}`,
    body: JSON.stringify({
      data,
      operation: options.operation ?? 'create',
      metadata: options.metadata ?? {},
    }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  if (!isSuccess(response.status)) throw failureOf(operation, response);
  return response.text;
}
