// Readable source of the inline script in index.html, which carries a minified copy (the page
// ships ~600 B less gzip). Keep the two in step; `node src/wasm_opt_fix_check.js <some wasm-opt
// output .wasm>` checks that both give the same bytes.
//
// Debian's wasm-opt (binaryen 108) writes the export of wasm-bindgen's externref table
// (`__wbindgen_externrefs`) as table 0, which is the funcref table, so start-up fails with
// "WebAssembly.Table.set(): Argument 1 is invalid". Point the export back at the externref
// table before instantiating. A no-op for modules that are already right.
(() => {
  const leb = (b, i) => { let r = 0, s = 0, x; do { x = b[i++]; r |= (x & 127) << s; s += 7; } while (x & 128); return [r, i]; };
  const fix = (bytes) => {
    const b = new Uint8Array(bytes);
    let i = 8, tables = 0, externref = -1;
    const exports = [];
    while (i < b.length) {
      const id = b[i++]; let size; [size, i] = leb(b, i); const end = i + size;
      let j = i, n;
      if (id === 2) {
        [n, j] = leb(b, j);
        for (let k = 0; k < n; k++) {
          let l; [l, j] = leb(b, j); j += l; [l, j] = leb(b, j); j += l;
          const kind = b[j++];
          if (kind === 0) { [, j] = leb(b, j); }
          else if (kind === 1) { const t = b[j++]; let f; [f, j] = leb(b, j); [, j] = leb(b, j); if (f & 1) [, j] = leb(b, j); if (t === 0x6f && externref < 0) externref = tables; tables++; }
          else if (kind === 2) { let f; [f, j] = leb(b, j); [, j] = leb(b, j); if (f & 1) [, j] = leb(b, j); }
          else if (kind === 3) { j += 2; }
          else return b;
        }
      } else if (id === 4) {
        [n, j] = leb(b, j);
        for (let k = 0; k < n; k++) {
          const t = b[j++]; let f; [f, j] = leb(b, j); [, j] = leb(b, j); if (f & 1) [, j] = leb(b, j);
          if (t === 0x6f && externref < 0) externref = tables; tables++;
        }
      } else if (id === 7) {
        [n, j] = leb(b, j);
        for (let k = 0; k < n; k++) {
          let l; [l, j] = leb(b, j);
          const name = new TextDecoder().decode(b.subarray(j, j + l)); j += l;
          const kind = b[j++]; const at = j; [, j] = leb(b, j);
          if (kind === 1 && name === "__wbindgen_externrefs" && j === at + 1) exports.push(at);
        }
      }
      i = end;
    }
    if (externref >= 0 && externref < 128) for (const at of exports) b[at] = externref;
    return b;
  };
  const instantiate = WebAssembly.instantiate.bind(WebAssembly);
  WebAssembly.instantiate = (src, imports) =>
    src instanceof WebAssembly.Module ? instantiate(src, imports) : instantiate(fix(src), imports);
  WebAssembly.instantiateStreaming = async (src, imports) =>
    instantiate(fix(await (await src).arrayBuffer()), imports);
})();
    