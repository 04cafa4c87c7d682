/** The training loop every task runs through, its task interface and its report page. */
export * from './trainer.ts';
export * from './task.ts';
export * from './report.ts';
export type { LossPoint, LossCurveState } from './loss-curve.ts';
