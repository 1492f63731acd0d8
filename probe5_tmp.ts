import { readCameraRaw } from "./harness/io/camera_raw.ts";
import { encodeDng } from "./harness/testing/dng.ts";
const cr = await readCameraRaw("/usr/share/doc/rawtran/IMG_5952.CR2");
const dir = "/tmp/i9/dngs"; await Deno.mkdir(dir, { recursive: true });
const S = 640;
let k = 0;
for (let ty = 0; ty < 3; ty++) for (let tx = 0; tx < 3; tx++) {
  const x0 = 200 + tx * 1000, y0 = 100 + ty * 720;
  const data = new Uint16Array(S * S);
  for (let y = 0; y < S; y++) data.set(cr.mosaic.subarray((y0 + y) * cr.width + x0, (y0 + y) * cr.width + x0 + S), y * S);
  const wb = cr.whiteBalance!;
  await Deno.writeFile(`${dir}/IMG_${String(k++).padStart(4, "0")}.dng`, encodeDng({ width: S, height: S, data, cfa: cr.cfa, blackLevel: [cr.blackLevel[0], cr.blackLevel[1], cr.blackLevel[2], cr.blackLevel[3]], whiteLevel: cr.whiteLevel, asShotNeutral: [1 / wb[0], 1, 1 / wb[2]], colorMatrix: cr.xyzToCam, make: "Canon", model: "EOS 30D", orientation: k % 3 === 0 ? 6 : 1 }));
}
console.log(cr.xyzToCam);
