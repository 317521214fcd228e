;; Fused scaled dot-product attention on WebAssembly SIMD128 (the 'wasm' backend's 'attention' and
;; 'attentionBackward'), flash style: the [Sq, Sk] score matrix is never materialised. Work goes in tiles
;; of 4 query rows × 32 keys (one 32-bit mask word per row):
;;   forward  - per (head, 4-row block): stream over key blocks with an online softmax (running max M,
;;              sum L, accumulator rescale C), SIMD over 4 keys for the scores (K is transposed once per
;;              head into the thread's workspace) and over 4 head lanes for P·V; writes O and the row
;;              logsumexp (natural log; +inf for a row that sees no key: its O is 0).
;;              attention_forward_rows does Sq < 4 (decoding) one row at a time, without the transpose.
;;   backward - per head (no write races between threads): for each key block, for each 4-row block,
;;              recompute P = exp(S - lse), dP = dO·Vᵀ, dS = P (dP - D) with D = rowsum(dO∘O), and
;;              accumulate dV += Pᵀ dO, dK += dSᵀ Q (per key block) and dQ += dS K (per head); or, when
;;              the heads do not share out evenly over the threads, per (head, key block) with partial
;;              dQs summed by attention_backward_dq.
;; Tiles whose rows see no key of the block (mask bitmap words all zero, causal) are skipped.
;;
;; Masks: causal (key j visible from query i iff j <= i + Sk - Sq) is computed from indices; an arbitrary
;; mask and key padding arrive as one bitmap u32 [Bm, Sq, W = ceil(Sk/32)] (bit j%32 of word j/32),
;; built by attention.ts. Every export takes a parameter block (i32 slots, byte offsets below) and the
;; thread index; every thread has its own workspace at ws + t * wsStride. Addresses are byte offsets.
;;
;; Parameter block:        0 q   4 k   8 v   12 mb (bitmap, 0: none)   16 o   20 lse   24 BH   28 H
;;   32 mask bytes per batch (0: one mask for all)   36 Sq   40 Sk   44 D   48 Dp (D rounded up to 4)
;;   52 Skp (Sk rounded up to 32)   56 causal   60 scale (f32)   64 W   68 ws   72 wsStride   76 T
;;   80 dO   84 dq   88 dk   92 dv; workspace offsets: 96 kt 100 vx 104 kp 108 qp 112 dop 116 dqa
;;   120 dvec 124 dka 128 dva 132 oacc 136 lsep   140 Sq4 (Sq rounded up to 4)   144 split (backward)
;; Workspace: 0 S [4][32] f32   512 S2 [4][32]   1024 M[4]   1040 L[4]   1056 C[4]   1072 ONES[4]
;;   1088 LIM[4] i32   1104 WRD[4] i32, then the arrays at the offsets above.
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; Cephes expf on 4 lanes (as in softmax.wat): ≤ 2 ulp; arguments below -87.33 (and -inf) give 0.
  (func $exp4 (param $x v128) (result v128)
    (local $n v128) (local $r v128) (local $p v128) (local $under v128)
    (local.set $under (f32x4.lt (local.get $x) (v128.const f32x4 -87.33 -87.33 -87.33 -87.33)))
    (local.set $x (f32x4.min (local.get $x) (v128.const f32x4 88.37 88.37 88.37 88.37)))
    (local.set $x (f32x4.max (local.get $x) (v128.const f32x4 -87.33 -87.33 -87.33 -87.33)))
    (local.set $n (f32x4.nearest
      (f32x4.mul (local.get $x) (v128.const f32x4 1.44269504 1.44269504 1.44269504 1.44269504))))
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
    (local.set $p (f32x4.mul (local.get $p)
      (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $n)) (v128.const i32x4 127 127 127 127))
                 (i32.const 23))))
    (v128.andnot (local.get $p) (local.get $under)))

  (func $exp1 (param $x f32) (result f32)
    (f32x4.extract_lane 0 (call $exp4 (f32x4.splat (local.get $x)))))

  ;; Natural log of a positive normal f64: x = 2^e m with m in [√½, √2), log m = 2 atanh((m-1)/(m+1))
  ;; by its series to t^13 (|t| ≤ 0.1716: error below 1e-12).
  (func $log (param $x f64) (result f64)
    (local $b i64) (local $e f64) (local $m f64) (local $t f64) (local $t2 f64)
    (local.set $b (i64.reinterpret_f64 (local.get $x)))
    (local.set $e (f64.convert_i64_s
      (i64.sub (i64.and (i64.shr_u (local.get $b) (i64.const 52)) (i64.const 0x7ff)) (i64.const 1023))))
    (local.set $m (f64.reinterpret_i64
      (i64.or (i64.and (local.get $b) (i64.const 0x000fffffffffffff)) (i64.const 0x3ff0000000000000))))
    (if (f64.gt (local.get $m) (f64.const 1.4142135623730951))
      (then
        (local.set $m (f64.mul (local.get $m) (f64.const 0.5)))
        (local.set $e (f64.add (local.get $e) (f64.const 1)))))
    (local.set $t (f64.div (f64.sub (local.get $m) (f64.const 1)) (f64.add (local.get $m) (f64.const 1))))
    (local.set $t2 (f64.mul (local.get $t) (local.get $t)))
    (f64.add
      (f64.mul (local.get $e) (f64.const 0.6931471805599453))
      (f64.mul (local.get $t)
        (f64.add (f64.const 2) (f64.mul (local.get $t2)
        (f64.add (f64.const 0.6666666666666666) (f64.mul (local.get $t2)
        (f64.add (f64.const 0.4) (f64.mul (local.get $t2)
        (f64.add (f64.const 0.2857142857142857) (f64.mul (local.get $t2)
        (f64.add (f64.const 0.2222222222222222) (f64.mul (local.get $t2)
        (f64.add (f64.const 0.18181818181818182) (f64.mul (local.get $t2)
          (f64.const 0.15384615384615385))))))))))))))))

  ;; dst[c][j] = src[j][c] (src: rows × d, contiguous) for j < rows, 0 for rows <= j < cols.
  (func $transpose_pad (param $src i32) (param $rows i32) (param $d i32) (param $dst i32) (param $cols i32)
    (local $c i32) (local $j i32) (local $s i32) (local $o i32)
    (block $c_done
      (loop $cs
        (br_if $c_done (i32.ge_u (local.get $c) (local.get $d)))
        (local.set $s (i32.add (local.get $src) (i32.shl (local.get $c) (i32.const 2))))
        (local.set $o (i32.add (local.get $dst) (i32.shl (i32.mul (local.get $c) (local.get $cols)) (i32.const 2))))
        (local.set $j (i32.const 0))
        (block $j_done
          (loop $js
            (br_if $j_done (i32.ge_u (local.get $j) (local.get $rows)))
            (f32.store (local.get $o) (f32.load (local.get $s)))
            (local.set $s (i32.add (local.get $s) (i32.shl (local.get $d) (i32.const 2))))
            (local.set $o (i32.add (local.get $o) (i32.const 4)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $js)))
        (memory.fill (local.get $o) (i32.const 0) (i32.shl (i32.sub (local.get $cols) (local.get $rows)) (i32.const 2)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $cs))))

  ;; dst (prows × dp) = src (rows × d, contiguous) padded with zero columns and rows.
  (func $copy_pad (param $src i32) (param $rows i32) (param $d i32) (param $dst i32) (param $prows i32) (param $dp i32)
    (local $j i32) (local $s i32) (local $o i32)
    (local.set $s (local.get $src))
    (local.set $o (local.get $dst))
    (block $j_done
      (loop $js
        (br_if $j_done (i32.ge_u (local.get $j) (local.get $rows)))
        (memory.copy (local.get $o) (local.get $s) (i32.shl (local.get $d) (i32.const 2)))
        (memory.fill (i32.add (local.get $o) (i32.shl (local.get $d) (i32.const 2))) (i32.const 0)
          (i32.shl (i32.sub (local.get $dp) (local.get $d)) (i32.const 2)))
        (local.set $s (i32.add (local.get $s) (i32.shl (local.get $d) (i32.const 2))))
        (local.set $o (i32.add (local.get $o) (i32.shl (local.get $dp) (i32.const 2))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $js)))
    (memory.fill (local.get $o) (i32.const 0)
      (i32.shl (i32.mul (i32.sub (local.get $prows) (local.get $rows)) (local.get $dp)) (i32.const 2))))

  ;; out[r][j] = scale Σ_c row_r[c] · xt[c][j0 + j] for the 4 rows at p0..p3, j < 8 ng (groups of 8
  ;; keys); xt holds d rows of skpB bytes. Each loaded key vector feeds 4 rows.
  (func $tile_dot (param $p0 i32) (param $p1 i32) (param $p2 i32) (param $p3 i32) (param $d i32)
    (param $xt i32) (param $skpB i32) (param $j0 i32) (param $ng i32) (param $out i32) (param $scale f32)
    (local $g i32) (local $c i32) (local $x i32) (local $o i32) (local $sv v128)
    (local $k0 v128) (local $k1 v128) (local $q v128)
    (local $a0 v128) (local $b0 v128) (local $a1 v128) (local $b1 v128)
    (local $a2 v128) (local $b2 v128) (local $a3 v128) (local $b3 v128)
    (local.set $sv (f32x4.splat (local.get $scale)))
    (block $g_done
      (loop $gs
        (br_if $g_done (i32.ge_u (local.get $g) (local.get $ng)))
        (local.set $x (i32.add (local.get $xt)
          (i32.shl (i32.add (local.get $j0) (i32.shl (local.get $g) (i32.const 3))) (i32.const 2))))
        (local.set $a0 (v128.const i32x4 0 0 0 0)) (local.set $b0 (v128.const i32x4 0 0 0 0))
        (local.set $a1 (v128.const i32x4 0 0 0 0)) (local.set $b1 (v128.const i32x4 0 0 0 0))
        (local.set $a2 (v128.const i32x4 0 0 0 0)) (local.set $b2 (v128.const i32x4 0 0 0 0))
        (local.set $a3 (v128.const i32x4 0 0 0 0)) (local.set $b3 (v128.const i32x4 0 0 0 0))
        (local.set $o (i32.const 0))
        (local.set $c (local.get $d))
        (block $c_done
          (loop $cs
            (br_if $c_done (i32.eqz (local.get $c)))
            (local.set $k0 (v128.load (local.get $x)))
            (local.set $k1 (v128.load offset=16 (local.get $x)))
            (local.set $q (v128.load32_splat (i32.add (local.get $p0) (local.get $o))))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $q) (local.get $k0))))
            (local.set $b0 (f32x4.add (local.get $b0) (f32x4.mul (local.get $q) (local.get $k1))))
            (local.set $q (v128.load32_splat (i32.add (local.get $p1) (local.get $o))))
            (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $q) (local.get $k0))))
            (local.set $b1 (f32x4.add (local.get $b1) (f32x4.mul (local.get $q) (local.get $k1))))
            (local.set $q (v128.load32_splat (i32.add (local.get $p2) (local.get $o))))
            (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $q) (local.get $k0))))
            (local.set $b2 (f32x4.add (local.get $b2) (f32x4.mul (local.get $q) (local.get $k1))))
            (local.set $q (v128.load32_splat (i32.add (local.get $p3) (local.get $o))))
            (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $q) (local.get $k0))))
            (local.set $b3 (f32x4.add (local.get $b3) (f32x4.mul (local.get $q) (local.get $k1))))
            (local.set $x (i32.add (local.get $x) (local.get $skpB)))
            (local.set $o (i32.add (local.get $o) (i32.const 4)))
            (local.set $c (i32.sub (local.get $c) (i32.const 1)))
            (br $cs)))
        (local.set $x (i32.add (local.get $out) (i32.shl (local.get $g) (i32.const 5))))
        (v128.store offset=0 (local.get $x) (f32x4.mul (local.get $a0) (local.get $sv)))
        (v128.store offset=16 (local.get $x) (f32x4.mul (local.get $b0) (local.get $sv)))
        (v128.store offset=128 (local.get $x) (f32x4.mul (local.get $a1) (local.get $sv)))
        (v128.store offset=144 (local.get $x) (f32x4.mul (local.get $b1) (local.get $sv)))
        (v128.store offset=256 (local.get $x) (f32x4.mul (local.get $a2) (local.get $sv)))
        (v128.store offset=272 (local.get $x) (f32x4.mul (local.get $b2) (local.get $sv)))
        (v128.store offset=384 (local.get $x) (f32x4.mul (local.get $a3) (local.get $sv)))
        (v128.store offset=400 (local.get $x) (f32x4.mul (local.get $b3) (local.get $sv)))
        (local.set $g (i32.add (local.get $g) (i32.const 1)))
        (br $gs))))

  ;; One row of 32 scores at s: -inf where key j0 + j is not visible: j0 + j >= lim or bit j of word
  ;; clear. Nothing to do (and not called) when the whole block is visible.
  (func $mask_row (param $s i32) (param $j0 i32) (param $lim i32) (param $word i32)
    (local $c i32) (local $idx v128) (local $lv v128) (local $ok v128)
    (if (i32.and (i32.eq (local.get $word) (i32.const -1))
                 (i32.ge_s (local.get $lim) (i32.add (local.get $j0) (i32.const 32))))
      (then (return)))
    (local.set $idx (i32x4.add (i32x4.splat (local.get $j0)) (v128.const i32x4 0 1 2 3)))
    (local.set $lv (i32x4.splat (local.get $lim)))
    (block $done
      (loop $cs
        (br_if $done (i32.ge_u (local.get $c) (i32.const 8)))
        (local.set $ok (v128.and
          (i32x4.lt_s (local.get $idx) (local.get $lv))
          (i32x4.ne (v128.and (i32x4.splat (local.get $word)) (v128.const i32x4 1 2 4 8))
                    (v128.const i32x4 0 0 0 0))))
        (v128.store (local.get $s) (v128.bitselect
          (v128.load (local.get $s))
          (v128.const f32x4 -inf -inf -inf -inf)
          (local.get $ok)))
        (local.set $word (i32.shr_u (local.get $word) (i32.const 4)))
        (local.set $idx (i32x4.add (local.get $idx) (v128.const i32x4 4 4 4 4)))
        (local.set $s (i32.add (local.get $s) (i32.const 16)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $cs))))

  ;; One row of 32 scores at s becomes exp(s - sub); returns the row sum. Inlined expf (the hot loop of
  ;; the softmax part): Cephes' polynomial as in $exp4, with the cheaper x64 lowerings: pmin/pmax clamps
  ;; (one instruction each, unlike NaN-propagating min/max), round-to-nearest and 2^n from the bits of
  ;; x·log2e + 1.5·2^23 (no nearest/trunc_sat), constants kept in locals (FMA shapes for the fma build).
  (func $exp_row_sum (param $s i32) (param $sub f32) (result f32)
    (local $c i32) (local $sv v128) (local $acc v128)
    (local $x v128) (local $j v128) (local $n v128) (local $r v128) (local $p v128) (local $under v128)
    (local $lo v128) (local $hi v128) (local $log2e v128) (local $magic v128) (local $ln2hi v128) (local $ln2lo v128)
    (local $k1 v128) (local $k2 v128) (local $k3 v128) (local $k4 v128) (local $k5 v128) (local $one v128)
    (local.set $sv (f32x4.splat (local.get $sub)))
    (local.set $lo (v128.const f32x4 -87.33 -87.33 -87.33 -87.33))
    (local.set $hi (v128.const f32x4 88.37 88.37 88.37 88.37))
    (local.set $log2e (v128.const f32x4 1.44269504 1.44269504 1.44269504 1.44269504))
    (local.set $magic (v128.const f32x4 12582912 12582912 12582912 12582912))
    (local.set $ln2hi (v128.const f32x4 -0.693359375 -0.693359375 -0.693359375 -0.693359375))
    (local.set $ln2lo (v128.const f32x4 2.12194440e-4 2.12194440e-4 2.12194440e-4 2.12194440e-4))
    (local.set $k1 (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3))
    (local.set $k2 (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3))
    (local.set $k3 (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2))
    (local.set $k4 (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1))
    (local.set $k5 (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1))
    (local.set $one (v128.const f32x4 1 1 1 1))
    (block $done
      (loop $cs
        (br_if $done (i32.ge_u (local.get $c) (i32.const 8)))
        (local.set $x (f32x4.sub (v128.load (local.get $s)) (local.get $sv)))
        ;; -inf (masked) and anything below -87.33 give 0
        (local.set $under (f32x4.lt (local.get $x) (local.get $lo)))
        (local.set $x (f32x4.pmin (f32x4.pmax (local.get $x) (local.get $lo)) (local.get $hi)))
        ;; j = x log2e + 1.5·2^23: its low mantissa bits hold n = round(x log2e)
        (local.set $j (f32x4.add (local.get $magic) (f32x4.mul (local.get $x) (local.get $log2e))))
        (local.set $n (f32x4.sub (local.get $j) (local.get $magic)))
        ;; r = x - n ln2 (two parts)
        (local.set $r (f32x4.add (local.get $x) (f32x4.mul (local.get $n) (local.get $ln2hi))))
        (local.set $r (f32x4.add (local.get $r) (f32x4.mul (local.get $n) (local.get $ln2lo))))
        (local.set $p (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4))
        (local.set $p (f32x4.add (local.get $k1) (f32x4.mul (local.get $p) (local.get $r))))
        (local.set $p (f32x4.add (local.get $k2) (f32x4.mul (local.get $p) (local.get $r))))
        (local.set $p (f32x4.add (local.get $k3) (f32x4.mul (local.get $p) (local.get $r))))
        (local.set $p (f32x4.add (local.get $k4) (f32x4.mul (local.get $p) (local.get $r))))
        (local.set $p (f32x4.add (local.get $k5) (f32x4.mul (local.get $p) (local.get $r))))
        ;; e^r = p r^2 + r + 1
        (local.set $n (f32x4.mul (local.get $r) (local.get $r)))
        (local.set $r (f32x4.add (local.get $r) (local.get $one)))
        (local.set $p (f32x4.add (local.get $r) (f32x4.mul (local.get $p) (local.get $n))))
        ;; times 2^n: (n + 127) << 23 from j's bits
        (local.set $p (f32x4.mul (local.get $p)
          (i32x4.shl (i32x4.add (local.get $j) (v128.const i32x4 -1262485377 -1262485377 -1262485377 -1262485377))
                     (i32.const 23))))
        (local.set $p (v128.andnot (local.get $p) (local.get $under)))
        (v128.store (local.get $s) (local.get $p))
        (local.set $acc (f32x4.add (local.get $acc) (local.get $p)))
        (local.set $s (i32.add (local.get $s) (i32.const 16)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $cs)))
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
      (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))

  ;; Online softmax step for one row of 32 masked scores at s: M (at m) = max(M, row max); the row
  ;; becomes p = exp(s - M); C (at cp) = exp(M_old - M) rescales the accumulator; L = L C + Σ p.
  ;; A row with nothing visible yet keeps M = -inf and subtracts 0 instead (p = 0, no NaN).
  (func $online_row (param $s i32) (param $m i32) (param $l i32) (param $cp i32)
    (local $c i32) (local $p i32) (local $mx v128)
    (local $mo f32) (local $mn f32) (local $mu f32) (local $corr f32)
    (local.set $mx (v128.load (local.get $s)))
    (local.set $p (i32.add (local.get $s) (i32.const 16)))
    (local.set $c (i32.const 1))
    (block $m_done
      (loop $ms
        (br_if $m_done (i32.ge_u (local.get $c) (i32.const 8)))
        (local.set $mx (f32x4.pmax (local.get $mx) (v128.load (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $ms)))
    (local.set $mo (f32.load (local.get $m)))
    (local.set $mn (f32.max (local.get $mo) (f32.max
      (f32.max (f32x4.extract_lane 0 (local.get $mx)) (f32x4.extract_lane 1 (local.get $mx)))
      (f32.max (f32x4.extract_lane 2 (local.get $mx)) (f32x4.extract_lane 3 (local.get $mx))))))
    (local.set $mu (select (f32.const 0) (local.get $mn) (f32.eq (local.get $mn) (f32.const -inf))))
    (local.set $corr (call $exp1 (f32.sub (local.get $mo) (local.get $mu))))
    (f32.store (local.get $m) (local.get $mn))
    (f32.store (local.get $cp) (local.get $corr))
    (f32.store (local.get $l) (f32.add (f32.mul (f32.load (local.get $l)) (local.get $corr))
      (call $exp_row_sum (local.get $s) (local.get $mu)))))

  ;; One row: dp (32 values at g) becomes dS = p (dp - delta), p at s.
  (func $ds_row (param $s i32) (param $g i32) (param $delta f32)
    (local $c i32) (local $dv v128)
    (local.set $dv (f32x4.splat (local.get $delta)))
    (block $done
      (loop $cs
        (br_if $done (i32.ge_u (local.get $c) (i32.const 8)))
        (v128.store (local.get $g) (f32x4.mul (v128.load (local.get $s))
          (f32x4.sub (v128.load (local.get $g)) (local.get $dv))))
        (local.set $s (i32.add (local.get $s) (i32.const 16)))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $cs))))

  ;; acc rows r < 4 (at acc + r dpB, nc chunks of 4 lanes) = acc_r * C[r] + Σ_{j<nk} w[r][j] x[j]
  ;; (w: a [4][32] tile, x rows of dpB bytes). Forward O update (C = the rescale) and dQ (C = 1).
  ;; Two chunks at a time (8 accumulators: each splat of w feeds 2 FMAs), then an odd last chunk.
  (func $rows_update (param $w i32) (param $x i32) (param $dpB i32) (param $nk i32) (param $acc i32)
    (param $cp i32) (param $nc i32)
    (local $cc i32) (local $j i32) (local $xp i32) (local $wp i32) (local $ap i32)
    (local $o0 v128) (local $o1 v128) (local $o2 v128) (local $o3 v128)
    (local $e0 v128) (local $e1 v128) (local $e2 v128) (local $e3 v128)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128)
    (local $xv v128) (local $xw v128) (local $p v128)
    (local.set $c0 (v128.load32_splat offset=0 (local.get $cp)))
    (local.set $c1 (v128.load32_splat offset=4 (local.get $cp)))
    (local.set $c2 (v128.load32_splat offset=8 (local.get $cp)))
    (local.set $c3 (v128.load32_splat offset=12 (local.get $cp)))
    (block $c_done
      (loop $cs
        (br_if $c_done (i32.ge_u (local.get $cc) (local.get $nc)))
        (local.set $ap (i32.add (local.get $acc) (i32.shl (local.get $cc) (i32.const 4))))
        (local.set $xp (i32.add (local.get $x) (i32.shl (local.get $cc) (i32.const 4))))
        (local.set $wp (local.get $w))
        (local.set $j (local.get $nk))
        (if (i32.lt_u (i32.add (local.get $cc) (i32.const 1)) (local.get $nc))
          (then
            ;; chunks cc and cc + 1
            (local.set $o0 (f32x4.mul (v128.load offset=0 (local.get $ap)) (local.get $c0)))
            (local.set $e0 (f32x4.mul (v128.load offset=16 (local.get $ap)) (local.get $c0)))
            (local.set $ap (i32.add (local.get $ap) (local.get $dpB)))
            (local.set $o1 (f32x4.mul (v128.load offset=0 (local.get $ap)) (local.get $c1)))
            (local.set $e1 (f32x4.mul (v128.load offset=16 (local.get $ap)) (local.get $c1)))
            (local.set $ap (i32.add (local.get $ap) (local.get $dpB)))
            (local.set $o2 (f32x4.mul (v128.load offset=0 (local.get $ap)) (local.get $c2)))
            (local.set $e2 (f32x4.mul (v128.load offset=16 (local.get $ap)) (local.get $c2)))
            (local.set $ap (i32.add (local.get $ap) (local.get $dpB)))
            (local.set $o3 (f32x4.mul (v128.load offset=0 (local.get $ap)) (local.get $c3)))
            (local.set $e3 (f32x4.mul (v128.load offset=16 (local.get $ap)) (local.get $c3)))
            (block $j_done
              (loop $js
                (br_if $j_done (i32.eqz (local.get $j)))
                (local.set $xv (v128.load offset=0 (local.get $xp)))
                (local.set $xw (v128.load offset=16 (local.get $xp)))
                (local.set $p (v128.load32_splat offset=0 (local.get $wp)))
                (local.set $o0 (f32x4.add (local.get $o0) (f32x4.mul (local.get $p) (local.get $xv))))
                (local.set $e0 (f32x4.add (local.get $e0) (f32x4.mul (local.get $p) (local.get $xw))))
                (local.set $p (v128.load32_splat offset=128 (local.get $wp)))
                (local.set $o1 (f32x4.add (local.get $o1) (f32x4.mul (local.get $p) (local.get $xv))))
                (local.set $e1 (f32x4.add (local.get $e1) (f32x4.mul (local.get $p) (local.get $xw))))
                (local.set $p (v128.load32_splat offset=256 (local.get $wp)))
                (local.set $o2 (f32x4.add (local.get $o2) (f32x4.mul (local.get $p) (local.get $xv))))
                (local.set $e2 (f32x4.add (local.get $e2) (f32x4.mul (local.get $p) (local.get $xw))))
                (local.set $p (v128.load32_splat offset=384 (local.get $wp)))
                (local.set $o3 (f32x4.add (local.get $o3) (f32x4.mul (local.get $p) (local.get $xv))))
                (local.set $e3 (f32x4.add (local.get $e3) (f32x4.mul (local.get $p) (local.get $xw))))
                (local.set $xp (i32.add (local.get $xp) (local.get $dpB)))
                (local.set $wp (i32.add (local.get $wp) (i32.const 4)))
                (local.set $j (i32.sub (local.get $j) (i32.const 1)))
                (br $js)))
            (v128.store offset=0 (local.get $ap) (local.get $o3))
            (v128.store offset=16 (local.get $ap) (local.get $e3))
            (local.set $ap (i32.sub (local.get $ap) (local.get $dpB)))
            (v128.store offset=0 (local.get $ap) (local.get $o2))
            (v128.store offset=16 (local.get $ap) (local.get $e2))
            (local.set $ap (i32.sub (local.get $ap) (local.get $dpB)))
            (v128.store offset=0 (local.get $ap) (local.get $o1))
            (v128.store offset=16 (local.get $ap) (local.get $e1))
            (local.set $ap (i32.sub (local.get $ap) (local.get $dpB)))
            (v128.store offset=0 (local.get $ap) (local.get $o0))
            (v128.store offset=16 (local.get $ap) (local.get $e0))
            (local.set $cc (i32.add (local.get $cc) (i32.const 2))))
          (else
            ;; the last, odd chunk
            (local.set $o0 (f32x4.mul (v128.load (local.get $ap)) (local.get $c0)))
            (local.set $o1 (f32x4.mul (v128.load (i32.add (local.get $ap) (local.get $dpB))) (local.get $c1)))
            (local.set $o2 (f32x4.mul (v128.load (i32.add (local.get $ap) (i32.shl (local.get $dpB) (i32.const 1))))
              (local.get $c2)))
            (local.set $o3 (f32x4.mul (v128.load (i32.add (local.get $ap) (i32.mul (local.get $dpB) (i32.const 3))))
              (local.get $c3)))
            (block $k_done
              (loop $ks
                (br_if $k_done (i32.eqz (local.get $j)))
                (local.set $xv (v128.load (local.get $xp)))
                (local.set $p (v128.load32_splat offset=0 (local.get $wp)))
                (local.set $o0 (f32x4.add (local.get $o0) (f32x4.mul (local.get $p) (local.get $xv))))
                (local.set $p (v128.load32_splat offset=128 (local.get $wp)))
                (local.set $o1 (f32x4.add (local.get $o1) (f32x4.mul (local.get $p) (local.get $xv))))
                (local.set $p (v128.load32_splat offset=256 (local.get $wp)))
                (local.set $o2 (f32x4.add (local.get $o2) (f32x4.mul (local.get $p) (local.get $xv))))
                (local.set $p (v128.load32_splat offset=384 (local.get $wp)))
                (local.set $o3 (f32x4.add (local.get $o3) (f32x4.mul (local.get $p) (local.get $xv))))
                (local.set $xp (i32.add (local.get $xp) (local.get $dpB)))
                (local.set $wp (i32.add (local.get $wp) (i32.const 4)))
                (local.set $j (i32.sub (local.get $j) (i32.const 1)))
                (br $ks)))
            (v128.store (local.get $ap) (local.get $o0))
            (v128.store (i32.add (local.get $ap) (local.get $dpB)) (local.get $o1))
            (v128.store (i32.add (local.get $ap) (i32.shl (local.get $dpB) (i32.const 1))) (local.get $o2))
            (v128.store (i32.add (local.get $ap) (i32.mul (local.get $dpB) (i32.const 3))) (local.get $o3))
            (local.set $cc (i32.add (local.get $cc) (i32.const 1)))))
        (br $cs))))

  ;; acc[j] (rows of dpB bytes, j < nk) += Σ_{r<4} w[r][j] y_r, y_r the 4 rows at y + r dpB
  ;; (dV += Pᵀ dO, dK += dSᵀ Q). Two chunks at a time (the 8 y vectors stay in registers), then an odd
  ;; last chunk.
  (func $keys_update (param $w i32) (param $y i32) (param $dpB i32) (param $nk i32) (param $acc i32)
    (param $nc i32)
    (local $cc i32) (local $j i32) (local $ap i32) (local $wp i32) (local $yp i32)
    (local $y0 v128) (local $y1 v128) (local $y2 v128) (local $y3 v128)
    (local $z0 v128) (local $z1 v128) (local $z2 v128) (local $z3 v128)
    (local $a v128) (local $b v128) (local $p v128)
    (block $c_done
      (loop $cs
        (br_if $c_done (i32.ge_u (local.get $cc) (local.get $nc)))
        (local.set $yp (i32.add (local.get $y) (i32.shl (local.get $cc) (i32.const 4))))
        (local.set $ap (i32.add (local.get $acc) (i32.shl (local.get $cc) (i32.const 4))))
        (local.set $wp (local.get $w))
        (local.set $j (local.get $nk))
        (local.set $y0 (v128.load (local.get $yp)))
        (local.set $y1 (v128.load (i32.add (local.get $yp) (local.get $dpB))))
        (local.set $y2 (v128.load (i32.add (local.get $yp) (i32.shl (local.get $dpB) (i32.const 1)))))
        (local.set $y3 (v128.load (i32.add (local.get $yp) (i32.mul (local.get $dpB) (i32.const 3)))))
        (if (i32.lt_u (i32.add (local.get $cc) (i32.const 1)) (local.get $nc))
          (then
            (local.set $z0 (v128.load offset=16 (local.get $yp)))
            (local.set $z1 (v128.load offset=16 (i32.add (local.get $yp) (local.get $dpB))))
            (local.set $z2 (v128.load offset=16 (i32.add (local.get $yp) (i32.shl (local.get $dpB) (i32.const 1)))))
            (local.set $z3 (v128.load offset=16 (i32.add (local.get $yp) (i32.mul (local.get $dpB) (i32.const 3)))))
            (block $j_done
              (loop $js
                (br_if $j_done (i32.eqz (local.get $j)))
                (local.set $a (v128.load offset=0 (local.get $ap)))
                (local.set $b (v128.load offset=16 (local.get $ap)))
                (local.set $p (v128.load32_splat offset=0 (local.get $wp)))
                (local.set $a (f32x4.add (local.get $a) (f32x4.mul (local.get $p) (local.get $y0))))
                (local.set $b (f32x4.add (local.get $b) (f32x4.mul (local.get $p) (local.get $z0))))
                (local.set $p (v128.load32_splat offset=128 (local.get $wp)))
                (local.set $a (f32x4.add (local.get $a) (f32x4.mul (local.get $p) (local.get $y1))))
                (local.set $b (f32x4.add (local.get $b) (f32x4.mul (local.get $p) (local.get $z1))))
                (local.set $p (v128.load32_splat offset=256 (local.get $wp)))
                (local.set $a (f32x4.add (local.get $a) (f32x4.mul (local.get $p) (local.get $y2))))
                (local.set $b (f32x4.add (local.get $b) (f32x4.mul (local.get $p) (local.get $z2))))
                (local.set $p (v128.load32_splat offset=384 (local.get $wp)))
                (local.set $a (f32x4.add (local.get $a) (f32x4.mul (local.get $p) (local.get $y3))))
                (local.set $b (f32x4.add (local.get $b) (f32x4.mul (local.get $p) (local.get $z3))))
                (v128.store offset=0 (local.get $ap) (local.get $a))
                (v128.store offset=16 (local.get $ap) (local.get $b))
                (local.set $ap (i32.add (local.get $ap) (local.get $dpB)))
                (local.set $wp (i32.add (local.get $wp) (i32.const 4)))
                (local.set $j (i32.sub (local.get $j) (i32.const 1)))
                (br $js)))
            (local.set $cc (i32.add (local.get $cc) (i32.const 2))))
          (else
            (block $k_done
              (loop $ks
                (br_if $k_done (i32.eqz (local.get $j)))
                (local.set $a (v128.load (local.get $ap)))
                (local.set $p (v128.load32_splat offset=0 (local.get $wp)))
                (local.set $a (f32x4.add (local.get $a) (f32x4.mul (local.get $p) (local.get $y0))))
                (local.set $p (v128.load32_splat offset=128 (local.get $wp)))
                (local.set $a (f32x4.add (local.get $a) (f32x4.mul (local.get $p) (local.get $y1))))
                (local.set $p (v128.load32_splat offset=256 (local.get $wp)))
                (local.set $a (f32x4.add (local.get $a) (f32x4.mul (local.get $p) (local.get $y2))))
                (local.set $p (v128.load32_splat offset=384 (local.get $wp)))
                (local.set $a (f32x4.add (local.get $a) (f32x4.mul (local.get $p) (local.get $y3))))
                (v128.store (local.get $ap) (local.get $a))
                (local.set $ap (i32.add (local.get $ap) (local.get $dpB)))
                (local.set $wp (i32.add (local.get $wp) (i32.const 4)))
                (local.set $j (i32.sub (local.get $j) (i32.const 1)))
                (br $ks)))
            (local.set $cc (i32.add (local.get $cc) (i32.const 1)))))
        (br $cs))))

  ;; dst[i][c] = src[i][c] * f for i < rows, c < d (src rows of dp floats, dst contiguous rows of d).
  (func $store_rows (param $src i32) (param $rows i32) (param $dp i32) (param $dst i32) (param $d i32) (param $f f32)
    (local $i i32) (local $c i32) (local $s i32)
    (block $i_done
      (loop $is
        (br_if $i_done (i32.ge_u (local.get $i) (local.get $rows)))
        (local.set $s (i32.add (local.get $src) (i32.shl (i32.mul (local.get $i) (local.get $dp)) (i32.const 2))))
        (local.set $c (i32.const 0))
        (block $c_done
          (loop $cs
            (br_if $c_done (i32.ge_u (local.get $c) (local.get $d)))
            (f32.store (local.get $dst) (f32.mul (f32.load (local.get $s)) (local.get $f)))
            (local.set $s (i32.add (local.get $s) (i32.const 4)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $cs)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $is))))

  ;; Σ_c a[c] b[c] over d floats (SIMD over 4 lanes, scalar tail).
  (func $dot (param $a i32) (param $b i32) (param $d i32) (result f32)
    (local $acc v128) (local $x v128) (local $y v128) (local $end i32) (local $vend i32) (local $s f32)
    (local.set $end (i32.add (local.get $a) (i32.shl (local.get $d) (i32.const 2))))
    (local.set $vend (i32.add (local.get $a) (i32.shl (i32.and (local.get $d) (i32.const -4)) (i32.const 2))))
    (block $v_done
      (loop $vs
        (br_if $v_done (i32.ge_u (local.get $a) (local.get $vend)))
        (local.set $x (v128.load (local.get $a)))
        (local.set $y (v128.load (local.get $b)))
        (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $x) (local.get $y))))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (br $vs)))
    (local.set $s (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
      (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
    (block $t_done
      (loop $ts
        (br_if $t_done (i32.ge_u (local.get $a) (local.get $end)))
        (local.set $s (f32.add (local.get $s) (f32.mul (f32.load (local.get $a)) (f32.load (local.get $b)))))
        (local.set $a (i32.add (local.get $a) (i32.const 4)))
        (local.set $b (i32.add (local.get $b) (i32.const 4)))
        (br $ts)))
    (local.get $s))

  ;; acc[c] += w x[c] for c < d (acc 16-byte aligned rows; SIMD over 4 lanes, scalar tail).
  (func $axpy (param $acc i32) (param $x i32) (param $w f32) (param $d i32)
    (local $wv v128) (local $a v128) (local $xv v128) (local $end i32) (local $vend i32)
    (local.set $wv (f32x4.splat (local.get $w)))
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $d) (i32.const 2))))
    (local.set $vend (i32.add (local.get $x) (i32.shl (i32.and (local.get $d) (i32.const -4)) (i32.const 2))))
    (block $v_done
      (loop $vs
        (br_if $v_done (i32.ge_u (local.get $x) (local.get $vend)))
        (local.set $a (v128.load (local.get $acc)))
        (local.set $xv (v128.load (local.get $x)))
        (v128.store (local.get $acc) (f32x4.add (local.get $a) (f32x4.mul (local.get $wv) (local.get $xv))))
        (local.set $acc (i32.add (local.get $acc) (i32.const 16)))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (br $vs)))
    (block $t_done
      (loop $ts
        (br_if $t_done (i32.ge_u (local.get $x) (local.get $end)))
        (f32.store (local.get $acc) (f32.add (f32.load (local.get $acc)) (f32.mul (local.get $w) (f32.load (local.get $x)))))
        (local.set $acc (i32.add (local.get $acc) (i32.const 4)))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (br $ts))))

  ;; Visible-key limit of query row i: Sk, or min(Sk, i + Sk - Sq + 1) (≥ 0) when causal.
  (func $limit (param $P i32) (param $i i32) (result i32)
    (local $sk i32) (local $l i32)
    (local.set $sk (i32.load offset=40 (local.get $P)))
    (if (result i32) (i32.load offset=56 (local.get $P))
      (then
        (local.set $l (i32.add (i32.add (local.get $i) (i32.const 1))
          (i32.sub (local.get $sk) (i32.load offset=36 (local.get $P)))))
        (select (i32.const 0)
          (select (local.get $sk) (local.get $l) (i32.gt_s (local.get $l) (local.get $sk)))
          (i32.lt_s (local.get $l) (i32.const 0))))
      (else (local.get $sk))))

  ;; Forward: thread t of T takes the (head, 4-row block) items t, t + T, ...
  (func (export "attention_forward") (param $P i32) (param $t i32)
    (local $Sq i32) (local $Sk i32) (local $D i32) (local $Dp i32) (local $dpB i32) (local $skpB i32)
    (local $ws i32) (local $kt i32) (local $vp i32) (local $oacc i32) (local $mb i32) (local $mbase i32)
    (local $W4 i32) (local $nQB i32) (local $items i32) (local $it i32) (local $T i32) (local $bh i32)
    (local $cur i32) (local $i0 i32) (local $r i32) (local $i i32) (local $lim i32) (local $kEnd i32)
    (local $nkb i32) (local $jb i32) (local $j0 i32) (local $nk i32) (local $any i32) (local $w i32)
    (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32) (local $qb i32) (local $scale f32)
    (local $l f32) (local $rw i32) (local $kb i32)
    (local.set $Sq (i32.load offset=36 (local.get $P)))
    (local.set $Sk (i32.load offset=40 (local.get $P)))
    (local.set $D (i32.load offset=44 (local.get $P)))
    (local.set $Dp (i32.load offset=48 (local.get $P)))
    (local.set $dpB (i32.shl (local.get $Dp) (i32.const 2)))
    (local.set $skpB (i32.shl (i32.load offset=52 (local.get $P)) (i32.const 2)))
    (local.set $scale (f32.load offset=60 (local.get $P)))
    (local.set $mb (i32.load offset=12 (local.get $P)))
    (local.set $W4 (i32.shl (i32.load offset=64 (local.get $P)) (i32.const 2)))
    (local.set $T (i32.load offset=76 (local.get $P)))
    (local.set $ws (i32.add (i32.load offset=68 (local.get $P))
      (i32.mul (local.get $t) (i32.load offset=72 (local.get $P)))))
    (local.set $kt (i32.add (local.get $ws) (i32.load offset=96 (local.get $P))))
    (local.set $vp (i32.add (local.get $ws) (i32.load offset=100 (local.get $P))))
    (local.set $oacc (i32.add (local.get $ws) (i32.load offset=132 (local.get $P))))
    (local.set $nQB (i32.shr_u (i32.add (local.get $Sq) (i32.const 3)) (i32.const 2)))
    (local.set $items (i32.mul (i32.load offset=24 (local.get $P)) (local.get $nQB)))
    (local.set $cur (i32.const -1))
    (local.set $it (local.get $t))
    (block $it_done
      (loop $its
        (br_if $it_done (i32.ge_u (local.get $it) (local.get $items)))
        (local.set $bh (i32.div_u (local.get $it) (local.get $nQB)))
        (local.set $i0 (i32.shl (i32.sub (local.get $it) (i32.mul (local.get $bh) (local.get $nQB))) (i32.const 2)))
        (if (i32.ne (local.get $bh) (local.get $cur))
          (then
            (local.set $cur (local.get $bh))
            ;; this head's Kᵀ (D × Skp) and V (Skp × Dp), zero padded, into the workspace
            (local.set $kb (i32.shl (i32.mul (i32.mul (local.get $bh) (local.get $Sk)) (local.get $D)) (i32.const 2)))
            (call $transpose_pad (i32.add (i32.load offset=4 (local.get $P)) (local.get $kb)) (local.get $Sk)
              (local.get $D) (local.get $kt) (i32.load offset=52 (local.get $P)))
            (call $copy_pad (i32.add (i32.load offset=8 (local.get $P)) (local.get $kb))
              (local.get $Sk) (local.get $D) (local.get $vp) (i32.load offset=52 (local.get $P)) (local.get $Dp))))
        (if (local.get $mb)
          (then (local.set $mbase (i32.add (local.get $mb) (i32.mul
            (i32.div_u (local.get $bh) (i32.load offset=28 (local.get $P))) (i32.load offset=32 (local.get $P)))))))
        ;; rows i0..i0+3 (clamped to Sq - 1: duplicates are computed, never stored)
        (local.set $qb (i32.add (i32.load offset=0 (local.get $P))
          (i32.shl (i32.mul (i32.mul (local.get $bh) (local.get $Sq)) (local.get $D)) (i32.const 2))))
        (local.set $kEnd (i32.const 0))
        (local.set $r (i32.const 0))
        (block $r_done
          (loop $rs
            (br_if $r_done (i32.ge_u (local.get $r) (i32.const 4)))
            (local.set $i (i32.add (local.get $i0) (local.get $r)))
            (if (i32.ge_u (local.get $i) (local.get $Sq)) (then (local.set $i (i32.sub (local.get $Sq) (i32.const 1)))))
            (local.set $lim (call $limit (local.get $P) (local.get $i)))
            (local.set $rw (i32.add (local.get $ws) (i32.shl (local.get $r) (i32.const 2))))
            (i32.store offset=1088 (local.get $rw) (local.get $lim))
            (if (i32.gt_s (local.get $lim) (local.get $kEnd)) (then (local.set $kEnd (local.get $lim))))
            (f32.store offset=1024 (local.get $rw) (f32.const -inf))
            (f32.store offset=1040 (local.get $rw) (f32.const 0))
            (local.set $r (i32.add (local.get $r) (i32.const 1)))
            (br $rs)))
        (local.set $p0 (i32.add (local.get $qb) (i32.shl (i32.mul (local.get $i0) (local.get $D)) (i32.const 2))))
        (local.set $p1 (select (i32.add (local.get $p0) (i32.shl (local.get $D) (i32.const 2))) (local.get $p0)
          (i32.lt_u (i32.add (local.get $i0) (i32.const 1)) (local.get $Sq))))
        (local.set $p2 (select (i32.add (local.get $p1) (i32.shl (local.get $D) (i32.const 2))) (local.get $p1)
          (i32.lt_u (i32.add (local.get $i0) (i32.const 2)) (local.get $Sq))))
        (local.set $p3 (select (i32.add (local.get $p2) (i32.shl (local.get $D) (i32.const 2))) (local.get $p2)
          (i32.lt_u (i32.add (local.get $i0) (i32.const 3)) (local.get $Sq))))
        (memory.fill (local.get $oacc) (i32.const 0) (i32.shl (local.get $dpB) (i32.const 2)))
        (local.set $nkb (i32.shr_u (i32.add (local.get $kEnd) (i32.const 31)) (i32.const 5)))
        (local.set $jb (i32.const 0))
        (block $jb_done
          (loop $jbs
            (br_if $jb_done (i32.ge_u (local.get $jb) (local.get $nkb)))
            (local.set $j0 (i32.shl (local.get $jb) (i32.const 5)))
            ;; mask words of the 4 rows for this key block (all ones without a bitmap)
            (local.set $any (i32.const 0))
            (local.set $r (i32.const 0))
            (block $w_done
              (loop $wsl
                (br_if $w_done (i32.ge_u (local.get $r) (i32.const 4)))
                (local.set $w (i32.const -1))
                (if (local.get $mb)
                  (then
                    (local.set $i (i32.add (local.get $i0) (local.get $r)))
                    (if (i32.ge_u (local.get $i) (local.get $Sq)) (then (local.set $i (i32.sub (local.get $Sq) (i32.const 1)))))
                    (local.set $w (i32.load (i32.add (i32.add (local.get $mbase)
                      (i32.mul (local.get $i) (local.get $W4))) (i32.shl (local.get $jb) (i32.const 2)))))))
                (i32.store offset=1104 (i32.add (local.get $ws) (i32.shl (local.get $r) (i32.const 2))) (local.get $w))
                (local.set $any (i32.or (local.get $any) (local.get $w)))
                (local.set $r (i32.add (local.get $r) (i32.const 1)))
                (br $wsl)))
            (if (local.get $any)
              (then
                (local.set $nk (i32.sub (local.get $kEnd) (local.get $j0)))
                (if (i32.gt_s (local.get $nk) (i32.const 32)) (then (local.set $nk (i32.const 32))))
                (call $tile_dot (local.get $p0) (local.get $p1) (local.get $p2) (local.get $p3) (local.get $D)
                  (local.get $kt) (local.get $skpB) (local.get $j0)
                  (i32.shr_u (i32.add (local.get $nk) (i32.const 7)) (i32.const 3)) (local.get $ws) (local.get $scale))
                (local.set $r (i32.const 0))
                (block $m_done
                  (loop $ms
                    (br_if $m_done (i32.ge_u (local.get $r) (i32.const 4)))
                    (local.set $rw (i32.add (local.get $ws) (i32.shl (local.get $r) (i32.const 2))))
                    (call $mask_row (i32.add (local.get $ws) (i32.shl (local.get $r) (i32.const 7)))
                      (local.get $j0) (i32.load offset=1088 (local.get $rw)) (i32.load offset=1104 (local.get $rw)))
                    (call $online_row (i32.add (local.get $ws) (i32.shl (local.get $r) (i32.const 7)))
                      (i32.add (local.get $rw) (i32.const 1024)) (i32.add (local.get $rw) (i32.const 1040))
                      (i32.add (local.get $rw) (i32.const 1056)))
                    (local.set $r (i32.add (local.get $r) (i32.const 1)))
                    (br $ms)))
                (call $rows_update (local.get $ws) (i32.add (local.get $vp) (i32.mul (local.get $j0) (local.get $dpB)))
                  (local.get $dpB) (local.get $nk) (local.get $oacc) (i32.add (local.get $ws) (i32.const 1056))
                  (i32.shr_u (local.get $Dp) (i32.const 2)))))
            (local.set $jb (i32.add (local.get $jb) (i32.const 1)))
            (br $jbs)))
        ;; O = acc / L, lse = M + log L (0 and +inf for a row that saw no key)
        (local.set $r (i32.const 0))
        (block $o_done
          (loop $os
            (br_if $o_done (i32.ge_u (local.get $r) (i32.const 4)))
            (local.set $i (i32.add (local.get $i0) (local.get $r)))
            (br_if $o_done (i32.ge_u (local.get $i) (local.get $Sq)))
            (local.set $rw (i32.add (local.get $ws) (i32.shl (local.get $r) (i32.const 2))))
            (local.set $l (f32.load offset=1040 (local.get $rw)))
            (local.set $i (i32.add (i32.mul (local.get $bh) (local.get $Sq)) (local.get $i)))
            (call $store_rows (i32.add (local.get $oacc) (i32.mul (local.get $r) (local.get $dpB))) (i32.const 1)
              (local.get $Dp) (i32.add (i32.load offset=16 (local.get $P))
                (i32.shl (i32.mul (local.get $i) (local.get $D)) (i32.const 2)))
              (local.get $D)
              (select (f32.div (f32.const 1) (local.get $l)) (f32.const 0) (f32.gt (local.get $l) (f32.const 0))))
            (f32.store (i32.add (i32.load offset=20 (local.get $P)) (i32.shl (local.get $i) (i32.const 2)))
              (if (result f32) (f32.gt (local.get $l) (f32.const 0))
                (then (f32.demote_f64 (f64.add (f64.promote_f32 (f32.load offset=1024 (local.get $rw)))
                  (call $log (f64.promote_f32 (local.get $l))))))
                (else (f32.const inf))))
            (local.set $r (i32.add (local.get $r) (i32.const 1)))
            (br $os)))
        (local.set $it (i32.add (local.get $it) (local.get $T)))
        (br $its))))

  ;; Forward for few query rows (Sq < 4: decoding with a KV cache), one row at a time: thread t of T takes
  ;; rows t, t + T, ... of the B·H·Sq rows. Scores by SIMD dot products straight from K (no transpose:
  ;; for one row it would cost more than the scores), the row's scores (Skp floats at the kt workspace
  ;; slot), max, exp, then O = Σ p_j v_j / L. Same outputs as attention_forward.
  (func (export "attention_forward_rows") (param $P i32) (param $t i32)
    (local $Sq i32) (local $Sk i32) (local $D i32) (local $ws i32) (local $sc i32) (local $oacc i32)
    (local $mb i32) (local $mbase i32) (local $W4 i32) (local $T i32) (local $rows i32) (local $it i32)
    (local $bh i32) (local $i i32) (local $lim i32) (local $nkb i32) (local $jb i32) (local $j0 i32)
    (local $j i32) (local $nk i32) (local $kr i32) (local $vb i32) (local $qr i32) (local $rowB i32)
    (local $w i32) (local $scale f32) (local $m f32) (local $l f32) (local $pj f32) (local $mx v128)
    (local $sp i32) (local $send i32)
    (local.set $Sq (i32.load offset=36 (local.get $P)))
    (local.set $Sk (i32.load offset=40 (local.get $P)))
    (local.set $D (i32.load offset=44 (local.get $P)))
    (local.set $rowB (i32.shl (local.get $D) (i32.const 2)))
    (local.set $scale (f32.load offset=60 (local.get $P)))
    (local.set $mb (i32.load offset=12 (local.get $P)))
    (local.set $W4 (i32.shl (i32.load offset=64 (local.get $P)) (i32.const 2)))
    (local.set $T (i32.load offset=76 (local.get $P)))
    (local.set $ws (i32.add (i32.load offset=68 (local.get $P))
      (i32.mul (local.get $t) (i32.load offset=72 (local.get $P)))))
    (local.set $sc (i32.add (local.get $ws) (i32.load offset=96 (local.get $P))))
    (local.set $oacc (i32.add (local.get $ws) (i32.load offset=132 (local.get $P))))
    (local.set $rows (i32.mul (i32.load offset=24 (local.get $P)) (local.get $Sq)))
    (local.set $it (local.get $t))
    (block $it_done
      (loop $its
        (br_if $it_done (i32.ge_u (local.get $it) (local.get $rows)))
        (local.set $bh (i32.div_u (local.get $it) (local.get $Sq)))
        (local.set $i (i32.sub (local.get $it) (i32.mul (local.get $bh) (local.get $Sq))))
        (local.set $qr (i32.add (i32.load offset=0 (local.get $P)) (i32.mul (local.get $it) (local.get $rowB))))
        (local.set $kr (i32.add (i32.load offset=4 (local.get $P))
          (i32.mul (i32.mul (local.get $bh) (local.get $Sk)) (local.get $rowB))))
        (local.set $vb (i32.add (i32.load offset=8 (local.get $P))
          (i32.mul (i32.mul (local.get $bh) (local.get $Sk)) (local.get $rowB))))
        (if (local.get $mb)
          (then (local.set $mbase (i32.add (i32.add (local.get $mb) (i32.mul
            (i32.div_u (local.get $bh) (i32.load offset=28 (local.get $P))) (i32.load offset=32 (local.get $P))))
            (i32.mul (local.get $i) (local.get $W4))))))
        (local.set $lim (call $limit (local.get $P) (local.get $i)))
        (local.set $nkb (i32.shr_u (i32.add (local.get $lim) (i32.const 31)) (i32.const 5)))
        ;; masked, scaled scores of the key blocks below lim; their max
        (local.set $mx (v128.const f32x4 -inf -inf -inf -inf))
        (local.set $jb (i32.const 0))
        (block $s_done
          (loop $ss
            (br_if $s_done (i32.ge_u (local.get $jb) (local.get $nkb)))
            (local.set $j0 (i32.shl (local.get $jb) (i32.const 5)))
            (local.set $w (select (i32.load (i32.add (local.get $mbase) (i32.shl (local.get $jb) (i32.const 2))))
              (i32.const -1) (local.get $mb)))
            (local.set $sp (i32.add (local.get $sc) (i32.shl (local.get $j0) (i32.const 2))))
            (local.set $nk (i32.sub (local.get $lim) (local.get $j0)))
            (if (i32.gt_s (local.get $nk) (i32.const 32)) (then (local.set $nk (i32.const 32))))
            (local.set $j (i32.const 0))
            (block $j_done
              (loop $js
                (br_if $j_done (i32.ge_u (local.get $j) (local.get $nk)))
                (f32.store (i32.add (local.get $sp) (i32.shl (local.get $j) (i32.const 2)))
                  (f32.mul (local.get $scale) (call $dot (local.get $qr) (local.get $kr) (local.get $D))))
                (local.set $kr (i32.add (local.get $kr) (local.get $rowB)))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $js)))
            (call $mask_row (local.get $sp) (local.get $j0) (local.get $lim) (local.get $w))
            (local.set $send (i32.add (local.get $sp) (i32.const 128)))
            (block $m_done
              (loop $ms
                (br_if $m_done (i32.ge_u (local.get $sp) (local.get $send)))
                (local.set $mx (f32x4.pmax (local.get $mx) (v128.load (local.get $sp))))
                (local.set $sp (i32.add (local.get $sp) (i32.const 16)))
                (br $ms)))
            (local.set $jb (i32.add (local.get $jb) (i32.const 1)))
            (br $ss)))
        (local.set $m (f32.max
          (f32.max (f32x4.extract_lane 0 (local.get $mx)) (f32x4.extract_lane 1 (local.get $mx)))
          (f32.max (f32x4.extract_lane 2 (local.get $mx)) (f32x4.extract_lane 3 (local.get $mx)))))
        ;; p = exp(s - m), L = Σ p, O = Σ p_j v_j / L (a row that sees no key: O = 0, lse = +inf)
        (local.set $l (f32.const 0))
        (memory.fill (local.get $oacc) (i32.const 0) (i32.shl (i32.load offset=48 (local.get $P)) (i32.const 2)))
        (if (f32.ne (local.get $m) (f32.const -inf))
          (then
            (local.set $jb (i32.const 0))
            (block $e_done
              (loop $es
                (br_if $e_done (i32.ge_u (local.get $jb) (local.get $nkb)))
                (local.set $l (f32.add (local.get $l) (call $exp_row_sum
                  (i32.add (local.get $sc) (i32.shl (local.get $jb) (i32.const 7))) (local.get $m))))
                (local.set $jb (i32.add (local.get $jb) (i32.const 1)))
                (br $es)))
            (local.set $j (i32.const 0))
            (block $v_done
              (loop $vs
                (br_if $v_done (i32.ge_u (local.get $j) (local.get $lim)))
                (local.set $pj (f32.load (i32.add (local.get $sc) (i32.shl (local.get $j) (i32.const 2)))))
                (if (f32.ne (local.get $pj) (f32.const 0))
                  (then (call $axpy (local.get $oacc)
                    (i32.add (local.get $vb) (i32.mul (local.get $j) (local.get $rowB))) (local.get $pj) (local.get $D))))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $vs)))))
        (call $store_rows (local.get $oacc) (i32.const 1) (local.get $D)
          (i32.add (i32.load offset=16 (local.get $P)) (i32.mul (local.get $it) (local.get $rowB)))
          (local.get $D)
          (select (f32.div (f32.const 1) (local.get $l)) (f32.const 0) (f32.gt (local.get $l) (f32.const 0))))
        (f32.store (i32.add (i32.load offset=20 (local.get $P)) (i32.shl (local.get $it) (i32.const 2)))
          (if (result f32) (f32.gt (local.get $l) (f32.const 0))
            (then (f32.demote_f64 (f64.add (f64.promote_f32 (local.get $m))
              (call $log (f64.promote_f32 (local.get $l))))))
            (else (f32.const inf))))
        (local.set $it (i32.add (local.get $it) (local.get $T)))
        (br $its))))

  ;; Backward. split = 0: thread t of T takes heads t, t + T, ... (dQ, dK, dV of a head are all its own).
  ;; split = 1 (B·H not a multiple of T): thread t takes the (head, key block) items t, t + T, ...; dK and
  ;; dV rows of a key block are its own, dQ is summed into the thread's own accumulator for every head
  ;; (BH × Sq4 × Dp, zeroed first) and attention_backward_dq adds the threads' partial dQs.
  (func (export "attention_backward") (param $P i32) (param $t i32)
    (local $Sq i32) (local $Sk i32) (local $D i32) (local $Dp i32) (local $dpB i32) (local $Skp i32)
    (local $skpB i32) (local $Sq4 i32) (local $ws i32) (local $kt i32) (local $vt i32) (local $kp i32)
    (local $qp i32) (local $dop i32) (local $dqa i32) (local $dvec i32) (local $dka i32) (local $dva i32)
    (local $lsep i32) (local $mb i32) (local $mbase i32) (local $W4 i32) (local $T i32) (local $bh i32)
    (local $BH i32) (local $kb i32) (local $qb i32) (local $i i32) (local $c i32) (local $acc f32)
    (local $nkb i32) (local $jb i32) (local $j0 i32) (local $nk i32) (local $ng i32) (local $nc i32)
    (local $i0 i32) (local $r i32) (local $lim i32) (local $w i32) (local $vis i32) (local $anyw i32)
    (local $rw i32) (local $scale f32) (local $a i32) (local $b i32) (local $rp i32)
    (local $split i32) (local $items i32) (local $it i32) (local $cur i32) (local $jbEnd i32) (local $dqh i32)
    (local.set $Sq (i32.load offset=36 (local.get $P)))
    (local.set $Sk (i32.load offset=40 (local.get $P)))
    (local.set $D (i32.load offset=44 (local.get $P)))
    (local.set $Dp (i32.load offset=48 (local.get $P)))
    (local.set $dpB (i32.shl (local.get $Dp) (i32.const 2)))
    (local.set $nc (i32.shr_u (local.get $Dp) (i32.const 2)))
    (local.set $Skp (i32.load offset=52 (local.get $P)))
    (local.set $skpB (i32.shl (local.get $Skp) (i32.const 2)))
    (local.set $Sq4 (i32.load offset=140 (local.get $P)))
    (local.set $scale (f32.load offset=60 (local.get $P)))
    (local.set $mb (i32.load offset=12 (local.get $P)))
    (local.set $W4 (i32.shl (i32.load offset=64 (local.get $P)) (i32.const 2)))
    (local.set $T (i32.load offset=76 (local.get $P)))
    (local.set $BH (i32.load offset=24 (local.get $P)))
    (local.set $ws (i32.add (i32.load offset=68 (local.get $P))
      (i32.mul (local.get $t) (i32.load offset=72 (local.get $P)))))
    (local.set $kt (i32.add (local.get $ws) (i32.load offset=96 (local.get $P))))
    (local.set $vt (i32.add (local.get $ws) (i32.load offset=100 (local.get $P))))
    (local.set $kp (i32.add (local.get $ws) (i32.load offset=104 (local.get $P))))
    (local.set $qp (i32.add (local.get $ws) (i32.load offset=108 (local.get $P))))
    (local.set $dop (i32.add (local.get $ws) (i32.load offset=112 (local.get $P))))
    (local.set $dqa (i32.add (local.get $ws) (i32.load offset=116 (local.get $P))))
    (local.set $dvec (i32.add (local.get $ws) (i32.load offset=120 (local.get $P))))
    (local.set $dka (i32.add (local.get $ws) (i32.load offset=124 (local.get $P))))
    (local.set $dva (i32.add (local.get $ws) (i32.load offset=128 (local.get $P))))
    (local.set $lsep (i32.add (local.get $ws) (i32.load offset=136 (local.get $P))))
    (v128.store offset=1072 (local.get $ws) (v128.const f32x4 1 1 1 1))
    (local.set $nkb (i32.shr_u (i32.add (local.get $Sk) (i32.const 31)) (i32.const 5)))
    (local.set $split (i32.load offset=144 (local.get $P)))
    (local.set $items (select (i32.mul (local.get $BH) (local.get $nkb)) (local.get $BH) (local.get $split)))
    (if (local.get $split)
      (then (memory.fill (local.get $dqa) (i32.const 0)
        (i32.mul (i32.mul (local.get $BH) (local.get $Sq4)) (local.get $dpB)))))
    (local.set $cur (i32.const -1))
    (local.set $it (local.get $t))
    (block $bh_done
      (loop $bhs
        (br_if $bh_done (i32.ge_u (local.get $it) (local.get $items)))
        (local.set $bh (local.get $it))
        (local.set $jb (i32.const 0))
        (local.set $jbEnd (local.get $nkb))
        (if (local.get $split)
          (then
            (local.set $bh (i32.div_u (local.get $it) (local.get $nkb)))
            (local.set $jb (i32.sub (local.get $it) (i32.mul (local.get $bh) (local.get $nkb))))
            (local.set $jbEnd (i32.add (local.get $jb) (i32.const 1)))))
        (local.set $kb (i32.shl (i32.mul (i32.mul (local.get $bh) (local.get $Sk)) (local.get $D)) (i32.const 2)))
        (local.set $qb (i32.shl (i32.mul (i32.mul (local.get $bh) (local.get $Sq)) (local.get $D)) (i32.const 2)))
        (if (local.get $mb)
          (then (local.set $mbase (i32.add (local.get $mb) (i32.mul
            (i32.div_u (local.get $bh) (i32.load offset=28 (local.get $P))) (i32.load offset=32 (local.get $P)))))))
        ;; the head's operands in the workspace (once per head): Kᵀ, Vᵀ (d × Skp), K (Skp × Dp), Q and dO
        ;; (Sq4 × Dp), D and lse; its dQ accumulator
        (if (i32.ne (local.get $bh) (local.get $cur)) (then
        (local.set $cur (local.get $bh))
        (local.set $dqh (local.get $dqa))
        (if (local.get $split)
          (then (local.set $dqh (i32.add (local.get $dqa) (i32.mul (i32.mul (local.get $bh) (local.get $Sq4)) (local.get $dpB)))))
          (else (memory.fill (local.get $dqa) (i32.const 0) (i32.mul (local.get $Sq4) (local.get $dpB)))))
        (call $transpose_pad (i32.add (i32.load offset=4 (local.get $P)) (local.get $kb)) (local.get $Sk)
          (local.get $D) (local.get $kt) (local.get $Skp))
        (call $transpose_pad (i32.add (i32.load offset=8 (local.get $P)) (local.get $kb)) (local.get $Sk)
          (local.get $D) (local.get $vt) (local.get $Skp))
        (call $copy_pad (i32.add (i32.load offset=4 (local.get $P)) (local.get $kb)) (local.get $Sk)
          (local.get $D) (local.get $kp) (local.get $Skp) (local.get $Dp))
        (call $copy_pad (i32.add (i32.load offset=0 (local.get $P)) (local.get $qb)) (local.get $Sq)
          (local.get $D) (local.get $qp) (local.get $Sq4) (local.get $Dp))
        (call $copy_pad (i32.add (i32.load offset=80 (local.get $P)) (local.get $qb)) (local.get $Sq)
          (local.get $D) (local.get $dop) (local.get $Sq4) (local.get $Dp))
        ;; D_i = rowsum(dO ∘ O) and the row logsumexp (padding rows: 0 and +inf)
        (local.set $i (i32.const 0))
        (block $d_done
          (loop $ds
            (br_if $d_done (i32.ge_u (local.get $i) (local.get $Sq4)))
            (local.set $acc (f32.const 0))
            (if (i32.lt_u (local.get $i) (local.get $Sq))
              (then
                (local.set $a (i32.add (i32.add (i32.load offset=16 (local.get $P)) (local.get $qb))
                  (i32.shl (i32.mul (local.get $i) (local.get $D)) (i32.const 2))))
                (local.set $b (i32.add (i32.add (i32.load offset=80 (local.get $P)) (local.get $qb))
                  (i32.shl (i32.mul (local.get $i) (local.get $D)) (i32.const 2))))
                (local.set $c (i32.const 0))
                (block $c_done
                  (loop $cs
                    (br_if $c_done (i32.ge_u (local.get $c) (local.get $D)))
                    (local.set $acc (f32.add (local.get $acc) (f32.mul (f32.load (local.get $a)) (f32.load (local.get $b)))))
                    (local.set $a (i32.add (local.get $a) (i32.const 4)))
                    (local.set $b (i32.add (local.get $b) (i32.const 4)))
                    (local.set $c (i32.add (local.get $c) (i32.const 1)))
                    (br $cs)))
                (f32.store (i32.add (local.get $lsep) (i32.shl (local.get $i) (i32.const 2)))
                  (f32.load (i32.add (i32.load offset=20 (local.get $P))
                    (i32.shl (i32.add (i32.mul (local.get $bh) (local.get $Sq)) (local.get $i)) (i32.const 2))))))
              (else
                (f32.store (i32.add (local.get $lsep) (i32.shl (local.get $i) (i32.const 2))) (f32.const inf))))
            (f32.store (i32.add (local.get $dvec) (i32.shl (local.get $i) (i32.const 2))) (local.get $acc))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $ds)))))
        (block $jb_done
          (loop $jbs
            (br_if $jb_done (i32.ge_u (local.get $jb) (local.get $jbEnd)))
            (local.set $j0 (i32.shl (local.get $jb) (i32.const 5)))
            (local.set $nk (i32.sub (local.get $Sk) (local.get $j0)))
            (if (i32.gt_s (local.get $nk) (i32.const 32)) (then (local.set $nk (i32.const 32))))
            (local.set $ng (i32.shr_u (i32.add (local.get $nk) (i32.const 7)) (i32.const 3)))
            (memory.fill (local.get $dka) (i32.const 0) (i32.shl (local.get $dpB) (i32.const 5)))
            (memory.fill (local.get $dva) (i32.const 0) (i32.shl (local.get $dpB) (i32.const 5)))
            ;; causal: rows before j0 - (Sk - Sq) see none of these keys
            (local.set $i0 (i32.const 0))
            (if (i32.load offset=56 (local.get $P))
              (then
                (local.set $i0 (i32.sub (local.get $j0) (i32.sub (local.get $Sk) (local.get $Sq))))
                (if (i32.lt_s (local.get $i0) (i32.const 0)) (then (local.set $i0 (i32.const 0))))
                (local.set $i0 (i32.and (local.get $i0) (i32.const -4)))))
            (block $i_done
              (loop $is
                (br_if $i_done (i32.ge_u (local.get $i0) (local.get $Sq)))
                (local.set $vis (i32.const 0))
                (local.set $anyw (i32.const 0))
                (local.set $r (i32.const 0))
                (block $r_done
                  (loop $rs
                    (br_if $r_done (i32.ge_u (local.get $r) (i32.const 4)))
                    (local.set $i (i32.add (local.get $i0) (local.get $r)))
                    (local.set $lim (i32.const 0))
                    (local.set $w (i32.const 0))
                    (if (i32.lt_u (local.get $i) (local.get $Sq))
                      (then
                        (local.set $lim (call $limit (local.get $P) (local.get $i)))
                        (local.set $w (i32.const -1))
                        (if (local.get $mb)
                          (then (local.set $w (i32.load (i32.add (i32.add (local.get $mbase)
                            (i32.mul (local.get $i) (local.get $W4))) (i32.shl (local.get $jb) (i32.const 2)))))))))
                    (local.set $rw (i32.add (local.get $ws) (i32.shl (local.get $r) (i32.const 2))))
                    (i32.store offset=1088 (local.get $rw) (local.get $lim))
                    (i32.store offset=1104 (local.get $rw) (local.get $w))
                    (local.set $vis (i32.or (local.get $vis) (i32.gt_s (local.get $lim) (local.get $j0))))
                    (local.set $anyw (i32.or (local.get $anyw) (local.get $w)))
                    (local.set $r (i32.add (local.get $r) (i32.const 1)))
                    (br $rs)))
                (if (i32.and (local.get $vis) (i32.ne (local.get $anyw) (i32.const 0)))
                  (then
                    (local.set $rp (i32.add (local.get $qp) (i32.mul (local.get $i0) (local.get $dpB))))
                    (call $tile_dot (local.get $rp) (i32.add (local.get $rp) (local.get $dpB))
                      (i32.add (local.get $rp) (i32.shl (local.get $dpB) (i32.const 1)))
                      (i32.add (local.get $rp) (i32.mul (local.get $dpB) (i32.const 3)))
                      (local.get $D) (local.get $kt) (local.get $skpB) (local.get $j0) (local.get $ng) (local.get $ws)
                      (local.get $scale))
                    (local.set $rp (i32.add (local.get $dop) (i32.mul (local.get $i0) (local.get $dpB))))
                    (call $tile_dot (local.get $rp) (i32.add (local.get $rp) (local.get $dpB))
                      (i32.add (local.get $rp) (i32.shl (local.get $dpB) (i32.const 1)))
                      (i32.add (local.get $rp) (i32.mul (local.get $dpB) (i32.const 3)))
                      (local.get $D) (local.get $vt) (local.get $skpB) (local.get $j0) (local.get $ng)
                      (i32.add (local.get $ws) (i32.const 512)) (f32.const 1))
                    (local.set $r (i32.const 0))
                    (block $p_done
                      (loop $ps
                        (br_if $p_done (i32.ge_u (local.get $r) (i32.const 4)))
                        (local.set $rw (i32.add (local.get $ws) (i32.shl (local.get $r) (i32.const 2))))
                        (local.set $a (i32.add (local.get $ws) (i32.shl (local.get $r) (i32.const 7))))
                        (local.set $i (i32.shl (i32.add (local.get $i0) (local.get $r)) (i32.const 2)))
                        (call $mask_row (local.get $a) (local.get $j0) (i32.load offset=1088 (local.get $rw))
                          (i32.load offset=1104 (local.get $rw)))
                        (drop (call $exp_row_sum (local.get $a) (f32.load (i32.add (local.get $lsep) (local.get $i)))))
                        (call $ds_row (local.get $a) (i32.add (local.get $a) (i32.const 512))
                          (f32.load (i32.add (local.get $dvec) (local.get $i))))
                        (local.set $r (i32.add (local.get $r) (i32.const 1)))
                        (br $ps)))
                    ;; dV += Pᵀ dO, dK += dSᵀ Q, dQ += dS K
                    (call $keys_update (local.get $ws) (i32.add (local.get $dop) (i32.mul (local.get $i0) (local.get $dpB)))
                      (local.get $dpB) (local.get $nk) (local.get $dva) (local.get $nc))
                    (call $keys_update (i32.add (local.get $ws) (i32.const 512))
                      (i32.add (local.get $qp) (i32.mul (local.get $i0) (local.get $dpB)))
                      (local.get $dpB) (local.get $nk) (local.get $dka) (local.get $nc))
                    (call $rows_update (i32.add (local.get $ws) (i32.const 512))
                      (i32.add (local.get $kp) (i32.mul (local.get $j0) (local.get $dpB)))
                      (local.get $dpB) (local.get $nk) (i32.add (local.get $dqh) (i32.mul (local.get $i0) (local.get $dpB)))
                      (i32.add (local.get $ws) (i32.const 1072)) (local.get $nc))))
                (local.set $i0 (i32.add (local.get $i0) (i32.const 4)))
                (br $is)))
            (local.set $a (i32.shl (i32.add (i32.mul (local.get $bh) (local.get $Sk)) (local.get $j0)) (i32.const 2)))
            (call $store_rows (local.get $dka) (local.get $nk) (local.get $Dp)
              (i32.add (i32.load offset=88 (local.get $P)) (i32.mul (local.get $a) (local.get $D)))
              (local.get $D) (local.get $scale))
            (call $store_rows (local.get $dva) (local.get $nk) (local.get $Dp)
              (i32.add (i32.load offset=92 (local.get $P)) (i32.mul (local.get $a) (local.get $D)))
              (local.get $D) (f32.const 1))
            (local.set $jb (i32.add (local.get $jb) (i32.const 1)))
            (br $jbs)))
        (if (i32.eqz (local.get $split))
          (then (call $store_rows (local.get $dqa) (local.get $Sq) (local.get $Dp)
            (i32.add (i32.load offset=84 (local.get $P)) (local.get $qb)) (local.get $D) (local.get $scale))))
        (local.set $it (i32.add (local.get $it) (local.get $T)))
        (br $bhs))))

  ;; After a split backward: dq rows [t R / T, (t + 1) R / T) of the R = B·H·Sq rows = scale × the sum of
  ;; the T threads' dQ accumulators.
  (func (export "attention_backward_dq") (param $P i32) (param $t i32)
    (local $Sq i32) (local $D i32) (local $dpB i32) (local $Sq4 i32) (local $T i32) (local $rows i32)
    (local $r i32) (local $r1 i32) (local $bh i32) (local $i i32) (local $c i32) (local $u i32)
    (local $src i32) (local $dst i32) (local $acc f32) (local $scale f32) (local $stride i32)
    (local.set $Sq (i32.load offset=36 (local.get $P)))
    (local.set $D (i32.load offset=44 (local.get $P)))
    (local.set $dpB (i32.shl (i32.load offset=48 (local.get $P)) (i32.const 2)))
    (local.set $Sq4 (i32.load offset=140 (local.get $P)))
    (local.set $T (i32.load offset=76 (local.get $P)))
    (local.set $scale (f32.load offset=60 (local.get $P)))
    (local.set $stride (i32.load offset=72 (local.get $P)))
    (local.set $rows (i32.mul (i32.load offset=24 (local.get $P)) (local.get $Sq)))
    (local.set $r (i32.div_u (i32.mul (local.get $rows) (local.get $t)) (local.get $T)))
    (local.set $r1 (i32.div_u (i32.mul (local.get $rows) (i32.add (local.get $t) (i32.const 1))) (local.get $T)))
    (block $r_done
      (loop $rs
        (br_if $r_done (i32.ge_u (local.get $r) (local.get $r1)))
        (local.set $bh (i32.div_u (local.get $r) (local.get $Sq)))
        (local.set $i (i32.sub (local.get $r) (i32.mul (local.get $bh) (local.get $Sq))))
        ;; this row in thread 0's accumulator
        (local.set $src (i32.add (i32.add (i32.load offset=68 (local.get $P)) (i32.load offset=116 (local.get $P)))
          (i32.mul (i32.add (i32.mul (local.get $bh) (local.get $Sq4)) (local.get $i)) (local.get $dpB))))
        (local.set $dst (i32.add (i32.load offset=84 (local.get $P))
          (i32.shl (i32.mul (local.get $r) (local.get $D)) (i32.const 2))))
        (local.set $c (i32.const 0))
        (block $c_done
          (loop $cs
            (br_if $c_done (i32.ge_u (local.get $c) (local.get $D)))
            (local.set $acc (f32.const 0))
            (local.set $u (i32.const 0))
            (block $u_done
              (loop $us
                (br_if $u_done (i32.ge_u (local.get $u) (local.get $T)))
                (local.set $acc (f32.add (local.get $acc)
                  (f32.load (i32.add (local.get $src) (i32.mul (local.get $u) (local.get $stride))))))
                (local.set $u (i32.add (local.get $u) (i32.const 1)))
                (br $us)))
            (f32.store (local.get $dst) (f32.mul (local.get $acc) (local.get $scale)))
            (local.set $src (i32.add (local.get $src) (i32.const 4)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $cs)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rs))))
)
