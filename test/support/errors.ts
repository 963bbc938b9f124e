/** The TenetError a piece of work throws, for tests that then check its code, message and location. */
import { expect } from 'vitest';
import { TenetError } from '../../src/errors.ts';

function asTenetError(error: unknown): TenetError {
  expect(error).toBeInstanceOf(TenetError);
  return error as TenetError;
}

/** The TenetError `run` throws; fails the test when it throws something else or nothing. */
export function thrown(run: () => unknown): TenetError {
  try {
    run();
  } catch (error) {
    return asTenetError(error);
  }
  throw new Error('expected a TenetError, got none');
}

/** The TenetError `work` (a promise, or a function returning one or throwing) rejects with; fails the test otherwise. */
export async function rejected(work: Promise<unknown> | (() => unknown)): Promise<TenetError> {
  try {
    await (typeof work === 'function' ? work() : work);
  } catch (error) {
    return asTenetError(error);
  }
  throw new Error('expected a TenetError, got a result');
}
