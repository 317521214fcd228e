;; Softmax over contiguous rows of n f32 on WebAssembly SIMD128 (the 'wasm' backend's 'softmax').
;; Per row: max (f32x4.max, NaN propagates like Math.max), then e = exp(x - max) stored into dst while
;; summing, then dst *= 1 / sum. exp is Cephes' expf on 4 lanes: 2^n * p(r) with n = round(x / ln 2),
;; r = x - n ln 2 (two-part ln 2), p a degree-6 polynomial (≤ 2 ulp); arguments below -87.33 give 0.
;; n is rounded by adding 1.5·2^23 (whose ulp is 1), and 2^n is built from that sum's low bits; the clamps
;; are pmin/pmax (one instruction each, NaN still passes through): ~2x faster than nearest/trunc_sat/min/max.
;; log_softmax_rows: x - max - log Σ exp(x - max), the log evaluated in f64 (atanh series).
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

  ;; dst[r][j] = log_softmax(src[r])_j = x - max - log Σ exp(x - max), rows of n (dst may equal src).
  (func (export "log_softmax_rows") (param $src i32) (param $dst i32) (param $rows i32) (param $n i32)
    (local $r i32) (local $s i32) (local $d i32) (local $end i32) (local $vend i32)
    (local $m v128) (local $mx f32) (local $acc v128) (local $sum f32) (local $ls f32) (local $vl v128)
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $s (i32.add (local.get $src) (i32.shl (i32.mul (local.get $r) (local.get $n)) (i32.const 2))))
        (local.set $d (i32.add (local.get $dst) (i32.shl (i32.mul (local.get $r) (local.get $n)) (i32.const 2))))
        (local.set $end (i32.add (local.get $s) (i32.shl (local.get $n) (i32.const 2))))
        (local.set $vend (i32.add (local.get $s) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
        ;; 1. max
        (local.set $m (v128.const f32x4 -inf -inf -inf -inf))
        (block $m_done
          (loop $ms
            (br_if $m_done (i32.ge_u (local.get $s) (local.get $vend)))
            (local.set $m (f32x4.max (local.get $m) (v128.load (local.get $s))))
            (local.set $s (i32.add (local.get $s) (i32.const 16)))
            (br $ms)))
        (local.set $mx (f32.max
          (f32.max (f32x4.extract_lane 0 (local.get $m)) (f32x4.extract_lane 1 (local.get $m)))
          (f32.max (f32x4.extract_lane 2 (local.get $m)) (f32x4.extract_lane 3 (local.get $m)))))
        (block $mt_done
          (loop $mt
            (br_if $mt_done (i32.ge_u (local.get $s) (local.get $end)))
            (local.set $mx (f32.max (local.get $mx) (f32.load (local.get $s))))
            (local.set $s (i32.add (local.get $s) (i32.const 4)))
            (br $mt)))
        ;; 2. Σ exp(x - max)
        (local.set $s (i32.sub (local.get $s) (i32.shl (local.get $n) (i32.const 2))))
        (local.set $m (f32x4.splat (local.get $mx)))
        (local.set $acc (v128.const f32x4 0 0 0 0))
        (block $e_done
          (loop $es
            (br_if $e_done (i32.ge_u (local.get $s) (local.get $vend)))
            (local.set $acc (f32x4.add (local.get $acc)
              (call $exp4 (f32x4.sub (v128.load (local.get $s)) (local.get $m)))))
            (local.set $s (i32.add (local.get $s) (i32.const 16)))
            (br $es)))
        (local.set $sum (f32.add
          (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
          (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
        (block $et_done
          (loop $et
            (br_if $et_done (i32.ge_u (local.get $s) (local.get $end)))
            (local.set $sum (f32.add (local.get $sum)
              (call $exp1 (f32.sub (f32.load (local.get $s)) (local.get $mx)))))
            (local.set $s (i32.add (local.get $s) (i32.const 4)))
            (br $et)))
        ;; 3. dst = (x - max) - log Σ
        (local.set $ls (f32.demote_f64 (call $log64 (f64.promote_f32 (local.get $sum)))))
        (local.set $vl (f32x4.splat (local.get $ls)))
        (local.set $s (i32.sub (local.get $s) (i32.shl (local.get $n) (i32.const 2))))
        (block $d_done
          (loop $ds
            (br_if $d_done (i32.ge_u (local.get $s) (local.get $vend)))
            (v128.store (local.get $d)
              (f32x4.sub (f32x4.sub (v128.load (local.get $s)) (local.get $m)) (local.get $vl)))
            (local.set $s (i32.add (local.get $s) (i32.const 16)))
            (local.set $d (i32.add (local.get $d) (i32.const 16)))
            (br $ds)))
        (block $dt_done
          (loop $dt
            (br_if $dt_done (i32.ge_u (local.get $s) (local.get $end)))
            (f32.store (local.get $d)
              (f32.sub (f32.sub (f32.load (local.get $s)) (local.get $mx)) (local.get $ls)))
            (local.set $s (i32.add (local.get $s) (i32.const 4)))
            (local.set $d (i32.add (local.get $d) (i32.const 4)))
            (br $dt)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows))))

  ;; dst[r][j] = softmax(src[r])_j for `rows` contiguous rows of n (src and dst may not overlap partially).
  (func (export "softmax_rows") (param $src i32) (param $dst i32) (param $rows i32) (param $n i32)
    (local $r i32) (local $s i32) (local $d i32) (local $end i32) (local $vend i32)
    (local $m v128) (local $mx f32) (local $acc v128) (local $sum f32) (local $e v128) (local $inv v128)
    (local $e1 f32)
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $s (i32.add (local.get $src) (i32.shl (i32.mul (local.get $r) (local.get $n)) (i32.const 2))))
        (local.set $d (i32.add (local.get $dst) (i32.shl (i32.mul (local.get $r) (local.get $n)) (i32.const 2))))
        (local.set $end (i32.add (local.get $s) (i32.shl (local.get $n) (i32.const 2))))
        (local.set $vend (i32.add (local.get $s) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
        ;; 1. max
        (local.set $m (v128.const f32x4 -inf -inf -inf -inf))
        (block $m_done
          (loop $ms
            (br_if $m_done (i32.ge_u (local.get $s) (local.get $vend)))
            (local.set $m (f32x4.max (local.get $m) (v128.load (local.get $s))))
            (local.set $s (i32.add (local.get $s) (i32.const 16)))
            (br $ms)))
        (local.set $mx (f32.max
          (f32.max (f32x4.extract_lane 0 (local.get $m)) (f32x4.extract_lane 1 (local.get $m)))
          (f32.max (f32x4.extract_lane 2 (local.get $m)) (f32x4.extract_lane 3 (local.get $m)))))
        (block $mt_done
          (loop $mt
            (br_if $mt_done (i32.ge_u (local.get $s) (local.get $end)))
            (local.set $mx (f32.max (local.get $mx) (f32.load (local.get $s))))
            (local.set $s (i32.add (local.get $s) (i32.const 4)))
            (br $mt)))
        ;; 2. e = exp(x - max) into dst, summed
        (local.set $s (i32.sub (local.get $s) (i32.shl (local.get $n) (i32.const 2))))
        (local.set $m (f32x4.splat (local.get $mx)))
        (local.set $acc (v128.const f32x4 0 0 0 0))
        (block $e_done
          (loop $es
            (br_if $e_done (i32.ge_u (local.get $s) (local.get $vend)))
            (local.set $e (call $exp4 (f32x4.sub (v128.load (local.get $s)) (local.get $m))))
            (v128.store (local.get $d) (local.get $e))
            (local.set $acc (f32x4.add (local.get $acc) (local.get $e)))
            (local.set $s (i32.add (local.get $s) (i32.const 16)))
            (local.set $d (i32.add (local.get $d) (i32.const 16)))
            (br $es)))
        (local.set $sum (f32.add
          (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
          (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
        (block $et_done
          (loop $et
            (br_if $et_done (i32.ge_u (local.get $s) (local.get $end)))
            (local.set $e1 (call $exp1 (f32.sub (f32.load (local.get $s)) (local.get $mx))))
            (f32.store (local.get $d) (local.get $e1))
            (local.set $sum (f32.add (local.get $sum) (local.get $e1)))
            (local.set $s (i32.add (local.get $s) (i32.const 4)))
            (local.set $d (i32.add (local.get $d) (i32.const 4)))
            (br $et)))
        ;; 3. dst /= sum
        (local.set $d (i32.sub (local.get $d) (i32.shl (local.get $n) (i32.const 2))))
        (local.set $end (i32.add (local.get $d) (i32.shl (local.get $n) (i32.const 2))))
        (local.set $vend (i32.add (local.get $d) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
        (local.set $inv (f32x4.splat (local.get $sum)))
        (block $d_done
          (loop $ds
            (br_if $d_done (i32.ge_u (local.get $d) (local.get $vend)))
            (v128.store (local.get $d) (f32x4.div (v128.load (local.get $d)) (local.get $inv)))
            (local.set $d (i32.add (local.get $d) (i32.const 16)))
            (br $ds)))
        (block $dt_done
          (loop $dt
            (br_if $dt_done (i32.ge_u (local.get $d) (local.get $end)))
            (f32.store (local.get $d) (f32.div (f32.load (local.get $d)) (local.get $sum)))
            (local.set $d (i32.add (local.get $d) (i32.const 4)))
            (br $dt)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows))))

  ;; Backward over contiguous rows: softmax dx = y (g - Σ g y); log-softmax (y = log p) dx = g - exp(y) Σ g.
  (func (export "softmax_backward_rows") (param $y i32) (param $g i32) (param $dst i32) (param $rows i32)
    (param $n i32) (param $log i32)
    (local $r i32) (local $j i32) (local $vn i32) (local $o i32) (local $yb i32) (local $gb i32) (local $db i32)
    (local $acc v128) (local $s f32) (local $vs v128) (local $yv v128) (local $gv v128) (local $y1 f32) (local $g1 f32)
    (local.set $vn (i32.and (local.get $n) (i32.const -4)))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $o (i32.shl (i32.mul (local.get $r) (local.get $n)) (i32.const 2)))
        (local.set $yb (i32.add (local.get $y) (local.get $o)))
        (local.set $gb (i32.add (local.get $g) (local.get $o)))
        (local.set $db (i32.add (local.get $dst) (local.get $o)))
        ;; s = Σ g y (softmax) or Σ g (log-softmax)
        (local.set $acc (v128.const f32x4 0 0 0 0))
        (local.set $j (i32.const 0))
        (block $s_done
          (loop $ss
            (br_if $s_done (i32.ge_u (local.get $j) (local.get $vn)))
            (local.set $o (i32.shl (local.get $j) (i32.const 2)))
            (local.set $gv (v128.load (i32.add (local.get $gb) (local.get $o))))
            (if (local.get $log)
              (then (local.set $acc (f32x4.add (local.get $acc) (local.get $gv))))
              (else (local.set $acc (f32x4.add (local.get $acc)
                (f32x4.mul (local.get $gv) (v128.load (i32.add (local.get $yb) (local.get $o))))))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $ss)))
        (local.set $s (f32.add
          (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
          (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
        (block $st_done
          (loop $st
            (br_if $st_done (i32.ge_u (local.get $j) (local.get $n)))
            (local.set $o (i32.shl (local.get $j) (i32.const 2)))
            (local.set $g1 (f32.load (i32.add (local.get $gb) (local.get $o))))
            (if (local.get $log)
              (then (local.set $s (f32.add (local.get $s) (local.get $g1))))
              (else (local.set $s (f32.add (local.get $s)
                (f32.mul (local.get $g1) (f32.load (i32.add (local.get $yb) (local.get $o))))))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $st)))
        ;; dx
        (local.set $vs (f32x4.splat (local.get $s)))
        (local.set $j (i32.const 0))
        (block $d_done
          (loop $ds
            (br_if $d_done (i32.ge_u (local.get $j) (local.get $vn)))
            (local.set $o (i32.shl (local.get $j) (i32.const 2)))
            (local.set $yv (v128.load (i32.add (local.get $yb) (local.get $o))))
            (local.set $gv (v128.load (i32.add (local.get $gb) (local.get $o))))
            (v128.store (i32.add (local.get $db) (local.get $o))
              (if (result v128) (local.get $log)
                (then (f32x4.sub (local.get $gv) (f32x4.mul (call $exp4 (local.get $yv)) (local.get $vs))))
                (else (f32x4.mul (local.get $yv) (f32x4.sub (local.get $gv) (local.get $vs))))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $ds)))
        (block $dt_done
          (loop $dt
            (br_if $dt_done (i32.ge_u (local.get $j) (local.get $n)))
            (local.set $o (i32.shl (local.get $j) (i32.const 2)))
            (local.set $y1 (f32.load (i32.add (local.get $yb) (local.get $o))))
            (local.set $g1 (f32.load (i32.add (local.get $gb) (local.get $o))))
            (f32.store (i32.add (local.get $db) (local.get $o))
              (if (result f32) (local.get $log)
                (then (f32.sub (local.get $g1) (f32.mul (call $exp1 (local.get $y1)) (local.get $s))))
                (else (f32.mul (local.get $y1) (f32.sub (local.get $g1) (local.get $s))))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $dt)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows))))
)
