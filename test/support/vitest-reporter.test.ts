import { describe, expect, it } from 'vitest';
import config, { progressReporter } from '../../vitest.config.ts';

describe('the test run reports progress as it goes', () => {
  it('prints each test as it finishes when there is no terminal (CI, pipes) and the live summary on one', () => {
    expect(progressReporter(false, false)).toBe('verbose');
    expect(progressReporter(true, true)).toBe('verbose');
    expect(progressReporter(true, false)).toBe('default');
  });

  it('is the reporter the suite runs with', () => {
    expect(config.test?.reporters).toEqual([progressReporter()]);
  });
});
