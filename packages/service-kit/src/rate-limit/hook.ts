import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import { AppError } from '../errors.ts';
import { limitMember, policyMember } from './fields.ts';
import type { RateLimiter } from './limiter.ts';

/**
 * An onRequest hook that counts the request against one policy of the limiter, keyed by
 * `keyOf` (no key: not counted). Every counted response carries the policy in RateLimit-Policy
 * and its state in RateLimit; several hooks on one route append to the same two fields. Over
 * the limit: 429 `rate_limited` with Retry-After equal to the RateLimit reset.
 */
export function rateLimitHook(
  limiter: RateLimiter,
  policyName: string,
  keyOf: (request: FastifyRequest) => string | undefined,
): onRequestHookHandler {
  const policy = limiter.policy(policyName);
  if (!policy) return (_request, _reply, done) => done();
  const member = policyMember(policy);
  const stateOf = limitMember(policy);
  return (request, reply, done) => {
    const key = keyOf(request);
    const decision = key === undefined ? undefined : limiter.take(policyName, key);
    if (!decision) return done();
    append(reply, 'ratelimit-policy', member);
    append(reply, 'ratelimit', stateOf(decision));
    if (decision.allowed) return done();
    reply.header('retry-after', String(decision.resetSeconds));
    done(
      new AppError(
        'rate_limited',
        `too many requests for this ${policyName} (${policy.quota} per ${policy.windowSeconds} s): retry in ${decision.resetSeconds} s`,
      ),
    );
  };
}

function append(reply: FastifyReply, field: string, member: string): void {
  const existing = reply.getHeader(field);
  reply.header(field, existing === undefined ? member : `${String(existing)}, ${member}`);
}

/** The request's token subject, once requireUserPath has verified it. */
export const principalKey = (request: FastifyRequest) => request.principal?.userId;
/** The client's address as the socket (or the trusted proxy, with trustProxy) reports it. */
export const addressKey = (request: FastifyRequest) => request.ip;
