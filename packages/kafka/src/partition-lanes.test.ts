import { describe, expect, it } from 'vitest';
import { partitionLanes } from './partition-lanes.ts';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

/** Work whose items finish when the test says. */
function gatedWork() {
  const started: string[] = [];
  const gates = new Map<string, () => void>();
  const work = (item: string) =>
    new Promise<void>((resolve) => {
      started.push(item);
      gates.set(item, resolve);
    });
  const finish = async (item: string) => {
    gates.get(item)!();
    await tick();
  };
  return { started, work, finish };
}

describe('partitionLanes', () => {
  it('runs one item per lane at a time, in order, and lanes side by side', async () => {
    const { started, work, finish } = gatedWork();
    const lanes = partitionLanes(work, 100);
    lanes.push('p0', 'a1');
    lanes.push('p0', 'a2');
    lanes.push('p1', 'b1');
    await tick();
    expect(started).toEqual(['a1', 'b1']);
    await finish('b1');
    expect(started).toEqual(['a1', 'b1']);
    await finish('a1');
    expect(started).toEqual(['a1', 'b1', 'a2']);
    await finish('a2');
    expect(lanes.size).toBe(0);
  });

  it('holds the reader back while `limit` items wait or run', async () => {
    const { work, finish } = gatedWork();
    const lanes = partitionLanes(work, 2);
    lanes.push('p0', 'a1');
    lanes.push('p0', 'a2');
    let roomy = false;
    void lanes.room().then(() => (roomy = true));
    await tick();
    expect(roomy).toBe(false);
    await finish('a1');
    expect(roomy).toBe(true);
  });

  it('drain drops what has not started and waits for what has', async () => {
    const { started, work, finish } = gatedWork();
    const lanes = partitionLanes(work, 100);
    lanes.push('p0', 'a1');
    lanes.push('p0', 'a2');
    await tick();
    let drained = false;
    const draining = lanes.drain().then(() => (drained = true));
    await tick();
    expect(drained).toBe(false);
    await finish('a1');
    await draining;
    expect(started).toEqual(['a1']);
    expect(lanes.size).toBe(0);
  });

  it('drop empties one lane, leaving its item in progress and the other lanes', async () => {
    const { started, work, finish } = gatedWork();
    const lanes = partitionLanes(work, 100);
    lanes.push('p0', 'a1');
    lanes.push('p0', 'a2');
    lanes.push('p1', 'b1');
    lanes.push('p1', 'b2');
    await tick();
    lanes.drop('p0');
    expect(lanes.size).toBe(3);
    await finish('a1');
    await finish('b1');
    await finish('b2');
    expect(started).toEqual(['a1', 'b1', 'b2']);
    expect(lanes.size).toBe(0);
  });
});
