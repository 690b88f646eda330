import { describe, expect, it } from 'vitest';
import { isBulkDelivery } from './bulk-delivery.ts';

describe('isBulkDelivery', () => {
  it('recognises the bulk envelope by its entries', () => {
    expect(isBulkDelivery({ entries: [], topic: 't', pubsubname: 'p' })).toBe(true);
    expect(isBulkDelivery({ id: 'e1', specversion: '1.0', data: {} })).toBe(false);
    expect(isBulkDelivery(undefined)).toBe(false);
  });
});
