/**
 * OpenAPI links from the create responses to the operations that take the created ids, so a
 * client (or a stateful tester) knows where `id` comes from instead of guessing uuids.
 */
type Links = Record<string, { operationId: string; parameters: Record<string, string> }>;

const linksTo = (operations: readonly string[], parameters: Record<string, string>): Links =>
  Object.fromEntries(
    operations.map((operationId) => [operationId, { operationId, parameters }] as const),
  );

export const createdTaskLinks: Links = linksTo(
  [
    'getTask',
    'replaceTask',
    'patchTask',
    'completeTask',
    'setDueDate',
    'deleteTask',
    'setRecurrence',
    'stopRecurrence',
    'createReminder',
    'listReminders',
  ],
  { user_id: '$request.path.user_id', id: '$response.body#/id' },
);

export const createdReminderLinks: Links = linksTo(['getReminder', 'deleteReminder'], {
  user_id: '$request.path.user_id',
  id: '$response.body#/task_id',
  reminder_id: '$response.body#/id',
});

// Members are left to the records schemathesis.toml names: a project's one member, its
// creator, is the one member no request may remove.
export const createdProjectLinks: Links = linksTo(
  ['getProject', 'renameProject', 'deleteProject'],
  {
    user_id: '$request.path.user_id',
    project_id: '$response.body#/id',
  },
);
