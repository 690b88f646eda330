import { h } from './dom.ts';

/** The API's priorities, 1 (low) to 4 (urgent), as the page names them; null: none. */
export const PRIORITY_LABELS: Record<number, string> = {
  1: 'Low',
  2: 'Medium',
  3: 'High',
  4: 'Urgent',
};

/** A `<select>` value ('' or '1'..'4') as the API's priority. */
export function priorityFromInput(value: string): number | null {
  const priority = Number(value);
  return value !== '' && priority in PRIORITY_LABELS ? priority : null;
}

/** The choice of a priority, `current` selected; the same options as the add form's. */
export function prioritySelect(current: number | null, className: string): HTMLSelectElement {
  const select = h(
    'select',
    { class: className, 'aria-label': 'Priority' },
    h('option', { value: '' }, 'No priority'),
    ...Object.entries(PRIORITY_LABELS).map(([value, label]) => h('option', { value }, label)),
  );
  select.value = current === null ? '' : String(current);
  return select;
}

/**
 * Tags as typed: words separated by spaces or commas. The server folds case, drops repeats and
 * sorts, and says what is wrong with a tag it refuses (too long, a control character).
 */
export function parseTags(text: string): string[] {
  return text.split(/[\s,]+/u).filter(Boolean);
}
