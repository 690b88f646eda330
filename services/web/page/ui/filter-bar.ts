import type { Task } from '@taskflow/contracts';
import type { ListFilter } from '../search.ts';
import { byId, h } from './dom.ts';

/**
 * The search box, the tag filter and "Clear" above the list. The tag choice offers every tag the
 * user's tasks carry; a tag in a row (`showTag`) chooses it too.
 */
export function filterBar(filter: ListFilter) {
  const search = byId<HTMLInputElement>('search');
  const tagSelect = byId<HTMLSelectElement>('filter-tag');
  const clear = byId<HTMLButtonElement>('clear-filters');

  search.addEventListener('input', () => filter.setQuery(search.value));
  search.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && search.value) {
      search.value = '';
      filter.setQuery('');
    }
  });
  tagSelect.addEventListener('change', () => filter.setTag(tagSelect.value));
  clear.addEventListener('click', () => {
    search.value = '';
    filter.setQuery('');
    tagSelect.value = '';
    filter.setTag('');
    search.focus();
  });

  return {
    /** Chooses a tag, as if picked in the tag filter. */
    showTag(tag: string): void {
      filter.setTag(tag);
      tagSelect.value = filter.tag;
    },
    /** After every render: the tags on offer, "Clear", and whether a search is under way. */
    update(tasks: Task[]): void {
      const names = new Set(tasks.flatMap((task) => task.tags));
      if (filter.tag) names.add(filter.tag); // still chosen after its last task lost it
      const offered = [...names].sort();
      const current = [...tagSelect.options].slice(1).map((option) => option.value);
      // Rebuilt only when the tags differ, so an open or focused choice is left alone.
      if (offered.join('\n') !== current.join('\n')) {
        tagSelect.replaceChildren(
          h('option', { value: '' }, 'All tags'),
          ...offered.map((name) => h('option', { value: name }, `#${name}`)),
        );
      }
      tagSelect.value = filter.tag;
      tagSelect.disabled = offered.length === 0;
      clear.hidden = !filter.active;
      const list = byId('tasks');
      if (filter.busy) list.setAttribute('aria-busy', 'true');
      else list.removeAttribute('aria-busy');
    },
  };
}
