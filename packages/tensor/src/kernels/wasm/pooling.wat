;; Pooling and nearest upsampling for the 'wasm' backend (kernels/wasm/pooling.ts), NCHW f32, planes
;; [p0, p1) (threads split the N·C planes). Arithmetic follows the CPU reference (backend/cpu/conv.ts)
;; operation for operation, so results are bit-identical:
;;   avg_pool           out = f32((Σ over the k×k window, in f64, ky then kx) · mul)
;;   avg_pool_backward  dx = 0, then for each (oy, ox, ky, kx): dx[cell] = f32(f64(dx[cell]) + f64(gy) · mul)
;;   upsample_nearest   out[y, x] = x[y / s, x / s]   (one row built, the s - 1 copies by memory.copy)
;; mul is an f64 read from byte address $mulp (1 / k² is not an f32).
(module
  (import "env" "memory" (memory 1 65536 shared))

  (func (export "avg_pool") (param $src i32) (param $dst i32) (param $p0 i32) (param $p1 i32) (param $H i32)
    (param $W i32) (param $Ho i32) (param $Wo i32) (param $k i32) (param $st i32) (param $mulp i32)
    (local $p i32) (local $oy i32) (local $ox i32) (local $ky i32) (local $kx i32) (local $row i32)
    (local $s f64) (local $mul f64) (local $d i32) (local $plane i32)
    (local.set $mul (f64.load (local.get $mulp)))
    (local.set $d (i32.add (local.get $dst)
      (i32.shl (i32.mul (local.get $p0) (i32.mul (local.get $Ho) (local.get $Wo))) (i32.const 2))))
    (local.set $p (local.get $p0))
    (block $p_done
      (loop $ps
        (br_if $p_done (i32.ge_u (local.get $p) (local.get $p1)))
        (local.set $plane (i32.add (local.get $src)
          (i32.shl (i32.mul (local.get $p) (i32.mul (local.get $H) (local.get $W))) (i32.const 2))))
        (local.set $oy (i32.const 0))
        (block $oy_done
          (loop $oys
            (br_if $oy_done (i32.ge_u (local.get $oy) (local.get $Ho)))
            (local.set $ox (i32.const 0))
            (block $ox_done
              (loop $oxs
                (br_if $ox_done (i32.ge_u (local.get $ox) (local.get $Wo)))
                (local.set $s (f64.const 0))
                (local.set $ky (i32.const 0))
                (block $ky_done
                  (loop $kys
                    (br_if $ky_done (i32.ge_u (local.get $ky) (local.get $k)))
                    ;; &x[p, oy·st + ky, ox·st]
                    (local.set $row (i32.add (local.get $plane) (i32.shl
                      (i32.add (i32.mul (i32.add (i32.mul (local.get $oy) (local.get $st)) (local.get $ky)) (local.get $W))
                               (i32.mul (local.get $ox) (local.get $st))) (i32.const 2))))
                    (local.set $kx (i32.const 0))
                    (block $kx_done
                      (loop $kxs
                        (br_if $kx_done (i32.ge_u (local.get $kx) (local.get $k)))
                        (local.set $s (f64.add (local.get $s) (f64.promote_f32
                          (f32.load (i32.add (local.get $row) (i32.shl (local.get $kx) (i32.const 2)))))))
                        (local.set $kx (i32.add (local.get $kx) (i32.const 1)))
                        (br $kxs)))
                    (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
                    (br $kys)))
                (f32.store (local.get $d) (f32.demote_f64 (f64.mul (local.get $s) (local.get $mul))))
                (local.set $d (i32.add (local.get $d) (i32.const 4)))
                (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
                (br $oxs)))
            (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
            (br $oys)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $ps))))

  (func (export "avg_pool_backward") (param $gy i32) (param $dst i32) (param $p0 i32) (param $p1 i32) (param $H i32)
    (param $W i32) (param $Ho i32) (param $Wo i32) (param $k i32) (param $st i32) (param $mulp i32)
    (local $p i32) (local $oy i32) (local $ox i32) (local $ky i32) (local $kx i32) (local $row i32) (local $a i32)
    (local $v f64) (local $mul f64) (local $g i32) (local $plane i32)
    (local.set $mul (f64.load (local.get $mulp)))
    (local.set $g (i32.add (local.get $gy)
      (i32.shl (i32.mul (local.get $p0) (i32.mul (local.get $Ho) (local.get $Wo))) (i32.const 2))))
    (memory.fill
      (i32.add (local.get $dst) (i32.shl (i32.mul (local.get $p0) (i32.mul (local.get $H) (local.get $W))) (i32.const 2)))
      (i32.const 0)
      (i32.shl (i32.mul (i32.sub (local.get $p1) (local.get $p0)) (i32.mul (local.get $H) (local.get $W))) (i32.const 2)))
    (local.set $p (local.get $p0))
    (block $p_done
      (loop $ps
        (br_if $p_done (i32.ge_u (local.get $p) (local.get $p1)))
        (local.set $plane (i32.add (local.get $dst)
          (i32.shl (i32.mul (local.get $p) (i32.mul (local.get $H) (local.get $W))) (i32.const 2))))
        (local.set $oy (i32.const 0))
        (block $oy_done
          (loop $oys
            (br_if $oy_done (i32.ge_u (local.get $oy) (local.get $Ho)))
            (local.set $ox (i32.const 0))
            (block $ox_done
              (loop $oxs
                (br_if $ox_done (i32.ge_u (local.get $ox) (local.get $Wo)))
                (local.set $v (f64.mul (f64.promote_f32 (f32.load (local.get $g))) (local.get $mul)))
                (local.set $ky (i32.const 0))
                (block $ky_done
                  (loop $kys
                    (br_if $ky_done (i32.ge_u (local.get $ky) (local.get $k)))
                    (local.set $row (i32.add (local.get $plane) (i32.shl
                      (i32.add (i32.mul (i32.add (i32.mul (local.get $oy) (local.get $st)) (local.get $ky)) (local.get $W))
                               (i32.mul (local.get $ox) (local.get $st))) (i32.const 2))))
                    (local.set $kx (i32.const 0))
                    (block $kx_done
                      (loop $kxs
                        (br_if $kx_done (i32.ge_u (local.get $kx) (local.get $k)))
                        (local.set $a (i32.add (local.get $row) (i32.shl (local.get $kx) (i32.const 2))))
                        (f32.store (local.get $a) (f32.demote_f64
                          (f64.add (f64.promote_f32 (f32.load (local.get $a))) (local.get $v))))
                        (local.set $kx (i32.add (local.get $kx) (i32.const 1)))
                        (br $kxs)))
                    (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
                    (br $kys)))
                (local.set $g (i32.add (local.get $g) (i32.const 4)))
                (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
                (br $oxs)))
            (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
            (br $oys)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $ps))))

  (func (export "upsample_nearest") (param $src i32) (param $dst i32) (param $p0 i32) (param $p1 i32) (param $H i32)
    (param $W i32) (param $s i32)
    (local $p i32) (local $y i32) (local $x i32) (local $j i32) (local $r i32) (local $d i32) (local $row i32)
    (local $wo i32) (local $rowb i32) (local $v f32) (local $vv v128)
    (local.set $wo (i32.mul (local.get $W) (local.get $s)))
    (local.set $rowb (i32.shl (local.get $wo) (i32.const 2)))
    (local.set $d (i32.add (local.get $dst) (i32.mul (i32.mul (local.get $p0)
      (i32.mul (local.get $H) (local.get $s))) (local.get $rowb))))
    (local.set $row (i32.add (local.get $src)
      (i32.shl (i32.mul (local.get $p0) (i32.mul (local.get $H) (local.get $W))) (i32.const 2))))
    (local.set $p (i32.mul (local.get $p0) (local.get $H)))
    (block $done
      (loop $rows
        ;; one input row (plane p, row y) per pass: p counts planes × H rows
        (br_if $done (i32.ge_u (local.get $p) (i32.mul (local.get $p1) (local.get $H))))
        (local.set $x (i32.const 0))
        (block $x_done
          (loop $xs
            (br_if $x_done (i32.ge_u (local.get $x) (local.get $W)))
            (local.set $v (f32.load (i32.add (local.get $row) (i32.shl (local.get $x) (i32.const 2)))))
            (local.set $r (i32.add (local.get $d) (i32.mul (local.get $x) (i32.shl (local.get $s) (i32.const 2)))))
            (if (i32.eq (local.get $s) (i32.const 2))
              (then
                (f32.store (local.get $r) (local.get $v))
                (f32.store offset=4 (local.get $r) (local.get $v)))
              (else
                (local.set $vv (f32x4.splat (local.get $v)))
                (local.set $j (i32.const 0))
                (block $j_done
                  (loop $js
                    (br_if $j_done (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $s)))
                    (v128.store (i32.add (local.get $r) (i32.shl (local.get $j) (i32.const 2))) (local.get $vv))
                    (local.set $j (i32.add (local.get $j) (i32.const 4)))
                    (br $js)))
                (block $t_done
                  (loop $ts
                    (br_if $t_done (i32.ge_u (local.get $j) (local.get $s)))
                    (f32.store (i32.add (local.get $r) (i32.shl (local.get $j) (i32.const 2))) (local.get $v))
                    (local.set $j (i32.add (local.get $j) (i32.const 1)))
                    (br $ts)))))
            (local.set $x (i32.add (local.get $x) (i32.const 1)))
            (br $xs)))
        ;; the other s - 1 output rows are copies
        (local.set $j (i32.const 1))
        (block $c_done
          (loop $cs
            (br_if $c_done (i32.ge_u (local.get $j) (local.get $s)))
            (memory.copy (i32.add (local.get $d) (i32.mul (local.get $j) (local.get $rowb))) (local.get $d)
              (local.get $rowb))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $cs)))
        (local.set $d (i32.add (local.get $d) (i32.mul (local.get $s) (local.get $rowb))))
        (local.set $row (i32.add (local.get $row) (i32.shl (local.get $W) (i32.const 2))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $rows))))
)
