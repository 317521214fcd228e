;; Layer norm / RMS norm forward over contiguous rows of n f32 on WebAssembly SIMD128 (the 'wasm'
;; backend's 'layerNorm'). Per row: mean (0 for RMS norm), v = Σ (x - mean)² (two passes, like the CPU
;; reference), rstd = 1 / sqrt(v / n + eps); stats[r] = (mean, rstd); y = (x - mean) · rstd · w + b.
;; w, b: byte addresses of n f32, or 0 when absent. Accumulation is f32 in 4 lanes.
;; The backward (layer_norm_backward_rows + layer_norm_sum_partials) is described at its export.
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; Σ over the 4 lanes
  (func $hsum (param $v v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  (func (export "layer_norm_rows") (param $x i32) (param $y i32) (param $st i32) (param $rows i32) (param $n i32)
    (param $w i32) (param $b i32) (param $rms i32) (param $eps f32)
    (local $r i32) (local $j i32) (local $vn i32) (local $s i32) (local $d i32) (local $o i32)
    (local $acc v128) (local $t v128) (local $vm v128) (local $vr v128)
    (local $sum f32) (local $mean f32) (local $rstd f32) (local $e f32)
    (local.set $vn (i32.and (local.get $n) (i32.const -4)))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $s (i32.add (local.get $x) (i32.shl (i32.mul (local.get $r) (local.get $n)) (i32.const 2))))
        (local.set $d (i32.add (local.get $y) (i32.shl (i32.mul (local.get $r) (local.get $n)) (i32.const 2))))
        ;; mean
        (local.set $mean (f32.const 0))
        (if (i32.eqz (local.get $rms))
          (then
            (local.set $acc (v128.const f32x4 0 0 0 0))
            (local.set $j (i32.const 0))
            (block $a_done
              (loop $as
                (br_if $a_done (i32.ge_u (local.get $j) (local.get $vn)))
                (local.set $acc (f32x4.add (local.get $acc)
                  (v128.load (i32.add (local.get $s) (i32.shl (local.get $j) (i32.const 2))))))
                (local.set $j (i32.add (local.get $j) (i32.const 4)))
                (br $as)))
            (local.set $sum (call $hsum (local.get $acc)))
            (block $at_done
              (loop $at
                (br_if $at_done (i32.ge_u (local.get $j) (local.get $n)))
                (local.set $sum (f32.add (local.get $sum)
                  (f32.load (i32.add (local.get $s) (i32.shl (local.get $j) (i32.const 2))))))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $at)))
            (local.set $mean (f32.div (local.get $sum) (f32.convert_i32_u (local.get $n))))))
        ;; Σ (x - mean)²
        (local.set $vm (f32x4.splat (local.get $mean)))
        (local.set $acc (v128.const f32x4 0 0 0 0))
        (local.set $j (i32.const 0))
        (block $v_done
          (loop $vs
            (br_if $v_done (i32.ge_u (local.get $j) (local.get $vn)))
            (local.set $t (f32x4.sub
              (v128.load (i32.add (local.get $s) (i32.shl (local.get $j) (i32.const 2)))) (local.get $vm)))
            (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $t) (local.get $t))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $vs)))
        (local.set $sum (call $hsum (local.get $acc)))
        (block $vt_done
          (loop $vt
            (br_if $vt_done (i32.ge_u (local.get $j) (local.get $n)))
            (local.set $e (f32.sub
              (f32.load (i32.add (local.get $s) (i32.shl (local.get $j) (i32.const 2)))) (local.get $mean)))
            (local.set $sum (f32.add (local.get $sum) (f32.mul (local.get $e) (local.get $e))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $vt)))
        (local.set $rstd (f32.div (f32.const 1)
          (f32.sqrt (f32.add (f32.div (local.get $sum) (f32.convert_i32_u (local.get $n))) (local.get $eps)))))
        (f32.store (i32.add (local.get $st) (i32.shl (local.get $r) (i32.const 3))) (local.get $mean))
        (f32.store offset=4 (i32.add (local.get $st) (i32.shl (local.get $r) (i32.const 3))) (local.get $rstd))
        ;; y = (x - mean) rstd w + b, vector part then tail
        (local.set $vr (f32x4.splat (local.get $rstd)))
        (local.set $j (i32.const 0))
        (block $y_done
          (loop $ys
            (br_if $y_done (i32.ge_u (local.get $j) (local.get $vn)))
            (local.set $o (i32.shl (local.get $j) (i32.const 2)))
            (local.set $t (f32x4.mul
              (f32x4.sub (v128.load (i32.add (local.get $s) (local.get $o))) (local.get $vm)) (local.get $vr)))
            (if (local.get $w)
              (then (local.set $t (f32x4.mul (local.get $t) (v128.load (i32.add (local.get $w) (local.get $o)))))))
            (if (local.get $b)
              (then (local.set $t (f32x4.add (local.get $t) (v128.load (i32.add (local.get $b) (local.get $o)))))))
            (v128.store (i32.add (local.get $d) (local.get $o)) (local.get $t))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $ys)))
        (block $yt_done
          (loop $yt
            (br_if $yt_done (i32.ge_u (local.get $j) (local.get $n)))
            (local.set $o (i32.shl (local.get $j) (i32.const 2)))
            (local.set $e (f32.mul
              (f32.sub (f32.load (i32.add (local.get $s) (local.get $o))) (local.get $mean)) (local.get $rstd)))
            (if (local.get $w)
              (then (local.set $e (f32.mul (local.get $e) (f32.load (i32.add (local.get $w) (local.get $o)))))))
            (if (local.get $b)
              (then (local.set $e (f32.add (local.get $e) (f32.load (i32.add (local.get $b) (local.get $o)))))))
            (f32.store (i32.add (local.get $d) (local.get $o)) (local.get $e))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $yt)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows))))

  ;; Backward over blocks of rows (the 'wasm' backend's 'layerNormBackward'; spec backend/cpu/norm.ts).
  ;; Block k holds rows [k·B, min((k+1)·B, rows)); this call does blocks [k0, k1). Per row, with
  ;; xh = (x - mean)·rstd and gw = g·w (g without weight):
  ;;   layer norm dx = rstd·(gw - mean(gw) - xh·mean(gw·xh)),  RMS norm dx = rstd·(gw - xh·mean(gw·xh)).
  ;; dwp / dbp (0: not wanted) receive per block the partial sums Σ g·xh and Σ g over the block's rows
  ;; (row k of an [nblocks, n] array); layer_norm_sum_partials adds them in block order, so dw and db do
  ;; not depend on how blocks were spread over threads.
  (func (export "layer_norm_backward_rows") (param $x i32) (param $g i32) (param $st i32) (param $dx i32)
    (param $k0 i32) (param $k1 i32) (param $B i32) (param $rows i32) (param $n i32) (param $w i32)
    (param $dwp i32) (param $dbp i32) (param $rms i32)
    (local $k i32) (local $r i32) (local $rend i32) (local $j i32) (local $vn i32) (local $o i32)
    (local $xb i32) (local $gb i32) (local $db i32) (local $pw i32) (local $pb i32)
    (local $vm v128) (local $vr v128) (local $xh v128) (local $gv v128) (local $gw v128)
    (local $sg v128) (local $sgx v128) (local $vsg v128) (local $vsgx v128)
    (local $mean f32) (local $rstd f32) (local $sg1 f32) (local $sgx1 f32) (local $xh1 f32) (local $g1 f32)
    (local $gw1 f32) (local $nf f32)
    (local.set $vn (i32.and (local.get $n) (i32.const -4)))
    (local.set $nf (f32.convert_i32_u (local.get $n)))
    (local.set $k (local.get $k0))
    (block $blocks_done
      (loop $blocks
        (br_if $blocks_done (i32.ge_u (local.get $k) (local.get $k1)))
        (local.set $pw (if (result i32) (local.get $dwp)
          (then (i32.add (local.get $dwp) (i32.shl (i32.mul (local.get $k) (local.get $n)) (i32.const 2))))
          (else (i32.const 0))))
        (local.set $pb (if (result i32) (local.get $dbp)
          (then (i32.add (local.get $dbp) (i32.shl (i32.mul (local.get $k) (local.get $n)) (i32.const 2))))
          (else (i32.const 0))))
        (if (local.get $pw) (then (memory.fill (local.get $pw) (i32.const 0) (i32.shl (local.get $n) (i32.const 2)))))
        (if (local.get $pb) (then (memory.fill (local.get $pb) (i32.const 0) (i32.shl (local.get $n) (i32.const 2)))))
        (local.set $r (i32.mul (local.get $k) (local.get $B)))
        (local.set $rend (i32.add (local.get $r) (local.get $B)))
        (if (i32.gt_u (local.get $rend) (local.get $rows)) (then (local.set $rend (local.get $rows))))
        (block $rows_done
          (loop $rowl
            (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rend)))
            (local.set $o (i32.shl (i32.mul (local.get $r) (local.get $n)) (i32.const 2)))
            (local.set $xb (i32.add (local.get $x) (local.get $o)))
            (local.set $gb (i32.add (local.get $g) (local.get $o)))
            (local.set $db (i32.add (local.get $dx) (local.get $o)))
            (local.set $mean (f32.load (i32.add (local.get $st) (i32.shl (local.get $r) (i32.const 3)))))
            (local.set $rstd (f32.load offset=4 (i32.add (local.get $st) (i32.shl (local.get $r) (i32.const 3)))))
            (local.set $vm (f32x4.splat (local.get $mean)))
            (local.set $vr (f32x4.splat (local.get $rstd)))
            ;; pass 1: Σ gw, Σ gw·xh; the dw / db partials
            (local.set $sg (v128.const f32x4 0 0 0 0))
            (local.set $sgx (v128.const f32x4 0 0 0 0))
            (local.set $j (i32.const 0))
            (block $p1_done
              (loop $p1
                (br_if $p1_done (i32.ge_u (local.get $j) (local.get $vn)))
                (local.set $o (i32.shl (local.get $j) (i32.const 2)))
                (local.set $xh (f32x4.mul
                  (f32x4.sub (v128.load (i32.add (local.get $xb) (local.get $o))) (local.get $vm)) (local.get $vr)))
                (local.set $gv (v128.load (i32.add (local.get $gb) (local.get $o))))
                (local.set $gw (if (result v128) (local.get $w)
                  (then (f32x4.mul (local.get $gv) (v128.load (i32.add (local.get $w) (local.get $o)))))
                  (else (local.get $gv))))
                (local.set $sg (f32x4.add (local.get $sg) (local.get $gw)))
                (local.set $sgx (f32x4.add (local.get $sgx) (f32x4.mul (local.get $gw) (local.get $xh))))
                (if (local.get $pw)
                  (then (v128.store (i32.add (local.get $pw) (local.get $o))
                    (f32x4.add (v128.load (i32.add (local.get $pw) (local.get $o)))
                      (f32x4.mul (local.get $gv) (local.get $xh))))))
                (if (local.get $pb)
                  (then (v128.store (i32.add (local.get $pb) (local.get $o))
                    (f32x4.add (v128.load (i32.add (local.get $pb) (local.get $o))) (local.get $gv)))))
                (local.set $j (i32.add (local.get $j) (i32.const 4)))
                (br $p1)))
            (local.set $sg1 (call $hsum (local.get $sg)))
            (local.set $sgx1 (call $hsum (local.get $sgx)))
            (block $p1t_done
              (loop $p1t
                (br_if $p1t_done (i32.ge_u (local.get $j) (local.get $n)))
                (local.set $o (i32.shl (local.get $j) (i32.const 2)))
                (local.set $xh1 (f32.mul
                  (f32.sub (f32.load (i32.add (local.get $xb) (local.get $o))) (local.get $mean)) (local.get $rstd)))
                (local.set $g1 (f32.load (i32.add (local.get $gb) (local.get $o))))
                (local.set $gw1 (if (result f32) (local.get $w)
                  (then (f32.mul (local.get $g1) (f32.load (i32.add (local.get $w) (local.get $o)))))
                  (else (local.get $g1))))
                (local.set $sg1 (f32.add (local.get $sg1) (local.get $gw1)))
                (local.set $sgx1 (f32.add (local.get $sgx1) (f32.mul (local.get $gw1) (local.get $xh1))))
                (if (local.get $pw)
                  (then (f32.store (i32.add (local.get $pw) (local.get $o))
                    (f32.add (f32.load (i32.add (local.get $pw) (local.get $o))) (f32.mul (local.get $g1) (local.get $xh1))))))
                (if (local.get $pb)
                  (then (f32.store (i32.add (local.get $pb) (local.get $o))
                    (f32.add (f32.load (i32.add (local.get $pb) (local.get $o))) (local.get $g1)))))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $p1t)))
            (local.set $sg1 (if (result f32) (local.get $rms)
              (then (f32.const 0)) (else (f32.div (local.get $sg1) (local.get $nf)))))
            (local.set $sgx1 (f32.div (local.get $sgx1) (local.get $nf)))
            (local.set $vsg (f32x4.splat (local.get $sg1)))
            (local.set $vsgx (f32x4.splat (local.get $sgx1)))
            ;; pass 2: dx = rstd (gw - sg - xh sgx)
            (local.set $j (i32.const 0))
            (block $p2_done
              (loop $p2
                (br_if $p2_done (i32.ge_u (local.get $j) (local.get $vn)))
                (local.set $o (i32.shl (local.get $j) (i32.const 2)))
                (local.set $xh (f32x4.mul
                  (f32x4.sub (v128.load (i32.add (local.get $xb) (local.get $o))) (local.get $vm)) (local.get $vr)))
                (local.set $gv (v128.load (i32.add (local.get $gb) (local.get $o))))
                (local.set $gw (if (result v128) (local.get $w)
                  (then (f32x4.mul (local.get $gv) (v128.load (i32.add (local.get $w) (local.get $o)))))
                  (else (local.get $gv))))
                (v128.store (i32.add (local.get $db) (local.get $o))
                  (f32x4.mul (local.get $vr)
                    (f32x4.sub (f32x4.sub (local.get $gw) (local.get $vsg)) (f32x4.mul (local.get $xh) (local.get $vsgx)))))
                (local.set $j (i32.add (local.get $j) (i32.const 4)))
                (br $p2)))
            (block $p2t_done
              (loop $p2t
                (br_if $p2t_done (i32.ge_u (local.get $j) (local.get $n)))
                (local.set $o (i32.shl (local.get $j) (i32.const 2)))
                (local.set $xh1 (f32.mul
                  (f32.sub (f32.load (i32.add (local.get $xb) (local.get $o))) (local.get $mean)) (local.get $rstd)))
                (local.set $g1 (f32.load (i32.add (local.get $gb) (local.get $o))))
                (local.set $gw1 (if (result f32) (local.get $w)
                  (then (f32.mul (local.get $g1) (f32.load (i32.add (local.get $w) (local.get $o)))))
                  (else (local.get $g1))))
                (f32.store (i32.add (local.get $db) (local.get $o))
                  (f32.mul (local.get $rstd)
                    (f32.sub (f32.sub (local.get $gw1) (local.get $sg1)) (f32.mul (local.get $xh1) (local.get $sgx1)))))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $p2t)))
            (local.set $r (i32.add (local.get $r) (i32.const 1)))
            (br $rowl)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $blocks))))

  ;; dst[j] = Σ_k p[k][j] over k < nblocks in order, for columns [j0, j1) of n (SIMD over j).
  (func (export "layer_norm_sum_partials") (param $p i32) (param $nblocks i32) (param $n i32) (param $dst i32)
    (param $j0 i32) (param $j1 i32)
    (local $j i32) (local $k i32) (local $vend i32) (local $acc v128) (local $a1 f32) (local $rb i32) (local $q i32)
    (local.set $rb (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vend (i32.add (local.get $j0) (i32.and (i32.sub (local.get $j1) (local.get $j0)) (i32.const -4))))
    (local.set $j (local.get $j0))
    (block $v_done
      (loop $vs
        (br_if $v_done (i32.ge_u (local.get $j) (local.get $vend)))
        (local.set $q (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $acc (v128.const f32x4 0 0 0 0))
        (local.set $k (i32.const 0))
        (block $k_done
          (loop $ks
            (br_if $k_done (i32.ge_u (local.get $k) (local.get $nblocks)))
            (local.set $acc (f32x4.add (local.get $acc) (v128.load (local.get $q))))
            (local.set $q (i32.add (local.get $q) (local.get $rb)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $ks)))
        (v128.store (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 2))) (local.get $acc))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $vs)))
    (block $t_done
      (loop $ts
        (br_if $t_done (i32.ge_u (local.get $j) (local.get $j1)))
        (local.set $q (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $a1 (f32.const 0))
        (local.set $k (i32.const 0))
        (block $kt_done
          (loop $kt
            (br_if $kt_done (i32.ge_u (local.get $k) (local.get $nblocks)))
            (local.set $a1 (f32.add (local.get $a1) (f32.load (local.get $q))))
            (local.set $q (i32.add (local.get $q) (local.get $rb)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $kt)))
        (f32.store (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 2))) (local.get $a1))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $ts))))
)
