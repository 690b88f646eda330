import { z } from 'zod';
import { cloudEventOf, DeadLetterCloudEvent } from '../cloud-events.ts';
import { CorrelationId, Instant, UserId, Uuid } from '../common.ts';
import { ErrorBody } from '../errors.ts';
import {
  EventEnvelope,
  RecurringSpawnedData,
  ReminderTriggeredData,
  type EventType,
} from '../events.ts';
import { Project, ProjectMember, ProjectMemberChange } from '../projects.ts';
import { Task } from '../tasks.ts';
import {
  WsClientMessage,
  WsEventMessages,
  WsHello,
  WsProjectMessages,
  WsPong,
  WsReminderData,
  WsResumeQuery,
  WsResync,
  WsSpawnedData,
  type WsEventMessageType,
} from '../ws.ts';

/** `task.created` -> `TaskCreated`: the name of a type's schemas and messages. */
export const pascalName = (type: string) =>
  type.replace(/(?:^|[.-])([a-z])/g, (_match, letter: string) => letter.toUpperCase());

/** The envelope of each event type, as the discriminated union holds it. */
export const envelopeByType = Object.fromEntries(
  EventEnvelope.options.map((option) => [option.shape.event_type.value, option]),
) as Record<EventType, (typeof EventEnvelope.options)[number]>;

/** Component names of the schemas that messages point at. */
export const schemaNames = {
  event: (type: EventType) => `${pascalName(type)}Event`,
  cloudEvent: (type: EventType) => `${pascalName(type)}CloudEvent`,
  socket: (type: WsEventMessageType) => `Ws${pascalName(type)}`,
} as const;

/** What taskflow receives rather than writes: described as the server reads it. */
const receivedSchemas = { WsPing: WsClientMessage.options[0], WsResumeQuery };

/** The scalars that both kinds of schema refer to. */
const sharedSchemas = { Uuid, Instant, UserId, CorrelationId };

/**
 * Every zod schema the document names, under its component name. Shared parts (an instant, a
 * UUID, the task) are named too, so they appear once and are referenced.
 */
function namedSchemas(): Record<string, z.ZodType> {
  const eventTypes = Object.keys(envelopeByType) as EventType[];
  return {
    ...sharedSchemas,
    Task,
    Project,
    ProjectMember,
    ProjectMemberChange,
    RecurringSpawnedData,
    ReminderTriggeredData,
    ...Object.fromEntries(
      eventTypes.map((type) => [schemaNames.event(type), envelopeByType[type]]),
    ),
    ...Object.fromEntries(
      eventTypes.map((type) => [schemaNames.cloudEvent(type), cloudEventOf(envelopeByType[type])]),
    ),
    DeadLetterCloudEvent,
    WsSpawnedData,
    WsReminderData,
    ...Object.fromEntries(
      Object.entries({ ...WsEventMessages, ...WsProjectMessages }).map(([type, schema]) => [
        schemaNames.socket(type as WsEventMessageType),
        schema,
      ]),
    ),
    WsHello,
    WsResync,
    WsPong,
    ErrorBody,
  };
}

export type JsonSchema = Record<string, unknown>;

/**
 * The document's `components.schemas`: JSON Schema draft-07 (what an AsyncAPI 3.0 Schema Object
 * extends), converted by zod itself, with `$ref`s between them. What taskflow writes is
 * described as written (each field it always writes required, nothing else: zod's `output`);
 * what it receives as it is read (zod's `input`: a query parameter it does not know is ignored).
 */
export function componentSchemas(): Record<string, JsonSchema> {
  return {
    ...convert(namedSchemas(), 'output'),
    ...convert({ ...sharedSchemas, ...receivedSchemas }, 'input'),
  };
}

function convert(named: Record<string, z.ZodType>, io: 'input' | 'output') {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(named)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, {
    target: 'draft-7',
    io,
    uri: (id) => `#/components/schemas/${id}`,
  });
  // Each would carry `$schema` and an `$id` equal to its own location, which would make every
  // `$ref` inside it resolve against that fragment instead of the document.
  return Object.fromEntries(
    Object.entries(schemas).map(([id, { $schema: _schema, $id: _id, ...schema }]) => [
      id,
      schema as JsonSchema,
    ]),
  );
}
