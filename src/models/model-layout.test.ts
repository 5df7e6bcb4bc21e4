import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MODELS } from './model-registry.js';

/**
 * One folder template for every model (docs/architecture.md "Adding a model"): `src/models/<id>/` holds
 * `<id>-model.ts`, `<id>-params.ts` and `<id>-details.ts`, and the model's schemas are the ones those files export,
 * so a reader finds a model's parameters and details where its id says. Pinned here so a new model cannot drift
 * back to a layout of its own.
 */
const here = fileURLToPath(new URL('.', import.meta.url));
/** Folders that are not models: helpers shared by a family of models (docs/architecture.md "Adding a model"). */
const SHARED_FOLDERS = ['var', 'venues'];

/** A model folder's file as a module, by path (the test reads the folder, so the import cannot be static). */
function load(id: string, part: string): Promise<Record<string, unknown>> {
  return import(/* @vite-ignore */ pathToFileURL(`${here}${id}/${id}-${part}.ts`).href) as Promise<Record<string, unknown>>;
}

describe('model folder layout', () => {
  it.each(MODELS.map((m) => m.id))('%s lives in src/models/<id>/ with its model, params and details files', async (id) => {
    const model = MODELS.find((m) => m.id === id)!;
    const files = readdirSync(`${here}${id}`);
    for (const part of ['model', 'params', 'details']) expect(files).toContain(`${id}-${part}.ts`);
    const modelModule = await load(id, 'model');
    const paramsModule = await load(id, 'params');
    const detailsModule = await load(id, 'details');
    expect(Object.values(modelModule)).toContain(model);
    expect(Object.values(paramsModule)).toContain(model.paramsSchema);
    expect(Object.values(detailsModule)).toContain(model.detailsSchema);
  });

  it('every folder of src/models/ is a registered model or a family’s shared helpers', () => {
    const folders = readdirSync(here, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    const known = new Set<string>([...MODELS.map((m) => m.id), ...SHARED_FOLDERS]);
    expect(folders.filter((f) => !known.has(f))).toEqual([]);
  });
});
