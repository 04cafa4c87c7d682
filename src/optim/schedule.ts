/**
 * Learning-rate schedules: functions from the 0-based index of the step about to be taken to the lr
 * of that step. Attach one with `optimizer.setSchedule(schedule)`.
 */
import { nonNegative, positiveInteger } from '../errors.ts';

export type LRSchedule = (step: number) => number;

/** lr at every step. */
export function constant(lr: number): LRSchedule {
  nonNegative('lr', lr);
  return () => lr;
}

/** lr·γ^⌊step / stepSize⌋ (PyTorch's StepLR). */
export function stepDecay(lr: number, stepSize: number, gamma = 0.1): LRSchedule {
  nonNegative('lr', lr);
  positiveInteger('stepSize', stepSize);
  nonNegative('gamma', gamma);
  return (step) => lr * Math.pow(gamma, Math.floor(step / stepSize));
}

/** minLr + (lr − minLr)·(1 + cos(π·min(step, total)/total))/2 (cosine annealing, then flat at minLr). */
export function cosine(lr: number, totalSteps: number, minLr = 0): LRSchedule {
  nonNegative('lr', lr);
  positiveInteger('totalSteps', totalSteps);
  nonNegative('minLr', minLr);
  return (step) => minLr + ((lr - minLr) * (1 + Math.cos((Math.PI * Math.min(step, totalSteps)) / totalSteps))) / 2;
}

/** after(step)·(step + 1)/warmupSteps for the first warmupSteps steps (linear warm-up), then after(step). */
export function warmup(warmupSteps: number, after: LRSchedule): LRSchedule {
  positiveInteger('warmupSteps', warmupSteps);
  return (step) => (step < warmupSteps ? (after(step) * (step + 1)) / warmupSteps : after(step));
}
