import LibRaw from "libraw-wasm";
const bytes = await Deno.readFile("/usr/share/doc/rawtran/IMG_5952.CR2");
for (let i = 0; i < 3; i++) {
  const t0 = performance.now();
  const r = new LibRaw();
  await r.open(bytes.slice(), {});
  const t1 = performance.now();
  await r.metadata(true);
  const raw = await r.rawImageData();
  const t2 = performance.now();
  r.dispose();
  console.log(i, (t1 - t0).toFixed(0), (t2 - t1).toFixed(0));
}
try { const r = new LibRaw(); await r.open(new Uint8Array(1000), {}); console.log(await r.metadata(true)); await r.rawImageData().then(x=>console.log("raw", x)).catch(e=>console.log("rawerr", e.message)); r.dispose(); } catch (e) { console.log("err", (e as Error).message); }
