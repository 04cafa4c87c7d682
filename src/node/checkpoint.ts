/**
 * Checkpoint files: `model.safetensors` (weights under PyTorch names), `model.json` (format version,
 * config, vocabulary, training state) and, for a run in progress, `training.safetensors` (optimizer
 * moments and the carried recurrent state). Every file is written to a temporary name and renamed,
 * model.json last; loading validates sizes before using any data.
 */
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointError, decodeSafetensors, encodeSafetensors, type NamedArray } from '../io/safetensors.ts';
import { CharVocab } from '../data/vocab.ts';
import { CharLM, type CharLMConfig } from '../models/charlm.ts';
import type { TrainOptions, TrainerState } from '../models/trainer.ts';
import type { OptimizerState } from '../optim/index.ts';
import type { Backend } from '../backend/backend.ts';

export const FORMAT = 'rnnkit-charlm';
export const FORMAT_VERSION = 1;

interface ModelJson {
  format: string;
  version: number;
  config: CharLMConfig;
  vocab: unknown;
  data?: string;
  training?: {
    options: TrainOptions;
    state: Omit<TrainerState, 'optimizer' | 'carried'> & {
      optimizer: { step: number; lr: number; params: ({ step: number; buffers: string[] } | null)[] };
      carried: boolean;
    };
  };
}

export interface LoadedCheckpoint {
  model: CharLM;
  data?: string;
  training?: { options: TrainOptions; state: TrainerState };
}

function writeAtomic(path: string, bytes: Uint8Array | string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}

/** Saves the model (and, when given, the training state) into `dir`. */
export function saveCheckpoint(dir: string, model: CharLM, training?: { options: TrainOptions; state: TrainerState }, data?: string): void {
  mkdirSync(dir, { recursive: true });
  const weights: Record<string, NamedArray> = {};
  for (const [name, p] of model.net.namedParameters()) weights[name] = { shape: [...p.shape], data: p.f32.subarray(0, p.size) };
  writeAtomic(join(dir, 'model.safetensors'), encodeSafetensors(weights, { format: FORMAT }));
  const json: ModelJson = { format: FORMAT, version: FORMAT_VERSION, ...model.describe(), data };
  if (training) {
    const { optimizer, carried, ...rest } = training.state;
    const names = model.net.namedParameters().map(([n]) => n);
    const arrays: Record<string, NamedArray> = {};
    optimizer.params.forEach((ps, i) => {
      for (const [buffer, values] of Object.entries(ps?.buffers ?? {})) {
        arrays[`optimizer.${names[i]}.${buffer}`] = { shape: [values.length], data: Float32Array.from(values) };
      }
    });
    if (carried) {
      arrays['carried.h'] = carried.h;
      if (carried.c) arrays['carried.c'] = carried.c;
    }
    writeAtomic(join(dir, 'training.safetensors'), encodeSafetensors(arrays));
    json.training = {
      options: training.options,
      state: {
        ...rest,
        carried: carried !== null,
        optimizer: {
          step: optimizer.step,
          lr: optimizer.lr,
          params: optimizer.params.map((ps) => ps && { step: ps.step, buffers: Object.keys(ps.buffers) }),
        },
      },
    };
  }
  writeAtomic(join(dir, 'model.json'), JSON.stringify(json, null, 1));
}

function readFile(path: string, what: string): Buffer {
  if (!existsSync(path)) throw new CheckpointError(`no ${what} at ${path}: pass the directory a training run wrote (it holds model.json and model.safetensors)`);
  return readFileSync(path);
}

/** Loads a checkpoint directory (or its model.json path). */
export function loadCheckpoint(path: string, backend?: Backend): LoadedCheckpoint {
  const dir = existsSync(path) && statSync(path).isFile() ? join(path, '..') : path;
  const jsonPath = join(dir, 'model.json');
  let json: ModelJson;
  try {
    json = JSON.parse(readFile(jsonPath, 'checkpoint').toString('utf8'));
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    throw new CheckpointError(`${jsonPath} is corrupt or truncated (not valid JSON): re-save it or point to another checkpoint`);
  }
  if (json?.format !== FORMAT || json.version !== FORMAT_VERSION) {
    throw new CheckpointError(`${jsonPath} is not an rnnkit char-LM checkpoint of format version ${FORMAT_VERSION} (found ${json?.format} ${json?.version})`);
  }
  let model: CharLM;
  try {
    model = new CharLM(CharVocab.fromJSON(json.vocab), json.config, { backend });
  } catch (e) {
    throw new CheckpointError(`${jsonPath} has an invalid model description (${(e as Error).message}): re-save it or point to another checkpoint`);
  }
  const weightsPath = join(dir, 'model.safetensors');
  const { tensors } = decodeSafetensors(readFile(weightsPath, 'weights file'), weightsPath);
  try {
    model.net.loadStateDict(tensors);
  } catch (e) {
    throw new CheckpointError(`${weightsPath} does not fit the model in model.json (${(e as Error).message})`);
  }
  const loaded: LoadedCheckpoint = { model, data: json.data };
  if (json.training) loaded.training = { options: json.training.options, state: readTrainingState(dir, json.training.state, model) };
  return loaded;
}

function readTrainingState(dir: string, saved: NonNullable<ModelJson['training']>['state'], model: CharLM): TrainerState {
  const path = join(dir, 'training.safetensors');
  const { tensors } = decodeSafetensors(readFile(path, 'training state'), path);
  const names = model.net.namedParameters().map(([n]) => n);
  const take = (key: string): NamedArray => {
    const t = tensors[key];
    if (!t) throw new CheckpointError(`${path} lacks "${key}": the checkpoint is incomplete; resume from another one or train anew`);
    return t;
  };
  const optimizer: OptimizerState = {
    step: saved.optimizer.step,
    lr: saved.optimizer.lr,
    params: saved.optimizer.params.map((ps, i) => ps && {
      step: ps.step,
      buffers: Object.fromEntries(ps.buffers.map((b) => [b, Array.from(take(`optimizer.${names[i]}.${b}`).data)])),
    }),
  };
  const carried = saved.carried ? { h: take('carried.h'), c: tensors['carried.c'] ?? null } : null;
  return { ...saved, optimizer, carried };
}
