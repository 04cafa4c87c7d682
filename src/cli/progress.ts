/**
 * Training progress for people and machines: a live line on a terminal, plain log lines otherwise,
 * one JSON object per event with --json, nothing but errors with --quiet.
 */
import type { CharLM, Evaluation } from '../models/charlm.ts';
import type { StepReport, Trainer } from '../models/trainer.ts';

export type OutputMode = 'tty' | 'plain' | 'json' | 'quiet';

/** Plain mode prints a line at most this often. */
const PLAIN_INTERVAL_MS = 5000;

export class Progress {
  private lastLine = 0;
  private tokensAtStart = 0;
  private stepAtStart = 0;
  private secondsAtStart = 0;
  private timeAtStart = 0;
  private lastStep: StepReport | null = null;

  constructor(private readonly mode: OutputMode, private readonly trainer: Trainer) {}

  private json(event: Record<string, unknown>): void {
    process.stdout.write(JSON.stringify(event) + '\n');
  }

  private log(line: string): void {
    if (this.mode === 'tty') process.stdout.write('\r\x1b[K');
    if (this.mode === 'tty' || this.mode === 'plain') process.stdout.write(line + '\n');
  }

  /** Training tokens per second of training-step time since start (or resume); validation and sampling excluded. */
  tokensPerSecond(): number {
    const seconds = this.trainer.elapsedSeconds - this.secondsAtStart;
    return seconds > 0 ? (this.trainer.tokensSeen - this.tokensAtStart) / seconds : 0;
  }

  start(model: CharLM, backend: string, outDir: string): void {
    this.tokensAtStart = this.trainer.tokensSeen;
    this.stepAtStart = this.trainer.step;
    this.secondsAtStart = this.trainer.elapsedSeconds;
    this.timeAtStart = performance.now();
    const { cell, hiddenSize, numLayers, embeddingSize } = model.config;
    const o = this.trainer.options;
    const budget = [o.steps && `${o.steps} steps`, o.epochs && `${o.epochs} epochs`, o.minutes && `${o.minutes} min`].filter(Boolean).join(' / ');
    if (this.mode === 'json') {
      this.json({ event: 'start', cell, hidden: hiddenSize, layers: numLayers, embedding: embeddingSize, vocab: model.vocab.size,
        parameters: model.net.parameterCount(), backend, threads: model.backend.threads, step: this.trainer.step, out: outDir });
      return;
    }
    const resumed = this.trainer.step > 0 ? `, resuming at step ${this.trainer.step}` : '';
    this.log(`rnnkit: ${cell.toUpperCase()} ${numLayers}×${hiddenSize} (embedding ${embeddingSize}, vocab ${model.vocab.size}, ` +
      `${model.net.parameterCount().toLocaleString('en-US')} parameters) on ${backend} with ${model.backend.threads} thread(s); ` +
      `batch ${o.batchSize} × ${o.seqLen}, ${o.optimizer} lr ${o.lr}; budget ${budget}${resumed}. Checkpoints in ${outDir}/ (Ctrl-C saves and stops).`);
  }

  step(report: StepReport, deadline: number): void {
    this.lastStep = report;
    const t = this.trainer;
    const tps = this.tokensPerSecond();
    const stepsLeft = t.totalSteps - t.step;
    const perStep = (performance.now() - this.timeAtStart) / 1000 / Math.max(1, t.step - this.stepAtStart);
    const eta = Math.min(Number.isFinite(stepsLeft) ? stepsLeft * perStep : Infinity, (deadline - performance.now()) / 1000);
    if (this.mode === 'json') {
      if (t.step % 10 === 0) this.json({ event: 'step', step: t.step, loss: report.loss, grad_norm: report.gradNorm, tokens_per_s: Math.round(tps) });
      return;
    }
    const val = t.lastValBpc === null ? '—' : t.lastValBpc.toFixed(3);
    const line = `step ${t.step}${Number.isFinite(t.totalSteps) ? `/${t.totalSteps}` : ''}  ${Math.round(tps).toLocaleString('en-US')} tok/s  ` +
      `loss ${report.loss.toFixed(3)} (${(report.loss / Math.LN2).toFixed(3)} bpc)  val ${val} bpc  ETA ${formatSeconds(eta)}`;
    if (this.mode === 'tty') process.stdout.write('\r\x1b[K' + line);
    else if (this.mode === 'plain' && performance.now() - this.lastLine > PLAIN_INTERVAL_MS) {
      this.lastLine = performance.now();
      this.log(line);
    }
  }

  validation(e: Evaluation): void {
    if (this.mode === 'json') this.json({ event: 'validation', step: this.trainer.step, val_bpc: e.bitsPerChar, perplexity: e.perplexity });
    else if (this.mode === 'plain') this.log(`step ${this.trainer.step}: validation ${e.bitsPerChar.toFixed(4)} bits/char (perplexity ${e.perplexity.toFixed(2)})`);
  }

  sample(text: string): void {
    if (this.mode === 'json') this.json({ event: 'sample', step: this.trainer.step, text });
    else this.log(`--- sample at step ${this.trainer.step} ---\n${text}\n---`);
  }

  checkpoint(dir: string): void {
    if (this.mode === 'json') this.json({ event: 'checkpoint', step: this.trainer.step, dir });
    else if (this.mode === 'plain') this.log(`step ${this.trainer.step}: checkpoint saved to ${dir}/`);
  }

  done(dir: string, interrupted: boolean): void {
    const t = this.trainer;
    const summary = {
      event: 'done', steps: t.step, tokens_per_s: Math.round(this.tokensPerSecond()), val_bpc: t.lastValBpc,
      train_loss: this.lastStep?.loss ?? null, interrupted, checkpoint: dir,
    };
    if (this.mode === 'json') this.json(summary);
    else this.log(`${interrupted ? 'interrupted' : 'done'} after ${t.step} steps: validation ${t.lastValBpc?.toFixed(4) ?? '—'} bits/char, ` +
      `${summary.tokens_per_s.toLocaleString('en-US')} tok/s. Saved ${dir}/model.safetensors, model.json and report.html.`);
  }
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '—';
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)}s`;
}
