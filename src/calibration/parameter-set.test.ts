import { describe, expect, it } from 'vitest';
import { CalibrationSettingsSchema, canonicalJson, parseParameterSet, sha256Hex } from './parameter-set.js';

describe('parameter-set helpers', () => {
  it('sha256Hex matches the FIPS 180-2 test vector', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex(new Uint8Array([0x61, 0x62, 0x63]))).toBe(sha256Hex('abc'));
  });

  it('canonicalJson sorts keys at every level and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[2,{"y":2,"z":1}]},"b":1}');
    expect(canonicalJson({ x: 1, y: 2 })).toBe(canonicalJson({ y: 2, x: 1 }));
  });

  it('settings default to the documented values', () => {
    expect(CalibrationSettingsSchema.parse({})).toMatchObject({
      lookback: 500,
      coverage: 0.99,
      mpor: 2,
      lambda: 0.94,
      stressedWindowDays: 60,
      stressedWeight: 0.25,
      apcYears: 10,
      rounding: 0.001,
      extremeMultiplier: 2,
      volumeWindow: 30,
      volBand: 0.25,
      volumeChangeThreshold: 0.5,
      openInterestChangeThreshold: 0.5,
      correlationChangeThreshold: 0.1,
      persistenceChangeThreshold: 0.01,
      hessianStep: 1e-4,
      correlationOverrides: [],
    });
  });

  it('parseParameterSet rejects other documents with the field named', () => {
    expect(() => parseParameterSet({ format: 'crossmargin-params-0' }, 'old.json')).toThrow(/old\.json: format:/);
    expect(() => parseParameterSet([], 'list.json')).toThrow(/list\.json/);
  });
});
