/**
 * The training-loss curve of a run in bounded memory: one point per step until it holds
 * 2 × MAX_POINTS points, then neighbouring points are averaged in pairs (each point then stands
 * for twice as many steps), so a run of any length keeps between MAX_POINTS and 2 × MAX_POINTS.
 */

/** The mean loss of the steps up to and including `step` since the previous point. */
export interface LossPoint {
  step: number;
  loss: number;
}

export interface LossCurveState {
  points: LossPoint[];
  /** Steps per point. */
  span: number;
  /** Sum and count of the steps not yet in a point. */
  pendingSum: number;
  pendingCount: number;
}

const MAX_POINTS = 1000;

export class LossCurve {
  private list: LossPoint[] = [];
  private span = 1;
  private pendingSum = 0;
  private pendingCount = 0;

  add(step: number, loss: number): void {
    this.pendingSum += loss;
    this.pendingCount++;
    if (this.pendingCount < this.span) return;
    this.list.push({ step, loss: this.pendingSum / this.pendingCount });
    this.pendingSum = 0;
    this.pendingCount = 0;
    if (this.list.length < 2 * MAX_POINTS) return;
    this.list = Array.from({ length: MAX_POINTS }, (_, i) => ({
      step: this.list[2 * i + 1].step,
      loss: (this.list[2 * i].loss + this.list[2 * i + 1].loss) / 2,
    }));
    this.span *= 2;
  }

  points(): LossPoint[] {
    return this.list.map((p) => ({ ...p }));
  }

  state(): LossCurveState {
    return { points: this.points(), span: this.span, pendingSum: this.pendingSum, pendingCount: this.pendingCount };
  }

  restore(state: LossCurveState): void {
    this.list = state.points.map((p) => ({ ...p }));
    this.span = state.span;
    this.pendingSum = state.pendingSum;
    this.pendingCount = state.pendingCount;
  }
}
