/** A plug-in whose name is a built-in's (test). @module */
import type { Method } from "../../method.ts";

/** Same name as the built-in `classical`. */
const clash: Method = {
  name: "classical",
  description: "Not the real one.",
  params: 0,
  options: {},
  train: () => Promise.reject(new Error("never trained")),
};
export default clash;
