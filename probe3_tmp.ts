import { readCameraRaw, cameraRawToRaw } from "./harness/io/camera_raw.ts";
import { cameraLinear, cameraPipeline } from "./methods/lib/isp/camera.ts";
import { psnr } from "./metrics/psnr.ts";
import { deltaE2000 } from "./metrics/ciede2000.ts";
function readPpm(bytes: Uint8Array) {
  const txt = new TextDecoder("latin1").decode(bytes.subarray(0, 64));
  const m = txt.match(/^P6\s+(\d+)\s+(\d+)\s+(\d+)\s/)!;
  const [w, h, max] = [+m[1], +m[2], +m[3]];
  const off = m[0].length;
  const data = new Float32Array(w * h * 3);
  const dv = new DataView(bytes.buffer, bytes.byteOffset + off);
  for (let i = 0; i < data.length; i++) data[i] = (max > 255 ? dv.getUint16(2 * i) : bytes[off + i]) / max;
  return { width: w, height: h, data };
}
let t = performance.now();
const cr = await readCameraRaw(Deno.args[0]);
console.log("decode", performance.now() - t, cr.cfa, cr.blackLevel, cr.whiteLevel, cr.whiteBalance, cr.orientation, cr.bitDepth);
const raw = cameraRawToRaw(cr);
t = performance.now();
const lin = cameraLinear(raw, raw.camera!);
console.log("linear", performance.now() - t);
const refL = readPpm(await Deno.readFile("/tmp/i9/cal/lin.ppm"));
console.log(refL.width, refL.height, lin.width, lin.height);
console.log("lin psnr", psnr(lin, refL));
const crop = (img: any, b: number) => { const w = img.width - 2*b, h = img.height - 2*b; const d = new Float32Array(w*h*3); for (let y=0;y<h;y++) d.set(img.data.subarray(3*((y+b)*img.width+b), 3*((y+b)*img.width+b+w)), 3*y*w); return {width:w,height:h,data:d}; };
console.log("lin psnr interior", psnr(crop(lin, 2), crop(refL, 2)));
for (const curve of ["bt709", "srgb"] as const) {
  t = performance.now();
  const out = cameraPipeline(raw, raw.camera!, { curve });
  const q = { ...out, data: out.data.map((v) => Math.round(v * 255) / 255) };
  const ref8 = readPpm(await Deno.readFile("/tmp/i9/cal/8.ppm"));
  console.log(curve, "8bit psnr", psnr(q, ref8), "dE", deltaE2000(q, ref8), performance.now() - t);
}
