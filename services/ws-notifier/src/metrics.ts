import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ResumeBuffer } from './resume/buffer.ts';
import type { SocketRegistry } from './sockets/registry.ts';

export type WsMetrics = ReturnType<typeof createWsMetrics>;

/** What ws-notifier exposes on /metrics, besides the process defaults. */
export function createWsMetrics(
  registry: Registry,
  { sockets, buffer }: { sockets: SocketRegistry; buffer: ResumeBuffer },
) {
  const registers = [registry];
  new Gauge({
    name: 'taskflow_ws_connections',
    help: 'Open WebSockets on this replica',
    registers,
    collect() {
      this.set(sockets.size);
    },
  });
  new Gauge({
    name: 'taskflow_ws_resume_buffer_bytes',
    help: 'Estimated memory held by the resume buffer (all users)',
    registers,
    collect() {
      this.set(buffer.stats.bytes);
    },
  });
  new Gauge({
    name: 'taskflow_ws_resume_buffer_messages',
    help: 'Messages held by the resume buffer (all users)',
    registers,
    collect() {
      this.set(buffer.stats.messages);
    },
  });
  return {
    events: new Counter({
      name: 'taskflow_ws_events_total',
      help: 'Events received from the broker, by type (duplicates included)',
      labelNames: ['type'] as const,
      registers,
    }),
    duplicates: new Counter({
      name: 'taskflow_ws_duplicate_events_total',
      help: 'Redelivered events recognised by event_id and not sent again',
      registers,
    }),
    held: new Counter({
      name: 'taskflow_ws_order_held_total',
      help: 'Task events that arrived before an earlier version of their task and waited for it',
      registers,
    }),
    gapTimeouts: new Counter({
      name: 'taskflow_ws_order_gap_timeouts_total',
      help: 'Waits for a missing version that ended unfilled (expired: WS_ORDER_HOLD_MS; memory: WS_ORDER_MAX_HELD); the waiting events were sent anyway',
      labelNames: ['reason'] as const,
      registers,
    }),
    late: new Counter({
      name: 'taskflow_ws_order_late_total',
      help: 'Task events not sent because a newer version of their task already was',
      registers,
    }),
    deliveries: new Counter({
      name: 'taskflow_ws_deliveries_total',
      help: 'Messages written to sockets: live events, or replayed on resume',
      labelNames: ['kind'] as const,
      registers,
    }),
    lag: new Histogram({
      name: 'taskflow_ws_delivery_lag_seconds',
      help: 'From the event (its timestamp, set at commit) to its fan-out on this replica',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    disconnects: new Counter({
      name: 'taskflow_ws_disconnects_total',
      help: 'Connections the server ended, by reason',
      labelNames: ['reason'] as const,
      registers,
    }),
    resumes: new Counter({
      name: 'taskflow_ws_resumes_total',
      help: 'Reconnections with last_event_id: replayed from the buffer, or told to resync',
      labelNames: ['result'] as const,
      registers,
    }),
    refusals: new Counter({
      name: 'taskflow_ws_upgrades_refused_total',
      help: 'Upgrade requests answered with an HTTP status instead of a socket',
      labelNames: ['status'] as const,
      registers,
    }),
  };
}
