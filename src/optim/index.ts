/** Optimizers, gradient clipping and learning-rate schedules. */
export { Optimizer, type OptimizerState, type SavedOptimizerState, type ParamState } from './optimizer.ts';
export { SGD, Adam, AdamW, RMSprop, Adagrad, type SGDOptions, type AdamOptions, type RMSpropOptions, type AdagradOptions } from './optimizers.ts';
export { clipGradNorm } from './clip.ts';
export { constant, stepDecay, cosine, warmup, type LRSchedule } from './schedule.ts';
