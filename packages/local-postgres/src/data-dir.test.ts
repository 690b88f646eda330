import { describe, expect, it } from 'vitest';
import { defaultDataDir, defaultPostgresDir } from './data-dir.ts';

describe('defaultDataDir', () => {
  it('is TASKFLOW_DATA_DIR when that is set, whatever else is', () => {
    expect(
      defaultDataDir({ TASKFLOW_DATA_DIR: '/srv/tf', XDG_DATA_HOME: '/x', HOME: '/home/a' }),
    ).toBe('/srv/tf');
  });

  it('is under XDG_DATA_HOME, else ~/.local/share', () => {
    expect(defaultDataDir({ XDG_DATA_HOME: '/x/data', HOME: '/home/a' })).toBe('/x/data/taskflow');
    expect(defaultDataDir({ HOME: '/home/a' })).toBe('/home/a/.local/share/taskflow');
  });

  it('takes empty variables and a relative XDG_DATA_HOME as unset', () => {
    expect(defaultDataDir({ TASKFLOW_DATA_DIR: '', XDG_DATA_HOME: '', HOME: '/home/a' })).toBe(
      '/home/a/.local/share/taskflow',
    );
    expect(defaultDataDir({ XDG_DATA_HOME: 'data', HOME: '/home/a' })).toBe(
      '/home/a/.local/share/taskflow',
    );
  });

  it('says which variable to set when there is no home', () => {
    expect(() => defaultDataDir({})).toThrow(
      "no folder for taskflow's data: neither TASKFLOW_DATA_DIR, XDG_DATA_HOME nor HOME is set; set TASKFLOW_DATA_DIR to a folder of your choice",
    );
  });
});

describe('defaultPostgresDir', () => {
  it('is the postgres folder in the data folder', () => {
    expect(defaultPostgresDir({ TASKFLOW_DATA_DIR: '/srv/tf' })).toBe('/srv/tf/postgres');
    expect(defaultPostgresDir({ HOME: '/home/a' })).toBe('/home/a/.local/share/taskflow/postgres');
  });
});
