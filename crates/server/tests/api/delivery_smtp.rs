//! Email codes over SMTP (issue 8): a real SMTP conversation with a capture server on loopback,
//! the sign-up completed with the code read from the received message; failures answer
//! `502 delivery_failed` without consuming the resend cooldown.

use crate::delivery_support::*;
use onetime_server::delivery::Secrets;
use onetime_server::delivery::settings::{DeliveryConfig, EmailProvider, SmtpConfig, SmtpTls};

fn smtp(port: u16, username: Option<&str>) -> DeliveryConfig {
    DeliveryConfig {
        email: Some(EmailProvider::Smtp(SmtpConfig {
            host: "127.0.0.1".into(),
            port: Some(port),
            tls: SmtpTls::None,
            username: username.map(str::to_owned),
            password_env: "ONETIME_TEST_SMTP_PASSWORD".into(),
            from: "Acme <no-reply@acme.test>".into(),
        })),
        ..fast_delivery()
    }
}

both_backends!(email_code_arrives_by_smtp_and_completes_the_sign_up);
async fn email_code_arrives_by_smtp_and_completes_the_sign_up() {
    let capture = SmtpCapture::start().await;
    let secrets = Secrets::default().with("ONETIME_TEST_SMTP_PASSWORD", "hunter2");
    let server = spawn(instance(smtp(capture.port, Some("mailer"))), secrets).await;

    let id = server.sign_up("email_address", "alice@example.com").await;
    let r = server.prepare_sign_up(&id, "email_code").await;
    assert_eq!(r.status, 200, "{}", r.json);

    let mail = capture.last();
    assert_eq!(mail.from, "no-reply@acme.test");
    assert_eq!(mail.to, vec!["alice@example.com".to_owned()]);
    assert_eq!(mail.auth, Some(("mailer".into(), "hunter2".into())));
    let subject = mail.header("Subject").unwrap();
    let code = mail.code();
    assert_eq!(code.len(), 6, "{subject}");
    assert!(code.bytes().all(|b| b.is_ascii_digit()), "{subject}");
    assert_eq!(subject, format!("{code} is your Acme code"));
    assert!(
        mail.header("Content-Type")
            .unwrap()
            .starts_with("multipart/alternative")
    );
    assert!(mail.data.contains("text/plain") && mail.data.contains("text/html"));
    assert!(mail.data.contains("10 minutes"), "lifetime stated");

    server.complete_sign_up(&id, "email_code", &code).await;
}

both_backends!(transient_smtp_failure_is_retried_then_reported_and_a_retry_works);
async fn transient_smtp_failure_is_retried_then_reported_and_a_retry_works() {
    let capture = SmtpCapture::start().await;
    capture.set_mode(SmtpMode::RejectMail(451));
    let server = spawn(instance(smtp(capture.port, None)), Secrets::default()).await;

    let id = server.sign_up("email_address", "bob@example.com").await;
    assert_delivery_failed(&server.prepare_sign_up(&id, "email_code").await);
    assert_eq!(capture.attempts(), 3, "451 is transient: 1 try + 2 retries");
    assert!(capture.mails().is_empty());

    // The provider recovers; preparing again right away is not blocked by the 30 s cooldown.
    capture.set_mode(SmtpMode::Accept);
    let r = server.prepare_sign_up(&id, "email_code").await;
    assert_eq!(r.status, 200, "{}", r.json);
    server
        .complete_sign_up(&id, "email_code", &capture.last().code())
        .await;
}

both_backends!(permanent_smtp_failure_is_not_retried);
async fn permanent_smtp_failure_is_not_retried() {
    let capture = SmtpCapture::start().await;
    capture.set_mode(SmtpMode::RejectMail(550));
    let server = spawn(instance(smtp(capture.port, None)), Secrets::default()).await;

    let id = server.sign_up("email_address", "carol@example.com").await;
    assert_delivery_failed(&server.prepare_sign_up(&id, "email_code").await);
    assert_eq!(capture.attempts(), 1, "550 is permanent");
}

both_backends!(hung_smtp_server_times_out_and_a_retry_works);
async fn hung_smtp_server_times_out_and_a_retry_works() {
    let capture = SmtpCapture::start().await;
    capture.set_mode(SmtpMode::Hang);
    let delivery = DeliveryConfig {
        timeout_ms: 300,
        retries: 1,
        ..smtp(capture.port, None)
    };
    let server = spawn(instance(delivery), Secrets::default()).await;

    let id = server.sign_up("email_address", "dave@example.com").await;
    assert_delivery_failed(&server.prepare_sign_up(&id, "email_code").await);

    capture.set_mode(SmtpMode::Accept);
    let r = server.prepare_sign_up(&id, "email_code").await;
    assert_eq!(r.status, 200, "{}", r.json);
    server
        .complete_sign_up(&id, "email_code", &capture.last().code())
        .await;
}

both_backends!(refused_connection_is_reported_and_a_retry_works_once_the_server_is_up);
async fn refused_connection_is_reported_and_a_retry_works_once_the_server_is_up() {
    let port = free_port().await;
    let server = spawn(instance(smtp(port, None)), Secrets::default()).await;

    let id = server.sign_up("email_address", "erin@example.com").await;
    assert_delivery_failed(&server.prepare_sign_up(&id, "email_code").await);

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let capture = SmtpCapture::start_on(listener);
    let r = server.prepare_sign_up(&id, "email_code").await;
    assert_eq!(r.status, 200, "{}", r.json);
    server
        .complete_sign_up(&id, "email_code", &capture.last().code())
        .await;
}

both_backends!(configuration_mistakes_stop_the_server_with_a_clear_message);
async fn configuration_mistakes_stop_the_server_with_a_clear_message() {
    // Plain SMTP to a remote host.
    let text = "[delivery.email]\nprovider = \"smtp\"\nhost = \"smtp.example.com\"\ntls = \"none\"\nfrom = \"a@example.com\"\n";
    let err = onetime_server::config::InstanceConfig::from_toml(text)
        .unwrap_err()
        .to_string();
    assert!(err.contains("only allowed to localhost"), "{err}");

    // A username without the password variable.
    let mut delivery = smtp(25, Some("mailer"));
    if let Some(EmailProvider::Smtp(s)) = &mut delivery.email {
        s.password_env = "ONETIME_TEST_UNSET_SMTP_PASSWORD_4711".into();
    }
    let (config, _db) = config(instance(delivery), Secrets::default());
    let err = onetime_server::Application::build(config)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("ONETIME_TEST_UNSET_SMTP_PASSWORD_4711"),
        "{err}"
    );
}
