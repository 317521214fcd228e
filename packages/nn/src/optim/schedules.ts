// Learning-rate schedules as pure functions of the step (so resuming needs only the step).

/** Linear warmup from 0 to `peak` over `warmup` steps, then cosine decay to `min` at `total`. */
export function warmupCosine({
  peak,
  warmup,
  total,
  min = 0,
}: {
  peak: number;
  warmup: number;
  total: number;
  min?: number;
}) {
  return (step: number): number => {
    if (step < warmup) return (peak * (step + 1)) / warmup;
    const t = Math.min(1, (step - warmup) / Math.max(1, total - warmup));
    return min + (peak - min) * 0.5 * (1 + Math.cos(Math.PI * t));
  };
}
