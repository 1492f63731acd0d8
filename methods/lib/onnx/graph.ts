/**
 * A small builder for ONNX models (opset 17, IR version 8). Serialisation is done by `onnx-proto`
 * (static protobufjs code generated from the official `onnx.proto`), so the wire format is not
 * hand-written; this module only assembles nodes, initializers and signatures.
 * @module
 */
import onnxProto from "onnx-proto";

const { onnx } = onnxProto;

/** An attribute value: int, float, string, or a list of ints or floats. */
export type AttrValue = number | string | { ints: readonly number[] } | {
  floats: readonly number[];
};

/** A symbolic (string) or fixed (number) tensor dimension. */
export type Dim = number | string;

/** Tensor element types used here. */
export type ElemType = "float32" | "int64";

const ELEM: Record<ElemType, number> = { float32: 1, int64: 7 };

function attribute(name: string, v: AttrValue): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === "string") return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (typeof v === "number") {
    return Number.isInteger(v) ? { name, type: T.INT, i: v } : { name, type: T.FLOAT, f: v };
  }
  if ("ints" in v) return { name, type: T.INTS, ints: [...v.ints] };
  return { name, type: T.FLOATS, floats: [...v.floats] };
}

function valueInfo(name: string, elem: ElemType, shape: readonly Dim[]) {
  return {
    name,
    type: {
      tensorType: {
        elemType: ELEM[elem],
        shape: {
          dim: shape.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })),
        },
      },
    },
  };
}

/**
 * Accumulates an ONNX graph and serialises it as a ModelProto.
 * @example
 * ```ts
 * const g = new OnnxGraphBuilder("relu");
 * g.input("x", "float32", ["N", 4]);
 * g.node("Relu", ["x"], ["y"]);
 * g.output("y", "float32", ["N", 4]);
 * await Deno.writeFile("relu.onnx", g.toBytes());
 * ```
 */
export class OnnxGraphBuilder {
  readonly #name: string;
  readonly #nodes: onnxProto.onnx.INodeProto[] = [];
  readonly #inits: onnxProto.onnx.ITensorProto[] = [];
  readonly #inputs: ReturnType<typeof valueInfo>[] = [];
  readonly #outputs: ReturnType<typeof valueInfo>[] = [];
  readonly #names = new Set<string>();
  #counter = 0;

  /** @param name graph name stored in the model */
  constructor(name: string) {
    this.#name = name;
  }

  /** A fresh tensor name with the given prefix. */
  fresh(prefix: string): string {
    let n: string;
    do n = `${prefix}_${this.#counter++}`; while (this.#names.has(n));
    this.#names.add(n);
    return n;
  }

  /** Declares a graph input. */
  input(name: string, elem: ElemType, shape: readonly Dim[]): string {
    this.#names.add(name);
    this.#inputs.push(valueInfo(name, elem, shape));
    return name;
  }

  /** Declares a graph output (an existing tensor name). */
  output(name: string, elem: ElemType, shape: readonly Dim[]): void {
    this.#outputs.push(valueInfo(name, elem, shape));
  }

  /** Adds a constant tensor (float32 or int64) and returns its name. */
  constant(
    prefix: string,
    dims: readonly number[],
    data: Float32Array | readonly number[],
    elem: ElemType = "float32",
  ): string {
    const count = dims.reduce((a, b) => a * b, 1);
    if (data.length !== count) {
      throw new RangeError(`constant ${prefix}: ${data.length} values for shape [${dims}]`);
    }
    const name = this.fresh(prefix);
    let raw: Uint8Array;
    if (elem === "float32") {
      const f = Float32Array.from(data);
      raw = new Uint8Array(f.buffer, f.byteOffset, f.byteLength);
    } else {
      const b = BigInt64Array.from(Array.from(data, (v) => BigInt(v)));
      raw = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    }
    this.#inits.push({ name, dims: [...dims], dataType: ELEM[elem], rawData: raw });
    return name;
  }

  /**
   * Adds a node with one output (named from the op when not given) and returns the output name.
   */
  node(
    op: string,
    inputs: readonly string[],
    output?: string,
    attrs: Record<string, AttrValue> = {},
  ): string {
    const out = output ?? this.fresh(op.toLowerCase());
    this.#names.add(out);
    this.#nodes.push({
      opType: op,
      name: this.fresh(`${op}_node`),
      input: [...inputs],
      output: [out],
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return out;
  }

  /** Serialises the graph as an ONNX ModelProto (IR 8, default-domain opset 17). */
  toBytes(docString = ""): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [{ domain: "", version: 17 }],
      producerName: "isp-bench",
      producerVersion: "0.1.0",
      docString,
      graph: {
        name: this.#name,
        node: this.#nodes,
        initializer: this.#inits,
        input: this.#inputs,
        output: this.#outputs,
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

/**
 * Counts the float elements of a model's initializers (its stored weights), by decoding the file.
 * @throws {Error} from protobufjs when the bytes are not a ModelProto
 */
export function countInitializerElements(bytes: Uint8Array): number {
  const model = onnx.ModelProto.decode(bytes);
  let n = 0;
  for (const t of model.graph?.initializer ?? []) {
    if (t.dataType !== ELEM.float32) continue;
    n += (t.dims ?? []).reduce((a: number, b) => a * Number(b), 1);
  }
  return n;
}
