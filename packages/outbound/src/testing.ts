// For tests only: a policy that also allows the exact addresses of a test's own receiver
// (on loopback, say). Service code must not import this entry; src/testing-boundary.test.ts
// fails if any non-test file outside this package does.
import { policyAllowing, type AddressPolicy } from './policy.ts';

/** The standard policy, plus these exact IP addresses (no names, no ranges). */
export const allowForTests = (addresses: readonly string[]): AddressPolicy =>
  policyAllowing(addresses);
