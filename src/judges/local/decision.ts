/**
 * From class probabilities to the judge's outputs. Shared by training (threshold choice) and inference.
 *
 * Schwartz value, probabilities (p−, p0, p+) and thresholds (t−, t+) chosen on validation:
 * - −1 when p− ≥ t− (and p−/t− ≥ p+/t+ if both pass): value = −(0.5 + 0.5·(p− − t−)/(1 − t−)), below −0.5;
 * - +1 when p+ ≥ t+: value = 0.5 + 0.5·(p+ − t+)/(1 − t+), above 0.5;
 * - otherwise value = 0.5·(p+/t+ − p−/t−), inside (−0.5, 0.5).
 * So reading the value as a class (> 0.5 → +1, < −0.5 → −1) gives exactly the thresholded decision, and
 * the value moves monotonically with p+ and against p−.
 */
import { SCHWARTZ_VALUE_IDS, type SchwartzValueId } from '../labels.ts';

const EDGE = 1e-6;

export function schwartzValue(pNeg: number, pPos: number, tNeg: number, tPos: number): number {
  const rn = pNeg / tNeg;
  const rp = pPos / tPos;
  if (pNeg >= tNeg && (pPos < tPos || rn >= rp)) {
    return -Math.min(1, Math.max(0.5 + EDGE, 0.5 + (0.5 * (pNeg - tNeg)) / Math.max(EDGE, 1 - tNeg)));
  }
  if (pPos >= tPos) {
    return Math.min(1, Math.max(0.5 + EDGE, 0.5 + (0.5 * (pPos - tPos)) / Math.max(EDGE, 1 - tPos)));
  }
  return Math.max(-0.5, Math.min(0.5, 0.5 * (rp - rn)));
}

/**
 * Every Schwartz value from its class probabilities (`p` holds (p−, p0, p+) per value, in SCHWARTZ_VALUE_IDS
 * order), and the sum over values of the most likely class's probability (for the judge's confidence).
 */
export function schwartzValues(p: ArrayLike<number>, tNeg: number, tPos: number): { values: Record<SchwartzValueId, number>; confidenceSum: number } {
  const values = {} as Record<SchwartzValueId, number>;
  let confidenceSum = 0;
  SCHWARTZ_VALUE_IDS.forEach((id, v) => {
    values[id] = schwartzValue(p[v * 3]!, p[v * 3 + 2]!, tNeg, tPos);
    confidenceSum += Math.max(p[v * 3]!, p[v * 3 + 1]!, p[v * 3 + 2]!);
  });
  return { values, confidenceSum };
}

/**
 * A judged item with a violation probability: the confidence averages each value's and the violation's, and
 * a violation within `abstainBand` of 0.5 is marked low-confidence.
 */
export function withViolation<V>(values: V, confidenceSum: number, violation: number, abstainBand: number): { values: V; violation: number; confidence: number; lowConfidence?: true } {
  const lowConfidence = Math.abs(violation - 0.5) <= abstainBand;
  return { values, violation, confidence: (confidenceSum + Math.max(violation, 1 - violation)) / (SCHWARTZ_VALUE_IDS.length + 1), ...(lowConfidence ? { lowConfidence } : {}) };
}

/** Platt scaling: calibrated probability from a raw probability's logit. */
export function platt(p: number, a: number, b: number): number {
  const q = Math.min(1 - 1e-12, Math.max(1e-12, p));
  const z = a * Math.log(q / (1 - q)) + b;
  return 1 / (1 + Math.exp(-z));
}

/**
 * Fit Platt scaling (a, b) by Newton's method on log loss with Platt's target smoothing. Deterministic.
 */
export function fitPlatt(probs: ArrayLike<number>, labels: ArrayLike<number>): { a: number; b: number } {
  const n = probs.length;
  let nPos = 0;
  for (let i = 0; i < n; i++) nPos += labels[i]! ? 1 : 0;
  const hi = (nPos + 1) / (nPos + 2);
  const lo = 1 / (n - nPos + 2);
  const x = Array.from({ length: n }, (_, i) => {
    const q = Math.min(1 - 1e-12, Math.max(1e-12, probs[i]!));
    return Math.log(q / (1 - q));
  });
  const t = Array.from({ length: n }, (_, i) => (labels[i] ? hi : lo));
  let a = 1;
  let b = 0;
  for (let it = 0; it < 100; it++) {
    let gA = 0;
    let gB = 0;
    let hAA = 1e-9;
    let hAB = 0;
    let hBB = 1e-9;
    for (let i = 0; i < n; i++) {
      const p = 1 / (1 + Math.exp(-(a * x[i]! + b)));
      const d = p - t[i]!;
      const w = p * (1 - p);
      gA += d * x[i]!;
      gB += d;
      hAA += w * x[i]! * x[i]!;
      hAB += w * x[i]!;
      hBB += w;
    }
    const det = hAA * hBB - hAB * hAB;
    if (Math.abs(det) < 1e-15) break;
    const dA = (hBB * gA - hAB * gB) / det;
    const dB = (hAA * gB - hAB * gA) / det;
    a -= dA;
    b -= dB;
    if (Math.abs(dA) + Math.abs(dB) < 1e-10) break;
  }
  return { a, b };
}
