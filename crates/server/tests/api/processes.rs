//! Real `onetime-server` processes (the binary, so they can be killed with SIGKILL) and the
//! whole sign-up flow over HTTP, for the multi-instance and durability tests.

/// A real `onetime-server` process (so it can be killed with SIGKILL), in dev mode.
pub struct ServerProcess {
    /// The process.
    pub child: std::process::Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

impl ServerProcess {
    /// Starts the binary on `database_url` with the built-in configuration.
    pub fn start(database_url: &str) -> Self {
        Self::start_with(database_url, None)
    }

    /// Starts the binary on `database_url` with a configuration file.
    pub fn start_with(database_url: &str, config: Option<&std::path::Path>) -> Self {
        use std::io::BufRead as _;
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_onetime-server"));
        cmd.args([
            "--dev",
            "--listen",
            "127.0.0.1:0",
            "--database",
            database_url,
        ]);
        if let Some(config) = config {
            cmd.arg("--config").arg(config);
        }
        let mut child = cmd
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("start onetime-server");
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let base = lines
            .by_ref()
            .map_while(Result::ok)
            .find_map(|l| {
                l.strip_prefix("onetime-server listening on ")
                    .map(str::to_owned)
            })
            .expect("the server says where it listens");
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Self { child, base }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One email sign-up with a test address (code 424242); `Some` once answered `complete`.
pub async fn sign_up_email(base: &str, c: &reqwest::Client, email: &str) -> Option<()> {
    let post = |path: String, form: Vec<(&'static str, String)>| async move {
        let r = c
            .post(format!("{base}{path}"))
            .form(&form)
            .send()
            .await
            .ok()?;
        let status = r.status().as_u16();
        let body: serde_json::Value = r.json().await.ok()?;
        (status == 200).then_some(body)
    };
    let up = post(
        "/v1/client/sign_ups".into(),
        vec![("email_address", email.to_owned())],
    )
    .await?;
    let id = up["response"]["id"].as_str()?.to_owned();
    post(
        format!("/v1/client/sign_ups/{id}/prepare_verification"),
        vec![("strategy", "email_code".into())],
    )
    .await?;
    let done = post(
        format!("/v1/client/sign_ups/{id}/attempt_verification"),
        vec![("strategy", "email_code".into()), ("code", "424242".into())],
    )
    .await?;
    (done["response"]["status"] == "complete").then_some(())
}
