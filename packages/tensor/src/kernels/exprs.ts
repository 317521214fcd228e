// Elementwise math as WGSL expressions (the GPU side) and as TS functions (the CPU reference). Both
// are written out here, side by side, so a reader sees the same formula twice; the tests hold them equal.

/** erf with |error| < 1.5e-7 (Abramowitz & Stegun 7.1.26); WGSL has no erf. */
export const WGSL_MATH = `
${'' /* NaN/Inf may not appear in WGSL constant expressions: build them at run time from a var. */}
fn nan_() -> f32 { var b = 0x7fc00000u; return bitcast<f32>(b); }
fn erf_(x: f32) -> f32 {
  let s = sign(x); let a = abs(x);
  let t = 1.0 / fma(0.3275911, a, 1.0);
  let y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * exp(-a * a);
  return s * y;
}
fn sigmoid_(x: f32) -> f32 { return 1.0 / (1.0 + exp(-x)); }
fn tanh_(x: f32) -> f32 { let c = clamp(x, -15.0, 15.0); let e = exp(2.0 * c); return (e - 1.0) / (e + 1.0); }
fn gelu_(x: f32) -> f32 { return 0.5 * x * (1.0 + erf_(x * 0.70710678118654752)); }
fn gelu_grad_(x: f32) -> f32 {
  return 0.5 * (1.0 + erf_(x * 0.70710678118654752)) + x * 0.3989422804014327 * exp(-0.5 * x * x);
}
fn silu_grad_(x: f32) -> f32 { let s = sigmoid_(x); return s * (1.0 + x * (1.0 - s)); }
fn pow_(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  let r = pow(abs(a), b);
  if (a < 0.0) {
    if (b == round(b)) { if (abs(b % 2.0) == 1.0) { return -r; } return r; }
    return nan_();
  }
  return r;
}
`;

export const UNARY_WGSL: Record<string, string> = {
  neg: '-x',
  abs: 'abs(x)',
  exp: 'exp(x)',
  log: 'log(x)',
  sqrt: 'sqrt(x)',
  rsqrt: 'inverseSqrt(x)',
  tanh: 'tanh_(x)',
  sigmoid: 'sigmoid_(x)',
  relu: 'max(x, 0.0)',
  gelu: 'gelu_(x)',
  gelu_grad: 'gelu_grad_(x)',
  silu: 'x * sigmoid_(x)',
  silu_grad: 'silu_grad_(x)',
  sin: 'sin(x)',
  cos: 'cos(x)',
  square: 'x * x',
  recip: '1.0 / x',
  sign: 'sign(x)',
  floor: 'floor(x)',
  round: 'round(x)', // halfway cases to even, like torch.round
  clamp: 'clamp(x, u_p0(), u_p1())',
  affine: 'fma(x, u_p0(), u_p1())',
};

function erf(x: number): number {
  // Independent reference: a series/continued-fraction erf accurate to ~1e-12 (not the A&S formula).
  const a = Math.abs(x);
  let r: number;
  if (a < 2.5) {
    let sum = a;
    let term = a;
    for (let n = 1; n < 60; n++) {
      term *= (-a * a) / n;
      sum += term / (2 * n + 1);
    }
    r = (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    // Continued fraction for erfc.
    let f = 0;
    for (let n = 60; n >= 1; n--) f = n / 2 / (a + f);
    r = 1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / (a + f);
  }
  return x < 0 ? -r : r;
}
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
/** Nearest integer, halfway cases to the even one (WGSL round, f32x4.nearest, torch.round). */
function roundHalfEven(x: number): number {
  const r = Math.round(x); // halfway cases up
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export const UNARY_TS: Record<string, (x: number, p0: number, p1: number) => number> = {
  neg: (x) => -x,
  abs: Math.abs,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  tanh: Math.tanh,
  sigmoid,
  relu: (x) => (x > 0 ? x : 0),
  gelu: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
  gelu_grad: (x) => 0.5 * (1 + erf(x / Math.SQRT2)) + (x * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI),
  silu: (x) => x * sigmoid(x),
  silu_grad: (x) => sigmoid(x) * (1 + x * (1 - sigmoid(x))),
  sin: Math.sin,
  cos: Math.cos,
  square: (x) => x * x,
  recip: (x) => 1 / x,
  sign: Math.sign,
  floor: Math.floor,
  round: roundHalfEven,
  clamp: (x, lo, hi) => Math.min(Math.max(x, lo), hi),
  affine: (x, a, b) => x * a + b,
};

/** Unary ops defined on integers too (computed in the integer type). */
export const INT_UNARY = new Set(['neg', 'abs', 'square', 'sign', 'clamp']);

export const BINARY_WGSL: Record<string, string> = {
  add: 'a + b',
  sub: 'a - b',
  mul: 'a * b',
  div: 'a / b',
  pow: 'pow_(a, b)',
  maximum: 'max(a, b)',
  minimum: 'min(a, b)',
  eq: 'select(0u, 1u, a == b)',
  ne: 'select(0u, 1u, a != b)',
  lt: 'select(0u, 1u, a < b)',
  le: 'select(0u, 1u, a <= b)',
  gt: 'select(0u, 1u, a > b)',
  ge: 'select(0u, 1u, a >= b)',
};

export const BINARY_TS: Record<string, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: (a, b) => a ** b,
  maximum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : Math.max(a, b)),
  minimum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : Math.min(a, b)),
  eq: (a, b) => +(a === b),
  ne: (a, b) => +(a !== b),
  lt: (a, b) => +(a < b),
  le: (a, b) => +(a <= b),
  gt: (a, b) => +(a > b),
  ge: (a, b) => +(a >= b),
};

export const COMPARE_OPS = new Set(['eq', 'ne', 'lt', 'le', 'gt', 'ge']);
