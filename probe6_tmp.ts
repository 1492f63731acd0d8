import { writePng } from "./harness/io/image.ts";
for await (const e of Deno.readDir("/tmp/i9/jpgs")) {
  if (!e.name.endsWith(".ppm")) continue;
  const bytes = await Deno.readFile(`/tmp/i9/jpgs/${e.name}`);
  const txt = new TextDecoder("latin1").decode(bytes.subarray(0, 64));
  const m = txt.match(/^P6\s+(\d+)\s+(\d+)\s+(\d+)\s/)!;
  const [w, h] = [+m[1], +m[2]]; const off = m[0].length;
  const data = new Float32Array(w * h * 3); for (let i = 0; i < data.length; i++) data[i] = bytes[off + i] / 255;
  await writePng(`/tmp/i9/jpgs/${e.name.replace(".ppm", ".png")}`, { width: w, height: h, data });
  await Deno.remove(`/tmp/i9/jpgs/${e.name}`);
}
