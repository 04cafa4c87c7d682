/**
 * Training progress for people and machines, from the Trainer's events: a live line on a
 * terminal, plain log lines otherwise, one JSON object per event with --json, nothing but errors
 * with --quiet.
 */
import type { Best, TrainerEvent } from '../train/trainer.ts';
import type { Metrics, MetricSpec } from '../train/task.ts';
import type { Output } from './output.ts';

export type OutputMode = 'tty' | 'plain' | 'json' | 'quiet';

/** Plain mode prints a step line at most this often. */
const PLAIN_INTERVAL_MS = 5000;
/** --json writes every this many steps a step event. */
const JSON_STEP_EVERY = 10;

export interface ProgressContext {
  metric: MetricSpec;
  /** `tokens`, `sequences`: throughput is `<item>_per_s`. */
  itemName: string;
  outDir: string;
  /** performance.now() when this call's --minutes run out (Infinity without). */
  deadline: number;
}

export class Progress {
  private lastPlainLine = 0;
  private startTime = performance.now();
  private startStep = 0;
  private totalSteps = Infinity;
  private lastLoss: number | null = null;
  private lastMetrics: Metrics | null = null;
  private best: Best | null = null;

  constructor(private readonly mode: OutputMode, private readonly out: Output, private readonly context: ProgressContext) {}

  private json(event: Record<string, unknown>): void {
    this.out.line(JSON.stringify(event));
  }

  /** A line of its own (on a terminal, over the live step line). */
  private log(line: string): void {
    if (this.mode === 'tty') this.out.write('\r\x1b[K' + line + '\n');
    else if (this.mode === 'plain') this.out.line(line);
  }

  private format(value: number | undefined): string {
    return value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(4);
  }

  /** The first line: what trains on what, and where it is saved. */
  headline(text: string, start: Record<string, unknown>): void {
    if (this.mode === 'json') this.json({ event: 'start', ...start });
    else this.log(`rnnkit: ${text}. Checkpoints in ${this.context.outDir}/ (Ctrl-C saves and stops).`);
  }

  event(e: TrainerEvent): void {
    const { metric, itemName, outDir } = this.context;
    const perSecond = `${itemName}_per_s`;
    switch (e.type) {
      case 'start':
        this.startTime = performance.now();
        this.startStep = e.step;
        this.totalSteps = e.totalSteps;
        if (e.step > 0) this.log(`resuming at step ${e.step}${Number.isFinite(e.totalSteps) ? ` of ${e.totalSteps}` : ''}`);
        break;
      case 'step': {
        this.lastLoss = e.loss;
        if (this.mode === 'json') {
          if (e.step % JSON_STEP_EVERY === 0) this.json({ event: 'step', step: e.step, epoch: e.epoch, loss: e.loss, grad_norm: e.gradNorm, [perSecond]: Math.round(e.itemsPerSecond) });
          return;
        }
        const best = this.best ? ` (best ${this.format(this.best.value)} @${this.best.step})` : '';
        const line = `step ${e.step}${Number.isFinite(this.totalSteps) ? `/${this.totalSteps}` : ''}  ` +
          `${Math.round(e.itemsPerSecond).toLocaleString('en-US')} ${itemName}/s  loss ${e.loss.toFixed(3)}  ` +
          `${metric.name} ${this.format(this.lastMetrics?.[metric.name])}${best}  ETA ${formatSeconds(this.eta(e.step))}`;
        if (this.mode === 'tty') this.out.write('\r\x1b[K' + line);
        else if (this.mode === 'plain' && performance.now() - this.lastPlainLine > PLAIN_INTERVAL_MS) {
          this.lastPlainLine = performance.now();
          this.log(line);
        }
        break;
      }
      case 'evaluation':
        this.lastMetrics = e.metrics;
        this.best = e.best;
        if (this.mode === 'json') this.json({ event: 'evaluation', step: e.step, ...e.metrics, improved: e.improved, best_step: e.best?.step ?? null, lr: e.lr });
        else if (this.mode === 'plain') {
          const others = Object.entries(e.metrics).filter(([k]) => k !== metric.name).map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toFixed(4)}`);
          this.log(`step ${e.step}: ${metric.description} ${this.format(e.metrics[metric.name])}${others.length ? ` (${others.join(', ')})` : ''}${e.improved ? ', best so far' : ''}${e.lrReduced ? `; no better for a while: learning rate halved to ${e.lr.toPrecision(3)}` : ''}`);
        }
        break;
      case 'preview':
        if (this.mode === 'json') this.json({ event: 'preview', step: e.step, text: e.text });
        else this.log(`--- preview at step ${e.step} ---\n${e.text}\n---`);
        break;
      case 'checkpoint':
        if (this.mode === 'json') this.json({ event: 'checkpoint', step: e.step, which: e.which, dir: `${outDir}/${e.which}` });
        else if (this.mode === 'plain') this.log(`step ${e.step}: saved ${outDir}/${e.which}/`);
        break;
      case 'done': {
        const metrics = e.metrics ?? {};
        if (this.mode === 'json') {
          this.json({
            event: 'done', reason: e.reason, steps: e.step, [perSecond]: Math.round(e.itemsPerSecond), ...metrics,
            train_loss: this.lastLoss, best_step: e.best?.step ?? null, [`best_${metric.name}`]: e.best?.value ?? null, out: outDir,
          });
          return;
        }
        const how = { budget: 'done', time: 'time is up', 'early-stop': 'stopped early', interrupted: 'interrupted' }[e.reason];
        const best = e.best ? ` (best ${this.format(e.best.value)} at step ${e.best.step})` : '';
        this.log(`${how} after ${e.step} steps: ${metric.description} ${this.format(metrics[metric.name])}${best}, ` +
          `${Math.round(e.itemsPerSecond).toLocaleString('en-US')} ${itemName}/s. Saved in ${outDir}/: last/, best/, report.html.`);
      }
    }
  }

  private eta(step: number): number {
    const perStep = (performance.now() - this.startTime) / 1000 / Math.max(1, step - this.startStep);
    const bySteps = Number.isFinite(this.totalSteps) ? (this.totalSteps - step) * perStep : Infinity;
    return Math.min(bySteps, (this.context.deadline - performance.now()) / 1000);
  }
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '—';
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)}s`;
}
