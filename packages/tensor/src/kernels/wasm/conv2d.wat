;; Convolution helpers for the 'wasm' backend's conv2d and its two adjoints (kernels/wasm/conv2d.ts). The
;; products themselves go through the packed SIMD matmul (matmul.wat); this module moves data around it:
;;   im2col    col[r][p] = x[c, oy·sh - ph + ky·dh, ox·sw - pw + kx·dw], 0 outside, r = (c·KH + ky)·KW + kx,
;;             p = oy·Wo + ox; or colᵀ written straight in matmul.wat's packed-B layout (panels of 8 r)
;;   col2im    the adjoint: dx[c, iy, ix] = Σ over the (r, p) that im2col reads (c, iy, ix) from of col[r][p]
;;   copy_rows dst[i][j] (+)= src[i][j] (+ bias[i]): unpadding the matmul's output, bias, accumulation
;; Geometry lives in memory (byte address $g, i32 fields): K, H, W, KH, KW, Ho, Wo, sh, sw, ph, pw, dh, dw
;; (K = rows of col: channels·KH·KW of the group). Channel
;; ranges [c0, c1) let threads split the work; all addresses are bytes.
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; For kernel column offset off = kx·dw - pw: the ox range [lo, hi) (clamped to [0, Wo)) whose
  ;; ix = ox·sw + off lies in [0, W). Returned as lo | hi << 16 would limit sizes: two globals instead.
  (global $lo (mut i32) (i32.const 0))
  (global $hi (mut i32) (i32.const 0))
  (func $range (param $off i32) (param $sw i32) (param $W i32) (param $Wo i32)
    (local $lo i32) (local $hi i32)
    (local.set $lo (i32.const 0))
    (if (i32.lt_s (local.get $off) (i32.const 0))
      (then (local.set $lo (i32.div_u (i32.sub (i32.sub (local.get $sw) (i32.const 1)) (local.get $off))
                                      (local.get $sw)))))
    (local.set $hi (i32.const 0))
    (if (i32.ge_s (i32.sub (i32.sub (local.get $W) (i32.const 1)) (local.get $off)) (i32.const 0))
      (then (local.set $hi (i32.add (i32.div_u (i32.sub (i32.sub (local.get $W) (i32.const 1)) (local.get $off))
                                               (local.get $sw)) (i32.const 1)))))
    (if (i32.gt_s (local.get $hi) (local.get $Wo)) (then (local.set $hi (local.get $Wo))))
    (if (i32.gt_s (local.get $lo) (local.get $hi)) (then (local.set $lo (local.get $hi))))
    (global.set $lo (local.get $lo))
    (global.set $hi (local.get $hi)))

  ;; count zeros at d, step bytes apart; returns the address after the last
  (func $zeros (param $d i32) (param $count i32) (param $step i32) (result i32)
    (local $end i32)
    (if (i32.eq (local.get $step) (i32.const 4))
      (then
        (memory.fill (local.get $d) (i32.const 0) (i32.shl (local.get $count) (i32.const 2)))
        (return (i32.add (local.get $d) (i32.shl (local.get $count) (i32.const 2))))))
    (local.set $end (i32.add (local.get $d) (i32.mul (local.get $count) (local.get $step))))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $d) (local.get $end)))
        (f32.store (local.get $d) (f32.const 0))
        (local.set $d (i32.add (local.get $d) (local.get $step)))
        (br $l)))
    (local.get $d))

  ;; count values from s (sstep bytes apart) to d (dstep bytes apart); returns the address after the last
  (func $copy (param $s i32) (param $sstep i32) (param $d i32) (param $dstep i32) (param $count i32) (result i32)
    (local $end i32)
    (if (i32.and (i32.eq (local.get $sstep) (i32.const 4)) (i32.eq (local.get $dstep) (i32.const 4)))
      (then
        (memory.copy (local.get $d) (local.get $s) (i32.shl (local.get $count) (i32.const 2)))
        (return (i32.add (local.get $d) (i32.shl (local.get $count) (i32.const 2))))))
    (local.set $end (i32.add (local.get $d) (i32.mul (local.get $count) (local.get $dstep))))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $d) (local.get $end)))
        (f32.store (local.get $d) (f32.load (local.get $s)))
        (local.set $s (i32.add (local.get $s) (local.get $sstep)))
        (local.set $d (i32.add (local.get $d) (local.get $dstep)))
        (br $l)))
    (local.get $d))

  ;; src: channel 0 of the group's input planes. inner = 0: dst is col [K][Ho·Wo]. inner > 0: dst is colᵀ
  ;; as the B operand of matmul.wat's gemm, packed: panels of 8 r, inner rows (k) each, the image's p at
  ;; k = p (dst already points at the image's first k), i.e. (r, p) at ((r >> 3)·inner + p)·8 + (r & 7).
  (func (export "im2col") (param $g i32) (param $src i32) (param $dst i32) (param $c0 i32) (param $c1 i32)
    (param $inner i32)
    (local $K i32) (local $H i32) (local $W i32) (local $KH i32) (local $KW i32) (local $Ho i32) (local $Wo i32)
    (local $sh i32) (local $sw i32) (local $ph i32) (local $pw i32) (local $dh i32) (local $dw i32)
    (local $P i32) (local $c i32) (local $ky i32) (local $kx i32) (local $r i32) (local $oy i32) (local $iy i32)
    (local $off i32) (local $lo i32) (local $hi i32) (local $plane i32) (local $d i32) (local $step i32)
    (local.set $K (i32.load (local.get $g)))
    (local.set $H (i32.load offset=4 (local.get $g)))
    (local.set $W (i32.load offset=8 (local.get $g)))
    (local.set $KH (i32.load offset=12 (local.get $g)))
    (local.set $KW (i32.load offset=16 (local.get $g)))
    (local.set $Ho (i32.load offset=20 (local.get $g)))
    (local.set $Wo (i32.load offset=24 (local.get $g)))
    (local.set $sh (i32.load offset=28 (local.get $g)))
    (local.set $sw (i32.load offset=32 (local.get $g)))
    (local.set $ph (i32.load offset=36 (local.get $g)))
    (local.set $pw (i32.load offset=40 (local.get $g)))
    (local.set $dh (i32.load offset=44 (local.get $g)))
    (local.set $dw (i32.load offset=48 (local.get $g)))
    (local.set $P (i32.mul (local.get $Ho) (local.get $Wo)))
    (local.set $step (select (i32.const 32) (i32.const 4) (local.get $inner)))
    (local.set $c (local.get $c0))
    (block $c_done
      (loop $cs
        (br_if $c_done (i32.ge_u (local.get $c) (local.get $c1)))
        (local.set $plane (i32.add (local.get $src)
          (i32.shl (i32.mul (local.get $c) (i32.mul (local.get $H) (local.get $W))) (i32.const 2))))
        (local.set $ky (i32.const 0))
        (block $ky_done
          (loop $kys
            (br_if $ky_done (i32.ge_u (local.get $ky) (local.get $KH)))
            (local.set $kx (i32.const 0))
            (block $kx_done
              (loop $kxs
                (br_if $kx_done (i32.ge_u (local.get $kx) (local.get $KW)))
                (local.set $r (i32.add (i32.mul (i32.add (i32.mul (local.get $c) (local.get $KH)) (local.get $ky))
                                                (local.get $KW)) (local.get $kx)))
                (local.set $off (i32.sub (i32.mul (local.get $kx) (local.get $dw)) (local.get $pw)))
                (call $range (local.get $off) (local.get $sw) (local.get $W) (local.get $Wo))
                (local.set $lo (global.get $lo))
                (local.set $hi (global.get $hi))
                (local.set $d (i32.add (local.get $dst) (i32.shl
                  (select
                    (i32.add (i32.shl (i32.mul (i32.shr_u (local.get $r) (i32.const 3)) (local.get $inner)) (i32.const 3))
                             (i32.and (local.get $r) (i32.const 7)))
                    (i32.mul (local.get $r) (local.get $P))
                    (local.get $inner))
                  (i32.const 2))))
                (local.set $oy (i32.const 0))
                (block $oy_done
                  (loop $oys
                    (br_if $oy_done (i32.ge_u (local.get $oy) (local.get $Ho)))
                    (local.set $iy (i32.add (i32.sub (i32.mul (local.get $oy) (local.get $sh)) (local.get $ph))
                                            (i32.mul (local.get $ky) (local.get $dh))))
                    (if (i32.or (i32.lt_s (local.get $iy) (i32.const 0)) (i32.ge_s (local.get $iy) (local.get $H)))
                      (then (local.set $d (call $zeros (local.get $d) (local.get $Wo) (local.get $step))))
                      (else
                        (local.set $d (call $zeros (local.get $d) (local.get $lo) (local.get $step)))
                        (local.set $d (call $copy
                          (i32.add (local.get $plane) (i32.shl (i32.add (i32.mul (local.get $iy) (local.get $W))
                            (i32.add (i32.mul (local.get $lo) (local.get $sw)) (local.get $off))) (i32.const 2)))
                          (i32.shl (local.get $sw) (i32.const 2))
                          (local.get $d) (local.get $step)
                          (i32.sub (local.get $hi) (local.get $lo))))
                        (local.set $d (call $zeros (local.get $d) (i32.sub (local.get $Wo) (local.get $hi))
                          (local.get $step)))))
                    (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
                    (br $oys)))
                (local.set $kx (i32.add (local.get $kx) (i32.const 1)))
                (br $kxs)))
            (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
            (br $kys)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $cs))))

  ;; col: [K][ldc] (row r = (c·KH + ky)·KW + kx, columns p = oy·Wo + ox); dst: channel 0 of the group's
  ;; gradient planes. Channels [c0, c1) are overwritten: zeroed, then every tap added in (ky, kx, oy, ox) order.
  (func (export "col2im") (param $g i32) (param $col i32) (param $ldc i32) (param $dst i32) (param $c0 i32)
    (param $c1 i32)
    (local $H i32) (local $W i32) (local $KH i32) (local $KW i32) (local $Ho i32) (local $Wo i32)
    (local $sh i32) (local $sw i32) (local $ph i32) (local $pw i32) (local $dh i32) (local $dw i32)
    (local $c i32) (local $ky i32) (local $kx i32) (local $r i32) (local $oy i32) (local $iy i32)
    (local $off i32) (local $lo i32) (local $hi i32) (local $plane i32) (local $s i32) (local $d i32)
    (local $e i32) (local $e4 i32) (local $swb i32)
    (local.set $H (i32.load offset=4 (local.get $g)))
    (local.set $W (i32.load offset=8 (local.get $g)))
    (local.set $KH (i32.load offset=12 (local.get $g)))
    (local.set $KW (i32.load offset=16 (local.get $g)))
    (local.set $Ho (i32.load offset=20 (local.get $g)))
    (local.set $Wo (i32.load offset=24 (local.get $g)))
    (local.set $sh (i32.load offset=28 (local.get $g)))
    (local.set $sw (i32.load offset=32 (local.get $g)))
    (local.set $ph (i32.load offset=36 (local.get $g)))
    (local.set $pw (i32.load offset=40 (local.get $g)))
    (local.set $dh (i32.load offset=44 (local.get $g)))
    (local.set $dw (i32.load offset=48 (local.get $g)))
    (local.set $swb (i32.shl (local.get $sw) (i32.const 2)))
    (local.set $c (local.get $c0))
    (block $c_done
      (loop $cs
        (br_if $c_done (i32.ge_u (local.get $c) (local.get $c1)))
        (local.set $plane (i32.add (local.get $dst)
          (i32.shl (i32.mul (local.get $c) (i32.mul (local.get $H) (local.get $W))) (i32.const 2))))
        (memory.fill (local.get $plane) (i32.const 0)
          (i32.shl (i32.mul (local.get $H) (local.get $W)) (i32.const 2)))
        (local.set $ky (i32.const 0))
        (block $ky_done
          (loop $kys
            (br_if $ky_done (i32.ge_u (local.get $ky) (local.get $KH)))
            (local.set $kx (i32.const 0))
            (block $kx_done
              (loop $kxs
                (br_if $kx_done (i32.ge_u (local.get $kx) (local.get $KW)))
                (local.set $r (i32.add (i32.mul (i32.add (i32.mul (local.get $c) (local.get $KH)) (local.get $ky))
                                                (local.get $KW)) (local.get $kx)))
                (local.set $off (i32.sub (i32.mul (local.get $kx) (local.get $dw)) (local.get $pw)))
                (call $range (local.get $off) (local.get $sw) (local.get $W) (local.get $Wo))
                (local.set $lo (global.get $lo))
                (local.set $hi (global.get $hi))
                (local.set $oy (i32.const 0))
                (block $oy_done
                  (loop $oys
                    (br_if $oy_done (i32.ge_u (local.get $oy) (local.get $Ho)))
                    (local.set $iy (i32.add (i32.sub (i32.mul (local.get $oy) (local.get $sh)) (local.get $ph))
                                            (i32.mul (local.get $ky) (local.get $dh))))
                    (if (i32.and (i32.ge_s (local.get $iy) (i32.const 0)) (i32.lt_s (local.get $iy) (local.get $H)))
                      (then
                        ;; s = &col[r][oy·Wo + lo], d = &dx[c, iy, lo·sw + off], e = end of s
                        (local.set $s (i32.add (local.get $col) (i32.shl
                          (i32.add (i32.mul (local.get $r) (local.get $ldc))
                                   (i32.add (i32.mul (local.get $oy) (local.get $Wo)) (local.get $lo))) (i32.const 2))))
                        (local.set $e (i32.add (local.get $s) (i32.shl (i32.sub (local.get $hi) (local.get $lo)) (i32.const 2))))
                        (local.set $d (i32.add (local.get $plane) (i32.shl (i32.add (i32.mul (local.get $iy) (local.get $W))
                          (i32.add (i32.mul (local.get $lo) (local.get $sw)) (local.get $off))) (i32.const 2))))
                        (if (i32.eq (local.get $sw) (i32.const 1))
                          (then
                            ;; contiguous: 4 at a time
                            (local.set $e4 (i32.sub (local.get $e) (i32.const 12)))
                            (block $v_done
                              (loop $vs
                                (br_if $v_done (i32.ge_s (local.get $s) (local.get $e4)))
                                (v128.store (local.get $d)
                                  (f32x4.add (v128.load (local.get $d)) (v128.load (local.get $s))))
                                (local.set $s (i32.add (local.get $s) (i32.const 16)))
                                (local.set $d (i32.add (local.get $d) (i32.const 16)))
                                (br $vs)))))
                        (block $t_done
                          (loop $ts
                            (br_if $t_done (i32.ge_u (local.get $s) (local.get $e)))
                            (f32.store (local.get $d) (f32.add (f32.load (local.get $d)) (f32.load (local.get $s))))
                            (local.set $s (i32.add (local.get $s) (i32.const 4)))
                            (local.set $d (i32.add (local.get $d) (local.get $swb)))
                            (br $ts)))))
                    (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
                    (br $oys)))
                (local.set $kx (i32.add (local.get $kx) (i32.const 1)))
                (br $kxs)))
            (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
            (br $kys)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $cs))))

  ;; dst[i][j] = (acc ? dst[i][j] : 0) + src[i][j] + (bias ? bias[i] : 0) for i < rows, j < cols;
  ;; src rows ldc elements apart, dst rows ldd apart. src may equal dst (in place).
  (func (export "copy_rows") (param $src i32) (param $ldc i32) (param $dst i32) (param $ldd i32) (param $rows i32)
    (param $cols i32) (param $bias i32) (param $acc i32)
    (local $i i32) (local $s i32) (local $d i32) (local $e i32) (local $e4 i32) (local $b f32) (local $bv v128)
    (block $r_done
      (loop $rs
        (br_if $r_done (i32.ge_u (local.get $i) (local.get $rows)))
        (local.set $s (i32.add (local.get $src) (i32.shl (i32.mul (local.get $i) (local.get $ldc)) (i32.const 2))))
        (local.set $d (i32.add (local.get $dst) (i32.shl (i32.mul (local.get $i) (local.get $ldd)) (i32.const 2))))
        (local.set $e (i32.add (local.get $s) (i32.shl (local.get $cols) (i32.const 2))))
        (local.set $e4 (i32.sub (local.get $e) (i32.const 12)))
        (local.set $b (f32.const 0))
        (if (local.get $bias)
          (then (local.set $b (f32.load (i32.add (local.get $bias) (i32.shl (local.get $i) (i32.const 2)))))))
        (local.set $bv (f32x4.splat (local.get $b)))
        (block $v_done
          (loop $vs
            (br_if $v_done (i32.ge_s (local.get $s) (local.get $e4)))
            (if (local.get $acc)
              (then (v128.store (local.get $d) (f32x4.add (v128.load (local.get $d))
                (f32x4.add (v128.load (local.get $s)) (local.get $bv)))))
              (else (v128.store (local.get $d) (f32x4.add (v128.load (local.get $s)) (local.get $bv)))))
            (local.set $s (i32.add (local.get $s) (i32.const 16)))
            (local.set $d (i32.add (local.get $d) (i32.const 16)))
            (br $vs)))
        (block $t_done
          (loop $ts
            (br_if $t_done (i32.ge_u (local.get $s) (local.get $e)))
            (if (local.get $acc)
              (then (f32.store (local.get $d) (f32.add (f32.load (local.get $d))
                (f32.add (f32.load (local.get $s)) (local.get $b)))))
              (else (f32.store (local.get $d) (f32.add (f32.load (local.get $s)) (local.get $b)))))
            (local.set $s (i32.add (local.get $s) (i32.const 4)))
            (local.set $d (i32.add (local.get $d) (i32.const 4)))
            (br $ts)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rs))))
)
