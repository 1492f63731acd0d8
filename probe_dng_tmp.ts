import { encodeDng } from "./harness/testing/dng.ts";
import LibRaw from "libraw-wasm";
const W = 64, H = 48;
const data = new Uint16Array(W * H);
for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data[y * W + x] = 200 + ((y & 1) * 2 + (x & 1)) * 10 + x * 3;
for (const cfa of ["RGGB", "GBRG"] as const) {
  const bytes = encodeDng({ width: W, height: H, data, cfa, blackLevel: [64, 66, 68, 70], whiteLevel: 4000, asShotNeutral: [0.5, 1, 0.8], orientation: 6, colorMatrix: [0.6,-0.1,-0.05,-0.4,1.3,0.1,-0.05,0.15,0.6] });
  await Deno.writeFile(`/tmp/i9/t_${cfa}.dng`, bytes);
  const r = new LibRaw();
  await r.open(bytes, {});
  const m = await r.metadata(true) as Record<string, any>;
  const raw = await r.rawImageData();
  const { profile, dng_color, ...cd } = m.color_data;
  console.log(cfa, m.filters.toString(16), m.cdesc, m.flip, m.width, m.height, m.raw_width, m.top_margin, m.left_margin, m.camera_make, m.camera_model, m.dng_version);
  console.log(JSON.stringify(cd));
  console.log(raw!.data.slice(0, 4), raw!.width, raw!.raw_width);
  r.dispose();
}
