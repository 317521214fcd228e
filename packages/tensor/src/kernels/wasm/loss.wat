;; Cross-entropy over contiguous logits [N, V] (f32, or f16 stored widened) restricted to the columns
;; [start, end) (K = end - start classes), i32 targets [N] holding absolute ids, on WebAssembly SIMD128
;; (the 'wasm' backend's 'crossEntropy' and 'crossEntropyBackward'; the spec is backend/cpu/loss.ts).
;; Per row, with label smoothing ε:
;;   lse = m + log Σ_j exp(x_j - m)  (m = max over the slice),
;;   loss = (1-ε)·(lse - x_t) + ε·(lse - Σ_j x_j / K), 0 when t = ignoreIndex.
;;   dx_j = scale·(exp(x_j - lse) - ε/K - (1-ε)·[j = t]) inside the slice, 0 outside and on ignored rows.
;; Rows are independent: a thread runs rows [r0, r1). The row losses go out as f64 (the reduction sums
;; them in row order on one thread, so the result does not depend on the thread count).
;; exp is Cephes' expf on 4 lanes (the same code as softmax.wat); log is evaluated in f64 (atanh series).
;; Addresses are byte offsets into the shared memory.
(module
  (import "env" "memory" (memory 1 65536 shared))

  (func $exp4 (param $x v128) (result v128)
    (local $t v128) (local $n v128) (local $r v128) (local $p v128) (local $under v128)
    (local.set $under (f32x4.lt (local.get $x) (v128.const f32x4 -87.33 -87.33 -87.33 -87.33)))
    (local.set $x (f32x4.pmax (f32x4.pmin (local.get $x) (v128.const f32x4 88.37 88.37 88.37 88.37))
      (v128.const f32x4 -87.33 -87.33 -87.33 -87.33)))
    (local.set $t (f32x4.add (f32x4.mul (local.get $x) (v128.const f32x4 1.44269504 1.44269504 1.44269504 1.44269504))
      (v128.const f32x4 12582912 12582912 12582912 12582912)))
    (local.set $n (f32x4.sub (local.get $t) (v128.const f32x4 12582912 12582912 12582912 12582912)))
    (local.set $r (f32x4.sub (local.get $x)
      (f32x4.mul (local.get $n) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375))))
    (local.set $r (f32x4.sub (local.get $r)
      (f32x4.mul (local.get $n) (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))))
    (local.set $p (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4))
    (local.set $p (f32x4.add (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3)
      (f32x4.mul (local.get $p) (local.get $r))))
    (local.set $p (f32x4.add (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3)
      (f32x4.mul (local.get $p) (local.get $r))))
    (local.set $p (f32x4.add (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2)
      (f32x4.mul (local.get $p) (local.get $r))))
    (local.set $p (f32x4.add (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1)
      (f32x4.mul (local.get $p) (local.get $r))))
    (local.set $p (f32x4.add (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1)
      (f32x4.mul (local.get $p) (local.get $r))))
    (local.set $p (f32x4.add
      (f32x4.add (f32x4.mul (local.get $p) (f32x4.mul (local.get $r) (local.get $r))) (local.get $r))
      (v128.const f32x4 1 1 1 1)))
    ;; 2^n: the low bits of t hold n + magic's mantissa; (bits(t) - bits(magic) + 127) << 23
    (local.set $p (f32x4.mul (local.get $p)
      (i32x4.shl (i32x4.sub (local.get $t) (v128.const i32x4 0x4b3fff81 0x4b3fff81 0x4b3fff81 0x4b3fff81))
                 (i32.const 23))))
    (v128.andnot (local.get $p) (local.get $under)))

  (func $exp1 (param $x f32) (result f32)
    (f32x4.extract_lane 0 (call $exp4 (f32x4.splat (local.get $x)))))

  ;; Natural log in f64 for x > 0 (NaN, +inf, 0 pass through as log would give them): x = m·2^e with
  ;; m in [√½, √2), log x = e·ln 2 + 2·atanh(z), z = (m-1)/(m+1), |z| < 0.172: the series to z^13 is
  ;; exact to ~1e-12 relative, far below f32 precision. (Subnormal x is not needed here: x ≥ 1.)
  (func $log64 (param $x f64) (result f64)
    (local $b i64) (local $e i32) (local $m f64) (local $z f64) (local $z2 f64)
    (if (i32.eqz (f64.gt (local.get $x) (f64.const 0)))
      (then (return (if (result f64) (f64.eq (local.get $x) (f64.const 0))
        (then (f64.const -inf)) (else (f64.const nan))))))
    (if (f64.eq (local.get $x) (f64.const inf)) (then (return (local.get $x))))
    (local.set $b (i64.reinterpret_f64 (local.get $x)))
    (local.set $e (i32.sub (i32.wrap_i64 (i64.shr_u (local.get $b) (i64.const 52))) (i32.const 1023)))
    (local.set $m (f64.reinterpret_i64 (i64.or
      (i64.and (local.get $b) (i64.const 0x000fffffffffffff)) (i64.const 0x3ff0000000000000))))
    (if (f64.gt (local.get $m) (f64.const 1.4142135623730951))
      (then
        (local.set $m (f64.mul (local.get $m) (f64.const 0.5)))
        (local.set $e (i32.add (local.get $e) (i32.const 1)))))
    (local.set $z (f64.div (f64.sub (local.get $m) (f64.const 1)) (f64.add (local.get $m) (f64.const 1))))
    (local.set $z2 (f64.mul (local.get $z) (local.get $z)))
    ;; q = 1 + z²/3 + z⁴/5 + … + z¹²/13 (Horner in z²)
    (local.set $m (f64.const 0.07692307692307693))
    (local.set $m (f64.add (f64.const 0.09090909090909091) (f64.mul (local.get $m) (local.get $z2))))
    (local.set $m (f64.add (f64.const 0.1111111111111111) (f64.mul (local.get $m) (local.get $z2))))
    (local.set $m (f64.add (f64.const 0.14285714285714285) (f64.mul (local.get $m) (local.get $z2))))
    (local.set $m (f64.add (f64.const 0.2) (f64.mul (local.get $m) (local.get $z2))))
    (local.set $m (f64.add (f64.const 0.3333333333333333) (f64.mul (local.get $m) (local.get $z2))))
    (local.set $m (f64.add (f64.const 1) (f64.mul (local.get $m) (local.get $z2))))
    (f64.add
      (f64.mul (f64.convert_i32_s (local.get $e)) (f64.const 0.6931471805599453))
      (f64.mul (f64.mul (f64.const 2) (local.get $z)) (local.get $m))))

  ;; Σ over the 4 lanes
  (func $hsum (param $v v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  ;; Forward over rows [r0, r1): lse[r] (f32), loss[r] (f64; 0 on ignored rows and bad targets).
  ;; info (2 i32 per call): [0] rows counted (target not ignoreIndex and inside the slice), [1] the first
  ;; row whose target is outside [start, end) and is not ignoreIndex, or -1.
  (func (export "ce_rows") (param $x i32) (param $t i32) (param $lse i32) (param $loss i32)
    (param $r0 i32) (param $r1 i32) (param $V i32) (param $start i32) (param $end i32) (param $ignore i32)
    (param $eps f32) (param $info i32)
    (local $r i32) (local $s i32) (local $p i32) (local $vend i32) (local $end_b i32) (local $tg i32)
    (local $count i32) (local $bad i32)
    (local $m v128) (local $acc v128) (local $sxv v128) (local $v v128)
    (local $mx f32) (local $sum f32) (local $sx f32) (local $x1 f32)
    (local $l f64) (local $k f64) (local $e64 f64)
    (local.set $bad (i32.const -1))
    (local.set $k (f64.convert_i32_s (i32.sub (local.get $end) (local.get $start))))
    (local.set $e64 (f64.promote_f32 (local.get $eps)))
    (local.set $r (local.get $r0))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $r1)))
        ;; the slice of row r: bytes [s, end_b), the vector part up to vend
        (local.set $s (i32.add (local.get $x)
          (i32.shl (i32.add (i32.mul (local.get $r) (local.get $V)) (local.get $start)) (i32.const 2))))
        (local.set $end_b (i32.add (local.get $s)
          (i32.shl (i32.sub (local.get $end) (local.get $start)) (i32.const 2))))
        (local.set $vend (i32.add (local.get $s)
          (i32.shl (i32.and (i32.sub (local.get $end) (local.get $start)) (i32.const -4)) (i32.const 2))))
        ;; 1. max and Σ x
        (local.set $m (v128.const f32x4 -inf -inf -inf -inf))
        (local.set $sxv (v128.const f32x4 0 0 0 0))
        (local.set $p (local.get $s))
        (block $m_done
          (loop $ms
            (br_if $m_done (i32.ge_u (local.get $p) (local.get $vend)))
            (local.set $v (v128.load (local.get $p)))
            (local.set $m (f32x4.max (local.get $m) (local.get $v)))
            (local.set $sxv (f32x4.add (local.get $sxv) (local.get $v)))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (br $ms)))
        (local.set $mx (f32.max
          (f32.max (f32x4.extract_lane 0 (local.get $m)) (f32x4.extract_lane 1 (local.get $m)))
          (f32.max (f32x4.extract_lane 2 (local.get $m)) (f32x4.extract_lane 3 (local.get $m)))))
        (local.set $sx (call $hsum (local.get $sxv)))
        (block $mt_done
          (loop $mt
            (br_if $mt_done (i32.ge_u (local.get $p) (local.get $end_b)))
            (local.set $x1 (f32.load (local.get $p)))
            (local.set $mx (f32.max (local.get $mx) (local.get $x1)))
            (local.set $sx (f32.add (local.get $sx) (local.get $x1)))
            (local.set $p (i32.add (local.get $p) (i32.const 4)))
            (br $mt)))
        ;; 2. Σ exp(x - max)
        (local.set $m (f32x4.splat (local.get $mx)))
        (local.set $acc (v128.const f32x4 0 0 0 0))
        (local.set $p (local.get $s))
        (block $e_done
          (loop $es
            (br_if $e_done (i32.ge_u (local.get $p) (local.get $vend)))
            (local.set $acc (f32x4.add (local.get $acc)
              (call $exp4 (f32x4.sub (v128.load (local.get $p)) (local.get $m)))))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (br $es)))
        (local.set $sum (call $hsum (local.get $acc)))
        (block $et_done
          (loop $et
            (br_if $et_done (i32.ge_u (local.get $p) (local.get $end_b)))
            (local.set $sum (f32.add (local.get $sum)
              (call $exp1 (f32.sub (f32.load (local.get $p)) (local.get $mx)))))
            (local.set $p (i32.add (local.get $p) (i32.const 4)))
            (br $et)))
        ;; 3. lse, then the row loss
        (local.set $l (f64.add (f64.promote_f32 (local.get $mx)) (call $log64 (f64.promote_f32 (local.get $sum)))))
        (f32.store (i32.add (local.get $lse) (i32.shl (local.get $r) (i32.const 2))) (f32.demote_f64 (local.get $l)))
        (local.set $tg (i32.load (i32.add (local.get $t) (i32.shl (local.get $r) (i32.const 2)))))
        (f64.store (i32.add (local.get $loss) (i32.shl (local.get $r) (i32.const 3))) (f64.const 0))
        (if (i32.ne (local.get $tg) (local.get $ignore))
          (then
            (if (i32.or (i32.lt_s (local.get $tg) (local.get $start)) (i32.ge_s (local.get $tg) (local.get $end)))
              (then
                (if (i32.lt_s (local.get $bad) (i32.const 0)) (then (local.set $bad (local.get $r)))))
              (else
                (local.set $count (i32.add (local.get $count) (i32.const 1)))
                (f64.store (i32.add (local.get $loss) (i32.shl (local.get $r) (i32.const 3)))
                  (f64.add
                    (f64.mul (f64.sub (f64.const 1) (local.get $e64))
                      (f64.sub (local.get $l) (f64.promote_f32 (f32.load (i32.add (local.get $x)
                        (i32.shl (i32.add (i32.mul (local.get $r) (local.get $V)) (local.get $tg)) (i32.const 2)))))))
                    (f64.mul (local.get $e64)
                      (f64.sub (local.get $l) (f64.div (f64.promote_f32 (local.get $sx)) (local.get $k))))))))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows)))
    (i32.store (local.get $info) (local.get $count))
    (i32.store offset=4 (local.get $info) (local.get $bad)))

  ;; The 'none' output: out[r] = f32(loss[r]) for r < n.
  (func (export "ce_demote") (param $loss i32) (param $out i32) (param $n i32)
    (local $r i32)
    (block $done
      (loop $rs
        (br_if $done (i32.ge_u (local.get $r) (local.get $n)))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 2)))
          (f32.demote_f64 (f64.load (i32.add (local.get $loss) (i32.shl (local.get $r) (i32.const 3))))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rs))))

  ;; Σ loss[r] for r < n in row order (f64), the 'sum' / 'mean' reductions.
  (func (export "ce_sum") (param $loss i32) (param $n i32) (result f64)
    (local $r i32) (local $s f64)
    (block $done
      (loop $rs
        (br_if $done (i32.ge_u (local.get $r) (local.get $n)))
        (local.set $s (f64.add (local.get $s)
          (f64.load (i32.add (local.get $loss) (i32.shl (local.get $r) (i32.const 3))))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rs)))
    (local.get $s))

  ;; Backward over rows [r0, r1) into dx [N, V]: the row's scale is g[r] when g ≠ 0 (reduction 'none'),
  ;; else `scale` (g / count for 'mean', g for 'sum', computed by the caller).
  (func (export "ce_backward_rows") (param $x i32) (param $t i32) (param $lse i32) (param $g i32) (param $dx i32)
    (param $r0 i32) (param $r1 i32) (param $V i32) (param $start i32) (param $end i32) (param $ignore i32)
    (param $eps f32) (param $scale f32)
    (local $r i32) (local $s i32) (local $d i32) (local $p i32) (local $vend i32) (local $end_b i32) (local $tg i32)
    (local $row i32) (local $o i32)
    (local $l v128) (local $ek v128) (local $sc v128)
    (local $l1 f32) (local $ek1 f32) (local $sc1 f32)
    (local.set $ek1 (f32.div (local.get $eps) (f32.convert_i32_s (i32.sub (local.get $end) (local.get $start)))))
    (local.set $ek (f32x4.splat (local.get $ek1)))
    (local.set $r (local.get $r0))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $r1)))
        (local.set $row (i32.shl (i32.mul (local.get $r) (local.get $V)) (i32.const 2)))
        (local.set $tg (i32.load (i32.add (local.get $t) (i32.shl (local.get $r) (i32.const 2)))))
        (if (i32.eq (local.get $tg) (local.get $ignore))
          (then
            (memory.fill (i32.add (local.get $dx) (local.get $row)) (i32.const 0) (i32.shl (local.get $V) (i32.const 2))))
          (else
            ;; zero outside the slice
            (memory.fill (i32.add (local.get $dx) (local.get $row)) (i32.const 0) (i32.shl (local.get $start) (i32.const 2)))
            (memory.fill (i32.add (local.get $dx) (i32.add (local.get $row) (i32.shl (local.get $end) (i32.const 2))))
              (i32.const 0) (i32.shl (i32.sub (local.get $V) (local.get $end)) (i32.const 2)))
            (local.set $sc1 (if (result f32) (local.get $g)
              (then (f32.load (i32.add (local.get $g) (i32.shl (local.get $r) (i32.const 2)))))
              (else (local.get $scale))))
            (local.set $sc (f32x4.splat (local.get $sc1)))
            (local.set $l1 (f32.load (i32.add (local.get $lse) (i32.shl (local.get $r) (i32.const 2)))))
            (local.set $l (f32x4.splat (local.get $l1)))
            (local.set $s (i32.add (local.get $x) (i32.add (local.get $row) (i32.shl (local.get $start) (i32.const 2)))))
            (local.set $d (i32.add (local.get $dx) (i32.add (local.get $row) (i32.shl (local.get $start) (i32.const 2)))))
            (local.set $end_b (i32.add (local.get $s)
              (i32.shl (i32.sub (local.get $end) (local.get $start)) (i32.const 2))))
            (local.set $vend (i32.add (local.get $s)
              (i32.shl (i32.and (i32.sub (local.get $end) (local.get $start)) (i32.const -4)) (i32.const 2))))
            (local.set $o (i32.sub (local.get $d) (local.get $s)))
            (local.set $p (local.get $s))
            ;; dx = scale (exp(x - lse) - ε/K)
            (block $v_done
              (loop $vs
                (br_if $v_done (i32.ge_u (local.get $p) (local.get $vend)))
                (v128.store (i32.add (local.get $p) (local.get $o))
                  (f32x4.mul (local.get $sc)
                    (f32x4.sub (call $exp4 (f32x4.sub (v128.load (local.get $p)) (local.get $l))) (local.get $ek))))
                (local.set $p (i32.add (local.get $p) (i32.const 16)))
                (br $vs)))
            (block $t_done
              (loop $ts
                (br_if $t_done (i32.ge_u (local.get $p) (local.get $end_b)))
                (f32.store (i32.add (local.get $p) (local.get $o))
                  (f32.mul (local.get $sc1)
                    (f32.sub (call $exp1 (f32.sub (f32.load (local.get $p)) (local.get $l1))) (local.get $ek1))))
                (local.set $p (i32.add (local.get $p) (i32.const 4)))
                (br $ts)))
            ;; the target column: - scale (1 - ε)
            (if (i32.and (i32.ge_s (local.get $tg) (local.get $start)) (i32.lt_s (local.get $tg) (local.get $end)))
              (then
                (local.set $p (i32.add (local.get $x) (i32.add (local.get $row) (i32.shl (local.get $tg) (i32.const 2)))))
                (f32.store (i32.add (local.get $p) (local.get $o))
                  (f32.mul (local.get $sc1)
                    (f32.sub
                      (f32.sub (call $exp1 (f32.sub (f32.load (local.get $p)) (local.get $l1))) (local.get $ek1))
                      (f32.sub (f32.const 1) (local.get $eps)))))))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows))))
)
