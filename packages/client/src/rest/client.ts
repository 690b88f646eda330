import { createHttp, type HttpOptions } from './http.ts';
import { projectsApi } from './projects.ts';
import { recurrenceApi } from './recurrence.ts';
import { remindersApi } from './reminders.ts';
import { tasksApi } from './tasks.ts';

export interface TaskflowClientOptions extends HttpOptions {
  userId: string;
}

/**
 * The REST API of one user. Each group of routes is its own module over one `http` function;
 * a new group (a new route family) is one more module and one more line here.
 */
export function createTaskflowClient(options: TaskflowClientOptions) {
  const http = createHttp(options);
  const base = `/api/${encodeURIComponent(options.userId)}`;
  return {
    userId: options.userId,
    tasks: tasksApi(http, base),
    recurrence: recurrenceApi(http, base),
    reminders: remindersApi(http, base),
    projects: projectsApi(http, base),
  };
}

export type TaskflowClient = ReturnType<typeof createTaskflowClient>;
