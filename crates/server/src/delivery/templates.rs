//! Message templates: built-in English, German and Spanish (`config/templates/{en,de,es}/*`,
//! embedded: the same languages as the app) overridable per locale by files in
//! `[delivery] templates_dir`.
//!
//! Layout of a templates directory: one folder per locale (`en`, `de`, `pt-br`, …; matched
//! case-insensitively, `_` = `-`), each with any of `sms.txt`, `email_subject.txt`,
//! `email.txt`, `email.html`. For each file the first of these that has it wins: the locale
//! (`pt-br`), then its language (`pt`), each in the directory and then built in; then `en` in
//! the directory; then the built-in `en`.
//!
//! Placeholders: `{code}`, `{app_name}`, `{minutes}` (lifetime, rounded up) and
//! `{origin_host}`. A line that mentions `{origin_host}` is left out when no origin host is
//! configured. Values are HTML-escaped in `email.html`. Other braces are left alone (CSS).

use std::collections::HashMap;
use std::path::Path;

use super::{Channel, OutgoingCode};

/// File names of a template set.
pub const FILES: [&str; 4] = ["sms.txt", "email_subject.txt", "email.txt", "email.html"];

/// The built-in template sets, by language; `en` first (the last resort).
const BUILTIN: [(&str, [&str; 4]); 3] = [
    (
        "en",
        [
            include_str!("../../../../config/templates/en/sms.txt"),
            include_str!("../../../../config/templates/en/email_subject.txt"),
            include_str!("../../../../config/templates/en/email.txt"),
            include_str!("../../../../config/templates/en/email.html"),
        ],
    ),
    (
        "de",
        [
            include_str!("../../../../config/templates/de/sms.txt"),
            include_str!("../../../../config/templates/de/email_subject.txt"),
            include_str!("../../../../config/templates/de/email.txt"),
            include_str!("../../../../config/templates/de/email.html"),
        ],
    ),
    (
        "es",
        [
            include_str!("../../../../config/templates/es/sms.txt"),
            include_str!("../../../../config/templates/es/email_subject.txt"),
            include_str!("../../../../config/templates/es/email.txt"),
            include_str!("../../../../config/templates/es/email.html"),
        ],
    ),
];

/// The built-in text of file `i` for `locale` (normalised), if there is one.
fn builtin(locale: &str, i: usize) -> Option<&'static str> {
    BUILTIN
        .iter()
        .find(|(l, _)| *l == locale)
        .map(|(_, files)| files[i])
}

/// Which message part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Sms = 0,
    Subject = 1,
    Text = 2,
    Html = 3,
}

/// Values substituted into a template.
#[derive(Debug, Clone)]
pub struct Vars<'a> {
    /// The code.
    pub code: &'a str,
    /// Application name.
    pub app_name: &'a str,
    /// Lifetime of the code in minutes.
    pub minutes: u64,
    /// Host of the origin-bound line, if known.
    pub origin_host: Option<&'a str>,
}

impl<'a> Vars<'a> {
    /// The values for `msg`: its lifetime in whole minutes, and the origin-bound line's host
    /// for SMS only (an email has no `@host #code` line).
    pub fn of(msg: &'a OutgoingCode, origin_host: Option<&'a str>) -> Self {
        Self {
            code: &msg.code,
            app_name: &msg.app_name,
            minutes: msg.lifetime_secs.div_ceil(60),
            origin_host: match msg.channel {
                Channel::Sms => origin_host,
                Channel::Email => None,
            },
        }
    }
}

/// A code's message as its channel sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The SMS text, or the email's plain-text body.
    pub message: String,
    /// The email's subject (emails only).
    pub subject: Option<String>,
    /// The email's HTML body (emails only).
    pub html: Option<String>,
}

/// A rendered email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailContent {
    /// Subject line (first line of the template, trimmed).
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// HTML body.
    pub html: String,
}

/// All templates, loaded once at start-up.
#[derive(Debug, Clone, Default)]
pub struct Templates {
    /// Locale (normalised) → file index → text.
    sets: HashMap<String, [Option<String>; 4]>,
}

/// Normalises a locale tag: lowercase, `_` → `-`; `None` if it is not a plausible tag.
pub fn normalize_locale(tag: &str) -> Option<String> {
    let t = tag.trim().to_ascii_lowercase().replace('_', "-");
    let ok = !t.is_empty()
        && t.len() <= 35
        && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !t.starts_with('-');
    ok.then_some(t)
}

impl Templates {
    /// Only the built-in templates.
    pub fn builtin() -> Self {
        Self::default()
    }

    /// Built-ins plus the locale folders of `dir`. Fails if `dir` cannot be read or a template
    /// file is not UTF-8.
    pub fn load(dir: Option<&Path>) -> anyhow::Result<Self> {
        let mut sets = HashMap::new();
        let Some(dir) = dir else {
            return Ok(Self { sets });
        };
        let entries = std::fs::read_dir(dir)
            .map_err(|e| anyhow::anyhow!("delivery.templates_dir {}: {e}", dir.display()))?;
        for entry in entries {
            let entry = entry?;
            if !entry.file_type()?.is_dir() {
                continue;
            }
            let name = entry.file_name();
            let Some(locale) = name.to_str().and_then(normalize_locale) else {
                tracing::warn!(folder = ?name, "templates: ignoring folder that is not a locale name");
                continue;
            };
            let mut set: [Option<String>; 4] = Default::default();
            for (i, file) in FILES.iter().enumerate() {
                let path = entry.path().join(file);
                match std::fs::read_to_string(&path) {
                    Ok(text) => set[i] = Some(text),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => anyhow::bail!("template {}: {e}", path.display()),
                }
            }
            if set.iter().all(Option::is_none) {
                tracing::warn!(locale = %locale, "templates: folder has none of {FILES:?}");
            }
            sets.insert(locale, set);
        }
        Ok(Self { sets })
    }

    /// The template text for `part` in `locale` (see the module docs for the fallback order).
    fn get(&self, part: Part, locale: Option<&str>) -> &str {
        let i = part as usize;
        let mut chain: Vec<String> = Vec::with_capacity(3);
        if let Some(full) = locale.and_then(normalize_locale) {
            let lang = full.split_once('-').map(|(lang, _)| lang.to_owned());
            chain.push(full);
            chain.extend(lang);
        }
        let configured = |l: &str| self.sets.get(l).and_then(|s| s[i].as_deref());
        chain
            .iter()
            .find_map(|l| configured(l).or_else(|| builtin(l, i)))
            .or_else(|| configured("en"))
            .unwrap_or(BUILTIN[0].1[i])
    }

    /// The SMS text. With an origin host, its last line is `@host #code`.
    pub fn sms(&self, locale: Option<&str>, vars: &Vars<'_>) -> String {
        render(self.get(Part::Sms, locale), vars, false)
            .trim_end()
            .to_owned()
    }

    /// Subject, plain-text and HTML body of the email.
    pub fn email(&self, locale: Option<&str>, vars: &Vars<'_>) -> EmailContent {
        let subject = render(self.get(Part::Subject, locale), vars, false);
        let subject = subject
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or_default()
            .to_owned();
        EmailContent {
            subject,
            text: render(self.get(Part::Text, locale), vars, false),
            html: render(self.get(Part::Html, locale), vars, true),
        }
    }

    /// `msg` in its locale and channel with `vars` (from [`Vars::of`]), as a provider sends it.
    pub fn render(&self, msg: &OutgoingCode, vars: &Vars<'_>) -> Rendered {
        let locale = msg.locale.as_deref();
        match msg.channel {
            Channel::Sms => Rendered {
                message: self.sms(locale, vars),
                subject: None,
                html: None,
            },
            Channel::Email => {
                let e = self.email(locale, vars);
                Rendered {
                    message: e.text,
                    subject: Some(e.subject),
                    html: Some(e.html),
                }
            }
        }
    }
}

/// Substitutes the placeholders of `template`.
fn render(template: &str, vars: &Vars<'_>, html: bool) -> String {
    let esc = |s: &str| if html { html_escape(s) } else { s.to_owned() };
    let minutes = vars.minutes.to_string();
    let host = vars.origin_host.map(esc);
    let pairs = [
        ("{code}", esc(vars.code)),
        ("{app_name}", esc(vars.app_name)),
        ("{minutes}", minutes),
    ];
    let mut out = String::with_capacity(template.len() + 64);
    for line in template.split_inclusive('\n') {
        let mut line = line.to_owned();
        if line.contains("{origin_host}") {
            match &host {
                Some(h) => line = line.replace("{origin_host}", h),
                None => continue,
            }
        }
        for (k, v) in &pairs {
            if line.contains(k) {
                line = line.replace(k, v);
            }
        }
        out.push_str(&line);
    }
    out
}

/// Escapes `& < > " '` for HTML text and attribute values.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(host: Option<&'static str>) -> Vars<'static> {
        Vars {
            code: "123456",
            app_name: "Acme <Shop>",
            minutes: 10,
            origin_host: host,
        }
    }

    #[test]
    fn builtin_sms_ends_with_origin_bound_line() {
        let t = Templates::builtin();
        let sms = t.sms(Some("en-US"), &vars(Some("example.com")));
        assert!(sms.starts_with("123456 is your Acme <Shop> code"), "{sms}");
        assert!(sms.contains("10 minutes"));
        assert_eq!(sms.lines().last(), Some("@example.com #123456"));
        let without = t.sms(None, &vars(None));
        assert!(
            !without.contains('@') && !without.contains('#'),
            "{without}"
        );
        assert!(!without.ends_with('\n'));
    }

    /// Every built-in language says the same things: the same placeholders in every file, and
    /// the SMS ends with the origin-bound line WebOTP reads.
    #[test]
    fn builtin_languages_match_english() {
        let placeholders = |text: &str| {
            let mut found: Vec<&str> = ["{code}", "{app_name}", "{minutes}", "{origin_host}"]
                .into_iter()
                .filter(|p| text.contains(p))
                .collect();
            found.sort_unstable();
            found
        };
        let (_, en) = BUILTIN[0];
        for (lang, files) in &BUILTIN[1..] {
            for (i, text) in files.iter().enumerate() {
                assert_eq!(
                    placeholders(text),
                    placeholders(en[i]),
                    "{lang}/{} has other placeholders than en",
                    FILES[i]
                );
                assert_ne!(text, &en[i], "{lang}/{} is still English", FILES[i]);
            }
            assert_eq!(
                files[0].trim_end().lines().last(),
                Some("@{origin_host} #{code}"),
                "{lang}/sms.txt must end with the origin-bound line"
            );
            assert!(files[3].contains(&format!("<html lang=\"{lang}\">")));
        }
    }

    #[test]
    fn locales_pick_their_language_and_fall_back_to_english() {
        let t = Templates::builtin();
        let v = vars(Some("example.com"));
        let de = t.sms(Some("de-AT"), &v);
        assert!(de.starts_with("123456 ist dein Acme <Shop>-Code"), "{de}");
        assert!(de.contains("10 Minuten"));
        assert_eq!(de.lines().last(), Some("@example.com #123456"));
        let es = t.email(Some("es_MX"), &v);
        assert_eq!(es.subject, "123456 es tu código de Acme <Shop>");
        assert!(es.text.contains("Caduca en 10 minutos"));
        assert!(es.html.contains("Acme &lt;Shop&gt;") && es.html.contains("lang=\"es\""));
        let fr = t.sms(Some("fr"), &v);
        assert!(fr.starts_with("123456 is your Acme <Shop> code"), "{fr}");
    }

    #[test]
    fn a_configured_english_set_does_not_hide_a_built_in_language() {
        let dir = std::env::temp_dir().join(format!("onetime-templates-en-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("en")).unwrap();
        std::fs::write(dir.join("en/sms.txt"), "EN {code}").unwrap();
        std::fs::create_dir_all(dir.join("de-ch")).unwrap();
        std::fs::write(dir.join("de-ch/sms.txt"), "CH {code}").unwrap();
        let t = Templates::load(Some(&dir)).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        let v = vars(None);
        assert_eq!(t.sms(Some("en-GB"), &v), "EN 123456");
        assert_eq!(t.sms(Some("de-CH"), &v), "CH 123456");
        assert!(t.sms(Some("de"), &v).starts_with("123456 ist dein"));
        assert_eq!(t.sms(Some("fr"), &v), "EN 123456");
    }

    #[test]
    fn builtin_email_escapes_html_only() {
        let e = Templates::builtin().email(Some("xx"), &vars(None));
        assert_eq!(e.subject, "123456 is your Acme <Shop> code");
        assert!(e.text.contains("Acme <Shop>") && e.text.contains("10 minutes"));
        assert!(e.html.contains("Acme &lt;Shop&gt;") && !e.html.contains("<Shop>"));
        assert!(e.html.contains("123456") && !e.html.contains("{code}"));
        assert!(!e.text.contains('{') && !e.subject.contains('{'));
    }

    #[test]
    fn directory_overrides_with_locale_fallback() {
        let dir = std::env::temp_dir().join(format!("onetime-templates-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("de")).unwrap();
        std::fs::create_dir_all(dir.join("pt_BR")).unwrap();
        std::fs::create_dir_all(dir.join("en")).unwrap();
        std::fs::write(
            dir.join("de/sms.txt"),
            "{code} ist dein {app_name}-Code.\n@{origin_host} #{code}\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("pt_BR/email_subject.txt"),
            "{code} é o seu código\n",
        )
        .unwrap();
        std::fs::write(dir.join("en/email_subject.txt"), "Code: {code}\n").unwrap();
        let t = Templates::load(Some(&dir)).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        let v = vars(Some("example.com"));
        assert_eq!(
            t.sms(Some("de-AT"), &v),
            "123456 ist dein Acme <Shop>-Code.\n@example.com #123456"
        );
        assert_eq!(t.email(Some("pt-br"), &v).subject, "123456 é o seu código");
        // Missing in pt-BR → directory en → built-in en.
        assert_eq!(
            t.email(Some("pt-BR"), &v).text,
            Templates::builtin().email(None, &v).text
        );
        assert_eq!(t.email(Some("fr"), &v).subject, "Code: 123456");
        assert!(t.sms(Some("fr"), &v).starts_with("123456 is your"));
        assert!(Templates::load(Some(Path::new("/nonexistent/onetime"))).is_err());
    }

    #[test]
    fn locale_normalisation() {
        assert_eq!(normalize_locale("en_US").as_deref(), Some("en-us"));
        assert_eq!(normalize_locale("../etc"), None);
        assert_eq!(normalize_locale(""), None);
    }
}
