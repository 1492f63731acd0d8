import { cnnUnpairedMethod } from "./cnn_unpaired.ts";
import { assertTrainsAndRenders, tinySplit } from "./lib/testing/cnn_methods.ts";

const split = await tinySplit();

Deno.test(`${cnnUnpairedMethod.name} trains a few steps and renders a full-size image in [0, 1]`, async () => {
  const { model } = await assertTrainsAndRenders(cnnUnpairedMethod, split);
  await model.dispose?.();
});
