import { byId, h } from './dom.ts';

export type ToastKind = 'info' | 'reminder' | 'error';

/** A short message in the corner; it leaves by itself, or on click. */
export function toast(
  text: string,
  kind: ToastKind = 'info',
  detail?: string,
  ttlMs = 6_000,
): void {
  const element = h(
    'div',
    { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    h('strong', {}, text),
    detail ? h('span', {}, detail) : null,
  );
  const remove = () => element.remove();
  element.addEventListener('click', remove);
  byId('toasts').append(element);
  setTimeout(remove, kind === 'reminder' ? 2 * ttlMs : ttlMs);
}
