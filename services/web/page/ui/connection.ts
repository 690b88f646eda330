import type { ConnectionState } from '@taskflow/client';
import { byId } from './dom.ts';

const LABELS: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  open: 'Live',
  reconnecting: 'Reconnecting…',
  closed: 'Offline',
};

/** The pill in the header: whether changes from elsewhere are arriving right now. */
export function showConnection(state: ConnectionState): void {
  const pill = byId('connection');
  pill.dataset.state = state;
  pill.textContent = LABELS[state];
  pill.title =
    state === 'open'
      ? 'Changes made elsewhere appear here as they happen'
      : 'Changes made elsewhere will appear once the connection is back';
}
