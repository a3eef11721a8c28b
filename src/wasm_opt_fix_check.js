// Checks that the minified inline script in index.html and src/wasm_opt_fix.js patch modules
// identically: `node src/wasm_opt_fix_check.js a.wasm [b.wasm ...]` (run from the repo root).
const vm = require("vm"), fs = require("fs");
const html = fs.readFileSync("index.html", "utf8");
const inline = html.slice(html.indexOf("<script>") + 8, html.indexOf("</script>"));
const readable = fs.readFileSync("src/wasm_opt_fix.js", "utf8");
const patch = async (code, bytes) => {
  class Module {}
  const ctx = { WebAssembly: { Module, instantiate: async (src) => src }, TextDecoder, Uint8Array };
  vm.createContext(ctx);
  vm.runInContext(code, ctx);
  const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
  return Buffer.from(await ctx.WebAssembly.instantiate(copy, {}));
};
(async () => {
  let ok = true;
  for (const f of process.argv.slice(2)) {
    const b = fs.readFileSync(f);
    const [x, y] = [await patch(inline, b), await patch(readable, b)];
    const same = x.equals(y);
    ok &&= same;
    console.log(`${f}: ${same ? "same" : "DIFFERENT"} (${x.equals(b) ? "unchanged" : "patched"})`);
  }
  process.exit(ok ? 0 : 1);
})();
