import { seededRandom, type Writer } from './store.ts';

interface Live {
  id: string;
  userId: string;
  completed: boolean;
  series: boolean;
}

/**
 * A random mix of what users and the scheduler do: creates, edits, completions and reopenings,
 * deletions, series started, spawned and stopped, reminders fired. Returns the users it wrote for.
 */
export async function randomWorkload(
  write: Writer,
  options: { seed: number; users: number; operations: number },
): Promise<string[]> {
  const random = seededRandom(options.seed);
  const users = Array.from({ length: options.users }, (_, i) => `user-${options.seed}-${i}`);
  const live: Live[] = [];
  const someLive = (match: (task: Live) => boolean = () => true) => {
    const candidates = live.filter(match);
    return candidates.length > 0 ? random.pick(candidates) : undefined;
  };
  const soon = () => new Date(Date.UTC(2030, random.int(12), 1 + random.int(28), random.int(24)));

  for (let i = 0; i < options.operations; i++) {
    const roll = random.next();
    const task = someLive();
    if (roll < 0.35 || !task) {
      const userId = random.pick(users);
      const created = await write.create(userId, {
        title: `task ${i}`,
        description: random.next() < 0.5 ? null : `about ${i}`,
        due_date: random.next() < 0.5 ? null : soon().toISOString(),
      });
      live.push({ id: created.id, userId, completed: false, series: false });
    } else if (roll < 0.55) {
      await write.change(task.userId, task.id, {
        title: `edited ${i}`,
        dueDate: random.next() < 0.3 ? null : soon(),
        description: random.next() < 0.5 ? undefined : `edit ${i}`,
      });
    } else if (roll < 0.7) {
      task.completed = !task.completed;
      await write.change(task.userId, task.id, { completed: task.completed });
    } else if (roll < 0.8) {
      await write.remove(task.userId, task.id);
      live.splice(live.indexOf(task), 1);
    } else if (roll < 0.86) {
      const plain = someLive((t) => !t.series);
      if (plain) {
        await write.makeSeries(plain.userId, plain.id, soon());
        plain.series = true;
      }
    } else if (roll < 0.94) {
      const series = someLive((t) => t.series);
      if (series) {
        const instance = await write.spawn(series.id);
        live.push({ id: instance.id, userId: series.userId, completed: false, series: false });
      }
    } else if (roll < 0.96) {
      const series = someLive((t) => t.series);
      if (series) {
        await write.stopSeries(series.userId, series.id);
        series.series = false;
      }
    } else {
      await write.reminderTriggered(await write.create(task.userId, { title: `reminded ${i}` }));
    }
  }

  // Always once: a series deleted after spawning. Its instances' series_id goes null through
  // the foreign key, with no event of their own: the fold must know that rule.
  const userId = users[0]!;
  const series = await write.create(userId, { title: 'doomed series' });
  await write.makeSeries(userId, series.id, soon());
  await write.spawn(series.id);
  await write.spawn(series.id);
  await write.remove(userId, series.id);
  return users;
}
