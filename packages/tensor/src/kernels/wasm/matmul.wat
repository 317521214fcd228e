;; f32 matrix product C = A @ B on WebAssembly SIMD128 (the 'wasm' backend's matmul).
;;
;; Goto-style: A is packed into panels of 4 rows (per k: the 4 row values, 16 bytes), B into panels of
;; 8 columns (per k: 8 values, 32 bytes), zero-padded, so the micro-kernel reads both sequentially. The
;; micro-kernel keeps a 4x8 block of C in 8 v128 registers (4x8 is the largest block V8 keeps in
;; registers without spilling). Loops: k blocks of KC=256 (a B panel slice is 8 KiB, stays in L1),
;; A blocks of MCP=16 panels (64 rows x KC = 64 KiB, stays in L2), then B panels, then A panels.
;; Threads split the B panels [q0, q1): each writes its own columns of C.
;;
;; The build (scripts/build-wasm.mjs) also emits a relaxed-SIMD variant where every
;; (f32x4.add (local.get $c) (f32x4.mul (local.get $x) (local.get $y))) becomes f32x4.relaxed_madd,
;; and unshared-memory variants for pages without cross-origin isolation.
;; All addresses are byte offsets into the shared memory; strides are in elements.
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; dst[p][k][r] = A[4p + r][k] for p < ceil(m/4); rows >= m are zero.
  (func (export "pack_a") (param $src i32) (param $rs i32) (param $cs i32) (param $m i32) (param $k i32)
    (param $dst i32)
    (local $row i32) (local $mp i32) (local $s i32) (local $d i32) (local $kk i32)
    (local.set $mp (i32.and (i32.add (local.get $m) (i32.const 3)) (i32.const -4)))
    (local.set $rs (i32.shl (local.get $rs) (i32.const 2)))
    (local.set $cs (i32.shl (local.get $cs) (i32.const 2)))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $row) (local.get $mp)))
        ;; panel row (row & 3) of panel (row >> 2)
        (local.set $d (i32.add (local.get $dst)
          (i32.shl (i32.add (i32.mul (i32.shr_u (local.get $row) (i32.const 2)) (i32.shl (local.get $k) (i32.const 2)))
                            (i32.and (local.get $row) (i32.const 3))) (i32.const 2))))
        (local.set $s (i32.add (local.get $src) (i32.mul (local.get $row) (local.get $rs))))
        (local.set $kk (i32.const 0))
        (if (i32.lt_u (local.get $row) (local.get $m))
          (then
            (block $k_done
              (loop $ks
                (br_if $k_done (i32.ge_u (local.get $kk) (local.get $k)))
                (f32.store (local.get $d) (f32.load (local.get $s)))
                (local.set $s (i32.add (local.get $s) (local.get $cs)))
                (local.set $d (i32.add (local.get $d) (i32.const 16)))
                (local.set $kk (i32.add (local.get $kk) (i32.const 1)))
                (br $ks))))
          (else
            (block $z_done
              (loop $zs
                (br_if $z_done (i32.ge_u (local.get $kk) (local.get $k)))
                (f32.store (local.get $d) (f32.const 0))
                (local.set $d (i32.add (local.get $d) (i32.const 16)))
                (local.set $kk (i32.add (local.get $kk) (i32.const 1)))
                (br $zs)))))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $rows))))

  ;; dst[q][k][c] = B[k][8q + c] for q < ceil(n/8); columns >= n are zero.
  (func (export "pack_b") (param $src i32) (param $rs i32) (param $cs i32) (param $k i32) (param $n i32)
    (param $dst i32)
    (local $q i32) (local $nq i32) (local $kk i32) (local $c i32) (local $col i32) (local $s i32) (local $d i32)
    (local.set $nq (i32.shr_u (i32.add (local.get $n) (i32.const 7)) (i32.const 3)))
    (local.set $rs (i32.shl (local.get $rs) (i32.const 2)))
    (local.set $cs (i32.shl (local.get $cs) (i32.const 2)))
    (local.set $d (local.get $dst))
    (block $q_done
      (loop $qs
        (br_if $q_done (i32.ge_u (local.get $q) (local.get $nq)))
        (local.set $kk (i32.const 0))
        (block $k_done
          (loop $ks
            (br_if $k_done (i32.ge_u (local.get $kk) (local.get $k)))
            ;; B[kk][8q]
            (local.set $s (i32.add (local.get $src)
              (i32.add (i32.mul (local.get $kk) (local.get $rs))
                       (i32.mul (i32.shl (local.get $q) (i32.const 3)) (local.get $cs)))))
            (if (i32.and (i32.eq (local.get $cs) (i32.const 4))
                         (i32.le_u (i32.shl (i32.add (local.get $q) (i32.const 1)) (i32.const 3)) (local.get $n)))
              (then
                ;; a full, contiguous row of 8: two vector copies
                (v128.store (local.get $d) (v128.load (local.get $s)))
                (v128.store offset=16 (local.get $d) (v128.load offset=16 (local.get $s))))
              (else
                (local.set $c (i32.const 0))
                (block $c_done
                  (loop $cols
                    (br_if $c_done (i32.ge_u (local.get $c) (i32.const 8)))
                    (local.set $col (i32.add (i32.shl (local.get $q) (i32.const 3)) (local.get $c)))
                    (f32.store (i32.add (local.get $d) (i32.shl (local.get $c) (i32.const 2)))
                      (select
                        (f32.load (i32.add (local.get $src)
                          (i32.add (i32.mul (local.get $kk) (local.get $rs))
                                   (i32.mul (i32.lt_u (local.get $col) (local.get $n))
                                            (i32.mul (local.get $col) (local.get $cs))))))
                        (f32.const 0)
                        (i32.lt_u (local.get $col) (local.get $n))))
                    (local.set $c (i32.add (local.get $c) (i32.const 1)))
                    (br $cols)))))
            (local.set $d (i32.add (local.get $d) (i32.const 32)))
            (local.set $kk (i32.add (local.get $kk) (i32.const 1)))
            (br $ks)))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br $qs))))

  ;; C[0..4][0..8] (+)= Apanel[0..kc] x Bpanel[0..kc]; ldc in bytes; acc != 0 adds to C, else overwrites.
  (func $micro (param $a i32) (param $b i32) (param $c i32) (param $ldc i32) (param $kc i32) (param $acc i32)
    (local $end i32) (local $x v128) (local $b0 v128) (local $b1 v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $r i32)
    (if (local.get $acc)
      (then
        (local.set $r (local.get $c))
        (local.set $c00 (v128.load (local.get $r)))
        (local.set $c01 (v128.load offset=16 (local.get $r)))
        (local.set $r (i32.add (local.get $r) (local.get $ldc)))
        (local.set $c10 (v128.load (local.get $r)))
        (local.set $c11 (v128.load offset=16 (local.get $r)))
        (local.set $r (i32.add (local.get $r) (local.get $ldc)))
        (local.set $c20 (v128.load (local.get $r)))
        (local.set $c21 (v128.load offset=16 (local.get $r)))
        (local.set $r (i32.add (local.get $r) (local.get $ldc)))
        (local.set $c30 (v128.load (local.get $r)))
        (local.set $c31 (v128.load offset=16 (local.get $r)))))
    (local.set $end (i32.add (local.get $a) (i32.shl (local.get $kc) (i32.const 4))))
    (loop $k
      (local.set $b0 (v128.load (local.get $b)))
      (local.set $b1 (v128.load offset=16 (local.get $b)))
      (local.set $x (v128.load32_splat (local.get $a)))
      (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $x) (local.get $b0))))
      (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $x) (local.get $b1))))
      (local.set $x (v128.load32_splat offset=4 (local.get $a)))
      (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $x) (local.get $b0))))
      (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $x) (local.get $b1))))
      (local.set $x (v128.load32_splat offset=8 (local.get $a)))
      (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $x) (local.get $b0))))
      (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $x) (local.get $b1))))
      (local.set $x (v128.load32_splat offset=12 (local.get $a)))
      (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $x) (local.get $b0))))
      (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $x) (local.get $b1))))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (local.set $b (i32.add (local.get $b) (i32.const 32)))
      (br_if $k (i32.lt_u (local.get $a) (local.get $end))))
    (local.set $r (local.get $c))
    (v128.store (local.get $r) (local.get $c00))
    (v128.store offset=16 (local.get $r) (local.get $c01))
    (local.set $r (i32.add (local.get $r) (local.get $ldc)))
    (v128.store (local.get $r) (local.get $c10))
    (v128.store offset=16 (local.get $r) (local.get $c11))
    (local.set $r (i32.add (local.get $r) (local.get $ldc)))
    (v128.store (local.get $r) (local.get $c20))
    (v128.store offset=16 (local.get $r) (local.get $c21))
    (local.set $r (i32.add (local.get $r) (local.get $ldc)))
    (v128.store (local.get $r) (local.get $c30))
    (v128.store offset=16 (local.get $r) (local.get $c31)))

  ;; C = packA x packB for B panels [q0, q1). mp = A panels, k >= 1, ldc in elements (a multiple of 8
  ;; covering every panel: C has mp*4 rows and at least 8*q1 columns).
  (func $gemm (export "gemm") (param $ap i32) (param $bp i32) (param $c i32) (param $ldc i32) (param $mp i32)
    (param $k i32) (param $q0 i32) (param $q1 i32)
    (local $kb i32) (local $kc i32) (local $pb i32) (local $pe i32) (local $q i32) (local $p i32)
    (local $ldcb i32) (local $bq i32)
    (local.set $ldcb (i32.shl (local.get $ldc) (i32.const 2)))
    (block $kb_done
      (loop $kbs
        (br_if $kb_done (i32.ge_u (local.get $kb) (local.get $k)))
        (local.set $kc (i32.sub (local.get $k) (local.get $kb)))
        (if (i32.gt_u (local.get $kc) (i32.const 256)) (then (local.set $kc (i32.const 256))))
        (local.set $pb (i32.const 0))
        (block $pb_done
          (loop $pbs
            (br_if $pb_done (i32.ge_u (local.get $pb) (local.get $mp)))
            (local.set $pe (i32.add (local.get $pb) (i32.const 16)))
            (if (i32.gt_u (local.get $pe) (local.get $mp)) (then (local.set $pe (local.get $mp))))
            (local.set $q (local.get $q0))
            (block $q_done
              (loop $qs
                (br_if $q_done (i32.ge_u (local.get $q) (local.get $q1)))
                ;; B panel q, row kb
                (local.set $bq (i32.add (local.get $bp)
                  (i32.shl (i32.add (i32.mul (local.get $q) (local.get $k)) (local.get $kb)) (i32.const 5))))
                (local.set $p (local.get $pb))
                (block $p_done
                  (loop $ps
                    (br_if $p_done (i32.ge_u (local.get $p) (local.get $pe)))
                    (call $micro
                      (i32.add (local.get $ap)
                        (i32.shl (i32.add (i32.mul (local.get $p) (local.get $k)) (local.get $kb)) (i32.const 4)))
                      (local.get $bq)
                      (i32.add (local.get $c)
                        (i32.add (i32.mul (i32.shl (local.get $p) (i32.const 2)) (local.get $ldcb))
                                 (i32.shl (local.get $q) (i32.const 5))))
                      (local.get $ldcb)
                      (local.get $kc)
                      (local.get $kb))
                    (local.set $p (i32.add (local.get $p) (i32.const 1)))
                    (br $ps)))
                (local.set $q (i32.add (local.get $q) (i32.const 1)))
                (br $qs)))
            (local.set $pb (local.get $pe))
            (br $pbs)))
        (local.set $kb (i32.add (local.get $kb) (local.get $kc)))
        (br $kbs))))

  ;; Grouped products in one call (the 'groupedMatmul' kernels, ./grouped.ts): for g < n, the 5 i32 at
  ;; desc + 20 g are (ap, bp, c, mp, k) and group g runs gemm(ap, bp, c, ldc, mp, k, q0, q1). Threads split
  ;; the B panels [q0, q1) of every group, so one job covers all the experts.
  (func (export "gemm_grouped") (param $desc i32) (param $n i32) (param $ldc i32) (param $q0 i32) (param $q1 i32)
    (local $g i32) (local $d i32)
    (block $done
      (loop $gs
        (br_if $done (i32.ge_u (local.get $g) (local.get $n)))
        (local.set $d (i32.add (local.get $desc) (i32.mul (local.get $g) (i32.const 20))))
        (call $gemm (i32.load (local.get $d)) (i32.load offset=4 (local.get $d)) (i32.load offset=8 (local.get $d))
          (local.get $ldc) (i32.load offset=12 (local.get $d)) (i32.load offset=16 (local.get $d))
          (local.get $q0) (local.get $q1))
        (local.set $g (i32.add (local.get $g) (i32.const 1)))
        (br $gs))))
)
