;; Rotary position embedding on WebAssembly (the 'wasm' backend's 'rotary'). x and out: byte addresses of
;; [rows, d] contiguous f32, row r at position offset + r % s; cos and sin: [P, half] f32 tables. For
;; i < half: out_i = x_i·c − x_{i+half}·sn, out_{i+half} = x_{i+half}·c + x_i·sn with sn = ±sin (− when
;; inverse); channels from 2·half on are copied. Four pairs at a time, then the tail one at a time.
(module
  (import "env" "memory" (memory 1 65536 shared))

  (func (export "rotary") (param $x i32) (param $cos i32) (param $sin i32) (param $out i32)
    (param $rows i32) (param $s i32) (param $d i32) (param $half i32) (param $offset i32) (param $inverse i32)
    (local $r i32) (local $i i32) (local $vn i32) (local $xr i32) (local $or i32) (local $t i32)
    (local $sign f32) (local $c f32) (local $sn f32) (local $a f32) (local $b f32)
    (local $vc v128) (local $vs v128) (local $va v128) (local $vb v128) (local $vsign v128)
    (local.set $sign (select (f32.const -1) (f32.const 1) (local.get $inverse)))
    (local.set $vsign (f32x4.splat (local.get $sign)))
    (local.set $vn (i32.and (local.get $half) (i32.const -4)))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $xr (i32.add (local.get $x) (i32.shl (i32.mul (local.get $r) (local.get $d)) (i32.const 2))))
        (local.set $or (i32.add (local.get $out) (i32.shl (i32.mul (local.get $r) (local.get $d)) (i32.const 2))))
        ;; byte offset of the row's table entries
        (local.set $t
          (i32.shl
            (i32.mul (i32.add (local.get $offset) (i32.rem_u (local.get $r) (local.get $s))) (local.get $half))
            (i32.const 2)))
        (local.set $i (i32.const 0))
        (block $vec_done
          (loop $vec
            (br_if $vec_done (i32.ge_u (local.get $i) (local.get $vn)))
            (local.set $vc (v128.load (i32.add (i32.add (local.get $cos) (local.get $t)) (i32.shl (local.get $i) (i32.const 2)))))
            (local.set $vs
              (f32x4.mul (local.get $vsign)
                (v128.load (i32.add (i32.add (local.get $sin) (local.get $t)) (i32.shl (local.get $i) (i32.const 2))))))
            (local.set $va (v128.load (i32.add (local.get $xr) (i32.shl (local.get $i) (i32.const 2)))))
            (local.set $vb
              (v128.load (i32.add (local.get $xr) (i32.shl (i32.add (local.get $i) (local.get $half)) (i32.const 2)))))
            (v128.store (i32.add (local.get $or) (i32.shl (local.get $i) (i32.const 2)))
              (f32x4.sub (f32x4.mul (local.get $va) (local.get $vc)) (f32x4.mul (local.get $vb) (local.get $vs))))
            (v128.store (i32.add (local.get $or) (i32.shl (i32.add (local.get $i) (local.get $half)) (i32.const 2)))
              (f32x4.add (f32x4.mul (local.get $vb) (local.get $vc)) (f32x4.mul (local.get $va) (local.get $vs))))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $vec)))
        (block $tail_done
          (loop $tail
            (br_if $tail_done (i32.ge_u (local.get $i) (local.get $half)))
            (local.set $c (f32.load (i32.add (i32.add (local.get $cos) (local.get $t)) (i32.shl (local.get $i) (i32.const 2)))))
            (local.set $sn
              (f32.mul (local.get $sign)
                (f32.load (i32.add (i32.add (local.get $sin) (local.get $t)) (i32.shl (local.get $i) (i32.const 2))))))
            (local.set $a (f32.load (i32.add (local.get $xr) (i32.shl (local.get $i) (i32.const 2)))))
            (local.set $b (f32.load (i32.add (local.get $xr) (i32.shl (i32.add (local.get $i) (local.get $half)) (i32.const 2)))))
            (f32.store (i32.add (local.get $or) (i32.shl (local.get $i) (i32.const 2)))
              (f32.sub (f32.mul (local.get $a) (local.get $c)) (f32.mul (local.get $b) (local.get $sn))))
            (f32.store (i32.add (local.get $or) (i32.shl (i32.add (local.get $i) (local.get $half)) (i32.const 2)))
              (f32.add (f32.mul (local.get $b) (local.get $c)) (f32.mul (local.get $a) (local.get $sn))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $tail)))
        ;; pass-through channels [2·half, d)
        (memory.copy
          (i32.add (local.get $or) (i32.shl (local.get $half) (i32.const 3)))
          (i32.add (local.get $xr) (i32.shl (local.get $half) (i32.const 3)))
          (i32.shl (i32.sub (local.get $d) (i32.shl (local.get $half) (i32.const 1))) (i32.const 2)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows)))))
