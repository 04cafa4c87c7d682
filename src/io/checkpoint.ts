/**
 * A checkpoint as bytes (portable; src/node/run-dir.ts puts them in directories):
 *
 * - `model.safetensors`: the weights under the network's parameter names (PyTorch's), so that
 *   `safetensors.torch.load_file` gives a state_dict;
 * - `model.json`: `{format: "rnnkit", version, kind, model, step, metrics, task, training?}` —
 *   `kind` names the model's loader (src/models/kinds.ts), `model` is the model's `describe()`,
 *   `task` how its data was made, `training` the Trainer's options and state;
 * - `training.safetensors` (with `training` only): optimizer buffers and the task's arrays.
 *
 * Both safetensors files carry the step in their metadata, and loading checks that every file is
 * of the step model.json names. Every size and field is checked before it is used, and the model
 * is built only after its weights are read, with no more memory than they take: a load allocates
 * about the size of its files, whatever model.json says.
 */
import type { Backend } from '../backend/backend.ts';
import type { Module } from '../nn/module.ts';
import { CheckpointError, RnnkitError, describeValue, formatBytes } from '../errors.ts';
import { getBackend } from '../backend/registry.ts';
import { withAllocationLimit } from '../tensor/tensor.ts';
import { decodeSafetensors, encodeSafetensors, type NamedArray } from './safetensors.ts';
import { OPTIMIZER_NAMES, type SavedTrainerState, type TrainerOptions, type TrainerState } from '../train/trainer.ts';
import type { Json, Metrics } from '../train/task.ts';

export const FORMAT = 'rnnkit';
export const FORMAT_VERSION = 2;

export const MODEL_FILE = 'model.safetensors';
export const JSON_FILE = 'model.json';
export const TRAINING_FILE = 'training.safetensors';

/** A model a checkpoint holds: `kind` names its loader, `describe()` is stored in model.json. */
export interface CheckpointModel {
  readonly kind: string;
  /** The network whose parameters are the weights. */
  readonly module: Module;
  describe(): object;
}

/** How to rebuild a model of one kind: fresh weights from its description (the weights are loaded after). */
export interface ModelKind<M extends CheckpointModel = CheckpointModel> {
  readonly kind: string;
  fromDescription(description: unknown, backend?: Backend): M;
}

/** What the task recorded about its data (so that eval and resume rebuild the same split). */
export interface TaskInfo {
  name: string;
  data?: string;
  options: { [key: string]: Json };
}

export interface CheckpointInfo {
  /** Training steps taken when the checkpoint was written. */
  step: number;
  /** The latest evaluation at that step (absent before the first). */
  metrics?: Metrics;
  task?: TaskInfo;
}

export interface TrainingCheckpoint {
  options: TrainerOptions;
  state: TrainerState;
}

export type CheckpointFiles = Record<string, Uint8Array>;

export interface LoadedCheckpoint<M extends CheckpointModel = CheckpointModel> {
  model: M;
  info: CheckpointInfo;
  training?: { options: TrainerOptions; state: SavedTrainerState };
}

interface ModelJson {
  format: string;
  version: number;
  kind: string;
  model: object;
  step: number;
  metrics?: Record<string, number | null>;
  task?: TaskInfo;
  training?: {
    options: TrainerOptions;
    state: Omit<TrainerState, 'optimizer' | 'task'> & {
      optimizer: { step: number; lr: number; params: ({ step: number; buffers: string[] } | null)[] } | null;
      task: { json: Json; arrays: string[] };
    };
  };
}

/** The files of a checkpoint of `model` (and, for a run in progress, its training state). */
export function encodeCheckpoint(model: CheckpointModel, info: CheckpointInfo, training?: TrainingCheckpoint): CheckpointFiles {
  const metadata = { format: FORMAT, kind: model.kind, step: String(info.step) };
  const weights: Record<string, NamedArray> = {};
  for (const [name, p] of model.module.namedParameters()) weights[name] = { shape: [...p.shape], data: p.f32.subarray(0, p.size) };
  const json: ModelJson = { format: FORMAT, version: FORMAT_VERSION, kind: model.kind, model: model.describe(), ...info };
  const files: CheckpointFiles = { [MODEL_FILE]: encodeSafetensors(weights, metadata) };
  if (training) {
    const { optimizer, task, ...rest } = training.state;
    const names = model.module.namedParameters().map(([n]) => n);
    const arrays: Record<string, NamedArray> = {};
    optimizer?.params.forEach((ps, i) => {
      for (const [buffer, values] of Object.entries(ps?.buffers ?? {})) arrays[`optimizer.${names[i]}.${buffer}`] = { shape: [values.length], data: values };
    });
    for (const [name, array] of Object.entries(task.arrays)) arrays[`task.${name}`] = array;
    files[TRAINING_FILE] = encodeSafetensors(arrays, metadata);
    json.training = {
      options: training.options,
      state: {
        ...rest,
        optimizer: optimizer && {
          step: optimizer.step,
          lr: optimizer.lr,
          params: optimizer.params.map((ps) => ps && { step: ps.step, buffers: Object.keys(ps.buffers) }),
        },
        task: { json: task.json, arrays: Object.keys(task.arrays) },
      },
    };
  }
  files[JSON_FILE] = new TextEncoder().encode(JSON.stringify(json, null, 1));
  return files;
}

/**
 * Reads a checkpoint: `read(name)` gives a file's bytes or null when it is absent; `source` names
 * the checkpoint in errors; `kinds` finds the model's loader.
 */
export function decodeCheckpoint(
  read: (name: string) => Uint8Array | null, source: string, kinds: (kind: string) => ModelKind | undefined, backend?: Backend,
): LoadedCheckpoint {
  const jsonPath = `${source}/${JSON_FILE}`;
  const require = (name: string): Uint8Array => {
    const bytes = read(name);
    if (!bytes) throw new CheckpointError(`${source} has no ${name}: pass a directory that "rnnkit train" wrote (or a run directory holding last/ or best/)`);
    return bytes;
  };
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(require(JSON_FILE)));
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    throw new CheckpointError(`${jsonPath} is corrupt or truncated (not valid JSON): re-save it or point to another checkpoint`);
  }
  const top = new Fields(raw, jsonPath);
  const format = top.get('format'), version = top.get('version');
  if (format !== FORMAT || version !== FORMAT_VERSION) {
    throw new CheckpointError(`${jsonPath} is not an rnnkit checkpoint of format version ${FORMAT_VERSION} (found format ${JSON.stringify(format)}, version ${JSON.stringify(version)})`);
  }
  const kindName = top.string('kind');
  const kind = kinds(kindName);
  if (!kind) throw new CheckpointError(`${jsonPath} holds a model of kind "${kindName}", which this version of rnnkit does not know`);
  const step = top.integer('step');
  const info: CheckpointInfo = { step };
  if (top.has('metrics')) info.metrics = top.metrics('metrics');
  if (top.has('task')) {
    const t = top.object('task');
    info.task = { name: t.string('name'), options: t.object('options').value as TaskInfo['options'] };
    if (t.has('data')) info.task.data = t.string('data');
  }

  // The weights come first: the model the description asks for may take no more memory than they do.
  const weightsPath = `${source}/${MODEL_FILE}`;
  const weights = decodeSafetensors(require(MODEL_FILE), weightsPath);
  checkStep(weights.metadata, step, weightsPath);
  let weightBytes = 0;
  for (const [name, t] of Object.entries(weights.tensors)) {
    if (!(t.data instanceof Float32Array)) fail(`${weightsPath}: tensor "${name}" is I32; weights must be F32 (re-save it or point to another checkpoint)`);
    weightBytes += t.data.byteLength;
  }
  const target = backend ?? getBackend();
  if (weightBytes > (target.memoryLimit ?? Infinity)) {
    fail(`${weightsPath} holds ${formatBytes(weightBytes)} of weights; the ${target.name} backend holds at most ${formatBytes(target.memoryLimit!)}: load it on another backend`);
  }
  let model: CheckpointModel;
  try {
    model = withAllocationLimit(weightBytes, (requested) => new CheckpointError(
      `${jsonPath} describes a model of more than ${formatBytes(requested)}, but ${MODEL_FILE} holds ${formatBytes(weightBytes)} of weights: ` +
        're-save it or point to another checkpoint',
    ), () => kind.fromDescription(top.get('model'), target));
  } catch (e) {
    if (!(e instanceof RnnkitError) || e instanceof CheckpointError) throw e;
    throw new CheckpointError(`${jsonPath}: invalid model description (${e.message})`);
  }
  try {
    model.module.loadStateDict(weights.tensors);
  } catch (e) {
    if (!(e instanceof RnnkitError)) throw e;
    throw new CheckpointError(`${weightsPath} does not fit the model in ${JSON_FILE} (${e.message})`);
  }
  const loaded: LoadedCheckpoint = { model, info };
  if (top.has('training')) {
    const trainingPath = `${source}/${TRAINING_FILE}`;
    const arrays = decodeSafetensors(require(TRAINING_FILE), trainingPath);
    checkStep(arrays.metadata, step, trainingPath);
    loaded.training = readTraining(top.object('training'), arrays.tensors, model, trainingPath);
    if (loaded.training.state.step !== step) fail(`${jsonPath}: training.state.step is ${loaded.training.state.step} but step is ${step}`);
  }
  return loaded;
}

function checkStep(metadata: Record<string, string>, step: number, path: string): void {
  if (metadata.step !== String(step)) {
    fail(`${path} is of step ${metadata.step ?? '(none)'} but model.json of step ${step}: the checkpoint's files are from different saves; use another checkpoint`);
  }
}

function fail(message: string): never {
  throw new CheckpointError(message);
}

function readTraining(t: Fields, arrays: Record<string, NamedArray>, model: CheckpointModel, path: string): NonNullable<LoadedCheckpoint['training']> {
  const take = (key: string): NamedArray => arrays[key] ?? fail(`${path} lacks "${key}": the checkpoint is incomplete; resume from another one or train anew`);
  const takeFloat = (key: string): Float32Array => {
    const { data } = take(key);
    return data instanceof Float32Array ? data : fail(`${path}: "${key}" is I32; optimizer state must be F32`);
  };
  const o = t.object('options');
  const optimizer = o.string('optimizer');
  if (!(OPTIMIZER_NAMES as readonly string[]).includes(optimizer)) o.fail('optimizer', `one of ${OPTIMIZER_NAMES.join(', ')}`);
  const options: TrainerOptions = {
    optimizer: optimizer as TrainerOptions['optimizer'], lr: o.number('lr'), clip: o.number('clip'), seed: o.integer('seed'), evalEvery: o.integer('evalEvery', 1),
  };
  if (o.has('steps')) options.steps = o.integer('steps', 1);
  if (o.has('epochs')) options.epochs = o.number('epochs');
  if (o.has('earlyStop')) options.earlyStop = o.integer('earlyStop', 1);

  const s = t.object('state');
  const names = model.module.namedParameters().map(([n]) => n);
  let savedOptimizer: SavedTrainerState['optimizer'] = null;
  if (s.get('optimizer') !== null) {
    const opt = s.object('optimizer');
    const params = opt.array('params');
    if (params.length !== names.length) opt.fail('params', `${names.length} entries (one per parameter)`);
    savedOptimizer = {
      step: opt.integer('step'),
      lr: opt.number('lr'),
      params: params.map((_, i) => {
        if (opt.at('params', i) === null) return null;
        const ps = opt.element('params', i);
        const buffers = ps.strings('buffers');
        return { step: ps.integer('step'), buffers: Object.fromEntries(buffers.map((b) => [b, takeFloat(`optimizer.${names[i]}.${b}`)])) };
      }),
    };
  }
  const task = s.object('task');
  const taskArrays = Object.fromEntries(task.strings('arrays').map((name) => [name, take(`task.${name}`)]));
  const losses = s.object('losses');
  const rng = s.array('rng');
  if (rng.length !== 4 || !rng.every((w) => Number.isInteger(w) && (w as number) >= 0 && (w as number) < 2 ** 32)) s.fail('rng', 'four unsigned 32-bit integers');
  const best = s.get('best') === null ? null : s.object('best');
  const state: SavedTrainerState = {
    step: s.integer('step'),
    itemsSeen: s.number('itemsSeen'),
    trainSeconds: s.number('trainSeconds'),
    rng: rng as number[],
    losses: {
      points: losses.array('points').map((_, i) => {
        const p = losses.element('points', i);
        return { step: p.integer('step'), loss: p.number('loss') };
      }),
      span: losses.integer('span', 1),
      pendingSum: losses.number('pendingSum'),
      pendingCount: losses.integer('pendingCount'),
    },
    evaluations: s.array('evaluations').map((_, i) => {
      const e = s.element('evaluations', i);
      return { step: e.integer('step'), metrics: e.metrics('metrics') };
    }),
    best: best && { step: best.integer('step'), value: best.number('value'), metrics: best.metrics('metrics') },
    evaluationsWithoutImprovement: s.integer('evaluationsWithoutImprovement'),
    earlyStopped: s.boolean('earlyStopped'),
    previews: s.array('previews').map((_, i) => {
      const p = s.element('previews', i);
      return { step: p.integer('step'), text: p.string('text') };
    }),
    optimizer: savedOptimizer,
    task: { json: task.get('json') as Json, arrays: taskArrays },
  };
  return { options, state };
}

/** Typed reading of a JSON object; every failure is a CheckpointError naming the file and the field's path. */
class Fields {
  readonly value: Record<string, unknown>;

  constructor(value: unknown, private readonly file: string, private readonly path = '') {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new CheckpointError(`${file}: ${path || 'the file'}: expected an object, got ${describeValue(value)}`);
    }
    this.value = value as Record<string, unknown>;
  }

  private field(key: string): string {
    return this.path ? `${this.path}.${key}` : key;
  }

  fail(key: string, expected: string): never {
    throw new CheckpointError(`${this.file}: ${this.field(key)}: expected ${expected}, got ${describeValue(this.value[key])}`);
  }

  has(key: string): boolean {
    return this.value[key] !== undefined;
  }

  get(key: string, expected = 'a value'): unknown {
    if (!(key in this.value)) this.fail(key, expected);
    return this.value[key];
  }

  object(key: string): Fields {
    const v = this.get(key, 'an object');
    if (v === null || typeof v !== 'object' || Array.isArray(v)) this.fail(key, 'an object');
    return new Fields(v, this.file, this.field(key));
  }

  string(key: string): string {
    const v = this.get(key, 'a string');
    return typeof v === 'string' ? v : this.fail(key, 'a string');
  }

  boolean(key: string): boolean {
    const v = this.get(key, 'true or false');
    return typeof v === 'boolean' ? v : this.fail(key, 'true or false');
  }

  number(key: string): number {
    const v = this.get(key, 'a number');
    return typeof v === 'number' ? v : this.fail(key, 'a number');
  }

  integer(key: string, min = 0): number {
    const v = this.get(key, `an integer ≥ ${min}`);
    return Number.isSafeInteger(v) && (v as number) >= min ? (v as number) : this.fail(key, `an integer ≥ ${min}`);
  }

  array(key: string): unknown[] {
    const v = this.get(key, 'an array');
    return Array.isArray(v) ? v : this.fail(key, 'an array');
  }

  strings(key: string): string[] {
    const v = this.array(key);
    return v.every((s) => typeof s === 'string') ? (v as string[]) : this.fail(key, 'an array of strings');
  }

  at(key: string, i: number): unknown {
    return this.array(key)[i];
  }

  element(key: string, i: number): Fields {
    return new Fields(this.at(key, i), this.file, `${this.field(key)}[${i}]`);
  }

  /** Named numbers; JSON's null stands for NaN (JSON has no NaN). */
  metrics(key: string): Metrics {
    const o = this.object(key);
    const out: Metrics = {};
    for (const [name, v] of Object.entries(o.value)) {
      if (v === null) out[name] = NaN;
      else if (typeof v === 'number') out[name] = v;
      else o.fail(name, 'a number');
    }
    return out;
  }
}

