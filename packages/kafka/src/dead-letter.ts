import type { DeliveredMessage } from '@taskflow/messaging';
import type { OutgoingRecord } from './producer.ts';

/**
 * A message for the dead-letter topic, as packages/dapr's sidecarDeadLetter has daprd write it:
 * the CloudEvent unchanged plus `deadletterreason`, the reason also in a `deadLetterReason`
 * header (daprd turns publish metadata into headers), and the original key, so it stays with
 * the user's other dead letters.
 */
export function deadLetterRecord(
  key: Buffer | undefined,
  message: DeliveredMessage,
  reason: string,
): OutgoingRecord {
  const value = message.cloudEvent
    ? { ...message.cloudEvent, deadletterreason: reason }
    : (message.data ?? null);
  return { key, value: JSON.stringify(value), headers: { deadLetterReason: reason } };
}

/** A record that is no message at all (not a CloudEvent), dead-lettered byte for byte. */
export function rawDeadLetterRecord(
  key: Buffer | undefined,
  value: Buffer,
  reason: string,
): OutgoingRecord {
  return { key, value, headers: { deadLetterReason: reason } };
}
