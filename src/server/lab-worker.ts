import { toCrossmarginError, type CrossmarginError } from '../core/errors.js';
import { runLabTask, type LabTask } from './lab-tasks.js';

/** What crosses the thread boundary: a value, or the coded error as JSON (a thrown error loses its code there). */
export type LabOutcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: ReturnType<CrossmarginError['toJSON']> };

/** Worker-thread entry (piscina `name: 'labTask'`, lab-runner.ts); also called directly when no worker is used. */
export function labTask(task: LabTask): LabOutcome {
  try {
    return { ok: true, value: runLabTask(task) };
  } catch (error) {
    return { ok: false, error: toCrossmarginError(error).toJSON() };
  }
}
