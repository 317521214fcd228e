;; Row reductions on WebAssembly SIMD128 for the 'wasm' backend's 'reduce' (src/kernels/wasm/reduce.ts).
;; Contract: src/backend/cpu/reduce.ts. The input is contiguous [outer, n] (element bytes at `src`); with
;; `parts` > 1 each row is cut into `parts` segments of ceil(n / parts) elements and output w reduces
;; segment w % parts of row w / parts. `reduce` computes outputs [w0, w1) (threads split that range).
;;   op: 0 sum, 1 max, 2 min, 3 argmax, 4 argmin (first index of the extreme, i32 out)
;;   dt: 0 f32 (f16 stored widened), 1 i32, 2 u32
;; f32 sums accumulate in f64 (4 f64x2 accumulators), so they round like the reference's f64 sum; integer
;; sums wrap mod 2^32 like its Int32Array/Uint32Array store. max/min keep, per lane, the best value and
;; its index, replacing it only when a later value is strictly better, like the reference's scan: NaN is
;; never better, so a NaN first element is the result and later NaNs are skipped; ties keep the first
;; index (lanes are merged preferring the smaller index).
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; v strictly better than b (v > b for max, v < b for min), for one element (bit patterns)
  (func $better1 (param $dt i32) (param $min i32) (param $v i32) (param $b i32) (result i32)
    (local $t i32)
    (if (local.get $min)
      (then (local.set $t (local.get $v)) (local.set $v (local.get $b)) (local.set $b (local.get $t))))
    (if (result i32) (i32.eqz (local.get $dt))
      (then (f32.gt (f32.reinterpret_i32 (local.get $v)) (f32.reinterpret_i32 (local.get $b))))
      (else (if (result i32) (i32.eq (local.get $dt) (i32.const 1))
        (then (i32.gt_s (local.get $v) (local.get $b)))
        (else (i32.gt_u (local.get $v) (local.get $b)))))))

  (func $equal1 (param $dt i32) (param $v i32) (param $b i32) (result i32)
    (if (result i32) (i32.eqz (local.get $dt))
      (then (f32.eq (f32.reinterpret_i32 (local.get $v)) (f32.reinterpret_i32 (local.get $b))))
      (else (i32.eq (local.get $v) (local.get $b)))))

  ;; Σ of f32 [lo, hi) at p (element addresses), in f64
  (func $sum_f32 (param $p i32) (param $lo i32) (param $hi i32) (result f32)
    (local $j i32) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $v v128) (local $w v128)
    (local $s f64)
    (local.set $j (local.get $lo))
    (if (i32.le_s (i32.add (local.get $j) (i32.const 8)) (local.get $hi)) (then
      (loop $l8
        (local.set $v (v128.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2)))))
        (local.set $w (v128.load offset=16 (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2)))))
        (local.set $a0 (f64x2.add (local.get $a0) (f64x2.promote_low_f32x4 (local.get $v))))
        (local.set $a1 (f64x2.add (local.get $a1) (f64x2.promote_low_f32x4
          (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $v) (local.get $v)))))
        (local.set $a2 (f64x2.add (local.get $a2) (f64x2.promote_low_f32x4 (local.get $w))))
        (local.set $a3 (f64x2.add (local.get $a3) (f64x2.promote_low_f32x4
          (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $w) (local.get $w)))))
        (local.set $j (i32.add (local.get $j) (i32.const 8)))
        (br_if $l8 (i32.le_s (i32.add (local.get $j) (i32.const 8)) (local.get $hi))))))
    (local.set $a0 (f64x2.add (f64x2.add (local.get $a0) (local.get $a1)) (f64x2.add (local.get $a2) (local.get $a3))))
    (local.set $s (f64.add (f64x2.extract_lane 0 (local.get $a0)) (f64x2.extract_lane 1 (local.get $a0))))
    (if (i32.lt_s (local.get $j) (local.get $hi)) (then
      (loop $l1
        (local.set $s (f64.add (local.get $s)
          (f64.promote_f32 (f32.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2)))))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $l1 (i32.lt_s (local.get $j) (local.get $hi))))))
    (f32.demote_f64 (local.get $s)))

  ;; Σ of i32/u32 [lo, hi) at p, wrapping
  (func $sum_i32 (param $p i32) (param $lo i32) (param $hi i32) (result i32)
    (local $j i32) (local $a0 v128) (local $a1 v128) (local $s i32)
    (local.set $j (local.get $lo))
    (if (i32.le_s (i32.add (local.get $j) (i32.const 8)) (local.get $hi)) (then
      (loop $l8
        (local.set $a0 (i32x4.add (local.get $a0) (v128.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))))))
        (local.set $a1 (i32x4.add (local.get $a1)
          (v128.load offset=16 (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))))))
        (local.set $j (i32.add (local.get $j) (i32.const 8)))
        (br_if $l8 (i32.le_s (i32.add (local.get $j) (i32.const 8)) (local.get $hi))))))
    (local.set $a0 (i32x4.add (local.get $a0) (local.get $a1)))
    (local.set $s (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $a0)) (i32x4.extract_lane 1 (local.get $a0)))
      (i32.add (i32x4.extract_lane 2 (local.get $a0)) (i32x4.extract_lane 3 (local.get $a0)))))
    (if (i32.lt_s (local.get $j) (local.get $hi)) (then
      (loop $l1
        (local.set $s (i32.add (local.get $s) (i32.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $l1 (i32.lt_s (local.get $j) (local.get $hi))))))
    (local.get $s))

  ;; max/min over [lo, hi) (hi > lo) at p: stores the value's bits (arg = 0) or its index (arg = 1) at out
  (func $extreme (param $dt i32) (param $min i32) (param $arg i32) (param $p i32) (param $lo i32) (param $hi i32)
    (param $out i32)
    (local $j i32) (local $bv v128) (local $bi v128) (local $jv v128) (local $v v128) (local $m v128) (local $flip v128)
    (local $best i32) (local $bidx i32) (local $x i32) (local $xi i32) (local $l i32)
    (local.set $best (i32.load (i32.add (local.get $p) (i32.shl (local.get $lo) (i32.const 2)))))
    (local.set $bidx (local.get $lo))
    (local.set $j (local.get $lo))
    (if (i32.le_s (i32.add (local.get $j) (i32.const 4)) (local.get $hi))
      (then
        (local.set $bv (i32x4.splat (local.get $best)))
        (local.set $bi (i32x4.splat (local.get $lo)))
        (local.set $jv (i32x4.add (i32x4.splat (local.get $lo)) (v128.const i32x4 0 1 2 3)))
        ;; u32 compares as i32 after flipping the sign bit (undone after the loop)
        (local.set $flip (select (i32x4.splat (i32.const 0x80000000)) (v128.const i32x4 0 0 0 0)
          (i32.eq (local.get $dt) (i32.const 2))))
        (local.set $bv (v128.xor (local.get $bv) (local.get $flip)))
        ;; one loop per comparison, so the loop body has no calls or branches
        (if (i32.eqz (local.get $dt))
          (then
            (if (local.get $min)
              (then
                (loop $fmin
                  (local.set $v (v128.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2)))))
                  (local.set $m (f32x4.lt (local.get $v) (local.get $bv)))
                  (local.set $bv (v128.bitselect (local.get $v) (local.get $bv) (local.get $m)))
                  (local.set $bi (v128.bitselect (local.get $jv) (local.get $bi) (local.get $m)))
                  (local.set $jv (i32x4.add (local.get $jv) (v128.const i32x4 4 4 4 4)))
                  (local.set $j (i32.add (local.get $j) (i32.const 4)))
                  (br_if $fmin (i32.le_s (i32.add (local.get $j) (i32.const 4)) (local.get $hi)))))
              (else
                (loop $fmax
                  (local.set $v (v128.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2)))))
                  (local.set $m (f32x4.gt (local.get $v) (local.get $bv)))
                  (local.set $bv (v128.bitselect (local.get $v) (local.get $bv) (local.get $m)))
                  (local.set $bi (v128.bitselect (local.get $jv) (local.get $bi) (local.get $m)))
                  (local.set $jv (i32x4.add (local.get $jv) (v128.const i32x4 4 4 4 4)))
                  (local.set $j (i32.add (local.get $j) (i32.const 4)))
                  (br_if $fmax (i32.le_s (i32.add (local.get $j) (i32.const 4)) (local.get $hi)))))))
          (else
            (if (local.get $min)
              (then
                (loop $imin
                  (local.set $v (v128.xor (local.get $flip)
                    (v128.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))))))
                  (local.set $m (i32x4.lt_s (local.get $v) (local.get $bv)))
                  (local.set $bv (v128.bitselect (local.get $v) (local.get $bv) (local.get $m)))
                  (local.set $bi (v128.bitselect (local.get $jv) (local.get $bi) (local.get $m)))
                  (local.set $jv (i32x4.add (local.get $jv) (v128.const i32x4 4 4 4 4)))
                  (local.set $j (i32.add (local.get $j) (i32.const 4)))
                  (br_if $imin (i32.le_s (i32.add (local.get $j) (i32.const 4)) (local.get $hi)))))
              (else
                (loop $imax
                  (local.set $v (v128.xor (local.get $flip)
                    (v128.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))))))
                  (local.set $m (i32x4.gt_s (local.get $v) (local.get $bv)))
                  (local.set $bv (v128.bitselect (local.get $v) (local.get $bv) (local.get $m)))
                  (local.set $bi (v128.bitselect (local.get $jv) (local.get $bi) (local.get $m)))
                  (local.set $jv (i32x4.add (local.get $jv) (v128.const i32x4 4 4 4 4)))
                  (local.set $j (i32.add (local.get $j) (i32.const 4)))
                  (br_if $imax (i32.le_s (i32.add (local.get $j) (i32.const 4)) (local.get $hi))))))))
        (local.set $bv (v128.xor (local.get $bv) (local.get $flip)))
        ;; merge the lanes: better value, or an equal one seen earlier
        (local.set $best (i32x4.extract_lane 0 (local.get $bv)))
        (local.set $bidx (i32x4.extract_lane 0 (local.get $bi)))
        (local.set $l (i32.const 1))
        (loop $lanes
          ;; rotate lane l to lane 0
          (local.set $bv (i8x16.shuffle 4 5 6 7 8 9 10 11 12 13 14 15 0 1 2 3 (local.get $bv) (local.get $bv)))
          (local.set $bi (i8x16.shuffle 4 5 6 7 8 9 10 11 12 13 14 15 0 1 2 3 (local.get $bi) (local.get $bi)))
          (local.set $x (i32x4.extract_lane 0 (local.get $bv)))
          (local.set $xi (i32x4.extract_lane 0 (local.get $bi)))
          (if (i32.or (call $better1 (local.get $dt) (local.get $min) (local.get $x) (local.get $best))
                (i32.and (call $equal1 (local.get $dt) (local.get $x) (local.get $best))
                  (i32.lt_s (local.get $xi) (local.get $bidx))))
            (then (local.set $best (local.get $x)) (local.set $bidx (local.get $xi))))
          (local.set $l (i32.add (local.get $l) (i32.const 1)))
          (br_if $lanes (i32.lt_u (local.get $l) (i32.const 4))))))
    (if (i32.lt_s (local.get $j) (local.get $hi)) (then
      (loop $l1
        (local.set $x (i32.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2)))))
        (if (call $better1 (local.get $dt) (local.get $min) (local.get $x) (local.get $best))
          (then (local.set $best (local.get $x)) (local.set $bidx (local.get $j))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $l1 (i32.lt_s (local.get $j) (local.get $hi))))))
    (i32.store (local.get $out) (select (local.get $bidx) (local.get $best) (local.get $arg))))

  (func (export "reduce") (param $op i32) (param $dt i32) (param $src i32) (param $dst i32) (param $n i32)
    (param $parts i32) (param $w0 i32) (param $w1 i32)
    (local $w i32) (local $len i32) (local $lo i32) (local $hi i32) (local $p i32) (local $out i32)
    (local.set $len (i32.div_u (i32.sub (i32.add (local.get $n) (local.get $parts)) (i32.const 1)) (local.get $parts)))
    (local.set $w (local.get $w0))
    (if (i32.lt_u (local.get $w) (local.get $w1)) (then
      (loop $ws
        (local.set $lo (i32.mul (i32.rem_u (local.get $w) (local.get $parts)) (local.get $len)))
        (local.set $hi (i32.add (local.get $lo) (local.get $len)))
        (if (i32.gt_u (local.get $hi) (local.get $n)) (then (local.set $hi (local.get $n))))
        (local.set $p (i32.add (local.get $src)
          (i32.shl (i32.mul (i32.div_u (local.get $w) (local.get $parts)) (local.get $n)) (i32.const 2))))
        (local.set $out (i32.add (local.get $dst) (i32.shl (local.get $w) (i32.const 2))))
        (if (i32.eqz (local.get $op))
          (then
            (if (i32.eqz (local.get $dt))
              (then (f32.store (local.get $out) (call $sum_f32 (local.get $p) (local.get $lo) (local.get $hi))))
              (else (i32.store (local.get $out) (call $sum_i32 (local.get $p) (local.get $lo) (local.get $hi))))))
          (else
            (if (i32.lt_s (local.get $lo) (local.get $hi))
              (then
                (call $extreme (local.get $dt) (i32.eqz (i32.and (local.get $op) (i32.const 1)))
                  (i32.ge_u (local.get $op) (i32.const 3)) (local.get $p) (local.get $lo) (local.get $hi) (local.get $out)))
              ;; an empty segment (not made by ops/reduce.ts): the index lo, or NaN / 0
              (else
                (i32.store (local.get $out) (select (local.get $lo)
                  (select (i32.const 0x7fc00000) (i32.const 0) (i32.eqz (local.get $dt)))
                  (i32.ge_u (local.get $op) (i32.const 3))))))))
        (local.set $w (i32.add (local.get $w) (i32.const 1)))
        (br_if $ws (i32.lt_u (local.get $w) (local.get $w1)))))))
)
