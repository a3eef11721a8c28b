//! `--static DIR`: precompressed siblings picked by `Accept-Encoding`, cache headers by name.

use crate::helpers::spawn_app_with;

both_backends!(static_assets_are_sent_compressed_and_cached_by_name);
async fn static_assets_are_sent_compressed_and_cached_by_name() {
    let dir = std::env::temp_dir().join(onetime_server::crypto::new_id("dist"));
    std::fs::create_dir_all(&dir).unwrap();
    let wasm = "onetime-7122f5bd4cb2e369_bg.wasm";
    std::fs::write(dir.join("index.html"), "<html>app</html>").unwrap();
    std::fs::write(dir.join("index.html.br"), "brotli index").unwrap();
    std::fs::write(dir.join(wasm), vec![0u8; 4000]).unwrap();
    std::fs::write(dir.join(format!("{wasm}.br")), "brotli wasm").unwrap();
    std::fs::write(dir.join(format!("{wasm}.gz")), "gzip wasm!!").unwrap();
    let d = dir.clone();
    let app = spawn_app_with(move |c| c.static_dir = Some(d)).await;
    let client = reqwest::Client::new(); // no decompression: the bytes as sent
    let get = |path: String, encoding: &'static str| {
        let request = client.get(format!("{}{path}", app.base));
        let request = match encoding {
            "" => request,
            e => request.header("accept-encoding", e),
        };
        async move { request.send().await.unwrap() }
    };

    let r = get(format!("/{wasm}"), "br, gzip").await;
    assert_eq!(r.status(), 200);
    let h = r.headers().clone();
    assert_eq!(h["content-encoding"], "br");
    assert_eq!(h["content-type"], "application/wasm");
    assert_eq!(h["cache-control"], "public, max-age=31536000, immutable");
    assert!(
        h["vary"].to_str().unwrap().contains("accept-encoding"),
        "{:?}",
        h["vary"]
    );
    assert_eq!(r.text().await.unwrap(), "brotli wasm");

    let r = get(format!("/{wasm}"), "gzip").await;
    assert_eq!(r.headers()["content-encoding"], "gzip");
    let r = get(format!("/{wasm}"), "").await;
    assert!(!r.headers().contains_key("content-encoding"));
    assert_eq!(r.bytes().await.unwrap().len(), 4000);

    // The app's routes fall back to index.html, which is always revalidated.
    for path in ["/", "/sign-in", "/index.html"] {
        let r = get(path.to_string(), "br").await;
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.headers()["cache-control"], "no-cache", "{path}");
        assert_eq!(r.headers()["content-encoding"], "br", "{path}");
    }
    // The API is not cached as a file would be.
    let r = get("/v1/environment".to_string(), "br").await;
    assert!(
        !r.headers().contains_key("cache-control")
            || r.headers()["cache-control"] != "public, max-age=31536000, immutable"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
