import { describe, expect, it } from 'vitest';
import { AppError } from '@taskflow/service-kit';
import { planDueDateChange, reminderTime } from './timing.ts';

const now = new Date('2030-02-15T08:00:00.000Z');
const due = new Date('2030-02-15T09:00:00.000Z');
const at = (iso: string) => new Date(iso);

function failure(run: () => unknown): AppError {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError');
}

describe('reminderTime', () => {
  it('takes an absolute time as it is, with no offset', () => {
    expect(reminderTime({ remindAt: at('2030-02-15T08:30:00Z') }, null, now)).toEqual({
      remindAt: at('2030-02-15T08:30:00Z'),
      offsetSeconds: null,
    });
  });

  it('counts a relative reminder back from the due date and keeps the offset', () => {
    expect(reminderTime({ minutesBefore: 15 }, due, now)).toEqual({
      remindAt: at('2030-02-15T08:45:00Z'),
      offsetSeconds: 900,
    });
    expect(reminderTime({ minutesBefore: 0 }, due, now).remindAt).toEqual(due);
  });

  it('refuses a relative reminder on a task without a due date, naming the field', () => {
    const error = failure(() => reminderTime({ minutesBefore: 15 }, null, now));
    expect(error.code).toBe('unprocessable');
    expect(error.details?.[0]?.path).toBe('minutes_before');
  });

  it('refuses times in the past, and now itself', () => {
    expect(failure(() => reminderTime({ remindAt: now }, due, now)).details?.[0]?.path).toBe(
      'remind_at',
    );
    expect(
      failure(() => reminderTime({ remindAt: at('2030-02-15T07:00:00Z') }, due, now)).code,
    ).toBe('unprocessable');
    // 61 minutes before a due date 60 minutes ahead.
    expect(failure(() => reminderTime({ minutesBefore: 61 }, due, now)).details?.[0]?.path).toBe(
      'minutes_before',
    );
  });

  it('accepts a time one millisecond ahead', () => {
    const soon = new Date(now.getTime() + 1);
    expect(reminderTime({ remindAt: soon }, null, now).remindAt).toEqual(soon);
  });
});

describe('planDueDateChange', () => {
  const reminders = [
    { id: 'a', offsetSeconds: 900, remindAt: at('2030-02-15T08:45:00Z') },
    { id: 'b', offsetSeconds: 3600, remindAt: at('2030-02-15T08:00:00Z') },
  ];

  it('moves every relative reminder with the due date', () => {
    expect(planDueDateChange(reminders, at('2030-02-16T10:00:00Z'))).toEqual({
      remove: [],
      move: [
        { id: 'a', remindAt: at('2030-02-16T09:45:00Z') },
        { id: 'b', remindAt: at('2030-02-16T09:00:00Z') },
      ],
    });
  });

  it('moves them into the past too: they are then simply due', () => {
    expect(planDueDateChange(reminders, at('2020-01-01T00:00:00Z')).move).toEqual([
      { id: 'a', remindAt: at('2019-12-31T23:45:00Z') },
      { id: 'b', remindAt: at('2019-12-31T23:00:00Z') },
    ]);
  });

  it('deletes them when the due date is cleared', () => {
    expect(planDueDateChange(reminders, null)).toEqual({ remove: ['a', 'b'], move: [] });
  });

  it('leaves alone what is already at its place', () => {
    expect(planDueDateChange(reminders, due)).toEqual({ remove: [], move: [] });
  });

  it('keeps distinct offsets at distinct instants, whatever the shift', () => {
    for (const hours of [-48, -1, 1, 3, 1000]) {
      const plan = planDueDateChange(reminders, new Date(due.getTime() + hours * 3_600_000));
      expect(new Set(plan.move.map(({ remindAt }) => remindAt.getTime())).size).toBe(2);
    }
  });
});
