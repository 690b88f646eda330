import { z } from 'zod';

/**
 * What daprd (1.16.5 and 1.18.2 alike) POSTs for a bulk subscription
 * (Content-Type: application/json):
 * `{ id, type: "com.dapr.event.sent.bulk", topic, pubsubname, metadata,
 *    entries: [{ entryId, event: <CloudEvent object>, metadata, contentType }] }`.
 * It expects `{ statuses: [{ entryId, status }] }` back; an entry left out is retried.
 */
export const BulkDelivery = z.object({
  topic: z.string(),
  pubsubname: z.string(),
  entries: z.array(
    z.object({
      entryId: z.string(),
      event: z.unknown(),
      contentType: z.string().optional(),
    }),
  ),
});
export type BulkDelivery = z.infer<typeof BulkDelivery>;

export function isBulkDelivery(body: unknown): boolean {
  return (
    typeof body === 'object' &&
    body !== null &&
    Array.isArray((body as { entries?: unknown }).entries)
  );
}
