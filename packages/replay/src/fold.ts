import type { StoredAggregateEvent } from '@taskflow/db';
import { compareMembers, describeMemberChange, type MemberLike } from './compare.ts';

// The fold of one aggregate's history (a task's or a project's) into the state its table should
// hold.
//
// Every task event carries the whole task as it stood after the change, every project event the
// whole project with its members (a membership event in `data.project`, beside the member it is
// about), with the aggregate's version (packages/contracts, events.ts). So the state after an
// aggregate's last event is what that event carries, or "no row" when the last one is the
// deletion. The fold still walks every event: it checks that the history is one a correct writer
// could have produced (born by its creation, versions 1, 2, 3... with no gap, nothing after the
// deletion, each event's state about this very aggregate at this very version). A history that
// breaks those rules is reported, because a state rebuilt from it cannot be trusted even when it
// happens to match the table.
//
// recurring.spawned and reminder.triggered never change `tasks` by themselves: a spawned
// instance arrives with its own task.created (and the series with its own task.updated), and a
// fired reminder changes only `reminders`. They are neither task.* nor project.* events and are
// not read here.

/** Event types that set a task's state. */
export const TASK_STATE_EVENTS = [
  'task.created',
  'task.updated',
  'task.completed',
  'task.deleted',
] as const;

/**
 * Event types that set a project's state and its members (services/task-api's projects). Named
 * here rather than taken from the contracts: a type added there is reported as unknown until the
 * fold learns what it does to the members.
 */
export const PROJECT_STATE_EVENTS = [
  'project.created',
  'project.updated',
  'project.deleted',
  'project.member_added',
  'project.member_updated',
  'project.member_removed',
] as const;

export type AggregateKind = 'task' | 'project';

/** The kind of aggregate whose history an event of this type belongs to. */
export const kindOfEvent = (eventType: string): AggregateKind =>
  eventType.startsWith('project.') ? 'project' : 'task';

/** An event that a correct writer could not have appended where it stands. */
export interface HistoryAnomaly {
  seq: number;
  eventId: string;
  message: string;
}

/** Anomalies kept per aggregate: a history broken at every event must not grow memory. */
export const ANOMALIES_KEPT = 20;

/** One aggregate's history folded so far. */
export interface AggregateFold {
  kind: AggregateKind;
  aggregateId: string;
  userId: string;
  /** The task or project after the last event (deleted: as it stood when deleted). */
  state: unknown;
  deleted: boolean;
  /** The aggregate version of the last event. */
  version: number;
  events: number;
  anomalies: HistoryAnomaly[];
  /** Anomalies beyond ANOMALIES_KEPT, counted but not kept. */
  moreAnomalies: number;
}

/** What differs between the kinds; the rest of a history's rules is the same for both. */
interface Rules {
  types: readonly string[];
  created: string;
  deleted: string;
  /** The state's field that names the events' user (their key on the broker). */
  owner: 'user_id' | 'created_by';
  /** Where in the event the state stands, as anomalies name it. */
  statePath(eventType: string): string;
  /** The rules of this kind alone; `before` is the fold before the event (undefined: none). */
  more?(
    event: StoredAggregateEvent,
    state: Record<string, unknown>,
    before: AggregateFold | undefined,
  ): string[];
}

const isMembership = (type: string) => type.startsWith('project.member_');

const RULES: Record<AggregateKind, Rules> = {
  task: {
    types: TASK_STATE_EVENTS,
    created: 'task.created',
    deleted: 'task.deleted',
    owner: 'user_id',
    statePath: () => 'data',
  },
  project: {
    types: PROJECT_STATE_EVENTS,
    created: 'project.created',
    deleted: 'project.deleted',
    // The project's key on the broker is its creator, whoever owns it later.
    owner: 'created_by',
    statePath: (type) => (isMembership(type) ? 'data.project' : 'data'),
    more: memberProblems,
  },
};

/** The fold after one more event of the same aggregate (`fold` undefined: its first event). */
export function foldEvent(
  fold: AggregateFold | undefined,
  event: StoredAggregateEvent,
): AggregateFold {
  const kind = fold?.kind ?? kindOfEvent(event.eventType);
  const state = stateOf(RULES[kind], event);
  const problems = problemsOf(kind, fold, event, state);
  const next: AggregateFold = {
    kind,
    aggregateId: event.aggregateId,
    userId: fold?.userId ?? event.userId,
    state,
    deleted: event.eventType === RULES[kind].deleted || (fold?.deleted ?? false),
    version: event.aggregateVersion,
    events: (fold?.events ?? 0) + 1,
    anomalies: fold?.anomalies ?? [],
    moreAnomalies: fold?.moreAnomalies ?? 0,
  };
  for (const message of problems) {
    if (next.anomalies.length < ANOMALIES_KEPT) {
      next.anomalies = [...next.anomalies, { seq: event.seq, eventId: event.eventId, message }];
    } else {
      next.moreAnomalies++;
    }
  }
  return next;
}

function stateOf(rules: Rules, event: StoredAggregateEvent): unknown {
  if (rules.statePath(event.eventType) === 'data') return event.data;
  return typeof event.data === 'object' && event.data !== null
    ? (event.data as { project?: unknown }).project
    : undefined;
}

function problemsOf(
  kind: AggregateKind,
  fold: AggregateFold | undefined,
  event: StoredAggregateEvent,
  state: unknown,
): string[] {
  const rules = RULES[kind];
  const problems: string[] = [];
  const type = event.eventType;
  if (!rules.types.includes(type)) problems.push(`unknown ${kind} event type ${type}`);
  if (fold === undefined) {
    if (type !== rules.created) {
      problems.push(`the history starts with ${type}, not ${rules.created}`);
    }
    if (event.aggregateVersion !== 1) {
      problems.push(`the first event has version ${event.aggregateVersion}, not 1`);
    }
  } else {
    if (fold.deleted) problems.push(`${type} after ${rules.deleted}`);
    else if (type === rules.created) problems.push(`${rules.created} of a ${kind} that exists`);
    if (event.aggregateVersion !== fold.version + 1) {
      problems.push(`version ${event.aggregateVersion} follows version ${fold.version}`);
    }
    if (event.userId !== fold.userId) {
      problems.push(`user ${event.userId} in an event of user ${fold.userId}'s ${kind}`);
    }
  }
  problems.push(...stateProblems(rules, event, state));
  if (rules.more && isObject(state)) problems.push(...rules.more(event, state, fold));
  return problems;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

/** The event's state must be this aggregate at this version, of this user. */
function stateProblems(rules: Rules, event: StoredAggregateEvent, state: unknown): string[] {
  const path = rules.statePath(event.eventType);
  if (!isObject(state)) return [`${path} is not an object`];
  const { id, version } = state;
  const owner = state[rules.owner];
  const problems: string[] = [];
  if (id !== event.aggregateId) problems.push(`${path}.id ${String(id)} is not the aggregate id`);
  if (version !== event.aggregateVersion) {
    problems.push(`${path}.version ${String(version)} is not the event's version`);
  }
  if (owner !== event.userId) {
    problems.push(`${path}.${rules.owner} ${String(owner)} is not the event's user`);
  }
  return problems;
}

/** A project's members, as a state carries them; undefined when it carries no list. */
export function membersOfState(state: unknown): MemberLike[] | undefined {
  const members = isObject(state) ? state.members : undefined;
  return Array.isArray(members) ? members.filter(isObject) : undefined;
}

/**
 * The members may change only as the event says: a project is born with its creator as its one
 * owner, a membership event adds, re-roles or removes exactly its `data.member`, and any other
 * event leaves them as they were. A member who appears or vanishes otherwise was written by
 * something that appended no event for it.
 */
function memberProblems(
  event: StoredAggregateEvent,
  state: Record<string, unknown>,
  before: AggregateFold | undefined,
): string[] {
  const path = RULES.project.statePath(event.eventType);
  const members = membersOfState(state);
  if (members === undefined) return [`${path}.members is not a list`];
  let expected: MemberLike[];
  if (before === undefined) {
    expected = [{ user_id: event.userId, role: 'owner', added_at: state.created_at }];
  } else {
    expected = membersOfState(before.state) ?? [];
    if (isMembership(event.eventType)) {
      const change = membershipChange(event, expected);
      if (typeof change === 'string') return [change];
      expected = change;
    }
  }
  const differences = compareMembers(expected, members);
  if (differences.length === 0) return [];
  const shown = differences.slice(0, 3).map(describeMemberChange);
  if (differences.length > shown.length) shown.push(`${differences.length - shown.length} more`);
  return [
    `${path}.members are not the members before with this event's change: ${shown.join('; ')}`,
  ];
}

/** The members after a membership event, or what is wrong with the event. */
function membershipChange(
  event: StoredAggregateEvent,
  before: MemberLike[],
): MemberLike[] | string {
  const member = isObject(event.data) ? event.data.member : undefined;
  if (!isObject(member) || typeof member.user_id !== 'string') return 'data.member is no member';
  const type = event.eventType;
  const current = before.find((m) => m.user_id === member.user_id);
  const others = before.filter((m) => m !== current);
  switch (type) {
    case 'project.member_added':
      if (current) return `${type} of ${member.user_id}, a member already`;
      return [...others, member];
    case 'project.member_updated':
      if (!current) return `${type} of ${member.user_id}, who is no member`;
      if (current.role === member.role) {
        return `${type} of ${member.user_id} to the role ${String(member.role)} they have`;
      }
      // A change of role keeps the member's added_at.
      return [...others, { ...current, role: member.role }];
    case 'project.member_removed':
      if (!current) return `${type} of ${member.user_id}, who is no member`;
      return others;
    default:
      return before;
  }
}
