// Turns a plain description of a graph into ONNX bytes (the generated subset of onnx.proto).
import { create, toBinary } from "@bufbuild/protobuf";
import {
  AttributeProto_AttributeType,
  AttributeProtoSchema,
  GraphProtoSchema,
  ModelProtoSchema,
  NodeProtoSchema,
  OperatorSetIdProtoSchema,
  StringStringEntryProtoSchema,
  TensorProto_DataType,
  TensorProtoSchema,
  TensorShapeProto_DimensionSchema,
  TensorShapeProtoSchema,
  TypeProto_TensorSchema,
  TypeProtoSchema,
  ValueInfoProtoSchema,
  type AttributeProto,
  type TensorProto,
  type ValueInfoProto,
} from "./gen/onnx/onnx_subset_pb.js";

/** IR version 9 and opset 18: ReduceSum/ReduceMean take axes as an input, ScatterND/ScatterElements
 * take reduction="add"; onnxruntime-node 1.30 accepts both (checked by encode.test.ts). */
export const IR_VERSION = 9;
export const OPSET = 18;

export type DType = "float32" | "float64" | "int64" | "bool";
export type Dim = number | string;

export type TensorData = Float32Array | Float64Array | BigInt64Array | Uint8Array;

export interface ConstTensor {
  readonly name: string;
  readonly dtype: DType;
  readonly dims: readonly number[];
  readonly data: TensorData;
}

export type AttrValue =
  | { readonly kind: "int"; readonly value: number }
  | { readonly kind: "float"; readonly value: number }
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "ints"; readonly value: readonly number[] }
  | { readonly kind: "tensor"; readonly value: ConstTensor };

export interface OnnxNode {
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: Readonly<Record<string, AttrValue>>;
}

export interface ValueInfo {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly Dim[];
}

export interface OnnxGraph {
  readonly name: string;
  readonly nodes: readonly OnnxNode[];
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  readonly initializers: readonly ConstTensor[];
  readonly docString?: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

export function onnxDataType(dtype: DType): number {
  switch (dtype) {
    case "float32":
      return TensorProto_DataType.FLOAT;
    case "float64":
      return TensorProto_DataType.DOUBLE;
    case "int64":
      return TensorProto_DataType.INT64;
    case "bool":
      return TensorProto_DataType.BOOL;
  }
}

function rawBytes(t: ConstTensor): Uint8Array {
  // Typed arrays are little-endian on every platform Node runs on; ONNX raw_data is little-endian.
  const d = t.data;
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength).slice();
}

export function tensorProto(t: ConstTensor): TensorProto {
  const n = t.dims.reduce((a, b) => a * b, 1);
  if (t.data.length !== n) {
    throw new Error(`tensor ${t.name}: ${t.data.length} values for dims [${t.dims.join(",")}]`);
  }
  return create(TensorProtoSchema, {
    name: t.name,
    dims: t.dims.map((d) => BigInt(d)),
    dataType: onnxDataType(t.dtype),
    rawData: rawBytes(t),
  });
}

function attribute(name: string, a: AttrValue): AttributeProto {
  switch (a.kind) {
    case "int":
      return create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.INT, i: BigInt(a.value) });
    case "float":
      return create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.FLOAT, f: a.value });
    case "string":
      return create(AttributeProtoSchema, {
        name,
        type: AttributeProto_AttributeType.STRING,
        s: new TextEncoder().encode(a.value),
      });
    case "ints":
      return create(AttributeProtoSchema, {
        name,
        type: AttributeProto_AttributeType.INTS,
        ints: a.value.map((v) => BigInt(v)),
      });
    case "tensor":
      return create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.TENSOR, t: tensorProto(a.value) });
  }
}

function valueInfo(v: ValueInfo): ValueInfoProto {
  const dim = v.shape.map((d) =>
    create(TensorShapeProto_DimensionSchema, {
      value: typeof d === "number" ? { case: "dimValue", value: BigInt(d) } : { case: "dimParam", value: d },
    }),
  );
  return create(ValueInfoProtoSchema, {
    name: v.name,
    type: create(TypeProtoSchema, {
      value: {
        case: "tensorType",
        value: create(TypeProto_TensorSchema, {
          elemType: onnxDataType(v.dtype),
          shape: create(TensorShapeProtoSchema, { dim }),
        }),
      },
    }),
  });
}

export function encodeModel(g: OnnxGraph): Uint8Array {
  const model = create(ModelProtoSchema, {
    irVersion: BigInt(IR_VERSION),
    opsetImport: [create(OperatorSetIdProtoSchema, { domain: "", version: BigInt(OPSET) })],
    producerName: "@rlhf-loop/ml",
    producerVersion: "1",
    docString: g.docString ?? "",
    metadataProps: Object.entries(g.metadata ?? {}).map(([key, value]) =>
      create(StringStringEntryProtoSchema, { key, value }),
    ),
    graph: create(GraphProtoSchema, {
      name: g.name,
      node: g.nodes.map((n, i) =>
        create(NodeProtoSchema, {
          name: `${n.opType}_${i}`,
          opType: n.opType,
          input: [...n.inputs],
          output: [...n.outputs],
          attribute: Object.entries(n.attrs).map(([k, a]) => attribute(k, a)),
        }),
      ),
      input: g.inputs.map(valueInfo),
      output: g.outputs.map(valueInfo),
      initializer: g.initializers.map(tensorProto),
    }),
  });
  return toBinary(ModelProtoSchema, model);
}
