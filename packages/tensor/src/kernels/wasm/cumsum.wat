;; Inclusive prefix sum along one axis on WebAssembly SIMD128 (the 'wasm' backend's 'cumsum').
;; x and out: byte addresses of [outer, n, inner] contiguous f32. Row i of a block (inner values) is
;; out[i] = x[i] + out[i - 1] (reverse: out[i] = x[i] + out[i + 1]), four lanes at a time along inner,
;; then the tail one lane at a time. Sums in f32, in the order of the axis.
(module
  (import "env" "memory" (memory 1 65536 shared))

  (func (export "cumsum") (param $x i32) (param $out i32) (param $outer i32) (param $n i32)
    (param $inner i32) (param $reverse i32)
    (local $p i32) (local $k i32) (local $j i32) (local $row i32) (local $rowBytes i32)
    (local $src i32) (local $dst i32) (local $prev i32) (local $vn i32) (local $step i32)
    (local.set $rowBytes (i32.shl (local.get $inner) (i32.const 2)))
    (local.set $vn (i32.and (local.get $inner) (i32.const -4)))
    ;; byte step from one row to the next one scanned
    (local.set $step
      (select (i32.sub (i32.const 0) (local.get $rowBytes)) (local.get $rowBytes) (local.get $reverse)))
    (block $blocks_done
      (loop $blocks
        (br_if $blocks_done (i32.ge_u (local.get $p) (local.get $outer)))
        ;; first row scanned: row 0, or row n - 1 when reverse
        (local.set $row
          (i32.add (i32.mul (local.get $p) (local.get $n))
                   (select (i32.sub (local.get $n) (i32.const 1)) (i32.const 0) (local.get $reverse))))
        (local.set $src (i32.add (local.get $x) (i32.mul (local.get $row) (local.get $rowBytes))))
        (local.set $dst (i32.add (local.get $out) (i32.mul (local.get $row) (local.get $rowBytes))))
        (local.set $k (i32.const 0))
        (block $rows_done
          (loop $rows
            (br_if $rows_done (i32.ge_u (local.get $k) (local.get $n)))
            (local.set $j (i32.const 0))
            (if (i32.eqz (local.get $k))
              (then
                ;; the first row is copied
                (memory.copy (local.get $dst) (local.get $src) (local.get $rowBytes)))
              (else
                (block $vec_done
                  (loop $vec
                    (br_if $vec_done (i32.ge_u (local.get $j) (local.get $vn)))
                    (v128.store
                      (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 2)))
                      (f32x4.add
                        (v128.load (i32.add (local.get $src) (i32.shl (local.get $j) (i32.const 2))))
                        (v128.load (i32.add (local.get $prev) (i32.shl (local.get $j) (i32.const 2))))))
                    (local.set $j (i32.add (local.get $j) (i32.const 4)))
                    (br $vec)))
                (block $tail_done
                  (loop $tail
                    (br_if $tail_done (i32.ge_u (local.get $j) (local.get $inner)))
                    (f32.store
                      (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 2)))
                      (f32.add
                        (f32.load (i32.add (local.get $src) (i32.shl (local.get $j) (i32.const 2))))
                        (f32.load (i32.add (local.get $prev) (i32.shl (local.get $j) (i32.const 2))))))
                    (local.set $j (i32.add (local.get $j) (i32.const 1)))
                    (br $tail)))))
            (local.set $prev (local.get $dst))
            (local.set $src (i32.add (local.get $src) (local.get $step)))
            (local.set $dst (i32.add (local.get $dst) (local.get $step)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $rows)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $blocks)))))
