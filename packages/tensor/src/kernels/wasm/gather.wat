;; Index kernels of the 'wasm' backend (spec: backend/cpu/gather.ts and backend/cpu/embedding.ts), over a
;; tensor seen as [pre, n, post] around the indexed axis, with m indices (i32 or u32; an index r is used
;; when 0 ≤ r < n, compared unsigned so negative i32 and huge u32 both fall out):
;;   gather:      out[p, j, q] = x[p, idx[j], q], 0 for an unused index. Every dtype is 4 bytes here,
;;                so this is a 32-bit copy for all of them.
;;   scatter_add: out[p, r, q] = Σ_{j : idx[j] = r} src[p, j, q], summed in increasing j (the CPU order),
;;                f32 (kind 0) or wrapping integer adds (kind 1: i32 / u32). The embedding backward is the
;;                case pre = 1, n = V, post = D.
;; Threads take disjoint parts of the output (ranges of p, or column ranges [q0, q1) of every row), and
;; each output element is still summed over j in order: the result is bit-identical for any thread count.
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; out rows i in [i0, i1) of the flattened [pre·m] output rows (row i = (p, j) = (i / m, i % m)).
  (func (export "gather_rows") (param $x i32) (param $idx i32) (param $out i32) (param $m i32) (param $n i32)
    (param $post i32) (param $i0 i32) (param $i1 i32)
    (local $i i32) (local $p i32) (local $j i32) (local $r i32) (local $rb i32) (local $d i32)
    (local.set $rb (i32.shl (local.get $post) (i32.const 2)))
    (local.set $i (local.get $i0))
    (local.set $p (i32.div_u (local.get $i) (local.get $m)))
    (local.set $j (i32.rem_u (local.get $i) (local.get $m)))
    (local.set $d (i32.add (local.get $out) (i32.mul (local.get $i) (local.get $rb))))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $i1)))
        (local.set $r (i32.load (i32.add (local.get $idx) (i32.shl (local.get $j) (i32.const 2)))))
        (if (i32.lt_u (local.get $r) (local.get $n))
          (then
            (if (i32.eq (local.get $post) (i32.const 1))
              (then
                (i32.store (local.get $d) (i32.load (i32.add (local.get $x)
                  (i32.shl (i32.add (i32.mul (local.get $p) (local.get $n)) (local.get $r)) (i32.const 2))))))
              (else
                (memory.copy (local.get $d)
                  (i32.add (local.get $x)
                    (i32.mul (i32.add (i32.mul (local.get $p) (local.get $n)) (local.get $r)) (local.get $rb)))
                  (local.get $rb)))))
          (else (memory.fill (local.get $d) (i32.const 0) (local.get $rb))))
        (local.set $d (i32.add (local.get $d) (local.get $rb)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (if (i32.eq (local.get $j) (local.get $m))
          (then
            (local.set $j (i32.const 0))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))))
        (br $rows))))

  ;; dst[w] += src[w] for w in [0, cnt) (elements), f32 (kind 0) or i32 (kind 1).
  (func $add_span (param $d i32) (param $s i32) (param $cnt i32) (param $kind i32)
    (local $vend i32) (local $end i32)
    (local.set $end (i32.add (local.get $d) (i32.shl (local.get $cnt) (i32.const 2))))
    (local.set $vend (i32.add (local.get $d) (i32.shl (i32.and (local.get $cnt) (i32.const -4)) (i32.const 2))))
    (if (i32.eqz (local.get $kind))
      (then
        (block $v_done
          (loop $vs
            (br_if $v_done (i32.ge_u (local.get $d) (local.get $vend)))
            (v128.store (local.get $d) (f32x4.add (v128.load (local.get $d)) (v128.load (local.get $s))))
            (local.set $d (i32.add (local.get $d) (i32.const 16)))
            (local.set $s (i32.add (local.get $s) (i32.const 16)))
            (br $vs)))
        (block $t_done
          (loop $ts
            (br_if $t_done (i32.ge_u (local.get $d) (local.get $end)))
            (f32.store (local.get $d) (f32.add (f32.load (local.get $d)) (f32.load (local.get $s))))
            (local.set $d (i32.add (local.get $d) (i32.const 4)))
            (local.set $s (i32.add (local.get $s) (i32.const 4)))
            (br $ts))))
      (else
        (block $vi_done
          (loop $vi
            (br_if $vi_done (i32.ge_u (local.get $d) (local.get $vend)))
            (v128.store (local.get $d) (i32x4.add (v128.load (local.get $d)) (v128.load (local.get $s))))
            (local.set $d (i32.add (local.get $d) (i32.const 16)))
            (local.set $s (i32.add (local.get $s) (i32.const 16)))
            (br $vi)))
        (block $ti_done
          (loop $ti
            (br_if $ti_done (i32.ge_u (local.get $d) (local.get $end)))
            (i32.store (local.get $d) (i32.add (i32.load (local.get $d)) (i32.load (local.get $s))))
            (local.set $d (i32.add (local.get $d) (i32.const 4)))
            (local.set $s (i32.add (local.get $s) (i32.const 4)))
            (br $ti))))))

  ;; For p in [p0, p1) and columns [q0, q1) of every row: zero dst[p, :, q0:q1], then add src[p, j, q0:q1]
  ;; into dst[p, idx[j], q0:q1] for j = 0, 1, … m-1 in order.
  (func (export "scatter_add") (param $idx i32) (param $src i32) (param $dst i32) (param $m i32) (param $n i32)
    (param $post i32) (param $p0 i32) (param $p1 i32) (param $q0 i32) (param $q1 i32) (param $kind i32)
    (local $p i32) (local $j i32) (local $r i32) (local $cnt i32) (local $rb i32) (local $db i32) (local $sb i32)
    (local.set $rb (i32.shl (local.get $post) (i32.const 2)))
    (local.set $cnt (i32.sub (local.get $q1) (local.get $q0)))
    (if (i32.le_s (local.get $cnt) (i32.const 0)) (then (return)))
    (local.set $p (local.get $p0))
    (block $p_done
      (loop $ps
        (br_if $p_done (i32.ge_u (local.get $p) (local.get $p1)))
        ;; dst rows of this p start at db, src rows at sb (column q0)
        (local.set $db (i32.add (local.get $dst)
          (i32.add (i32.mul (i32.mul (local.get $p) (local.get $n)) (local.get $rb)) (i32.shl (local.get $q0) (i32.const 2)))))
        (local.set $sb (i32.add (local.get $src)
          (i32.add (i32.mul (i32.mul (local.get $p) (local.get $m)) (local.get $rb)) (i32.shl (local.get $q0) (i32.const 2)))))
        (if (i32.eq (local.get $cnt) (local.get $post))
          (then (memory.fill (local.get $db) (i32.const 0) (i32.mul (local.get $n) (local.get $rb))))
          (else
            (local.set $r (i32.const 0))
            (block $z_done
              (loop $zs
                (br_if $z_done (i32.ge_u (local.get $r) (local.get $n)))
                (memory.fill (i32.add (local.get $db) (i32.mul (local.get $r) (local.get $rb)))
                  (i32.const 0) (i32.shl (local.get $cnt) (i32.const 2)))
                (local.set $r (i32.add (local.get $r) (i32.const 1)))
                (br $zs)))))
        (local.set $j (i32.const 0))
        (block $j_done
          (loop $js
            (br_if $j_done (i32.ge_u (local.get $j) (local.get $m)))
            (local.set $r (i32.load (i32.add (local.get $idx) (i32.shl (local.get $j) (i32.const 2)))))
            (if (i32.lt_u (local.get $r) (local.get $n))
              (then
                (call $add_span
                  (i32.add (local.get $db) (i32.mul (local.get $r) (local.get $rb)))
                  (i32.add (local.get $sb) (i32.mul (local.get $j) (local.get $rb)))
                  (local.get $cnt) (local.get $kind))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $js)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $ps))))
)
