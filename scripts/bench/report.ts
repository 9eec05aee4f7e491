// The benchmarks contract (issue #10): a sub-bench writes its section as JSON to $BENCH_REPORT when
// the orchestrator (scripts/bench.ts) asks for it, and prints its Markdown otherwise.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface BenchGoal {
  label: string;
  value: string;
  goal: string;
  met: boolean;
}

export interface BenchReport {
  title: string;
  /** The section: tables, method, peak memory. */
  markdown: string;
  goals: BenchGoal[];
  /** One-line figures for the README. */
  headline: string[];
}

/** Writes the report where BENCH_REPORT says, or prints its Markdown (with the goals) to stdout. */
export function emitReport(report: BenchReport): void {
  const target = process.env.BENCH_REPORT;
  if (target) {
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, `${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  const goals = report.goals.length
    ? `\n| goal | measured | target | met |\n|---|---|---|---|\n${report.goals.map((g) => `| ${g.label} | ${g.value} | ${g.goal} | ${g.met ? '✓' : '✗'} |`).join('\n')}\n`
    : '';
  process.stdout.write(`## ${report.title}\n\n${report.markdown.trim()}\n${goals}`);
}

/** Nearest-rank percentile of numbers (sorted here; the input is left alone). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
