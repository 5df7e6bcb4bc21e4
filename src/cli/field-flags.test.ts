import { describe, expect, it } from 'vitest';
import { CrossmarginError } from '../core/errors.js';
import { withFlagNames } from './field-flags.js';

describe('withFlagNames', () => {
  it('shows a lower layer’s field as the flag the user typed, in the message and the field', () => {
    const e = withFlagNames(new CrossmarginError('USAGE_INVALID', 'history "a.csv": unknown qualifier', { field: 'history', details: { spec: 'a.csv' } }));
    expect(e.toJSON()).toEqual({ code: 'USAGE_INVALID', message: '--history "a.csv": unknown qualifier', field: '--history', details: { spec: 'a.csv' } });
    expect(withFlagNames(new CrossmarginError('USAGE_INVALID', 'direction: SPX is not an underlying', { field: 'direction' })).message).toBe('--direction: SPX is not an underlying');
  });

  it('leaves alone errors whose message does not start with the field, and fields that are not flags', () => {
    const model = new CrossmarginError('HISTORY_INVALID', 'this model needs price history and none was loaded', { field: 'history' });
    expect(withFlagNames(model)).toBe(model);
    const position = new CrossmarginError('SCHEMA_INVALID', 'positions.0.quantity: expected a number', { field: 'positions.0.quantity' });
    expect(withFlagNames(position)).toBe(position);
  });
});
