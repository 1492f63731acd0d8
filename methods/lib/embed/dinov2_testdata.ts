/**
 * Test support: tiny ONNX models with DINOv2's input/output signature, built with python3-onnx,
 * so the loading, batching and pre-processing path runs for real without the real weights.
 * @module
 */
import { runPython } from "../onnx/pyref.ts";

/**
 * Tiny stand-ins with DINOv2's signature, built with python3-onnx: patchify Conv 14×14/14
 * (3→384), tokens, CLS = mean of the patch tokens, LayerNorm → last_hidden_state [N, 257, 384];
 * pooler_output = its CLS row. `small.onnx` takes 112×112 (a wrong signature here).
 */
export const TINY_DINOV2_BUILD = `
import onnx
from onnx import helper as h, TensorProto as T, numpy_helper as nh
rng = np.random.default_rng(5)
W = (rng.standard_normal((384, 3, 14, 14)) * 0.05).astype(np.float32)
B = (rng.standard_normal(384) * 0.1).astype(np.float32)
G = (1 + 0.1 * rng.standard_normal(384)).astype(np.float32)
Bt = (0.1 * rng.standard_normal(384)).astype(np.float32)
np.save(f'{D}/W.npy', W); np.save(f'{D}/B.npy', B); np.save(f'{D}/G.npy', G); np.save(f'{D}/Bt.npy', Bt)
def build(path, inp, side, outputs):
    p = side // 14
    nodes = [
        h.make_node('Conv', [inp, 'W', 'B'], ['f'], kernel_shape=[14, 14], strides=[14, 14]),
        h.make_node('Reshape', ['f', 'shape'], ['fr']),
        h.make_node('Transpose', ['fr'], ['tok'], perm=[0, 2, 1]),
        h.make_node('ReduceMean', ['tok'], ['cls'], axes=[1], keepdims=1),
        h.make_node('Concat', ['cls', 'tok'], ['all'], axis=1),
        h.make_node('LayerNormalization', ['all', 'G', 'Bt'], ['last_hidden_state'], axis=-1, epsilon=1e-5),
        h.make_node('Gather', ['last_hidden_state', 'zero'], ['pooler_output'], axis=1),
    ]
    inits = [nh.from_array(W, 'W'), nh.from_array(B, 'B'), nh.from_array(G, 'G'), nh.from_array(Bt, 'Bt'),
             nh.from_array(np.array([0, 384, p * p], np.int64), 'shape'), nh.from_array(np.array(0, np.int64), 'zero')]
    outs = {'last_hidden_state': h.make_tensor_value_info('last_hidden_state', T.FLOAT, ['N', 1 + p * p, 384]),
            'pooler_output': h.make_tensor_value_info('pooler_output', T.FLOAT, ['N', 384])}
    g = h.make_graph(nodes, 'tiny_dino', [h.make_tensor_value_info(inp, T.FLOAT, ['N', 3, side, side])],
                     [outs[o] for o in outputs], inits)
    m = h.make_model(g, opset_imports=[h.make_opsetid('', 17)]); m.ir_version = 8
    onnx.checker.check_model(m)
    onnx.save(m, path)
build(OUT + '/dino.onnx', 'pixel_values', 224, ['last_hidden_state', 'pooler_output'])
build(OUT + '/pooled.onnx', 'images', 224, ['pooler_output'])
build(OUT + '/small.onnx', 'pixel_values', 112, ['last_hidden_state'])
`;

/**
 * Builds the tiny models into `dir` (`dino.onnx`, `pooled.onnx`, `small.onnx`) and returns the
 * path of `dino.onnx` (input `pixel_values` [N,3,224,224], output `last_hidden_state`).
 * @example
 * ```ts
 * const model = await buildTinyDinov2(await Deno.makeTempDir());
 * ```
 */
export async function buildTinyDinov2(dir: string): Promise<string> {
  await runPython(`OUT = ${JSON.stringify(dir)}\n${TINY_DINOV2_BUILD}`, {}, []);
  return `${dir}/dino.onnx`;
}
