/** A plug-in that throws while being imported (test). @module */
throw new Error("missing weights file ./weights.bin");
