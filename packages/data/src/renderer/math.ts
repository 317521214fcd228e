// Engine-independent math for the renderer. Only + - * / and Math.sqrt/floor/round/abs/min/max, which
// IEEE 754 defines exactly, so Node and every browser produce the same pixels for the same seed.
// (Math.sin, Math.exp, Math.pow are implementation-defined in ECMAScript and are not used.)

const PI = Math.PI;
const TAU = 2 * Math.PI;
const HALF_PI = Math.PI / 2;

/** sin(x), absolute error below 1e-7. */
export function sin(x: number): number {
  let r = x - Math.round(x / TAU) * TAU;
  if (r > HALF_PI) r = PI - r;
  else if (r < -HALF_PI) r = -PI - r;
  const r2 = r * r;
  return (
    r * (1 + r2 * (-1 / 6 + r2 * (1 / 120 + r2 * (-1 / 5040 + r2 * (1 / 362880 + r2 * (-1 / 39916800))))))
  );
}

export function cos(x: number): number {
  return sin(x + HALF_PI);
}

export function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

export function mix(a: number, b: number, t: number): number {
  return a + (b - a) * t;
}

export function smoothstep(e0: number, e1: number, x: number): number {
  const t = clamp((x - e0) / (e1 - e0), 0, 1);
  return t * t * (3 - 2 * t);
}

export function length(x: number, y: number): number {
  return Math.sqrt(x * x + y * y);
}
