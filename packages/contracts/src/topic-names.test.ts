import { describe, expect, it } from 'vitest';
import { DEAD_LETTER_TOPIC, TOPICS } from './events.ts';
import { consumerGroupName, TopicNamespace, topicName } from './topic-names.ts';

describe('topic names in a namespace', () => {
  it('are the seed names exactly in the empty namespace', () => {
    expect(topicName(TOPICS.tasks, '')).toBe('tasks.events');
    expect(topicName(DEAD_LETTER_TOPIC, '')).toBe('events.deadletter');
    expect(consumerGroupName('{appID}', '')).toBe('{appID}');
  });

  it('put the namespace in front of topics, the dead-letter topic and groups', () => {
    expect(topicName(TOPICS.tasks, 'dev')).toBe('dev.tasks.events');
    expect(topicName(TOPICS.reminders, 'dev')).toBe('dev.reminders.events');
    expect(topicName(DEAD_LETTER_TOPIC, 'dev')).toBe('dev.events.deadletter');
    expect(consumerGroupName('{appID}', 'dev')).toBe('dev-{appID}');
    expect(consumerGroupName('{podName}', 't1a2b')).toBe('t1a2b-{podName}');
  });

  it('accept Kafka topic characters and the empty namespace', () => {
    for (const ok of ['', 'dev', 'mj4x0c2a9f1k', 'team_a.staging-2']) {
      expect(TopicNamespace.parse(ok)).toBe(ok);
    }
  });

  it.each([
    ['a slash', 'dev/x'],
    ['a space', 'dev x'],
    ['a colon', 'dev:1'],
    ['a letter outside ASCII', 'dév'],
    ['65 characters', 'a'.repeat(65)],
  ])('refuse %s', (_name, value) => {
    expect(TopicNamespace.safeParse(value).success).toBe(false);
  });

  it('keep the longest name within Kafka’s 249 characters', () => {
    const names = [TOPICS.tasks, TOPICS.reminders, DEAD_LETTER_TOPIC].map((topic) =>
      topicName(topic, 'a'.repeat(64)),
    );
    const longest = Math.max(...names.map((name) => name.length));
    expect(longest).toBe(`${'a'.repeat(64)}.events.deadletter`.length);
    expect(longest).toBeLessThanOrEqual(249);
  });
});
