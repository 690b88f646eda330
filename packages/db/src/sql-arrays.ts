import { sql } from 'drizzle-orm';

/**
 * A text[] from ONE JSON parameter: drizzle spreads an array value into a list of parameters,
 * and a hand-made array literal would need escaping. Internal to packages/db.
 */
export const textArray = (values: string[]) =>
  sql`array(select jsonb_array_elements_text(${JSON.stringify(values)}::jsonb))`;
