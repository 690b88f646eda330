import { describe, expect, it } from 'vitest';
import { TaskOrder, type GiveUpReason, type TaskOrderLimits } from './task-order.ts';

const limits: TaskOrderLimits = { holdMs: 200, maxTasks: 1000, maxHeld: 1000 };
const STARTED = 1_000_000;
const AFTER_START = STARTED + 1;

/** A TaskOrder over items named `task@version`, recording what it sends and gives up. */
function ordering(overrides: Partial<TaskOrderLimits> = {}) {
  const sent: string[] = [];
  const gaveUp: Array<{ taskId: string; reason: GiveUpReason; after: number; next: number }> = [];
  const order = new TaskOrder<string>({ ...limits, ...overrides }, STARTED, {
    send: (item) => sent.push(item),
    gaveUp: (taskId, reason, missing) => gaveUp.push({ taskId, reason, ...missing }),
  });
  const offer = (taskId: string, version: number, now = AFTER_START, createdAt = AFTER_START) =>
    order.offer(taskId, version, createdAt, `${taskId}@${version}`, now);
  return { order, sent, gaveUp, offer };
}

describe('TaskOrder', () => {
  it('sends events that arrive in order at once', () => {
    const { sent, offer, order } = ordering();
    expect([1, 2, 3, 4].map((v) => offer('a', v))).toEqual(['sent', 'sent', 'sent', 'sent']);
    expect(sent).toEqual(['a@1', 'a@2', 'a@3', 'a@4']);
    expect(order.nextDeadline()).toBeUndefined();
  });

  it('holds an event until its predecessor comes, then sends both in version order', () => {
    const { sent, offer, order } = ordering();
    offer('a', 1);
    expect(offer('a', 3, AFTER_START + 5)).toBe('held');
    expect(offer('a', 4, AFTER_START + 6)).toBe('held');
    expect(sent).toEqual(['a@1']);
    expect(order.nextDeadline()).toBe(AFTER_START + 205);
    expect(offer('a', 2, AFTER_START + 7)).toBe('sent');
    expect(sent).toEqual(['a@1', 'a@2', 'a@3', 'a@4']);
    expect(order.nextDeadline()).toBeUndefined();
    expect(order.stats.held).toBe(0);
    expect(offer('a', 5)).toBe('sent');
  });

  it('waits for the creation of a task created after it started', () => {
    const { sent, offer } = ordering();
    expect(offer('a', 2)).toBe('held');
    expect(offer('a', 4)).toBe('held');
    expect(offer('a', 1)).toBe('sent');
    expect(sent).toEqual(['a@1', 'a@2']);
    expect(offer('a', 3)).toBe('sent');
    expect(sent).toEqual(['a@1', 'a@2', 'a@3', 'a@4']);
  });

  it('sends the first event of a task created before it started at once', () => {
    const { sent, offer } = ordering();
    expect(offer('old', 7, AFTER_START, STARTED - 5000)).toBe('sent');
    expect(offer('old', 9, AFTER_START, STARTED - 5000)).toBe('held');
    expect(offer('old', 6, AFTER_START, STARTED - 5000)).toBe('late');
    expect(offer('old', 8, AFTER_START, STARTED - 5000)).toBe('sent');
    expect(sent).toEqual(['old@7', 'old@8', 'old@9']);
  });

  it('gives up a gap when the hold expires: what waited goes in version order, a straggler never', () => {
    const { sent, offer, order, gaveUp } = ordering();
    offer('a', 1, 0);
    offer('a', 4, 10);
    offer('a', 3, 20);
    order.expire(209);
    expect(sent).toEqual(['a@1']);
    order.expire(210);
    expect(sent).toEqual(['a@1', 'a@3', 'a@4']);
    expect(gaveUp).toEqual([{ taskId: 'a', reason: 'expired', after: 1, next: 3 }]);
    expect(offer('a', 2, 300)).toBe('late');
    expect(offer('a', 5, 300)).toBe('sent');
    expect(sent).toEqual(['a@1', 'a@3', 'a@4', 'a@5']);
  });

  it('expires holds in deadline order, and only those that are due', () => {
    const { sent, offer, order } = ordering();
    offer('a', 2, 0);
    offer('b', 2, 50);
    offer('c', 2, 100);
    order.expire(260);
    expect(sent).toEqual(['a@2', 'b@2']);
    expect(order.nextDeadline()).toBe(300);
  });

  it('does not send a redelivery twice, held or sent', () => {
    const { sent, offer } = ordering();
    offer('a', 1);
    expect(offer('a', 1)).toBe('late');
    offer('a', 3);
    expect(offer('a', 3)).toBe('repeat');
    offer('a', 2);
    expect(offer('a', 2)).toBe('late');
    expect(sent).toEqual(['a@1', 'a@2', 'a@3']);
  });

  it('keeps tasks apart', () => {
    const { sent, offer } = ordering();
    offer('a', 1);
    offer('b', 1);
    offer('a', 3);
    offer('b', 2);
    offer('a', 2);
    expect(sent).toEqual(['a@1', 'b@1', 'b@2', 'a@2', 'a@3']);
  });

  it('bounds what it holds: over maxHeld, the oldest hold is given up at once', () => {
    const { sent, offer, gaveUp, order } = ordering({ maxHeld: 2 });
    offer('a', 2);
    offer('b', 2);
    expect(sent).toEqual([]);
    offer('c', 2);
    expect(sent).toEqual(['a@2']);
    expect(gaveUp).toEqual([{ taskId: 'a', reason: 'memory', after: 0, next: 2 }]);
    expect(order.stats.held).toBe(2);
  });

  it('bounds the tasks it remembers; a forgotten task is not waited for', () => {
    const { sent, offer, order } = ordering({ maxTasks: 2 });
    offer('a', 1, STARTED + 10);
    offer('b', 1, STARTED + 20);
    offer('c', 1, STARTED + 30); // 'a' is forgotten
    expect(order.stats.tasks).toBe(2);
    expect(offer('a', 3, STARTED + 40)).toBe('sent');
    // ('b' is forgotten now.) A task created after that must have its creation on the way.
    expect(offer('d', 2, STARTED + 50, STARTED + 41)).toBe('held');
    expect(sent).toEqual(['a@1', 'b@1', 'c@1', 'a@3']);
  });

  it('a task.deleted is ordered as any version: a late update is not sent after it', () => {
    const { sent, offer } = ordering();
    offer('a', 1);
    offer('a', 3); // the deletion
    offer('a', 2);
    expect(offer('a', 2)).toBe('late');
    expect(sent).toEqual(['a@1', 'a@2', 'a@3']);
  });
});
