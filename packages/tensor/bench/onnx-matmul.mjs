// A one-op ONNX model (C = A @ B, square n×n) written as protobuf by hand: the few fields of onnx.proto3
// that a MatMul graph needs (ModelProto 1 ir_version, 7 graph, 8 opset_import; GraphProto 1 node, 2 name,
// 11 input, 12 output; NodeProto 1 input, 2 output, 4 op_type; ValueInfoProto 1 name, 2 type;
// TypeProto 1 tensor_type; TypeProto.Tensor 1 elem_type, 2 shape; TensorShapeProto 1 dim; Dimension 1 dim_value).

const varint = (n) => {
  const out = [];
  let v = BigInt(n);
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
};
const key = (field, wire) => varint((field << 3) | wire);
const int = (field, n) => [...key(field, 0), ...varint(n)];
const bytes = (field, b) => [...key(field, 2), ...varint(b.length), ...b];
const str = (field, s) => bytes(field, [...new TextEncoder().encode(s)]);
const msg = (field, parts) => bytes(field, parts.flat());

/** ONNX TensorProto.DataType: FLOAT = 1, FLOAT16 = 10. */
export const ONNX_DTYPE = { float32: 1, float16: 10 };

function valueInfo(field, name, elemType, dims) {
  const shape = dims.map((d) => msg(1, [int(1, d)]));
  return msg(field, [str(1, name), msg(2, [msg(1, [int(1, elemType), msg(2, shape)])])]);
}

/** Serialized ModelProto for C[m,n] = A[m,k] @ B[k,n] (opset 13, IR 7). */
export function matmulModel(m, k, n, dtype = 'float32') {
  const t = ONNX_DTYPE[dtype];
  if (!t) throw new Error(`onnx-matmul: unsupported dtype '${dtype}' (float32, float16)`);
  const node = msg(1, [str(1, 'A'), str(1, 'B'), str(2, 'C'), str(4, 'MatMul')]);
  const graph = msg(7, [
    node,
    str(2, 'matmul'),
    valueInfo(11, 'A', t, [m, k]),
    valueInfo(11, 'B', t, [k, n]),
    valueInfo(12, 'C', t, [m, n]),
  ]);
  return Uint8Array.from(
    [...int(1, 7), ...str(2, 'unif2ace-bench'), graph, msg(8, [str(1, ''), int(2, 13)])].flat(),
  );
}
