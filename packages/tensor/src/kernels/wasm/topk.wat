;; Top-k along the last axis for the 'wasm' backend (kernels/wasm/topk.ts): rows [r0, r1) of x [rows, n]
;; (f32) -> the k largest values in descending order and their indices (i32). The order is total, so the
;; output is exactly the CPU reference's (backend/cpu/topk.ts): larger value first, NaN above +inf,
;; -0 equal to +0, equal values by ascending index.
;; Per row: a binary heap of k indices whose root is the last in that order; every j replaces the root
;; when it comes before it; then the heap is emptied from the back (heapsort). O(n log k) per row.
;; $heap: k·4 bytes of scratch per thread.
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; (a, ia) comes before (b, ib)
  (func $before (param $a f32) (param $ia i32) (param $b f32) (param $ib i32) (result i32)
    (local $na i32) (local $nb i32)
    (local.set $na (f32.ne (local.get $a) (local.get $a)))
    (local.set $nb (f32.ne (local.get $b) (local.get $b)))
    (if (i32.ne (local.get $na) (local.get $nb)) (then (return (local.get $na))))
    (if (i32.and (i32.eqz (local.get $na)) (f32.ne (local.get $a) (local.get $b)))
      (then (return (f32.gt (local.get $a) (local.get $b)))))
    (i32.lt_s (local.get $ia) (local.get $ib)))

  ;; heap[i] (i < size) holds indices into row; restore the heap below position i
  (func $sift_down (param $heap i32) (param $size i32) (param $i i32) (param $row i32)
    (local $c i32) (local $ci i32) (local $cv f32) (local $oi i32) (local $ov f32) (local $ti i32)
    (local.set $ti (i32.load (i32.add (local.get $heap) (i32.shl (local.get $i) (i32.const 2)))))
    (local.set $ov (f32.load (i32.add (local.get $row) (i32.shl (local.get $ti) (i32.const 2)))))
    (block $done
      (loop $down
        (local.set $c (i32.add (i32.shl (local.get $i) (i32.const 1)) (i32.const 1)))
        (br_if $done (i32.ge_u (local.get $c) (local.get $size)))
        (local.set $ci (i32.load (i32.add (local.get $heap) (i32.shl (local.get $c) (i32.const 2)))))
        (local.set $cv (f32.load (i32.add (local.get $row) (i32.shl (local.get $ci) (i32.const 2)))))
        ;; the child that comes later in the order
        (if (i32.lt_u (i32.add (local.get $c) (i32.const 1)) (local.get $size))
          (then
            (local.set $oi (i32.load (i32.add (local.get $heap) (i32.shl (i32.add (local.get $c) (i32.const 1)) (i32.const 2)))))
            (if (call $before (local.get $cv) (local.get $ci)
                  (f32.load (i32.add (local.get $row) (i32.shl (local.get $oi) (i32.const 2)))) (local.get $oi))
              (then
                (local.set $c (i32.add (local.get $c) (i32.const 1)))
                (local.set $ci (local.get $oi))
                (local.set $cv (f32.load (i32.add (local.get $row) (i32.shl (local.get $oi) (i32.const 2)))))))))
        ;; stop when the moving element comes after that child
        (br_if $done (call $before (local.get $cv) (local.get $ci) (local.get $ov) (local.get $ti)))
        (i32.store (i32.add (local.get $heap) (i32.shl (local.get $i) (i32.const 2))) (local.get $ci))
        (local.set $i (local.get $c))
        (br $down)))
    (i32.store (i32.add (local.get $heap) (i32.shl (local.get $i) (i32.const 2))) (local.get $ti)))

  ;; the element at position i moves up while it comes after its parent
  (func $sift_up (param $heap i32) (param $i i32) (param $row i32)
    (local $p i32) (local $pi i32) (local $ti i32) (local $tv f32)
    (local.set $ti (i32.load (i32.add (local.get $heap) (i32.shl (local.get $i) (i32.const 2)))))
    (local.set $tv (f32.load (i32.add (local.get $row) (i32.shl (local.get $ti) (i32.const 2)))))
    (block $done
      (loop $up
        (br_if $done (i32.eqz (local.get $i)))
        (local.set $p (i32.shr_u (i32.sub (local.get $i) (i32.const 1)) (i32.const 1)))
        (local.set $pi (i32.load (i32.add (local.get $heap) (i32.shl (local.get $p) (i32.const 2)))))
        (br_if $done (i32.eqz (call $before
          (f32.load (i32.add (local.get $row) (i32.shl (local.get $pi) (i32.const 2)))) (local.get $pi)
          (local.get $tv) (local.get $ti))))
        (i32.store (i32.add (local.get $heap) (i32.shl (local.get $i) (i32.const 2))) (local.get $pi))
        (local.set $i (local.get $p))
        (br $up)))
    (i32.store (i32.add (local.get $heap) (i32.shl (local.get $i) (i32.const 2))) (local.get $ti)))

  (func (export "topk_rows") (param $x i32) (param $n i32) (param $k i32) (param $r0 i32) (param $r1 i32)
    (param $vals i32) (param $idx i32) (param $heap i32)
    (local $r i32) (local $row i32) (local $j i32) (local $size i32) (local $top i32) (local $v f32)
    (local $o i32)
    (local.set $r (local.get $r0))
    (block $r_done
      (loop $rs
        (br_if $r_done (i32.ge_u (local.get $r) (local.get $r1)))
        (local.set $row (i32.add (local.get $x) (i32.shl (i32.mul (local.get $r) (local.get $n)) (i32.const 2))))
        ;; selection
        (local.set $size (i32.const 0))
        (local.set $j (i32.const 0))
        (block $j_done
          (loop $js
            (br_if $j_done (i32.ge_u (local.get $j) (local.get $n)))
            (if (i32.lt_u (local.get $size) (local.get $k))
              (then
                (i32.store (i32.add (local.get $heap) (i32.shl (local.get $size) (i32.const 2))) (local.get $j))
                (call $sift_up (local.get $heap) (local.get $size) (local.get $row))
                (local.set $size (i32.add (local.get $size) (i32.const 1))))
              (else
                (local.set $top (i32.load (local.get $heap)))
                (local.set $v (f32.load (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 2)))))
                (if (call $before (local.get $v) (local.get $j)
                      (f32.load (i32.add (local.get $row) (i32.shl (local.get $top) (i32.const 2)))) (local.get $top))
                  (then
                    (i32.store (local.get $heap) (local.get $j))
                    (call $sift_down (local.get $heap) (local.get $size) (i32.const 0) (local.get $row))))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $js)))
        ;; the root is the last of the k: empty the heap from position k - 1 down
        (block $o_done
          (loop $os
            (br_if $o_done (i32.eqz (local.get $size)))
            (local.set $size (i32.sub (local.get $size) (i32.const 1)))
            (local.set $top (i32.load (local.get $heap)))
            (local.set $o (i32.shl (i32.add (i32.mul (local.get $r) (local.get $k)) (local.get $size)) (i32.const 2)))
            (f32.store (i32.add (local.get $vals) (local.get $o))
              (f32.load (i32.add (local.get $row) (i32.shl (local.get $top) (i32.const 2)))))
            (i32.store (i32.add (local.get $idx) (local.get $o)) (local.get $top))
            (i32.store (local.get $heap)
              (i32.load (i32.add (local.get $heap) (i32.shl (local.get $size) (i32.const 2)))))
            (call $sift_down (local.get $heap) (local.get $size) (i32.const 0) (local.get $row))
            (br $os)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rs))))
)
