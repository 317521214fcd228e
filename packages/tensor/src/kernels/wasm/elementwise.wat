;; Elementwise kernels on WebAssembly SIMD128 for the 'wasm' backend: 'unary', 'binary', 'where', 'cast',
;; 'copy', 'fill', 'assign' (src/kernels/wasm/elementwise.ts). Contract: src/backend/cpu/elementwise.ts.
;;
;; One driver, `ew`, runs any of them over a range [start, end) of output elements in row-major order. The
;; tensors (output + up to 3 inputs) are strided views of rank <= 6 (broadcast inputs have stride 0),
;; described by a descriptor the caller writes into scratch memory:
;;   desc+0   op (the $apply case number below)          desc+4   nin (inputs, 1..3)
;;   desc+8   direct: 1 when every inner stride is 1 (no block buffers needed)
;;   desc+16  shape[6] (i32, outermost first; padded with leading 1s)
;;   desc+40  byte address of element 0: output, input 1, input 2, input 3
;;   desc+56  strides in elements [4][6] (output, inputs), 24 bytes each
;;   desc+160 p0 (f64)   desc+168 p1 (f64)   desc+176 a scalar operand (4 bytes; strides 0 point here)
;;   desc+184 integer clamp bounds lo, hi (i32)
;; and a per-thread work area `work` (WORK bytes, see elementwise.ts):
;;   work+0 idx[6]   work+32 off[4] (element offsets of the current run)   work+48 last[4] (offset a
;;   broadcast buffer was last filled from)   work+64 status   work+80 run pointers[4]   work+96 filled[4]
;;   (elements a broadcast buffer holds)
;;   work+128 tail vectors[4] (16 bytes each)   work+256 block buffers[4] (BLOCK = 1024 elements each)
;; The driver walks the innermost dimension in runs: an input with inner stride 1 is read in place, one
;; with stride 0 from a buffer filled with its value (refilled only when the value's address changes),
;; any other stride gathered into a buffer; the output is written in place (stride 1) or scattered.
;; Each run goes to $apply as whole vectors; its last (len % 4) elements go through 16-byte tail vectors,
;; so every op is written once, in SIMD. Elements are 4 bytes in every dtype (f16 is stored widened).
;; Loops are guarded do-while loops (`if (i < end) loop ... br_if (i < end)`): V8 compiles the
;; `loop (if (i < end) ... br)` shape measurably worse (about 1.7x slower on e^x). The hot activations
;; (exp, sigmoid, silu, tanh, gelu) have whole loops with e^x inlined: a call per vector cost about as
;; much as the math.
;;
;; Accuracy (f32 results against the CPU reference, which computes in f64 and rounds): add/sub/mul/div,
;; sqrt, recip, floor, abs, neg, square, relu, sign, clamp, maximum/minimum, comparisons, casts: exact.
;; rsqrt, affine (x * p0 + p1 in f64, like the reference), pow, sin, cos: computed in f64x2, so they
;; round like the reference (sin/cos need |x| < 1.5e6: larger arguments set status = 1 and the caller
;; recomputes with the reference). exp, log, tanh: Cephes-style f32 polynomials, <= 1 ulp from the
;; reference over their ranges; sigmoid 2 ulp, silu 3 ulp; gelu (erfc form, so the negative tail keeps its
;; relative accuracy where the reference's 1 + erf cancels to 0), gelu_grad, silu_grad: <= 5e-7 absolute.
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; Per-instance, so per-thread: set when a sin/cos argument is outside the f64 reduction's range.
  (global $status (mut i32) (i32.const 0))

  ;; ---- f32x4 math ------------------------------------------------------------------------------------

  ;; e^x: n = round(x log2 e) (adding 1.5 2^23 rounds to nearest even and leaves n in the low mantissa
  ;; bits), r = x - n ln 2 (two-part ln 2), Cephes expf polynomial, times 2^n built in two halves so that
  ;; n in [-150, 128] gives denormals and infinity correctly. The clamp uses pmin/pmax (one instruction
  ;; each) with x first, so NaN passes through.
  (func $exp4 (param $x v128) (result v128)
    (local $m v128) (local $n v128) (local $r v128) (local $p v128) (local $k v128) (local $k1 v128)
    (local.set $x (f32x4.pmin (f32x4.pmax (local.get $x) (f32x4.splat (f32.const -104))) (f32x4.splat (f32.const 89))))
    (local.set $m (f32x4.add (f32x4.mul (local.get $x) (f32x4.splat (f32.const 1.44269504088896341)))
      (f32x4.splat (f32.const 12582912))))
    (local.set $n (f32x4.sub (local.get $m) (f32x4.splat (f32.const 12582912))))
    (local.set $r (f32x4.sub (local.get $x) (f32x4.mul (local.get $n) (f32x4.splat (f32.const 0.693359375)))))
    (local.set $r (f32x4.sub (local.get $r) (f32x4.mul (local.get $n) (f32x4.splat (f32.const -2.12194440e-4)))))
    (local.set $p (f32x4.splat (f32.const 1.9875691500e-4)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 1.3981999507e-3))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 8.3334519073e-3))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 4.1665795894e-2))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 1.6666665459e-1))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 5.0000001201e-1))))
    (local.set $p (f32x4.add
      (f32x4.add (f32x4.mul (local.get $p) (f32x4.mul (local.get $r) (local.get $r))) (local.get $r))
      (f32x4.splat (f32.const 1))))
    ;; n as an integer: the mantissa bits of m (NaN lanes give garbage scales; p is NaN there anyway)
    (local.set $k (i32x4.sub (local.get $m) (i32x4.splat (i32.const 0x4b400000))))
    (local.set $k1 (i32x4.shr_s (local.get $k) (i32.const 1)))
    (local.set $k (i32x4.sub (local.get $k) (local.get $k1)))
    (f32x4.mul
      (f32x4.mul (local.get $p)
        (i32x4.shl (i32x4.add (local.get $k1) (i32x4.splat (i32.const 127))) (i32.const 23)))
      (i32x4.shl (i32x4.add (local.get $k) (i32x4.splat (i32.const 127))) (i32.const 23))))

  ;; ln x: x = m 2^e with m in [sqrt(1/2), sqrt(2)), Cephes logf polynomial in f = m - 1. Denormals are
  ;; scaled by 2^23 first. x < 0 or NaN -> NaN, 0 -> -inf, inf -> inf.
  (func $log4 (param $x v128) (result v128)
    (local $tiny v128) (local $b v128) (local $e v128) (local $m v128) (local $lt v128) (local $f v128)
    (local $z v128) (local $y v128) (local $ef v128) (local $r v128)
    (local.set $tiny (f32x4.lt (local.get $x) (f32x4.splat (f32.const 1.17549435e-38))))
    (local.set $b (v128.bitselect (f32x4.mul (local.get $x) (f32x4.splat (f32.const 8388608))) (local.get $x)
      (local.get $tiny)))
    (local.set $e (i32x4.sub
      (i32x4.shr_u (v128.and (local.get $b) (i32x4.splat (i32.const 0x7f800000))) (i32.const 23))
      (v128.bitselect (i32x4.splat (i32.const 149)) (i32x4.splat (i32.const 126)) (local.get $tiny))))
    (local.set $m (v128.or (v128.and (local.get $b) (i32x4.splat (i32.const 0x007fffff)))
      (i32x4.splat (i32.const 0x3f000000))))
    ;; m in [0.5, 1): below sqrt(1/2) use 2m - 1 and e - 1
    (local.set $lt (f32x4.lt (local.get $m) (f32x4.splat (f32.const 0.707106781186547524))))
    (local.set $e (i32x4.add (local.get $e) (local.get $lt)))
    (local.set $f (f32x4.sub (f32x4.add (local.get $m) (v128.and (local.get $m) (local.get $lt)))
      (f32x4.splat (f32.const 1))))
    (local.set $ef (f32x4.convert_i32x4_s (local.get $e)))
    (local.set $z (f32x4.mul (local.get $f) (local.get $f)))
    (local.set $y (f32x4.splat (f32.const 7.0376836292e-2)))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $f)) (f32x4.splat (f32.const -1.1514610310e-1))))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $f)) (f32x4.splat (f32.const 1.1676998740e-1))))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $f)) (f32x4.splat (f32.const -1.2420140846e-1))))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $f)) (f32x4.splat (f32.const 1.4249322787e-1))))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $f)) (f32x4.splat (f32.const -1.6668057665e-1))))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $f)) (f32x4.splat (f32.const 2.0000714765e-1))))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $f)) (f32x4.splat (f32.const -2.4999993993e-1))))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $f)) (f32x4.splat (f32.const 3.3333331174e-1))))
    (local.set $y (f32x4.mul (f32x4.mul (local.get $y) (local.get $f)) (local.get $z)))
    (local.set $y (f32x4.add (local.get $y) (f32x4.mul (local.get $ef) (f32x4.splat (f32.const -2.12194440e-4)))))
    (local.set $y (f32x4.sub (local.get $y) (f32x4.mul (local.get $z) (f32x4.splat (f32.const 0.5)))))
    (local.set $r (f32x4.add (local.get $f) (local.get $y)))
    (local.set $r (f32x4.add (local.get $r) (f32x4.mul (local.get $ef) (f32x4.splat (f32.const 0.693359375)))))
    ;; specials
    (local.set $r (v128.bitselect (local.get $x) (local.get $r)
      (f32x4.eq (local.get $x) (f32x4.splat (f32.const inf)))))
    (local.set $r (v128.bitselect (f32x4.splat (f32.const -inf)) (local.get $r)
      (f32x4.eq (local.get $x) (f32x4.splat (f32.const 0)))))
    (v128.bitselect (f32x4.splat (f32.const nan)) (local.get $r)
      (v128.or (f32x4.lt (local.get $x) (f32x4.splat (f32.const 0))) (f32x4.ne (local.get $x) (local.get $x)))))

  ;; 1 / (1 + e^-x)
  (func $sigmoid4 (param $x v128) (result v128)
    (f32x4.div (f32x4.splat (f32.const 1))
      (f32x4.add (f32x4.splat (f32.const 1)) (call $exp4 (f32x4.neg (local.get $x))))))

  ;; s (1 + x (1 - s)), s = sigmoid(x), with 1 - s = e s (e = e^-x; 1 where e is infinite): no cancellation
  ;; in 1 - s for large x
  (func $silu_grad4 (param $x v128) (result v128)
    (local $e v128) (local $s v128) (local $om v128)
    (local.set $e (call $exp4 (f32x4.neg (local.get $x))))
    (local.set $s (f32x4.div (f32x4.splat (f32.const 1)) (f32x4.add (f32x4.splat (f32.const 1)) (local.get $e))))
    (local.set $om (v128.bitselect (f32x4.splat (f32.const 1)) (f32x4.mul (local.get $e) (local.get $s))
      (f32x4.eq (local.get $e) (f32x4.splat (f32.const inf)))))
    (f32x4.mul (local.get $s) (f32x4.add (f32x4.splat (f32.const 1))
      (f32x4.mul (local.get $x) (local.get $om)))))

  ;; tanh: |x| < 0.625: Cephes tanhf odd polynomial; else sign(x) (1 - 2 / (e^{2|x|} + 1)).
  (func $tanh4 (param $x v128) (result v128)
    (local $a v128) (local $z v128) (local $p v128) (local $big v128)
    (local.set $a (f32x4.abs (local.get $x)))
    (local.set $z (f32x4.mul (local.get $x) (local.get $x)))
    (local.set $p (f32x4.splat (f32.const -5.70498872745e-3)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z)) (f32x4.splat (f32.const 2.06390887954e-2))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z)) (f32x4.splat (f32.const -5.37397155531e-2))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z)) (f32x4.splat (f32.const 1.33314422036e-1))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z)) (f32x4.splat (f32.const -3.33332819422e-1))))
    (local.set $p (f32x4.add (f32x4.mul (f32x4.mul (local.get $p) (local.get $z)) (local.get $x)) (local.get $x)))
    (local.set $big (f32x4.sub (f32x4.splat (f32.const 1))
      (f32x4.div (f32x4.splat (f32.const 2))
        (f32x4.add (call $exp4 (f32x4.add (local.get $a) (local.get $a))) (f32x4.splat (f32.const 1))))))
    (local.set $big (v128.or (local.get $big) (v128.and (local.get $x) (i32x4.splat (i32.const 0x80000000)))))
    (v128.bitselect (local.get $big) (local.get $p) (f32x4.ge (local.get $a) (f32x4.splat (f32.const 0.625)))))

  ;; erfc(w) for w >= 0 with small relative error (Numerical Recipes' erfcc, < 1.2e-7 in exact arithmetic):
  ;; t exp(-w^2 + P(t)), t = 1 / (1 + w / 2).
  (func $erfc4 (param $w v128) (result v128)
    (local $t v128) (local $p v128)
    (local.set $t (f32x4.div (f32x4.splat (f32.const 1))
      (f32x4.add (f32x4.splat (f32.const 1)) (f32x4.mul (local.get $w) (f32x4.splat (f32.const 0.5))))))
    (local.set $p (f32x4.splat (f32.const 0.17087277)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $t)) (f32x4.splat (f32.const -0.82215223))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $t)) (f32x4.splat (f32.const 1.48851587))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $t)) (f32x4.splat (f32.const -1.13520398))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $t)) (f32x4.splat (f32.const 0.27886807))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $t)) (f32x4.splat (f32.const -0.18628806))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $t)) (f32x4.splat (f32.const 0.09678418))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $t)) (f32x4.splat (f32.const 0.37409196))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $t)) (f32x4.splat (f32.const 1.00002368))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $t)) (f32x4.splat (f32.const -1.26551223))))
    (f32x4.mul (local.get $t)
      (call $exp4 (f32x4.sub (local.get $p) (f32x4.mul (local.get $w) (local.get $w))))))

  ;; 1 + erf(x / sqrt 2) = erfc(-x / sqrt 2): 2 - erfc(|u|) for x >= 0, erfc(|u|) below
  (func $one_plus_erf4 (param $x v128) (result v128)
    (local $e v128)
    (local.set $e (call $erfc4 (f32x4.abs (f32x4.mul (local.get $x) (f32x4.splat (f32.const 0.70710678118654752))))))
    (v128.bitselect (f32x4.sub (f32x4.splat (f32.const 2)) (local.get $e)) (local.get $e)
      (f32x4.ge (local.get $x) (f32x4.splat (f32.const 0)))))

  ;; gelu(x) = x/2 (1 + erf(x / sqrt 2))
  (func $gelu4 (param $x v128) (result v128)
    (f32x4.mul (f32x4.mul (local.get $x) (f32x4.splat (f32.const 0.5))) (call $one_plus_erf4 (local.get $x))))

  ;; gelu'(x) = (1 + erf(x / sqrt 2)) / 2 + x e^{-x^2/2} / sqrt(2 pi)
  (func $gelu_grad4 (param $x v128) (result v128)
    (f32x4.add
      (f32x4.mul (call $one_plus_erf4 (local.get $x)) (f32x4.splat (f32.const 0.5)))
      (f32x4.mul (f32x4.mul (local.get $x) (f32x4.splat (f32.const 0.3989422804014327)))
        (call $exp4 (f32x4.mul (f32x4.mul (local.get $x) (local.get $x)) (f32x4.splat (f32.const -0.5)))))))

  ;; Math.sign: +-1, with +-0 and NaN passed through
  (func $sign4 (param $x v128) (result v128)
    (v128.bitselect
      (v128.or (v128.and (local.get $x) (i32x4.splat (i32.const 0x80000000))) (f32x4.splat (f32.const 1)))
      (local.get $x)
      (f32x4.gt (f32x4.abs (local.get $x)) (f32x4.splat (f32.const 0)))))

  ;; ToInt32 of one f32 (what an Int32Array/Uint32Array store does): truncate, wrap mod 2^32, NaN/inf -> 0
  (func $toint32 (param $x f32) (result i32)
    (local $d f64)
    (if (f32.lt (f32.abs (local.get $x)) (f32.const 2147483648))
      (then (return (i32.trunc_f32_s (local.get $x)))))
    (if (i32.eqz (f32.lt (f32.abs (local.get $x)) (f32.const inf))) (then (return (i32.const 0))))
    ;; |x| >= 2^31 is an integer; x mod 2^32 is exact in f64
    (local.set $d (f64.promote_f32 (local.get $x)))
    (local.set $d (f64.sub (local.get $d)
      (f64.mul (f64.floor (f64.div (local.get $d) (f64.const 4294967296))) (f64.const 4294967296))))
    (i32.wrap_i64 (i64.trunc_f64_s (local.get $d))))

  (func $toint4 (param $x v128) (result v128)
    (if (v128.any_true (f32x4.ge (f32x4.abs (local.get $x)) (f32x4.splat (f32.const 2147483648))))
      (then
        (return (i32x4.replace_lane 3 (i32x4.replace_lane 2 (i32x4.replace_lane 1 (i32x4.replace_lane 0
          (local.get $x)
          (call $toint32 (f32x4.extract_lane 0 (local.get $x))))
          (call $toint32 (f32x4.extract_lane 1 (local.get $x))))
          (call $toint32 (f32x4.extract_lane 2 (local.get $x))))
          (call $toint32 (f32x4.extract_lane 3 (local.get $x)))))))
    (i32x4.trunc_sat_f32x4_s (local.get $x)))

  ;; ---- f64x2 math (ops that must round like the f64 reference) --------------------------------------

  ;; lanes 2, 3 of an f32x4 moved to lanes 0, 1 (to promote them)
  (func $high (param $x v128) (result v128)
    (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $x) (local.get $x)))

  ;; two f64x2 rounded to one f32x4 (lo -> lanes 0, 1; hi -> lanes 2, 3)
  (func $join (param $lo v128) (param $hi v128) (result v128)
    (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
      (f32x4.demote_f64x2_zero (local.get $lo)) (f32x4.demote_f64x2_zero (local.get $hi))))

  ;; 1 / sqrt(x) in f64, like the reference's 1 / Math.sqrt(x)
  (func $rsqrt4 (param $x v128) (result v128)
    (call $join
      (f64x2.div (f64x2.splat (f64.const 1)) (f64x2.sqrt (f64x2.promote_low_f32x4 (local.get $x))))
      (f64x2.div (f64x2.splat (f64.const 1)) (f64x2.sqrt (f64x2.promote_low_f32x4 (call $high (local.get $x)))))))

  ;; x * a + b in f64 (a, b: f64x2 splats), like the reference
  (func $affine4 (param $x v128) (param $a v128) (param $b v128) (result v128)
    (call $join
      (f64x2.add (f64x2.mul (f64x2.promote_low_f32x4 (local.get $x)) (local.get $a)) (local.get $b))
      (f64x2.add (f64x2.mul (f64x2.promote_low_f32x4 (call $high (local.get $x))) (local.get $a)) (local.get $b))))

  ;; i64x2 lanes (small integers) to f64x2
  (func $i64_to_f64 (param $e v128) (result v128)
    (f64x2.convert_low_i32x4_s (i8x16.shuffle 0 1 2 3 8 9 10 11 0 1 2 3 8 9 10 11 (local.get $e) (local.get $e))))

  ;; f64x2 integers (|k| < 2^31) to i64x2
  (func $f64_to_i64 (param $k v128) (result v128)
    (i64x2.extend_low_i32x4_s (i32x4.trunc_sat_f64x2_s_zero (local.get $k))))

  ;; ln x in f64 for x >= 0 (x = m 2^e, m in [sqrt(1/2), sqrt 2), ln m = 2 atanh((m - 1) / (m + 1)) by its
  ;; series; error ~1e-16). 0 -> -inf, inf and NaN pass through.
  (func $logd (param $x v128) (result v128)
    (local $e v128) (local $m v128) (local $big v128) (local $f v128) (local $s v128) (local $p v128)
    (local $ef v128) (local $r v128)
    (local.set $e (i64x2.sub (i64x2.shr_u (local.get $x) (i32.const 52)) (i64x2.splat (i64.const 1023))))
    (local.set $m (v128.or (v128.and (local.get $x) (i64x2.splat (i64.const 0x000fffffffffffff)))
      (i64x2.splat (i64.const 0x3ff0000000000000))))
    (local.set $big (f64x2.gt (local.get $m) (f64x2.splat (f64.const 1.4142135623730951))))
    (local.set $m (v128.bitselect (f64x2.mul (local.get $m) (f64x2.splat (f64.const 0.5))) (local.get $m)
      (local.get $big)))
    (local.set $e (i64x2.sub (local.get $e) (local.get $big)))
    (local.set $ef (call $i64_to_f64 (local.get $e)))
    (local.set $f (f64x2.div (f64x2.sub (local.get $m) (f64x2.splat (f64.const 1)))
      (f64x2.add (local.get $m) (f64x2.splat (f64.const 1)))))
    (local.set $s (f64x2.mul (local.get $f) (local.get $f)))
    (local.set $p (f64x2.splat (f64.const 0.047619047619047616)))  ;; 1/21
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $s)) (f64x2.splat (f64.const 0.05263157894736842))))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $s)) (f64x2.splat (f64.const 0.058823529411764705))))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $s)) (f64x2.splat (f64.const 0.06666666666666667))))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $s)) (f64x2.splat (f64.const 0.07692307692307693))))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $s)) (f64x2.splat (f64.const 0.09090909090909091))))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $s)) (f64x2.splat (f64.const 0.1111111111111111))))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $s)) (f64x2.splat (f64.const 0.14285714285714285))))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $s)) (f64x2.splat (f64.const 0.2))))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $s)) (f64x2.splat (f64.const 0.3333333333333333))))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $s)) (f64x2.splat (f64.const 1))))
    ;; e ln2_hi + (e ln2_lo + 2 f P)
    (local.set $r (f64x2.add (f64x2.mul (local.get $ef) (f64x2.splat (f64.const 6.93147180369123816490e-01)))
      (f64x2.add (f64x2.mul (local.get $ef) (f64x2.splat (f64.const 1.90821492927058770002e-10)))
        (f64x2.mul (f64x2.add (local.get $f) (local.get $f)) (local.get $p)))))
    (local.set $r (v128.bitselect (local.get $x) (local.get $r)
      (v128.not (f64x2.lt (local.get $x) (f64x2.splat (f64.const inf))))))
    (v128.bitselect (f64x2.splat (f64.const -inf)) (local.get $r)
      (f64x2.eq (local.get $x) (f64x2.splat (f64.const 0)))))

  ;; e^y in f64: k = round(y / ln 2), r = y - k ln 2 (two parts), Taylor series to r^12, times 2^k in two
  ;; halves (overflow -> inf, underflow -> 0). NaN propagates.
  (func $expd (param $y v128) (result v128)
    (local $k v128) (local $r v128) (local $p v128) (local $ki v128) (local $k1 v128)
    (local.set $y (f64x2.min (f64x2.max (local.get $y) (f64x2.splat (f64.const -1000))) (f64x2.splat (f64.const 1000))))
    (local.set $k (f64x2.nearest (f64x2.mul (local.get $y) (f64x2.splat (f64.const 1.4426950408889634)))))
    (local.set $r (f64x2.sub
      (f64x2.sub (local.get $y) (f64x2.mul (local.get $k) (f64x2.splat (f64.const 6.93147180369123816490e-01))))
      (f64x2.mul (local.get $k) (f64x2.splat (f64.const 1.90821492927058770002e-10)))))
    (local.set $p (f64x2.splat (f64.const 2.08767569878681e-09)))  ;; 1/12!
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (f64x2.splat (f64.const 2.505210838544172e-08))))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (f64x2.splat (f64.const 2.755731922398589e-07))))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (f64x2.splat (f64.const 2.7557319223985893e-06))))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (f64x2.splat (f64.const 2.48015873015873e-05))))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (f64x2.splat (f64.const 1.984126984126984e-04))))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (f64x2.splat (f64.const 1.388888888888889e-03))))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (f64x2.splat (f64.const 8.333333333333333e-03))))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (f64x2.splat (f64.const 4.1666666666666664e-02))))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (f64x2.splat (f64.const 0.16666666666666666))))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (f64x2.splat (f64.const 0.5))))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (f64x2.splat (f64.const 1))))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (f64x2.splat (f64.const 1))))
    (local.set $ki (call $f64_to_i64 (local.get $k)))
    (local.set $k1 (i64x2.shr_s (local.get $ki) (i32.const 1)))
    (local.set $ki (i64x2.sub (local.get $ki) (local.get $k1)))
    (f64x2.mul
      (f64x2.mul (local.get $p)
        (i64x2.shl (i64x2.add (local.get $k1) (i64x2.splat (i64.const 1023))) (i32.const 52)))
      (i64x2.shl (i64x2.add (local.get $ki) (i64x2.splat (i64.const 1023))) (i32.const 52))))

  ;; a ** b with JavaScript's rules, in f64: |a|^b = e^{b ln|a|}; negated for a negative (or -0) base with
  ;; an odd integer exponent; NaN for a finite negative base with a non-integer exponent; b = 0 -> 1.
  (func $pow2 (param $a v128) (param $b v128) (result v128)
    (local $m v128) (local $int v128) (local $half v128) (local $odd v128)
    (local.set $m (call $expd (f64x2.mul (local.get $b) (call $logd (f64x2.abs (local.get $a))))))
    (local.set $int (f64x2.eq (f64x2.floor (local.get $b)) (local.get $b)))
    (local.set $half (f64x2.mul (local.get $b) (f64x2.splat (f64.const 0.5))))
    (local.set $odd (v128.and (local.get $int) (f64x2.ne (f64x2.floor (local.get $half)) (local.get $half))))
    (local.set $m (v128.xor (local.get $m)
      (v128.and (v128.and (local.get $odd) (i64x2.lt_s (local.get $a) (i64x2.splat (i64.const 0))))
        (i64x2.splat (i64.const 0x8000000000000000)))))
    (local.set $m (v128.bitselect (f64x2.splat (f64.const nan)) (local.get $m)
      (v128.andnot
        (v128.and (f64x2.lt (local.get $a) (f64x2.splat (f64.const 0)))
          (f64x2.gt (local.get $a) (f64x2.splat (f64.const -inf))))
        (local.get $int))))
    (v128.bitselect (f64x2.splat (f64.const 1)) (local.get $m)
      (f64x2.eq (local.get $b) (f64x2.splat (f64.const 0)))))

  (func $pow4 (param $a v128) (param $b v128) (result v128)
    (call $join
      (call $pow2 (f64x2.promote_low_f32x4 (local.get $a)) (f64x2.promote_low_f32x4 (local.get $b)))
      (call $pow2 (f64x2.promote_low_f32x4 (call $high (local.get $a)))
        (f64x2.promote_low_f32x4 (call $high (local.get $b))))))

  ;; sin x (cos = 0) or cos x (cos = 1) in f64: k = round(x 2/pi), r = x - k pi/2 (fdlibm's 33 + 53-bit
  ;; pi/2, exact for |k| < 2^20), Taylor series of sin and cos on |r| <= pi/4, quadrant k + cos.
  (func $sincos2 (param $x v128) (param $cos i32) (result v128)
    (local $k v128) (local $r v128) (local $q v128) (local $z v128) (local $s v128) (local $c v128)
    (if (v128.any_true (f64x2.gt (f64x2.abs (local.get $x)) (f64x2.splat (f64.const 1.5e6))))
      (then (global.set $status (i32.const 1))))
    (local.set $k (f64x2.nearest (f64x2.mul (local.get $x) (f64x2.splat (f64.const 0.6366197723675814)))))
    (local.set $r (f64x2.sub
      (f64x2.sub (local.get $x) (f64x2.mul (local.get $k) (f64x2.splat (f64.const 1.57079632673412561417e+00))))
      (f64x2.mul (local.get $k) (f64x2.splat (f64.const 6.07710050650619224932e-11)))))
    (local.set $q (i64x2.add (call $f64_to_i64 (local.get $k)) (i64x2.splat (i64.extend_i32_u (local.get $cos)))))
    (local.set $z (f64x2.mul (local.get $r) (local.get $r)))
    (local.set $s (f64x2.splat (f64.const 1.6059043836821613e-10)))  ;; 1/13!
    (local.set $s (f64x2.add (f64x2.mul (local.get $s) (local.get $z)) (f64x2.splat (f64.const -2.505210838544172e-08))))
    (local.set $s (f64x2.add (f64x2.mul (local.get $s) (local.get $z)) (f64x2.splat (f64.const 2.7557319223985893e-06))))
    (local.set $s (f64x2.add (f64x2.mul (local.get $s) (local.get $z)) (f64x2.splat (f64.const -1.984126984126984e-04))))
    (local.set $s (f64x2.add (f64x2.mul (local.get $s) (local.get $z)) (f64x2.splat (f64.const 8.333333333333333e-03))))
    (local.set $s (f64x2.add (f64x2.mul (local.get $s) (local.get $z)) (f64x2.splat (f64.const -0.16666666666666666))))
    (local.set $s (f64x2.add (local.get $r) (f64x2.mul (f64x2.mul (local.get $s) (local.get $z)) (local.get $r))))
    (local.set $c (f64x2.splat (f64.const -1.1470745597729725e-11)))  ;; -1/14!
    (local.set $c (f64x2.add (f64x2.mul (local.get $c) (local.get $z)) (f64x2.splat (f64.const 2.08767569878681e-09))))
    (local.set $c (f64x2.add (f64x2.mul (local.get $c) (local.get $z)) (f64x2.splat (f64.const -2.755731922398589e-07))))
    (local.set $c (f64x2.add (f64x2.mul (local.get $c) (local.get $z)) (f64x2.splat (f64.const 2.48015873015873e-05))))
    (local.set $c (f64x2.add (f64x2.mul (local.get $c) (local.get $z)) (f64x2.splat (f64.const -1.388888888888889e-03))))
    (local.set $c (f64x2.add (f64x2.mul (local.get $c) (local.get $z)) (f64x2.splat (f64.const 4.1666666666666664e-02))))
    (local.set $c (f64x2.add (f64x2.sub (f64x2.splat (f64.const 1)) (f64x2.mul (local.get $z) (f64x2.splat (f64.const 0.5))))
      (f64x2.mul (f64x2.mul (local.get $c) (local.get $z)) (local.get $z))))
    ;; quadrant: odd -> cos, bit 1 -> negate
    (v128.xor
      (v128.bitselect (local.get $c) (local.get $s)
        (i64x2.eq (v128.and (local.get $q) (i64x2.splat (i64.const 1))) (i64x2.splat (i64.const 1))))
      (i64x2.shl (v128.and (local.get $q) (i64x2.splat (i64.const 2))) (i32.const 62))))

  (func $sincos4 (param $x v128) (param $cos i32) (result v128)
    (call $join
      (call $sincos2 (f64x2.promote_low_f32x4 (local.get $x)) (local.get $cos))
      (call $sincos2 (f64x2.promote_low_f32x4 (call $high (local.get $x))) (local.get $cos))))

  ;; ---- hot activations: whole loops with e^x inlined ----------------------------------------------------
  ;; Same formulas as $exp4, $sigmoid4, $tanh4, $erfc4 / $gelu4 above; e^x's input is $u, its result $y.

  ;; d = e^a
  (func $exp_run (param $a i32) (param $d i32) (param $end i32)
    (local $i i32) (local $x v128) (local $y v128) (local $t0 v128) (local $m v128) (local $n v128) (local $r v128)
    (local $p v128) (local $k v128) (local $k1 v128) (local $u v128) (local $w v128) (local $q v128)
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (local.set $t0 (f32x4.pmin (f32x4.pmax (local.get $x) (f32x4.splat (f32.const -104))) (f32x4.splat (f32.const 89))))
        (local.set $m (f32x4.add (f32x4.mul (local.get $t0) (f32x4.splat (f32.const 1.44269504088896341))) (f32x4.splat (f32.const 12582912))))
        (local.set $n (f32x4.sub (local.get $m) (f32x4.splat (f32.const 12582912))))
        (local.set $r (f32x4.sub (local.get $t0) (f32x4.mul (local.get $n) (f32x4.splat (f32.const 0.693359375)))))
        (local.set $r (f32x4.sub (local.get $r) (f32x4.mul (local.get $n) (f32x4.splat (f32.const -2.12194440e-4)))))
        (local.set $p (f32x4.splat (f32.const 1.9875691500e-4)))
        (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 1.3981999507e-3))))
        (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 8.3334519073e-3))))
        (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 4.1665795894e-2))))
        (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 1.6666665459e-1))))
        (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 5.0000001201e-1))))
        (local.set $p (f32x4.add (f32x4.add (f32x4.mul (local.get $p) (f32x4.mul (local.get $r) (local.get $r))) (local.get $r)) (f32x4.splat (f32.const 1))))
        (local.set $k (i32x4.sub (local.get $m) (i32x4.splat (i32.const 0x4b400000))))
        (local.set $k1 (i32x4.shr_s (local.get $k) (i32.const 1)))
        (local.set $k (i32x4.sub (local.get $k) (local.get $k1)))
        (local.set $y (f32x4.mul (f32x4.mul (local.get $p) (i32x4.shl (i32x4.add (local.get $k1) (i32x4.splat (i32.const 127))) (i32.const 23)))
          (i32x4.shl (i32x4.add (local.get $k) (i32x4.splat (i32.const 127))) (i32.const 23))))
        (v128.store (i32.add (local.get $d) (local.get $i)) (local.get $y))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l (i32.lt_u (local.get $i) (local.get $end)))))))

  ;; d = 1 / (1 + e^-a)
  (func $sigmoid_run (param $a i32) (param $d i32) (param $end i32)
    (local $i i32) (local $x v128) (local $y v128) (local $t0 v128) (local $m v128) (local $n v128) (local $r v128)
    (local $p v128) (local $k v128) (local $k1 v128) (local $u v128) (local $w v128) (local $q v128)
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (local.set $u (f32x4.neg (local.get $x)))
        (local.set $t0 (f32x4.pmin (f32x4.pmax (local.get $u) (f32x4.splat (f32.const -104))) (f32x4.splat (f32.const 89))))
        (local.set $m (f32x4.add (f32x4.mul (local.get $t0) (f32x4.splat (f32.const 1.44269504088896341))) (f32x4.splat (f32.const 12582912))))
        (local.set $n (f32x4.sub (local.get $m) (f32x4.splat (f32.const 12582912))))
        (local.set $r (f32x4.sub (local.get $t0) (f32x4.mul (local.get $n) (f32x4.splat (f32.const 0.693359375)))))
        (local.set $r (f32x4.sub (local.get $r) (f32x4.mul (local.get $n) (f32x4.splat (f32.const -2.12194440e-4)))))
        (local.set $p (f32x4.splat (f32.const 1.9875691500e-4)))
        (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 1.3981999507e-3))))
        (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 8.3334519073e-3))))
        (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 4.1665795894e-2))))
        (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 1.6666665459e-1))))
        (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 5.0000001201e-1))))
        (local.set $p (f32x4.add (f32x4.add (f32x4.mul (local.get $p) (f32x4.mul (local.get $r) (local.get $r))) (local.get $r)) (f32x4.splat (f32.const 1))))
        (local.set $k (i32x4.sub (local.get $m) (i32x4.splat (i32.const 0x4b400000))))
        (local.set $k1 (i32x4.shr_s (local.get $k) (i32.const 1)))
        (local.set $k (i32x4.sub (local.get $k) (local.get $k1)))
        (local.set $y (f32x4.mul (f32x4.mul (local.get $p) (i32x4.shl (i32x4.add (local.get $k1) (i32x4.splat (i32.const 127))) (i32.const 23)))
          (i32x4.shl (i32x4.add (local.get $k) (i32x4.splat (i32.const 127))) (i32.const 23))))
        (v128.store (i32.add (local.get $d) (local.get $i)) (f32x4.div (f32x4.splat (f32.const 1)) (f32x4.add (f32x4.splat (f32.const 1)) (local.get $y))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l (i32.lt_u (local.get $i) (local.get $end)))))))

  ;; d = a / (1 + e^-a)
  (func $silu_run (param $a i32) (param $d i32) (param $end i32)
    (local $i i32) (local $x v128) (local $y v128) (local $t0 v128) (local $m v128) (local $n v128) (local $r v128)
    (local $p v128) (local $k v128) (local $k1 v128) (local $u v128) (local $w v128) (local $q v128)
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (local.set $u (f32x4.neg (local.get $x)))
        (local.set $t0 (f32x4.pmin (f32x4.pmax (local.get $u) (f32x4.splat (f32.const -104))) (f32x4.splat (f32.const 89))))
        (local.set $m (f32x4.add (f32x4.mul (local.get $t0) (f32x4.splat (f32.const 1.44269504088896341))) (f32x4.splat (f32.const 12582912))))
        (local.set $n (f32x4.sub (local.get $m) (f32x4.splat (f32.const 12582912))))
        (local.set $r (f32x4.sub (local.get $t0) (f32x4.mul (local.get $n) (f32x4.splat (f32.const 0.693359375)))))
        (local.set $r (f32x4.sub (local.get $r) (f32x4.mul (local.get $n) (f32x4.splat (f32.const -2.12194440e-4)))))
        (local.set $p (f32x4.splat (f32.const 1.9875691500e-4)))
        (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 1.3981999507e-3))))
        (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 8.3334519073e-3))))
        (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 4.1665795894e-2))))
        (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 1.6666665459e-1))))
        (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 5.0000001201e-1))))
        (local.set $p (f32x4.add (f32x4.add (f32x4.mul (local.get $p) (f32x4.mul (local.get $r) (local.get $r))) (local.get $r)) (f32x4.splat (f32.const 1))))
        (local.set $k (i32x4.sub (local.get $m) (i32x4.splat (i32.const 0x4b400000))))
        (local.set $k1 (i32x4.shr_s (local.get $k) (i32.const 1)))
        (local.set $k (i32x4.sub (local.get $k) (local.get $k1)))
        (local.set $y (f32x4.mul (f32x4.mul (local.get $p) (i32x4.shl (i32x4.add (local.get $k1) (i32x4.splat (i32.const 127))) (i32.const 23)))
          (i32x4.shl (i32x4.add (local.get $k) (i32x4.splat (i32.const 127))) (i32.const 23))))
        (v128.store (i32.add (local.get $d) (local.get $i)) (f32x4.mul (local.get $x) (f32x4.div (f32x4.splat (f32.const 1)) (f32x4.add (f32x4.splat (f32.const 1)) (local.get $y)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l (i32.lt_u (local.get $i) (local.get $end)))))))

  ;; d = tanh a: the odd polynomial below |a| = 0.625, else sign(a) (1 - 2 / (e^{2|a|} + 1))
  (func $tanh_run (param $a i32) (param $d i32) (param $end i32)
    (local $i i32) (local $x v128) (local $y v128) (local $t0 v128) (local $m v128) (local $n v128) (local $r v128)
    (local $p v128) (local $k v128) (local $k1 v128) (local $u v128) (local $w v128) (local $q v128)
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (local.set $w (f32x4.abs (local.get $x)))
        (local.set $u (f32x4.add (local.get $w) (local.get $w)))
        (local.set $t0 (f32x4.pmin (f32x4.pmax (local.get $u) (f32x4.splat (f32.const -104))) (f32x4.splat (f32.const 89))))
        (local.set $m (f32x4.add (f32x4.mul (local.get $t0) (f32x4.splat (f32.const 1.44269504088896341))) (f32x4.splat (f32.const 12582912))))
        (local.set $n (f32x4.sub (local.get $m) (f32x4.splat (f32.const 12582912))))
        (local.set $r (f32x4.sub (local.get $t0) (f32x4.mul (local.get $n) (f32x4.splat (f32.const 0.693359375)))))
        (local.set $r (f32x4.sub (local.get $r) (f32x4.mul (local.get $n) (f32x4.splat (f32.const -2.12194440e-4)))))
        (local.set $p (f32x4.splat (f32.const 1.9875691500e-4)))
        (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 1.3981999507e-3))))
        (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 8.3334519073e-3))))
        (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 4.1665795894e-2))))
        (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 1.6666665459e-1))))
        (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 5.0000001201e-1))))
        (local.set $p (f32x4.add (f32x4.add (f32x4.mul (local.get $p) (f32x4.mul (local.get $r) (local.get $r))) (local.get $r)) (f32x4.splat (f32.const 1))))
        (local.set $k (i32x4.sub (local.get $m) (i32x4.splat (i32.const 0x4b400000))))
        (local.set $k1 (i32x4.shr_s (local.get $k) (i32.const 1)))
        (local.set $k (i32x4.sub (local.get $k) (local.get $k1)))
        (local.set $y (f32x4.mul (f32x4.mul (local.get $p) (i32x4.shl (i32x4.add (local.get $k1) (i32x4.splat (i32.const 127))) (i32.const 23)))
          (i32x4.shl (i32x4.add (local.get $k) (i32x4.splat (i32.const 127))) (i32.const 23))))
        (local.set $u (f32x4.mul (local.get $x) (local.get $x)))
        (local.set $q (f32x4.splat (f32.const -5.70498872745e-3)))
        (local.set $q (f32x4.add (f32x4.mul (local.get $q) (local.get $u)) (f32x4.splat (f32.const 2.06390887954e-2))))
        (local.set $q (f32x4.add (f32x4.mul (local.get $q) (local.get $u)) (f32x4.splat (f32.const -5.37397155531e-2))))
        (local.set $q (f32x4.add (f32x4.mul (local.get $q) (local.get $u)) (f32x4.splat (f32.const 1.33314422036e-1))))
        (local.set $q (f32x4.add (f32x4.mul (local.get $q) (local.get $u)) (f32x4.splat (f32.const -3.33332819422e-1))))
        (local.set $q (f32x4.add (f32x4.mul (f32x4.mul (local.get $q) (local.get $u)) (local.get $x)) (local.get $x)))
        (local.set $y (f32x4.sub (f32x4.splat (f32.const 1)) (f32x4.div (f32x4.splat (f32.const 2)) (f32x4.add (local.get $y) (f32x4.splat (f32.const 1))))))
        (local.set $y (v128.or (local.get $y) (v128.and (local.get $x) (i32x4.splat (i32.const 0x80000000)))))
        (v128.store (i32.add (local.get $d) (local.get $i)) (v128.bitselect (local.get $y) (local.get $q) (f32x4.ge (local.get $w) (f32x4.splat (f32.const 0.625)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l (i32.lt_u (local.get $i) (local.get $end)))))))

  ;; d = a/2 erfc(-a / sqrt 2) (erfc as in $erfc4: t = 1 / (1 + w/2) in $q, the exponent in $u)
  (func $gelu_run (param $a i32) (param $d i32) (param $end i32)
    (local $i i32) (local $x v128) (local $y v128) (local $t0 v128) (local $m v128) (local $n v128) (local $r v128)
    (local $p v128) (local $k v128) (local $k1 v128) (local $u v128) (local $w v128) (local $q v128)
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (local.set $w (f32x4.abs (f32x4.mul (local.get $x) (f32x4.splat (f32.const 0.70710678118654752)))))
        (local.set $q (f32x4.div (f32x4.splat (f32.const 1)) (f32x4.add (f32x4.splat (f32.const 1)) (f32x4.mul (local.get $w) (f32x4.splat (f32.const 0.5))))))
        (local.set $u (f32x4.splat (f32.const 0.17087277)))
        (local.set $u (f32x4.add (f32x4.mul (local.get $u) (local.get $q)) (f32x4.splat (f32.const -0.82215223))))
        (local.set $u (f32x4.add (f32x4.mul (local.get $u) (local.get $q)) (f32x4.splat (f32.const 1.48851587))))
        (local.set $u (f32x4.add (f32x4.mul (local.get $u) (local.get $q)) (f32x4.splat (f32.const -1.13520398))))
        (local.set $u (f32x4.add (f32x4.mul (local.get $u) (local.get $q)) (f32x4.splat (f32.const 0.27886807))))
        (local.set $u (f32x4.add (f32x4.mul (local.get $u) (local.get $q)) (f32x4.splat (f32.const -0.18628806))))
        (local.set $u (f32x4.add (f32x4.mul (local.get $u) (local.get $q)) (f32x4.splat (f32.const 0.09678418))))
        (local.set $u (f32x4.add (f32x4.mul (local.get $u) (local.get $q)) (f32x4.splat (f32.const 0.37409196))))
        (local.set $u (f32x4.add (f32x4.mul (local.get $u) (local.get $q)) (f32x4.splat (f32.const 1.00002368))))
        (local.set $u (f32x4.add (f32x4.mul (local.get $u) (local.get $q)) (f32x4.splat (f32.const -1.26551223))))
        (local.set $u (f32x4.sub (local.get $u) (f32x4.mul (local.get $w) (local.get $w))))
        (local.set $t0 (f32x4.pmin (f32x4.pmax (local.get $u) (f32x4.splat (f32.const -104))) (f32x4.splat (f32.const 89))))
        (local.set $m (f32x4.add (f32x4.mul (local.get $t0) (f32x4.splat (f32.const 1.44269504088896341))) (f32x4.splat (f32.const 12582912))))
        (local.set $n (f32x4.sub (local.get $m) (f32x4.splat (f32.const 12582912))))
        (local.set $r (f32x4.sub (local.get $t0) (f32x4.mul (local.get $n) (f32x4.splat (f32.const 0.693359375)))))
        (local.set $r (f32x4.sub (local.get $r) (f32x4.mul (local.get $n) (f32x4.splat (f32.const -2.12194440e-4)))))
        (local.set $p (f32x4.splat (f32.const 1.9875691500e-4)))
        (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 1.3981999507e-3))))
        (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 8.3334519073e-3))))
        (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 4.1665795894e-2))))
        (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 1.6666665459e-1))))
        (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 5.0000001201e-1))))
        (local.set $p (f32x4.add (f32x4.add (f32x4.mul (local.get $p) (f32x4.mul (local.get $r) (local.get $r))) (local.get $r)) (f32x4.splat (f32.const 1))))
        (local.set $k (i32x4.sub (local.get $m) (i32x4.splat (i32.const 0x4b400000))))
        (local.set $k1 (i32x4.shr_s (local.get $k) (i32.const 1)))
        (local.set $k (i32x4.sub (local.get $k) (local.get $k1)))
        (local.set $y (f32x4.mul (f32x4.mul (local.get $p) (i32x4.shl (i32x4.add (local.get $k1) (i32x4.splat (i32.const 127))) (i32.const 23)))
          (i32x4.shl (i32x4.add (local.get $k) (i32x4.splat (i32.const 127))) (i32.const 23))))
        (local.set $y (f32x4.mul (local.get $q) (local.get $y)))
        (local.set $y (v128.bitselect (f32x4.sub (f32x4.splat (f32.const 2)) (local.get $y)) (local.get $y) (f32x4.ge (local.get $x) (f32x4.splat (f32.const 0)))))
        (v128.store (i32.add (local.get $d) (local.get $i)) (f32x4.mul (f32x4.mul (local.get $x) (f32x4.splat (f32.const 0.5))) (local.get $y)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l (i32.lt_u (local.get $i) (local.get $end)))))))

  ;; x / q (rev = 0) or q / x (rev = 1) in f64, q an f64x2 splat: like the reference's x / s with a scalar
  ;; that f32 cannot hold
  (func $divd4 (param $x v128) (param $q v128) (param $rev i32) (result v128)
    (local $lo v128) (local $hi v128)
    (local.set $lo (f64x2.promote_low_f32x4 (local.get $x)))
    (local.set $hi (f64x2.promote_low_f32x4 (call $high (local.get $x))))
    (if (result v128) (local.get $rev)
      (then (call $join (f64x2.div (local.get $q) (local.get $lo)) (f64x2.div (local.get $q) (local.get $hi))))
      (else (call $join (f64x2.div (local.get $lo) (local.get $q)) (f64x2.div (local.get $hi) (local.get $q))))))

  ;; x ** q (rev = 0) or q ** x (rev = 1), q an f64x2 splat
  (func $pows4 (param $x v128) (param $q v128) (param $rev i32) (result v128)
    (local $lo v128) (local $hi v128)
    (local.set $lo (f64x2.promote_low_f32x4 (local.get $x)))
    (local.set $hi (f64x2.promote_low_f32x4 (call $high (local.get $x))))
    (if (result v128) (local.get $rev)
      (then (call $join (call $pow2 (local.get $q) (local.get $lo)) (call $pow2 (local.get $q) (local.get $hi))))
      (else (call $join (call $pow2 (local.get $lo) (local.get $q)) (call $pow2 (local.get $hi) (local.get $q))))))

  ;; ---- the ops ---------------------------------------------------------------------------------------

  ;; nv vectors: d[i] = op(a[i], b[i], c[i]) (as many inputs as the op takes). The case numbers are the
  ;; op codes of elementwise.ts (UNARY_F, BINARY_F, ... there).
  (func $apply (param $desc i32) (param $op i32) (param $a i32) (param $b i32) (param $c i32) (param $d i32)
    (param $nv i32)
    (local $i i32) (local $end i32) (local $x v128) (local $y v128) (local $z v128)
    (local $p0 v128) (local $p1 v128) (local $q0 v128) (local $q1 v128) (local $i0 v128) (local $i1 v128)
    (local.set $end (i32.shl (local.get $nv) (i32.const 4)))
    (local.set $q0 (f64x2.splat (f64.load offset=160 (local.get $desc))))
    (local.set $q1 (f64x2.splat (f64.load offset=168 (local.get $desc))))
    (local.set $p0 (f32x4.splat (f32.demote_f64 (f64.load offset=160 (local.get $desc)))))
    (local.set $p1 (f32x4.splat (f32.demote_f64 (f64.load offset=168 (local.get $desc)))))
    (local.set $i0 (i32x4.splat (i32.load offset=184 (local.get $desc))))
    (local.set $i1 (i32x4.splat (i32.load offset=188 (local.get $desc))))
    (block $done
    (block $c68 (block $c67 (block $c66 (block $c65 (block $c64 (block $c63 (block $c62 (block $c61 (block $c60
    (block $c59 (block $c58 (block $c57 (block $c56 (block $c55 (block $c54 (block $c53 (block $c52
    (block $c51 (block $c50 (block $c49 (block $c48 (block $c47 (block $c46 (block $c45 (block $c44
    (block $c43 (block $c42 (block $c41 (block $c40 (block $c39 (block $c38 (block $c37 (block $c36
    (block $c35 (block $c34 (block $c33 (block $c32 (block $c31 (block $c30 (block $c29 (block $c28
    (block $c27 (block $c26 (block $c25 (block $c24 (block $c23 (block $c22 (block $c21 (block $c20
    (block $c19 (block $c18 (block $c17 (block $c16 (block $c15 (block $c14 (block $c13 (block $c12
    (block $c11 (block $c10 (block $c9 (block $c8 (block $c7 (block $c6 (block $c5 (block $c4
    (block $c3 (block $c2 (block $c1 (block $c0
(br_table $c0 $c1 $c2 $c3 $c4 $c5 $c6 $c7 $c8 $c9 $c10 $c11 $c12 $c13 $c14 $c15 $c16 $c17 $c18 $c19 $c20
        $c21 $c22 $c23 $c24 $c25 $c26 $c27 $c28 $c29 $c30 $c31 $c32 $c33 $c34 $c35 $c36 $c37 $c38 $c39 $c40
        $c41 $c42 $c43 $c44 $c45 $c46 $c47 $c48 $c49 $c50 $c51 $c52 $c53 $c54 $c55 $c56 $c57 $c58 $c59 $c60
        $c61 $c62 $c63 $c64 $c65 $c66 $c67 $c68 (local.get $op)))
    ;; 0: neg
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l0
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (v128.store (i32.add (local.get $d) (local.get $i)) (f32x4.neg (local.get $x)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l0 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 1: abs
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l1
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (v128.store (i32.add (local.get $d) (local.get $i)) (f32x4.abs (local.get $x)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l1 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 2: exp
    (call $exp_run (local.get $a) (local.get $d) (local.get $end))
    (br $done))
    ;; 3: log
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l3
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (v128.store (i32.add (local.get $d) (local.get $i)) (call $log4 (local.get $x)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l3 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 4: sqrt
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l4
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (v128.store (i32.add (local.get $d) (local.get $i)) (f32x4.sqrt (local.get $x)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l4 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 5: rsqrt
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l5
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (v128.store (i32.add (local.get $d) (local.get $i)) (call $rsqrt4 (local.get $x)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l5 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 6: tanh
    (call $tanh_run (local.get $a) (local.get $d) (local.get $end))
    (br $done))
    ;; 7: sigmoid
    (call $sigmoid_run (local.get $a) (local.get $d) (local.get $end))
    (br $done))
    ;; 8: relu
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l8
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
(v128.store (i32.add (local.get $d) (local.get $i)) (v128.and (local.get $x) (f32x4.gt (local.get $x)
        (v128.const f32x4 0 0 0 0))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l8 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 9: gelu
    (call $gelu_run (local.get $a) (local.get $d) (local.get $end))
    (br $done))
    ;; 10: gelu_grad
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l10
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (v128.store (i32.add (local.get $d) (local.get $i)) (call $gelu_grad4 (local.get $x)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l10 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 11: silu
    (call $silu_run (local.get $a) (local.get $d) (local.get $end))
    (br $done))
    ;; 12: silu_grad
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l12
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (v128.store (i32.add (local.get $d) (local.get $i)) (call $silu_grad4 (local.get $x)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l12 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 13: sin
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l13
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (v128.store (i32.add (local.get $d) (local.get $i)) (call $sincos4 (local.get $x) (i32.const 0)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l13 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 14: cos
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l14
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (v128.store (i32.add (local.get $d) (local.get $i)) (call $sincos4 (local.get $x) (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l14 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 15: square
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l15
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (v128.store (i32.add (local.get $d) (local.get $i)) (f32x4.mul (local.get $x) (local.get $x)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l15 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 16: recip
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l16
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
(v128.store (i32.add (local.get $d) (local.get $i)) (f32x4.div (v128.const f32x4 1 1 1 1) (local.get $x)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l16 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 17: sign
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l17
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (v128.store (i32.add (local.get $d) (local.get $i)) (call $sign4 (local.get $x)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l17 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 18: floor
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l18
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (v128.store (i32.add (local.get $d) (local.get $i)) (f32x4.floor (local.get $x)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l18 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 19: clamp
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l19
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
(v128.store (i32.add (local.get $d) (local.get $i)) (f32x4.min (f32x4.max (local.get $x) (local.get $p0))
        (local.get $p1)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l19 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 20: affine
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l20
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
(v128.store (i32.add (local.get $d) (local.get $i)) (call $affine4 (local.get $x) (local.get $q0) (local.get
        $q1)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l20 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 21: i32 neg (also u32)
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l21
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (v128.store (i32.add (local.get $d) (local.get $i)) (i32x4.neg (local.get $x)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l21 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 22: i32 abs
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l22
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (v128.store (i32.add (local.get $d) (local.get $i)) (i32x4.abs (local.get $x)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l22 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 23: i32 sign
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l23
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
(v128.store (i32.add (local.get $d) (local.get $i)) (v128.or (i32x4.shr_s (local.get $x) (i32.const 31))
        (v128.and (i32x4.ne (local.get $x) (v128.const i32x4 0 0 0 0)) (v128.const i32x4 1 1 1 1))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l23 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 24: u32 sign
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l24
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
(v128.store (i32.add (local.get $d) (local.get $i)) (v128.and (i32x4.ne (local.get $x) (v128.const i32x4 0 0
        0 0)) (v128.const i32x4 1 1 1 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l24 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 25: i32 clamp
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l25
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
(v128.store (i32.add (local.get $d) (local.get $i)) (i32x4.min_s (i32x4.max_s (local.get $x) (local.get
        $i0)) (local.get $i1)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l25 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 26: u32 clamp
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l26
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
(v128.store (i32.add (local.get $d) (local.get $i)) (i32x4.min_u (i32x4.max_u (local.get $x) (local.get
        $i0)) (local.get $i1)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l26 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 27: f32 add
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l27
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $i))))
        (v128.store (i32.add (local.get $d) (local.get $i)) (f32x4.add (local.get $x) (local.get $y)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l27 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 28: f32 sub
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l28
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $i))))
        (v128.store (i32.add (local.get $d) (local.get $i)) (f32x4.sub (local.get $x) (local.get $y)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l28 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 29: f32 mul
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l29
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $i))))
        (v128.store (i32.add (local.get $d) (local.get $i)) (f32x4.mul (local.get $x) (local.get $y)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l29 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 30: f32 div
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l30
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $i))))
        (v128.store (i32.add (local.get $d) (local.get $i)) (f32x4.div (local.get $x) (local.get $y)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l30 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 31: f32 pow
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l31
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $i))))
        (v128.store (i32.add (local.get $d) (local.get $i)) (call $pow4 (local.get $x) (local.get $y)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l31 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 32: f32 maximum (NaN-propagating, like JS Math.max)
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l32
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $i))))
        (v128.store (i32.add (local.get $d) (local.get $i)) (f32x4.max (local.get $x) (local.get $y)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l32 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 33: f32 minimum
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l33
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $i))))
        (v128.store (i32.add (local.get $d) (local.get $i)) (f32x4.min (local.get $x) (local.get $y)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l33 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 34: f32 eq
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l34
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $i))))
(v128.store (i32.add (local.get $d) (local.get $i)) (v128.and (f32x4.eq (local.get $x) (local.get $y))
        (v128.const i32x4 1 1 1 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l34 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 35: f32 ne
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l35
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $i))))
(v128.store (i32.add (local.get $d) (local.get $i)) (v128.and (f32x4.ne (local.get $x) (local.get $y))
        (v128.const i32x4 1 1 1 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l35 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 36: f32 lt
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l36
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $i))))
(v128.store (i32.add (local.get $d) (local.get $i)) (v128.and (f32x4.lt (local.get $x) (local.get $y))
        (v128.const i32x4 1 1 1 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l36 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 37: f32 le
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l37
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $i))))
(v128.store (i32.add (local.get $d) (local.get $i)) (v128.and (f32x4.le (local.get $x) (local.get $y))
        (v128.const i32x4 1 1 1 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l37 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 38: f32 gt
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l38
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $i))))
(v128.store (i32.add (local.get $d) (local.get $i)) (v128.and (f32x4.gt (local.get $x) (local.get $y))
        (v128.const i32x4 1 1 1 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l38 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 39: f32 ge
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l39
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $i))))
(v128.store (i32.add (local.get $d) (local.get $i)) (v128.and (f32x4.ge (local.get $x) (local.get $y))
        (v128.const i32x4 1 1 1 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l39 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 40: i32/u32 add
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l40
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $i))))
        (v128.store (i32.add (local.get $d) (local.get $i)) (i32x4.add (local.get $x) (local.get $y)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l40 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 41: i32/u32 sub
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l41
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $i))))
        (v128.store (i32.add (local.get $d) (local.get $i)) (i32x4.sub (local.get $x) (local.get $y)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l41 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 42: i32/u32 mul (wraps mod 2^32)
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l42
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $i))))
        (v128.store (i32.add (local.get $d) (local.get $i)) (i32x4.mul (local.get $x) (local.get $y)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l42 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 43: i32 maximum
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l43
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $i))))
        (v128.store (i32.add (local.get $d) (local.get $i)) (i32x4.max_s (local.get $x) (local.get $y)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l43 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 44: i32 minimum
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l44
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $i))))
        (v128.store (i32.add (local.get $d) (local.get $i)) (i32x4.min_s (local.get $x) (local.get $y)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l44 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 45: i32/u32 eq
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l45
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $i))))
(v128.store (i32.add (local.get $d) (local.get $i)) (v128.and (i32x4.eq (local.get $x) (local.get $y))
        (v128.const i32x4 1 1 1 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l45 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 46: i32/u32 ne
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l46
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $i))))
(v128.store (i32.add (local.get $d) (local.get $i)) (v128.and (i32x4.ne (local.get $x) (local.get $y))
        (v128.const i32x4 1 1 1 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l46 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 47: i32 lt
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l47
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $i))))
(v128.store (i32.add (local.get $d) (local.get $i)) (v128.and (i32x4.lt_s (local.get $x) (local.get $y))
        (v128.const i32x4 1 1 1 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l47 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 48: i32 le
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l48
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $i))))
(v128.store (i32.add (local.get $d) (local.get $i)) (v128.and (i32x4.le_s (local.get $x) (local.get $y))
        (v128.const i32x4 1 1 1 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l48 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 49: i32 gt
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l49
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $i))))
(v128.store (i32.add (local.get $d) (local.get $i)) (v128.and (i32x4.gt_s (local.get $x) (local.get $y))
        (v128.const i32x4 1 1 1 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l49 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 50: i32 ge
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l50
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $i))))
(v128.store (i32.add (local.get $d) (local.get $i)) (v128.and (i32x4.ge_s (local.get $x) (local.get $y))
        (v128.const i32x4 1 1 1 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l50 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 51: u32 maximum
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l51
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $i))))
        (v128.store (i32.add (local.get $d) (local.get $i)) (i32x4.max_u (local.get $x) (local.get $y)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l51 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 52: u32 minimum
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l52
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $i))))
        (v128.store (i32.add (local.get $d) (local.get $i)) (i32x4.min_u (local.get $x) (local.get $y)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l52 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 53: u32 lt
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l53
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $i))))
(v128.store (i32.add (local.get $d) (local.get $i)) (v128.and (i32x4.lt_u (local.get $x) (local.get $y))
        (v128.const i32x4 1 1 1 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l53 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 54: u32 le
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l54
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $i))))
(v128.store (i32.add (local.get $d) (local.get $i)) (v128.and (i32x4.le_u (local.get $x) (local.get $y))
        (v128.const i32x4 1 1 1 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l54 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 55: u32 gt
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l55
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $i))))
(v128.store (i32.add (local.get $d) (local.get $i)) (v128.and (i32x4.gt_u (local.get $x) (local.get $y))
        (v128.const i32x4 1 1 1 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l55 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 56: u32 ge
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l56
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $i))))
(v128.store (i32.add (local.get $d) (local.get $i)) (v128.and (i32x4.ge_u (local.get $x) (local.get $y))
        (v128.const i32x4 1 1 1 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l56 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 57: where, f32 condition (-0 is false, NaN true)
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l57
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $i))))
        (local.set $z (v128.load (i32.add (local.get $c) (local.get $i))))
(v128.store (i32.add (local.get $d) (local.get $i)) (v128.bitselect (local.get $y) (local.get $z) (f32x4.ne
        (local.get $x) (v128.const f32x4 0 0 0 0))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l57 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 58: where, i32/u32 condition
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l58
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $i))))
        (local.set $z (v128.load (i32.add (local.get $c) (local.get $i))))
(v128.store (i32.add (local.get $d) (local.get $i)) (v128.bitselect (local.get $y) (local.get $z) (i32x4.ne
        (local.get $x) (v128.const i32x4 0 0 0 0))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l58 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 59: copy (any dtype: bits)
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l59
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (v128.store (i32.add (local.get $d) (local.get $i)) (local.get $x))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l59 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 60: cast f32 -> i32/u32 (ToInt32 bits: truncate, wrap mod 2^32, NaN/Inf -> 0)
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l60
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (v128.store (i32.add (local.get $d) (local.get $i)) (call $toint4 (local.get $x)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l60 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 61: cast i32 -> f32
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l61
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (v128.store (i32.add (local.get $d) (local.get $i)) (f32x4.convert_i32x4_s (local.get $x)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l61 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 62: cast u32 -> f32
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l62
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (v128.store (i32.add (local.get $d) (local.get $i)) (f32x4.convert_i32x4_u (local.get $x)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l62 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 63: f32 x / p0 in f64 (a scalar not representable in f32)
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l63
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
(v128.store (i32.add (local.get $d) (local.get $i)) (call $divd4 (local.get $x) (local.get $q0) (i32.const
        0)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l63 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 64: f32 p0 / x in f64
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l64
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
(v128.store (i32.add (local.get $d) (local.get $i)) (call $divd4 (local.get $x) (local.get $q0) (i32.const
        1)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l64 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 65: f32 x ** p0 in f64
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l65
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
(v128.store (i32.add (local.get $d) (local.get $i)) (call $pows4 (local.get $x) (local.get $q0) (i32.const
        0)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l65 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 66: f32 p0 ** x in f64
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l66
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
(v128.store (i32.add (local.get $d) (local.get $i)) (call $pows4 (local.get $x) (local.get $q0) (i32.const
        1)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l66 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; 67: round (halfway cases to even)
    (if (i32.lt_u (local.get $i) (local.get $end)) (then
      (loop $l67
        (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
        (v128.store (i32.add (local.get $d) (local.get $i)) (f32x4.nearest (local.get $x)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l67 (i32.lt_u (local.get $i) (local.get $end))))))
    (br $done))
    ;; unknown op
    unreachable))


  ;; ---- transposed copy --------------------------------------------------------------------------------

  ;; dst[b][r][c] = src[b][c ld + r] (element offsets; src batches bs apart, dst contiguous [B, R, C]) for
  ;; rows [r0, r1): the copy of a transposed view. The driver would gather each run element by element
  ;; from lines a row stride apart (4 KiB apart for 1024-wide rows: all in one L1 set); here 4x4 blocks
  ;; are loaded as 4 vectors along r, transposed with shuffles and stored as 4 vectors along c.
  (func (export "transpose") (param $src i32) (param $dst i32) (param $nb i32) (param $R i32) (param $C i32)
    (param $ld i32) (param $bs i32) (param $r0 i32) (param $r1 i32)
    (local $b i32) (local $s i32) (local $d i32) (local $r i32) (local $c i32) (local $j i32) (local $p i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128) (local $t0 v128) (local $t1 v128)
    (local $t2 v128) (local $t3 v128)
    (if (i32.eqz (local.get $nb)) (then (return)))
    (loop $batches
      (local.set $s (i32.add (local.get $src) (i32.shl (i32.mul (local.get $b) (local.get $bs)) (i32.const 2))))
      (local.set $d (i32.add (local.get $dst)
        (i32.shl (i32.mul (local.get $b) (i32.mul (local.get $R) (local.get $C))) (i32.const 2))))
      (local.set $r (local.get $r0))
      (if (i32.le_s (i32.add (local.get $r) (i32.const 4)) (local.get $r1)) (then
        (loop $rows4
          (local.set $c (i32.const 0))
          (if (i32.le_s (i32.const 4) (local.get $C)) (then
            (loop $cols4
              ;; v_i = src[(c + i) ld + r .. + 4]
              (local.set $p (i32.add (local.get $s)
                (i32.shl (i32.add (i32.mul (local.get $c) (local.get $ld)) (local.get $r)) (i32.const 2))))
              (local.set $j (i32.shl (local.get $ld) (i32.const 2)))
              (local.set $v0 (v128.load (local.get $p)))
              (local.set $v1 (v128.load (i32.add (local.get $p) (local.get $j))))
              (local.set $v2 (v128.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 1)))))
              (local.set $v3 (v128.load (i32.add (local.get $p) (i32.mul (local.get $j) (i32.const 3)))))
              (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v0) (local.get $v1)))
              (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v0) (local.get $v1)))
              (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v2) (local.get $v3)))
              (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v2) (local.get $v3)))
              ;; dst row r + j, columns c .. c + 4
              (local.set $p (i32.add (local.get $d)
                (i32.shl (i32.add (i32.mul (local.get $r) (local.get $C)) (local.get $c)) (i32.const 2))))
              (local.set $j (i32.shl (local.get $C) (i32.const 2)))
              (v128.store (local.get $p)
                (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
              (v128.store (i32.add (local.get $p) (local.get $j))
                (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
              (v128.store (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 1)))
                (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
              (v128.store (i32.add (local.get $p) (i32.mul (local.get $j) (i32.const 3)))
                (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
              (local.set $c (i32.add (local.get $c) (i32.const 4)))
              (br_if $cols4 (i32.le_s (i32.add (local.get $c) (i32.const 4)) (local.get $C))))))
          ;; the last C % 4 columns of these 4 rows
          (if (i32.lt_s (local.get $c) (local.get $C)) (then
            (loop $ctail
              (local.set $j (i32.const 0))
              (loop $rj
                (i32.store (i32.add (local.get $d) (i32.shl
                    (i32.add (i32.mul (i32.add (local.get $r) (local.get $j)) (local.get $C)) (local.get $c)) (i32.const 2)))
                  (i32.load (i32.add (local.get $s) (i32.shl
                    (i32.add (i32.mul (local.get $c) (local.get $ld)) (i32.add (local.get $r) (local.get $j))) (i32.const 2)))))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br_if $rj (i32.lt_u (local.get $j) (i32.const 4))))
              (local.set $c (i32.add (local.get $c) (i32.const 1)))
              (br_if $ctail (i32.lt_s (local.get $c) (local.get $C))))))
          (local.set $r (i32.add (local.get $r) (i32.const 4)))
          (br_if $rows4 (i32.le_s (i32.add (local.get $r) (i32.const 4)) (local.get $r1))))))
      ;; the last rows, one element at a time
      (if (i32.lt_s (local.get $r) (local.get $r1)) (then
        (loop $rtail
          (local.set $c (i32.const 0))
          (loop $cs
            (i32.store (i32.add (local.get $d)
                (i32.shl (i32.add (i32.mul (local.get $r) (local.get $C)) (local.get $c)) (i32.const 2)))
              (i32.load (i32.add (local.get $s)
                (i32.shl (i32.add (i32.mul (local.get $c) (local.get $ld)) (local.get $r)) (i32.const 2)))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br_if $cs (i32.lt_s (local.get $c) (local.get $C))))
          (local.set $r (i32.add (local.get $r) (i32.const 1)))
          (br_if $rtail (i32.lt_s (local.get $r) (local.get $r1))))))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br_if $batches (i32.lt_u (local.get $b) (local.get $nb)))))

  ;; ---- the driver ------------------------------------------------------------------------------------

  ;; Output elements [start, end) of the job described at `desc`, with the work area `work` (one per
  ;; thread). Returns the status (1: a sin/cos argument was out of range; the caller recomputes).
  (func $ew (export "ew") (param $desc i32) (param $work i32) (param $start i32) (param $end i32) (result i32)
    (local $nin i32) (local $op i32) (local $cap i32) (local $pos i32) (local $rem i32) (local $d i32)
    (local $k i32) (local $o i32) (local $len i32) (local $s5 i32) (local $st i32) (local $src i32)
    (local $buf i32) (local $j i32) (local $nv i32) (local $t i32) (local $v v128) (local $dst i32) (local $wrap i32)
    (global.set $status (i32.const 0))
    (local.set $op (i32.load (local.get $desc)))
    (local.set $nin (i32.load offset=4 (local.get $desc)))
    ;; runs are capped at the block size only where a buffer is used
    (local.set $cap (select (i32.const 0x7fffffff) (i32.const 1024) (i32.load offset=8 (local.get $desc))))
    (local.set $s5 (i32.load offset=36 (local.get $desc)))
    ;; idx = the multi-index of `start`
    (local.set $rem (local.get $start))
    (local.set $d (i32.const 5))
    (loop $ix
      (local.set $t (i32.load offset=16 (i32.add (local.get $desc) (i32.shl (local.get $d) (i32.const 2)))))
      (i32.store (i32.add (local.get $work) (i32.shl (local.get $d) (i32.const 2)))
        (i32.rem_u (local.get $rem) (local.get $t)))
      (local.set $rem (i32.div_u (local.get $rem) (local.get $t)))
      (local.set $d (i32.sub (local.get $d) (i32.const 1)))
      (br_if $ix (i32.ge_s (local.get $d) (i32.const 0))))
    ;; off[k] = sum_d idx[d] stride[k][d]; last[k] = none
    (local.set $k (i32.const 0))
    (loop $ks
      (local.set $o (i32.const 0))
      (local.set $d (i32.const 0))
      (loop $ds
        (local.set $o (i32.add (local.get $o) (i32.mul
          (i32.load (i32.add (local.get $work) (i32.shl (local.get $d) (i32.const 2))))
          (call $stride (local.get $desc) (local.get $k) (local.get $d)))))
        (local.set $d (i32.add (local.get $d) (i32.const 1)))
        (br_if $ds (i32.lt_u (local.get $d) (i32.const 6))))
      (i32.store offset=32 (i32.add (local.get $work) (i32.shl (local.get $k) (i32.const 2))) (local.get $o))
      (i32.store offset=48 (i32.add (local.get $work) (i32.shl (local.get $k) (i32.const 2))) (i32.const 0x80000000))
      (i32.store offset=96 (i32.add (local.get $work) (i32.shl (local.get $k) (i32.const 2))) (i32.const 0))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $ks (i32.le_u (local.get $k) (local.get $nin))))
    (local.set $pos (local.get $start))
    (if (i32.lt_u (local.get $pos) (local.get $end)) (then
      (loop $runs
        ;; len = min(shape[5] - idx[5], end - pos, cap)
        (local.set $len (i32.sub (local.get $s5) (i32.load offset=20 (local.get $work))))
        (if (i32.lt_u (i32.sub (local.get $end) (local.get $pos)) (local.get $len))
          (then (local.set $len (i32.sub (local.get $end) (local.get $pos)))))
        (if (i32.lt_u (local.get $cap) (local.get $len)) (then (local.set $len (local.get $cap))))
        ;; input runs: in place, a broadcast buffer, or gathered
        (local.set $k (i32.const 1))
        (loop $inputs
          (local.set $st (i32.load offset=76 (i32.add (local.get $desc) (i32.mul (local.get $k) (i32.const 24)))))
          (local.set $o (i32.load offset=32 (i32.add (local.get $work) (i32.shl (local.get $k) (i32.const 2)))))
          (local.set $src (i32.add (i32.load offset=40 (i32.add (local.get $desc) (i32.shl (local.get $k) (i32.const 2))))
            (i32.shl (local.get $o) (i32.const 2))))
          (local.set $buf (i32.add (i32.add (local.get $work) (i32.const 256)) (i32.shl (local.get $k) (i32.const 12))))
          (if (i32.eq (local.get $st) (i32.const 1))
            (then (local.set $buf (local.get $src)))
            (else (if (i32.eqz (local.get $st))
              (then
                ;; broadcast: (re)fill len elements (whole vectors) when the value or the length changed
                (if (i32.or
                      (i32.ne (local.get $o)
                        (i32.load offset=48 (i32.add (local.get $work) (i32.shl (local.get $k) (i32.const 2)))))
                      (i32.gt_u (local.get $len)
                        (i32.load offset=96 (i32.add (local.get $work) (i32.shl (local.get $k) (i32.const 2))))))
                  (then
                    (local.set $v (v128.load32_splat (local.get $src)))
                    (local.set $t (i32.shl (i32.and (i32.add (local.get $len) (i32.const 3)) (i32.const -4)) (i32.const 2)))
                    (local.set $j (i32.const 0))
                    (loop $fill
                      (v128.store (i32.add (local.get $buf) (local.get $j)) (local.get $v))
                      (local.set $j (i32.add (local.get $j) (i32.const 16)))
                      (br_if $fill (i32.lt_u (local.get $j) (local.get $t))))
                    (i32.store offset=48 (i32.add (local.get $work) (i32.shl (local.get $k) (i32.const 2)))
                      (local.get $o))
                    (i32.store offset=96 (i32.add (local.get $work) (i32.shl (local.get $k) (i32.const 2)))
                      (i32.shr_u (local.get $t) (i32.const 2))))))
              (else
                (local.set $j (i32.const 0))
                (loop $gather
                  (i32.store (i32.add (local.get $buf) (i32.shl (local.get $j) (i32.const 2)))
                    (i32.load (i32.add (local.get $src) (i32.shl (i32.mul (local.get $j) (local.get $st)) (i32.const 2)))))
                  (local.set $j (i32.add (local.get $j) (i32.const 1)))
                  (br_if $gather (i32.lt_u (local.get $j) (local.get $len))))))))
          (i32.store offset=80 (i32.add (local.get $work) (i32.shl (local.get $k) (i32.const 2))) (local.get $buf))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br_if $inputs (i32.le_u (local.get $k) (local.get $nin))))
        ;; output: in place or through buffer 0
        (local.set $st (i32.load offset=76 (local.get $desc)))
        (local.set $dst (select
          (i32.add (i32.load offset=40 (local.get $desc)) (i32.shl (i32.load offset=32 (local.get $work)) (i32.const 2)))
          (i32.add (local.get $work) (i32.const 256))
          (i32.eq (local.get $st) (i32.const 1))))
        (local.set $nv (i32.shr_u (local.get $len) (i32.const 2)))
        (if (local.get $nv)
          (then
            (call $apply (local.get $desc) (local.get $op) (i32.load offset=84 (local.get $work))
              (i32.load offset=88 (local.get $work)) (i32.load offset=92 (local.get $work)) (local.get $dst) (local.get $nv))))
        ;; the last len % 4 elements through the tail vectors
        (local.set $t (i32.and (local.get $len) (i32.const 3)))
        (if (local.get $t)
          (then
            (local.set $j (i32.shl (local.get $nv) (i32.const 4)))
            (local.set $k (i32.const 1))
            (loop $tails
              (call $copy_few (i32.add (i32.add (local.get $work) (i32.const 128)) (i32.shl (local.get $k) (i32.const 4)))
                (i32.add (i32.load offset=80 (i32.add (local.get $work) (i32.shl (local.get $k) (i32.const 2))))
                  (local.get $j))
                (local.get $t))
              (local.set $k (i32.add (local.get $k) (i32.const 1)))
              (br_if $tails (i32.le_u (local.get $k) (local.get $nin))))
            (call $apply (local.get $desc) (local.get $op) (i32.add (local.get $work) (i32.const 144))
              (i32.add (local.get $work) (i32.const 160)) (i32.add (local.get $work) (i32.const 176))
              (i32.add (local.get $work) (i32.const 128)) (i32.const 1))
            (call $copy_few (i32.add (local.get $dst) (local.get $j)) (i32.add (local.get $work) (i32.const 128))
              (local.get $t))))
        ;; scatter a strided output
        (if (i32.ne (local.get $st) (i32.const 1))
          (then
            (local.set $src (i32.add (i32.load offset=40 (local.get $desc))
              (i32.shl (i32.load offset=32 (local.get $work)) (i32.const 2))))
            (local.set $j (i32.const 0))
            (loop $scatter
              (i32.store (i32.add (local.get $src) (i32.shl (i32.mul (local.get $j) (local.get $st)) (i32.const 2)))
                (i32.load (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 2)))))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br_if $scatter (i32.lt_u (local.get $j) (local.get $len))))))
        ;; advance pos and idx[5]; at the end of a row go back to its start (off[k] -= s5 stride[k][5]) and
        ;; carry into the outer dimensions
        (local.set $pos (i32.add (local.get $pos) (local.get $len)))
        (local.set $t (i32.add (i32.load offset=20 (local.get $work)) (local.get $len)))
        (local.set $wrap (i32.and (i32.ge_u (local.get $t) (local.get $s5)) (i32.lt_u (local.get $pos) (local.get $end))))
        (if (local.get $wrap) (then (local.set $t (i32.const 0))))
        (i32.store offset=20 (local.get $work) (local.get $t))
        (local.set $t (select (i32.sub (local.get $len) (local.get $s5)) (local.get $len) (local.get $wrap)))
        (local.set $k (i32.const 0))
        (loop $step5
          (local.set $o (i32.add (local.get $work) (i32.shl (local.get $k) (i32.const 2))))
          (i32.store offset=32 (local.get $o) (i32.add (i32.load offset=32 (local.get $o))
            (i32.mul (local.get $t) (i32.load offset=76 (i32.add (local.get $desc) (i32.mul (local.get $k) (i32.const 24)))))))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br_if $step5 (i32.le_u (local.get $k) (local.get $nin))))
        (if (local.get $wrap)
          (then
            (local.set $d (i32.const 4))
            (block $carried
              (loop $carry
                (call $step (local.get $desc) (local.get $work) (local.get $nin) (local.get $d) (i32.const 1))
                (local.set $o (i32.add (i32.load (i32.add (local.get $work) (i32.shl (local.get $d) (i32.const 2))))
                  (i32.const 1)))
                (local.set $t (i32.load offset=16 (i32.add (local.get $desc) (i32.shl (local.get $d) (i32.const 2)))))
                (if (i32.lt_u (local.get $o) (local.get $t))
                  (then
                    (i32.store (i32.add (local.get $work) (i32.shl (local.get $d) (i32.const 2))) (local.get $o))
                    (br $carried)))
                (call $step (local.get $desc) (local.get $work) (local.get $nin) (local.get $d)
                  (i32.sub (i32.const 0) (local.get $t)))
                (i32.store (i32.add (local.get $work) (i32.shl (local.get $d) (i32.const 2))) (i32.const 0))
                (local.set $d (i32.sub (local.get $d) (i32.const 1)))
                (br_if $carry (i32.ge_s (local.get $d) (i32.const 0)))))))
        (br_if $runs (i32.lt_u (local.get $pos) (local.get $end))))))
    (i32.store offset=64 (local.get $work) (global.get $status))
    (global.get $status))

  ;; stride (elements) of tensor k (0 = output) along dimension d
  (func $stride (param $desc i32) (param $k i32) (param $d i32) (result i32)
    (i32.load offset=56 (i32.add (local.get $desc)
      (i32.shl (i32.add (i32.mul (local.get $k) (i32.const 6)) (local.get $d)) (i32.const 2)))))

  ;; n (< 4) elements from src to dst
  (func $copy_few (param $dst i32) (param $src i32) (param $n i32)
    (loop $c
      (i32.store (local.get $dst) (i32.load (local.get $src)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
      (local.set $src (i32.add (local.get $src) (i32.const 4)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $c (local.get $n))))

  ;; off[k] += times * stride[k][d] for the output and every input
  (func $step (param $desc i32) (param $work i32) (param $nin i32) (param $d i32) (param $times i32)
    (local $k i32) (local $p i32)
    (loop $ks
      (local.set $p (i32.add (local.get $work) (i32.shl (local.get $k) (i32.const 2))))
      (i32.store offset=32 (local.get $p) (i32.add (i32.load offset=32 (local.get $p))
        (i32.mul (local.get $times) (call $stride (local.get $desc) (local.get $k) (local.get $d)))))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $ks (i32.le_u (local.get $k) (local.get $nin)))))
)
