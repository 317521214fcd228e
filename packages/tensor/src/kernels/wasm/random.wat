;; Counter-based random numbers for the 'wasm' backend (kernels/wasm/random.ts): Philox4x32-10, bit-exact
;; with the CPU reference (backend/cpu/random.ts): word i of a draw = philox(counter = 64-bit (ctr + i/4),
;; c2, c3; key k0, k1)[i % 4]. The 32×32 → 64-bit products come from i64x2.extmul_{low,high}_i32x4_u:
;; eight blocks go through the ten rounds at once in two sets of SIMD lanes (one block per lane: the
;; two sets hide each other's multiply latency), then a 4×4 transpose puts each block's words side by side.
;;
;; Parameter block at byte address $prm:
;;   0 ctr0, 4 ctr1, 8 c2, 12 c3, 16 k0, 20 k1 (u32)   24 thr, 28 scale (f32)   32 p0, 40 p1 (f64)
;;   48 fromLogits (i32)   56 invT (f64)
;; `fill` turns words [w0, w1) (w0 a multiple of 4) of the stream into one of the outputs (mode):
;;   0 bits     dst[i] = word (u32)
;;   1 uniform  dst[i] = f32(((word >>> 8) · 2^-24) · p0 + p1)     (f64 arithmetic, like the reference)
;;   2 keep     dst[i] = (word >>> 8) · 2^-24 >= thr ? 1 : 0       (u32)
;;   3 dropout  dst[i] = (word >>> 8) · 2^-24 >= thr ? src[i] · scale : 0
;; in chunks of 256 blocks generated into the 4 KiB scratch $ws (one per thread).
(module
  (import "env" "memory" (memory 1 65536 shared))

  (global $M0 i32 (i32.const 0xd2511f53))
  (global $M1 i32 (i32.const 0xcd9e8d57))
  (global $W0 i32 (i32.const 0x9e3779b9))
  (global $W1 i32 (i32.const 0xbb67ae85))

  ;; one block: counter (c0, c1, c2, c3), key (k0, k1) -> 4 words at $dst
  (func $block (param $dst i32) (param $x0 i32) (param $x1 i32) (param $x2 i32) (param $x3 i32)
    (param $ka i32) (param $kb i32)
    (local $r i32) (local $p0 i64) (local $p1 i64)
    (loop $rounds
      (if (local.get $r)
        (then
          (local.set $ka (i32.add (local.get $ka) (global.get $W0)))
          (local.set $kb (i32.add (local.get $kb) (global.get $W1)))))
      (local.set $p0 (i64.mul (i64.const 0xd2511f53) (i64.extend_i32_u (local.get $x0))))
      (local.set $p1 (i64.mul (i64.const 0xcd9e8d57) (i64.extend_i32_u (local.get $x2))))
      (local.set $x0 (i32.xor (i32.xor (i32.wrap_i64 (i64.shr_u (local.get $p1) (i64.const 32))) (local.get $x1))
        (local.get $ka)))
      (local.set $x1 (i32.wrap_i64 (local.get $p1)))
      (local.set $x2 (i32.xor (i32.xor (i32.wrap_i64 (i64.shr_u (local.get $p0) (i64.const 32))) (local.get $x3))
        (local.get $kb)))
      (local.set $x3 (i32.wrap_i64 (local.get $p0)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br_if $rounds (i32.lt_u (local.get $r) (i32.const 10))))
    (i32.store (local.get $dst) (local.get $x0))
    (i32.store offset=4 (local.get $dst) (local.get $x1))
    (i32.store offset=8 (local.get $dst) (local.get $x2))
    (i32.store offset=12 (local.get $dst) (local.get $x3)))

  ;; blocks [b, b + nb) of the stream (64-bit counter ctr + block) -> 4·nb words at $dst
  (func $blocks (param $prm i32) (param $b i64) (param $nb i32) (param $dst i32)
    (local $ctr i64) (local $c i64) (local $j i32) (local $r i32) (local $ka i32) (local $kb i32)
    (local $x0 v128) (local $x1 v128) (local $x2 v128) (local $x3 v128)
    (local $m0 v128) (local $m1 v128) (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local $y0 v128) (local $y1 v128) (local $y2 v128) (local $y3 v128)
    (local $u0 v128) (local $u1 v128) (local $u2 v128) (local $u3 v128)
    (local.set $ctr (i64.add (i64.load (local.get $prm)) (local.get $b)))
    (local.set $m0 (i32x4.splat (global.get $M0)))
    (local.set $m1 (i32x4.splat (global.get $M1)))
    ;; eight blocks at a time: two independent sets of four lanes (x: blocks j..j+3, y: j+4..j+7), so the
    ;; multiplier latency of one set hides behind the other
    (block $e_done
      (loop $es
        (br_if $e_done (i32.lt_u (i32.sub (local.get $nb) (local.get $j)) (i32.const 8)))
        (local.set $c (i64.add (local.get $ctr) (i64.extend_i32_u (local.get $j))))
        (local.set $x0 (i32x4.add (i32x4.splat (i32.wrap_i64 (local.get $c))) (v128.const i32x4 0 1 2 3)))
        (local.set $x1 (i32x4.sub (i32x4.splat (i32.wrap_i64 (i64.shr_u (local.get $c) (i64.const 32))))
          (i32x4.lt_u (local.get $x0) (v128.const i32x4 0 1 2 3))))
        (local.set $c (i64.add (local.get $c) (i64.const 4)))
        (local.set $y0 (i32x4.add (i32x4.splat (i32.wrap_i64 (local.get $c))) (v128.const i32x4 0 1 2 3)))
        (local.set $y1 (i32x4.sub (i32x4.splat (i32.wrap_i64 (i64.shr_u (local.get $c) (i64.const 32))))
          (i32x4.lt_u (local.get $y0) (v128.const i32x4 0 1 2 3))))
        (local.set $x2 (i32x4.splat (i32.load offset=8 (local.get $prm))))
        (local.set $x3 (i32x4.splat (i32.load offset=12 (local.get $prm))))
        (local.set $y2 (local.get $x2))
        (local.set $y3 (local.get $x3))
        (local.set $ka (i32.load offset=16 (local.get $prm)))
        (local.set $kb (i32.load offset=20 (local.get $prm)))
        (local.set $r (i32.const 0))
        (loop $rounds8
          (if (local.get $r)
            (then
              (local.set $ka (i32.add (local.get $ka) (global.get $W0)))
              (local.set $kb (i32.add (local.get $kb) (global.get $W1)))))
          (local.set $t0 (i64x2.extmul_low_i32x4_u (local.get $m0) (local.get $x0)))
          (local.set $t1 (i64x2.extmul_high_i32x4_u (local.get $m0) (local.get $x0)))
          (local.set $t2 (i64x2.extmul_low_i32x4_u (local.get $m1) (local.get $x2)))
          (local.set $t3 (i64x2.extmul_high_i32x4_u (local.get $m1) (local.get $x2)))
          (local.set $x0 (v128.xor (v128.xor
            (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $t2) (local.get $t3))
            (local.get $x1)) (i32x4.splat (local.get $ka))))
          (local.set $x1 (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $t2) (local.get $t3)))
          (local.set $x2 (v128.xor (v128.xor
            (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $t0) (local.get $t1))
            (local.get $x3)) (i32x4.splat (local.get $kb))))
          (local.set $x3 (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $t0) (local.get $t1)))
          (local.set $u0 (i64x2.extmul_low_i32x4_u (local.get $m0) (local.get $y0)))
          (local.set $u1 (i64x2.extmul_high_i32x4_u (local.get $m0) (local.get $y0)))
          (local.set $u2 (i64x2.extmul_low_i32x4_u (local.get $m1) (local.get $y2)))
          (local.set $u3 (i64x2.extmul_high_i32x4_u (local.get $m1) (local.get $y2)))
          (local.set $y0 (v128.xor (v128.xor
            (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $u2) (local.get $u3))
            (local.get $y1)) (i32x4.splat (local.get $ka))))
          (local.set $y1 (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $u2) (local.get $u3)))
          (local.set $y2 (v128.xor (v128.xor
            (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $u0) (local.get $u1))
            (local.get $y3)) (i32x4.splat (local.get $kb))))
          (local.set $y3 (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $u0) (local.get $u1)))
          (local.set $r (i32.add (local.get $r) (i32.const 1)))
          (br_if $rounds8 (i32.lt_u (local.get $r) (i32.const 10))))
        ;; transpose: block l = (x0[l], x1[l], x2[l], x3[l])
        (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $x0) (local.get $x1)))
        (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $x0) (local.get $x1)))
        (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $x2) (local.get $x3)))
        (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $x2) (local.get $x3)))
        (v128.store (local.get $dst)
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
        (v128.store offset=16 (local.get $dst)
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
        (v128.store offset=32 (local.get $dst)
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
        (v128.store offset=48 (local.get $dst)
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
        ;; and blocks 4..7
        (local.set $u0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $y0) (local.get $y1)))
        (local.set $u1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $y0) (local.get $y1)))
        (local.set $u2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $y2) (local.get $y3)))
        (local.set $u3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $y2) (local.get $y3)))
        (v128.store offset=64 (local.get $dst)
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $u0) (local.get $u2)))
        (v128.store offset=80 (local.get $dst)
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $u0) (local.get $u2)))
        (v128.store offset=96 (local.get $dst)
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $u1) (local.get $u3)))
        (v128.store offset=112 (local.get $dst)
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $u1) (local.get $u3)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 128)))
        (local.set $j (i32.add (local.get $j) (i32.const 8)))
        (br $es)))
    ;; four blocks at a time
    (block $v_done
      (loop $vs
        (br_if $v_done (i32.lt_u (i32.sub (local.get $nb) (local.get $j)) (i32.const 4)))
        (local.set $c (i64.add (local.get $ctr) (i64.extend_i32_u (local.get $j))))
        ;; lane l: counter c + l (low word in x0, high word in x1)
        (local.set $x0 (i32x4.add (i32x4.splat (i32.wrap_i64 (local.get $c))) (v128.const i32x4 0 1 2 3)))
        (local.set $x1 (i32x4.splat (i32.wrap_i64 (i64.shr_u (local.get $c) (i64.const 32)))))
        ;; carry into the high word where the low word wrapped (x0 < l as unsigned)
        (local.set $x1 (i32x4.sub (local.get $x1)
          (i32x4.lt_u (local.get $x0) (v128.const i32x4 0 1 2 3))))
        (local.set $x2 (i32x4.splat (i32.load offset=8 (local.get $prm))))
        (local.set $x3 (i32x4.splat (i32.load offset=12 (local.get $prm))))
        (local.set $ka (i32.load offset=16 (local.get $prm)))
        (local.set $kb (i32.load offset=20 (local.get $prm)))
        (local.set $r (i32.const 0))
        (loop $rounds
          (if (local.get $r)
            (then
              (local.set $ka (i32.add (local.get $ka) (global.get $W0)))
              (local.set $kb (i32.add (local.get $kb) (global.get $W1)))))
          ;; x0' = hi(M1 x2) ^ x1 ^ ka; x1' = lo(M1 x2); x2' = hi(M0 x0) ^ x3 ^ kb; x3' = lo(M0 x0)
          ;; (extmul: lanes 0, 1 and 2, 3 as 64-bit products; odd 32-bit halves are hi, even are lo)
          (local.set $t0 (i64x2.extmul_low_i32x4_u (local.get $m0) (local.get $x0)))
          (local.set $t1 (i64x2.extmul_high_i32x4_u (local.get $m0) (local.get $x0)))
          (local.set $t2 (i64x2.extmul_low_i32x4_u (local.get $m1) (local.get $x2)))
          (local.set $t3 (i64x2.extmul_high_i32x4_u (local.get $m1) (local.get $x2)))
          (local.set $x0 (v128.xor (v128.xor
            (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $t2) (local.get $t3))
            (local.get $x1)) (i32x4.splat (local.get $ka))))
          (local.set $x1 (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $t2) (local.get $t3)))
          (local.set $x2 (v128.xor (v128.xor
            (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $t0) (local.get $t1))
            (local.get $x3)) (i32x4.splat (local.get $kb))))
          (local.set $x3 (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $t0) (local.get $t1)))
          (local.set $r (i32.add (local.get $r) (i32.const 1)))
          (br_if $rounds (i32.lt_u (local.get $r) (i32.const 10))))
        ;; transpose: block l = (x0[l], x1[l], x2[l], x3[l])
        (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $x0) (local.get $x1)))
        (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $x0) (local.get $x1)))
        (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $x2) (local.get $x3)))
        (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $x2) (local.get $x3)))
        (v128.store (local.get $dst)
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
        (v128.store offset=16 (local.get $dst)
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
        (v128.store offset=32 (local.get $dst)
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
        (v128.store offset=48 (local.get $dst)
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 64)))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $vs)))
    ;; the last < 4 blocks one by one
    (block $s_done
      (loop $ss
        (br_if $s_done (i32.ge_u (local.get $j) (local.get $nb)))
        (local.set $c (i64.add (local.get $ctr) (i64.extend_i32_u (local.get $j))))
        (call $block (local.get $dst)
          (i32.wrap_i64 (local.get $c)) (i32.wrap_i64 (i64.shr_u (local.get $c) (i64.const 32)))
          (i32.load offset=8 (local.get $prm)) (i32.load offset=12 (local.get $prm))
          (i32.load offset=16 (local.get $prm)) (i32.load offset=20 (local.get $prm)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $ss))))

  ;; Words [w0, w1) of the stream, through `mode` (see the top), into dst[w0..w1) (and src[w0..w1) for dropout).
  ;; dst and src are the addresses of element 0; w0 is a multiple of 4; ws: 4 KiB of scratch.
  (func (export "fill") (param $mode i32) (param $prm i32) (param $dst i32) (param $src i32) (param $w0 i32)
    (param $w1 i32) (param $ws i32)
    (local $w i32) (local $n i32) (local $i i32) (local $s i32) (local $d i32) (local $word i32)
    (local $u f32) (local $thr f32) (local $scale f32) (local $p0 f64) (local $p1 f64)
    (local $uv v128) (local $mask v128) (local $thrv v128) (local $scalev v128)
    (local.set $thr (f32.load offset=24 (local.get $prm)))
    (local.set $scale (f32.load offset=28 (local.get $prm)))
    (local.set $p0 (f64.load offset=32 (local.get $prm)))
    (local.set $p1 (f64.load offset=40 (local.get $prm)))
    (local.set $thrv (f32x4.splat (local.get $thr)))
    (local.set $scalev (f32x4.splat (local.get $scale)))
    (local.set $w (local.get $w0))
    (block $done
      (loop $chunks
        (br_if $done (i32.ge_u (local.get $w) (local.get $w1)))
        (local.set $n (i32.sub (local.get $w1) (local.get $w)))
        (if (i32.gt_u (local.get $n) (i32.const 1024)) (then (local.set $n (i32.const 1024))))
        (call $blocks (local.get $prm) (i64.extend_i32_u (i32.shr_u (local.get $w) (i32.const 2)))
          (i32.shr_u (i32.add (local.get $n) (i32.const 3)) (i32.const 2)) (local.get $ws))
        (local.set $d (i32.add (local.get $dst) (i32.shl (local.get $w) (i32.const 2))))
        (local.set $s (i32.add (local.get $src) (i32.shl (local.get $w) (i32.const 2))))
        (local.set $i (i32.const 0))
        (if (i32.eqz (local.get $mode))
          (then (memory.copy (local.get $d) (local.get $ws) (i32.shl (local.get $n) (i32.const 2)))))
        (if (i32.eq (local.get $mode) (i32.const 1))
          (then
            (block $u_done
              (loop $us
                (br_if $u_done (i32.ge_u (local.get $i) (local.get $n)))
                (f32.store (i32.add (local.get $d) (i32.shl (local.get $i) (i32.const 2)))
                  (f32.demote_f64 (f64.add
                    (f64.mul
                      (f64.mul
                        (f64.convert_i32_u (i32.shr_u
                          (i32.load (i32.add (local.get $ws) (i32.shl (local.get $i) (i32.const 2)))) (i32.const 8)))
                        (f64.const 0x1p-24))
                      (local.get $p0))
                    (local.get $p1))))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $us)))))
        (if (i32.ge_u (local.get $mode) (i32.const 2))
          (then
            ;; 4 at a time: u = f32(word >>> 8) · 2^-24 (exact), mask = u >= thr
            (block $k_done
              (loop $ks
                (br_if $k_done (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $n)))
                (local.set $uv (f32x4.mul
                  (f32x4.convert_i32x4_u (i32x4.shr_u
                    (v128.load (i32.add (local.get $ws) (i32.shl (local.get $i) (i32.const 2)))) (i32.const 8)))
                  (v128.const f32x4 0x1p-24 0x1p-24 0x1p-24 0x1p-24)))
                (local.set $mask (f32x4.ge (local.get $uv) (local.get $thrv)))
                (if (i32.eq (local.get $mode) (i32.const 2))
                  (then (v128.store (i32.add (local.get $d) (i32.shl (local.get $i) (i32.const 2)))
                    (v128.and (local.get $mask) (v128.const i32x4 1 1 1 1))))
                  (else (v128.store (i32.add (local.get $d) (i32.shl (local.get $i) (i32.const 2)))
                    (v128.and (local.get $mask)
                      (f32x4.mul (v128.load (i32.add (local.get $s) (i32.shl (local.get $i) (i32.const 2))))
                        (local.get $scalev))))))
                (local.set $i (i32.add (local.get $i) (i32.const 4)))
                (br $ks)))
            (block $kt_done
              (loop $kt
                (br_if $kt_done (i32.ge_u (local.get $i) (local.get $n)))
                (local.set $u (f32.mul
                  (f32.convert_i32_u (i32.shr_u
                    (i32.load (i32.add (local.get $ws) (i32.shl (local.get $i) (i32.const 2)))) (i32.const 8)))
                  (f32.const 0x1p-24)))
                (if (i32.eq (local.get $mode) (i32.const 2))
                  (then (i32.store (i32.add (local.get $d) (i32.shl (local.get $i) (i32.const 2)))
                    (f32.ge (local.get $u) (local.get $thr))))
                  (else (f32.store (i32.add (local.get $d) (i32.shl (local.get $i) (i32.const 2)))
                    (select
                      (f32.mul (f32.load (i32.add (local.get $s) (i32.shl (local.get $i) (i32.const 2))))
                        (local.get $scale))
                      (f32.const 0)
                      (f32.ge (local.get $u) (local.get $thr))))))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $kt)))))
        (local.set $w (i32.add (local.get $w) (local.get $n)))
        (br $chunks))))

  ;; ---- exp: a transcription of fdlibm's e_exp.c as V8 ships it (base/ieee754.cc, Math.exp), so the
  ;; weights of 'multinomial' from logits are bit-identical to the CPU reference's Math.exp.
  (func $exp (export "exp") (param $x f64) (result f64)
    (local $hx i32) (local $xsb i32) (local $k i32) (local $hi f64) (local $lo f64) (local $c f64)
    (local $t f64) (local $y f64) (local $twopk f64)
    (local.set $hx (i32.wrap_i64 (i64.shr_u (i64.reinterpret_f64 (local.get $x)) (i64.const 32))))
    (local.set $xsb (i32.shr_u (local.get $hx) (i32.const 31)))
    (local.set $hx (i32.and (local.get $hx) (i32.const 0x7fffffff)))
    ;; non-finite, overflow, underflow
    (if (i32.ge_u (local.get $hx) (i32.const 0x40862E42))
      (then
        (if (i32.ge_u (local.get $hx) (i32.const 0x7ff00000))
          (then
            (if (i32.or (i32.and (local.get $hx) (i32.const 0xfffff))
                        (i32.wrap_i64 (i64.reinterpret_f64 (local.get $x))))
              (then (return (f64.add (local.get $x) (local.get $x)))))
            (return (select (local.get $x) (f64.const 0) (i32.eqz (local.get $xsb))))))
        (if (f64.gt (local.get $x) (f64.const 7.09782712893383973096e+02))
          (then (return (f64.const inf))))
        (if (f64.lt (local.get $x) (f64.const -7.45133219101941108420e+02))
          (then (return (f64.const 0))))))
    ;; argument reduction
    (if (i32.gt_u (local.get $hx) (i32.const 0x3FD62E42))
      (then
        (if (i32.lt_u (local.get $hx) (i32.const 0x3FF0A2B2))
          (then
            (if (f64.eq (local.get $x) (f64.const 1)) (then (return (f64.const 2.718281828459045))))
            (if (local.get $xsb)
              (then
                (local.set $hi (f64.add (local.get $x) (f64.const 6.93147180369123816490e-01)))
                (local.set $lo (f64.const -1.90821492927058770002e-10))
                (local.set $k (i32.const -1)))
              (else
                (local.set $hi (f64.sub (local.get $x) (f64.const 6.93147180369123816490e-01)))
                (local.set $lo (f64.const 1.90821492927058770002e-10))
                (local.set $k (i32.const 1)))))
          (else
            (local.set $k (i32.trunc_f64_s (f64.add (f64.mul (f64.const 1.44269504088896338700e+00) (local.get $x))
              (select (f64.const -0.5) (f64.const 0.5) (local.get $xsb)))))
            (local.set $t (f64.convert_i32_s (local.get $k)))
            (local.set $hi (f64.sub (local.get $x) (f64.mul (local.get $t) (f64.const 6.93147180369123816490e-01))))
            (local.set $lo (f64.mul (local.get $t) (f64.const 1.90821492927058770002e-10)))))
        (local.set $x (f64.sub (local.get $hi) (local.get $lo))))
      (else
        (if (i32.lt_u (local.get $hx) (i32.const 0x3e300000))
          (then (return (f64.add (f64.const 1) (local.get $x)))))))
    ;; x in the primary range
    (local.set $t (f64.mul (local.get $x) (local.get $x)))
    (local.set $twopk (f64.reinterpret_i64 (i64.shl (i64.extend_i32_u
      (i32.add (i32.const 0x3ff00000) (i32.shl
        (select (local.get $k) (i32.add (local.get $k) (i32.const 1000)) (i32.ge_s (local.get $k) (i32.const -1021)))
        (i32.const 20)))) (i64.const 32))))
    (local.set $c (f64.sub (local.get $x) (f64.mul (local.get $t)
      (f64.add (f64.const 1.66666666666666019037e-01) (f64.mul (local.get $t)
        (f64.add (f64.const -2.77777777770155933842e-03) (f64.mul (local.get $t)
          (f64.add (f64.const 6.61375632143793436117e-05) (f64.mul (local.get $t)
            (f64.add (f64.const -1.65339022054652515390e-06) (f64.mul (local.get $t)
              (f64.const 4.13813679705723846039e-08))))))))))))
    (if (i32.eqz (local.get $k))
      (then (return (f64.sub (f64.const 1) (f64.sub
        (f64.div (f64.mul (local.get $x) (local.get $c)) (f64.sub (local.get $c) (f64.const 2)))
        (local.get $x))))))
    (local.set $y (f64.sub (f64.const 1) (f64.sub
      (f64.sub (local.get $lo) (f64.div (f64.mul (local.get $x) (local.get $c)) (f64.sub (f64.const 2) (local.get $c))))
      (local.get $hi))))
    (if (i32.ge_s (local.get $k) (i32.const -1021))
      (then
        (if (i32.eq (local.get $k) (i32.const 1024))
          (then (return (f64.mul (f64.mul (local.get $y) (f64.const 2)) (f64.const 0x1p1023)))))
        (return (f64.mul (local.get $y) (local.get $twopk)))))
    (f64.mul (f64.mul (local.get $y) (local.get $twopk)) (f64.const 9.33263618503218878990e-302)))

  ;; 'multinomial' rows [r0, r1) of x [rows, n] (f32): weights w (f64, into $wb: n·8 bytes per thread) =
  ;; exp((x - max) · invT) from logits, else x > 0 ? x : 0 (invT must be 1 here); out[r] = the smallest j
  ;; with w_j > 0 and Σ_{i <= j} w_i > u_r · Σ w (the last positive j when rounding leaves none), -1 when
  ;; Σ w is not > 0. u_r = (words[r] >>> 8) · 2^-24. Sums in f64, in order, like the reference.
  (func (export "multinomial_rows") (param $prm i32) (param $x i32) (param $n i32) (param $r0 i32) (param $r1 i32)
    (param $words i32) (param $out i32) (param $wb i32)
    (local $r i32) (local $j i32) (local $s i32) (local $logits i32) (local $invT f64) (local $m f64)
    (local $v f64) (local $w f64) (local $total f64) (local $target f64) (local $acc f64) (local $pick i32)
    (local.set $logits (i32.load offset=48 (local.get $prm)))
    (local.set $invT (f64.load offset=56 (local.get $prm)))
    (local.set $r (local.get $r0))
    (block $r_done
      (loop $rs
        (br_if $r_done (i32.ge_u (local.get $r) (local.get $r1)))
        (local.set $s (i32.add (local.get $x) (i32.shl (i32.mul (local.get $r) (local.get $n)) (i32.const 2))))
        (local.set $m (f64.const -inf))
        (if (local.get $logits)
          (then
            (local.set $j (i32.const 0))
            (block $m_done
              (loop $ms
                (br_if $m_done (i32.ge_u (local.get $j) (local.get $n)))
                (local.set $m (f64.max (local.get $m)
                  (f64.promote_f32 (f32.load (i32.add (local.get $s) (i32.shl (local.get $j) (i32.const 2)))))))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $ms)))))
        (local.set $total (f64.const 0))
        (local.set $j (i32.const 0))
        (block $w_done
          (loop $ws
            (br_if $w_done (i32.ge_u (local.get $j) (local.get $n)))
            (local.set $v (f64.promote_f32 (f32.load (i32.add (local.get $s) (i32.shl (local.get $j) (i32.const 2))))))
            (if (local.get $logits)
              (then (local.set $w (call $exp (f64.mul (f64.sub (local.get $v) (local.get $m)) (local.get $invT)))))
              (else (local.set $w (select (local.get $v) (f64.const 0) (f64.gt (local.get $v) (f64.const 0))))))
            (f64.store (i32.add (local.get $wb) (i32.shl (local.get $j) (i32.const 3))) (local.get $w))
            (local.set $total (f64.add (local.get $total) (local.get $w)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $ws)))
        (local.set $pick (i32.const -1))
        (if (f64.gt (local.get $total) (f64.const 0))
          (then
            (local.set $target (f64.mul
              (f64.mul (f64.convert_i32_u (i32.shr_u
                (i32.load (i32.add (local.get $words) (i32.shl (local.get $r) (i32.const 2)))) (i32.const 8)))
                (f64.const 0x1p-24))
              (local.get $total)))
            (local.set $acc (f64.const 0))
            (local.set $j (i32.const 0))
            (block $p_done
              (loop $ps
                (br_if $p_done (i32.ge_u (local.get $j) (local.get $n)))
                (local.set $w (f64.load (i32.add (local.get $wb) (i32.shl (local.get $j) (i32.const 3)))))
                (local.set $acc (f64.add (local.get $acc) (local.get $w)))
                (if (f64.gt (local.get $w) (f64.const 0))
                  (then
                    (local.set $pick (local.get $j))
                    (br_if $p_done (f64.gt (local.get $acc) (local.get $target)))))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $ps)))))
        (i32.store (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 2))) (local.get $pick))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rs))))
)
