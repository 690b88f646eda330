import type { RateLimitDecision, RateLimitPolicy } from './window-counter.ts';

// The fields of draft-ietf-httpapi-ratelimit-headers (structured-field form): each is a List of
// Items whose bare item is the policy's name as a String, with Integer parameters.

/** `"user";q=600;w=60`: one member of RateLimit-Policy. */
export function policyMember(policy: RateLimitPolicy): string {
  return `${sfString(policy.name)};q=${policy.quota};w=${policy.windowSeconds}`;
}

/** Writes `"user";r=12;t=30`, one member of RateLimit, for each decision of the policy. */
export function limitMember(policy: RateLimitPolicy): (decision: RateLimitDecision) => string {
  // Quoted once: this runs for every request.
  const name = sfString(policy.name);
  return (decision) => `${name};r=${decision.remaining};t=${decision.resetSeconds}`;
}

/** An RFC 9651 String: printable ASCII, with `"` and `\` escaped. */
function sfString(value: string): string {
  if (!/^[\x20-\x7e]*$/.test(value))
    throw new RangeError(`not a structured-field string: ${value}`);
  return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}
