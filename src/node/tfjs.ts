/** TensorFlow.js layers models on disk: model.json and the weight files its manifest names beside it. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ModelFormatError } from '../errors.ts';
import type { Backend } from '../backend/backend.ts';
import { loadTfjsModel, type KerasModel, type TfjsModelJson } from '../io/keras/tfjs.ts';

/** Loads `model.json` (a path) with its weight shards. */
export function loadTfjsModelFile(path: string, options: { backend?: Backend } = {}): KerasModel {
  const fail = (detail: string): never => {
    throw new ModelFormatError('TensorFlow.js model', detail);
  };
  if (!existsSync(path)) fail(`${path} does not exist`);
  let json: TfjsModelJson;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    return fail(`${path} is not JSON (${(e as Error).message})`);
  }
  const paths = (json.weightsManifest ?? []).flatMap((group) => group.paths ?? []);
  const shards = paths.map((p) => {
    const file = join(dirname(path), p);
    return existsSync(file) ? readFileSync(file) : fail(`weight file ${file} (named in ${path}) does not exist`);
  });
  const data = new Uint8Array(shards.reduce((n, s) => n + s.length, 0));
  let at = 0;
  for (const s of shards) {
    data.set(s, at);
    at += s.length;
  }
  return loadTfjsModel(json, data, options);
}
