import { RecurringTaskList, Task, type SetRecurrenceBody } from '@taskflow/contracts';
import type { z } from 'zod';
import type { Http } from './http.ts';
import { ifMatch, type WriteOptions } from './tasks.ts';

/** Recurring series: `POST|DELETE .../tasks/{id}/recurrence`, `GET .../tasks/recurring`. */
export function recurrenceApi(http: Http, base: string) {
  return {
    set: (taskId: string, body: z.input<typeof SetRecurrenceBody>, options?: WriteOptions) =>
      http('POST', `${base}/tasks/${taskId}/recurrence`, Task, {
        body,
        headers: ifMatch(options),
      }),
    stop: (taskId: string) => http('DELETE', `${base}/tasks/${taskId}/recurrence`, Task),
    list: (query: { limit?: number; cursor?: string } = {}) =>
      http('GET', `${base}/tasks/recurring`, RecurringTaskList, { query }),
  };
}
