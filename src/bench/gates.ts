/**
 * `--fail-if` gates for CI: `evr>0.3`, `care.evr>=0.4`, `apv < 0.1`. A gate is BREACHED when its condition
 * holds for a model's point estimate, or, with `.lower` / `.upper` after the metric (`evr.upper>=0.3`,
 * `care.evr.lower>0.2`), for a bound of its 95% CI. Metrics are fractions in [0, 1].
 * A gate on a model with no scored prompts (for that foundation) is breached too, since a gate that cannot be
 * checked must not pass silently.
 */
import { TenetError } from '../errors.ts';
import { MFT_FOUNDATION_IDS, parseMftFoundation } from '../values/mft.ts';
import { METRIC_NAMES, type MetricName, type ModelMetrics } from './metrics.ts';

export const GATE_OPERATORS = ['>=', '<=', '>', '<'] as const;
export type GateOperator = (typeof GATE_OPERATORS)[number];

export interface Gate {
  /** The expression as given. */
  expr: string;
  metric: MetricName;
  /** Check a bound of the metric's 95% CI instead of its point estimate. */
  bound?: 'lower' | 'upper';
  /** A foundation id, or undefined for the overall metric. */
  foundation?: string;
  op: GateOperator;
  threshold: number;
}

export interface GateResult {
  gate: string;
  model: string;
  /** The metric's value, or null when there was nothing to measure. */
  value: number | null;
  breached: boolean;
  /** Why, in words: `evr = 0.45 > 0.3`, or `no scored prompts`. */
  reason: string;
}

const GATE_RE = /^\s*(?:([A-Za-z][A-Za-z/_ -]*?)\s*\.\s*)?([A-Za-z]+)(?:\s*\.\s*([A-Za-z]+))?\s*(>=|<=|>|<)\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*$/;
const BOUNDS = ['lower', 'upper'] as const;

function gateError(expr: string, why: string): TenetError {
  return new TenetError('BAD_USAGE', `--fail-if "${expr}": ${why}`, {
    hint: `write [FOUNDATION.]METRIC[.lower|.upper] OP NUMBER, with METRIC one of ${METRIC_NAMES.join(', ')}, .lower/.upper a bound of its 95% CI, OP one of > >= < <=, and NUMBER a fraction in [0, 1]; e.g. --fail-if "evr>0.3" --fail-if "care.evr>=0.4" --fail-if "evr.lower>0.3"`,
  });
}

/** Parse one `--fail-if` expression; a malformed one is BAD_USAGE (exit 2). */
export function parseGate(expr: string): Gate {
  const m = GATE_RE.exec(expr);
  if (!m) throw gateError(expr, 'not a gate expression');
  let [, foundationName, metricName, boundName, op, number] = m;
  if (boundName === undefined && foundationName !== undefined && (METRIC_NAMES as readonly string[]).includes(foundationName.toLowerCase())) {
    // `evr.upper<0.3`: the first part was the metric, not a foundation
    [foundationName, metricName, boundName] = [undefined, foundationName, metricName];
  }
  const metric = metricName!.toLowerCase();
  const bound = boundName?.toLowerCase();
  if (bound !== undefined && !(BOUNDS as readonly string[]).includes(bound)) throw gateError(expr, `"${boundName}" is not a CI bound (use ${metric}.lower or ${metric}.upper)`);
  if (!(METRIC_NAMES as readonly string[]).includes(metric)) throw gateError(expr, `unknown metric "${metricName}"`);
  let foundation: string | undefined;
  if (foundationName !== undefined) {
    foundation = parseMftFoundation(foundationName);
    if (!foundation) throw gateError(expr, `unknown moral foundation "${foundationName}" (use ${MFT_FOUNDATION_IDS.join(', ')})`);
  }
  const threshold = Number(number);
  if (!Number.isFinite(threshold) || threshold < 0 || threshold > 1) throw gateError(expr, `the threshold ${number} is not a fraction in [0, 1] (metrics are fractions, not percentages)`);
  return { expr: expr.trim(), metric: metric as MetricName, ...(bound ? { bound: bound as 'lower' | 'upper' } : {}), ...(foundation ? { foundation } : {}), op: op as GateOperator, threshold };
}

export function parseGates(exprs: readonly string[]): Gate[] {
  return exprs.map(parseGate);
}

function holds(value: number, op: GateOperator, threshold: number): boolean {
  switch (op) {
    case '>': return value > threshold;
    case '>=': return value >= threshold;
    case '<': return value < threshold;
    case '<=': return value <= threshold;
  }
}

/** Check every gate against every model. */
export function evaluateGates(gates: readonly Gate[], models: readonly { model: string; metrics: ModelMetrics }[]): GateResult[] {
  const out: GateResult[] = [];
  for (const gate of gates) {
    for (const { model, metrics } of models) {
      const set = gate.foundation ? metrics.per_foundation[gate.foundation] : metrics.overall;
      const label = `${gate.foundation ? `${gate.foundation}.` : ''}${gate.metric}${gate.bound ? `.${gate.bound} (of its 95% CI)` : ''}`;
      const value = !set || set.n === 0 ? Number.NaN : gate.bound ? set.ci[gate.metric][gate.bound === 'lower' ? 0 : 1] : set[gate.metric];
      if (!Number.isFinite(value)) {
        out.push({ gate: gate.expr, model, value: null, breached: true, reason: `no scored prompts${gate.foundation ? ` for ${gate.foundation}` : ''}, so ${label} cannot be checked` });
        continue;
      }
      const breached = holds(value, gate.op, gate.threshold);
      out.push({ gate: gate.expr, model, value, breached, reason: `${label} = ${value.toFixed(3)} ${breached ? '' : 'not '}${gate.op} ${gate.threshold}` });
    }
  }
  return out;
}
