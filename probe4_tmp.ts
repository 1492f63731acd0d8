import { readImage, writePng } from "./harness/io/image.ts";
const img = await readImage("/tmp/i9/cr2.png");
const f = 6, w = Math.floor(img.width / f), h = Math.floor(img.height / f);
const d = new Float32Array(w * h * 3);
for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) d[3*(y*w+x)+c] = img.data[3*((y*f)*img.width + x*f)+c];
await writePng("/tmp/i9/cr2_small.png", { width: w, height: h, data: d });
