;; Layer norm / RMS norm forward over contiguous rows of n f32 on WebAssembly SIMD128 (the 'wasm'
;; backend's 'layerNorm'). Per row: mean (0 for RMS norm), v = Σ (x - mean)² (two passes, like the CPU
;; reference), rstd = 1 / sqrt(v / n + eps); stats[r] = (mean, rstd); y = (x - mean) · rstd · w + b.
;; w, b: byte addresses of n f32, or 0 when absent. Accumulation is f32 in 4 lanes.
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
)
