//! The device a session was created on, read from its `User-Agent`, for the account page's list
//! of active devices ("Chrome 131 on Android").
//!
//! A dozen lines of token matching rather than a user-agent database crate: the list needs only
//! the browser family, its major version and the platform, and the databases (uap-core's
//! regexes, woothee's tables) add hundreds of kilobytes and a regex engine for that.

/// Browser and platform of a `User-Agent`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Device {
    /// `Chrome`, `Edge`, `Opera`, `Firefox`, `Safari`; `None` when not recognised.
    pub browser_name: Option<&'static str>,
    /// Major version.
    pub browser_version: Option<String>,
    /// `Android`, `iPhone`, `iPad`, `Windows`, `Macintosh`, `Linux`; `None` when not recognised.
    pub device_type: Option<&'static str>,
    /// A phone or tablet.
    pub is_mobile: bool,
}

impl Device {
    /// Reads a `User-Agent` header value; anything unrecognised stays `None`.
    pub fn from_user_agent(ua: &str) -> Self {
        // Order matters: Edge and Opera also say Chrome, Chrome also says Safari.
        const BROWSERS: [(&str, &str); 8] = [
            ("Edg/", "Edge"),
            ("EdgiOS/", "Edge"),
            ("OPR/", "Opera"),
            ("Firefox/", "Firefox"),
            ("FxiOS/", "Firefox"),
            ("CriOS/", "Chrome"),
            ("Chrome/", "Chrome"),
            ("Version/", "Safari"),
        ];
        let browser = BROWSERS.iter().find_map(|(token, name)| {
            let at = ua.find(token)?;
            if *name == "Safari" && !ua.contains("Safari/") {
                return None;
            }
            let version: String = ua[at + token.len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            Some((*name, (!version.is_empty()).then_some(version)))
        });
        const PLATFORMS: [&str; 6] = ["iPad", "iPhone", "Android", "Windows", "Macintosh", "Linux"];
        let device_type = PLATFORMS.into_iter().find(|p| ua.contains(p));
        Self {
            browser_name: browser.as_ref().map(|b| b.0),
            browser_version: browser.and_then(|b| b.1),
            device_type,
            is_mobile: matches!(device_type, Some("iPad" | "iPhone"))
                || ua.contains("Mobile")
                || device_type == Some("Android"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(
        ua: &str,
    ) -> (
        Option<&'static str>,
        Option<String>,
        Option<&'static str>,
        bool,
    ) {
        let d = Device::from_user_agent(ua);
        (
            d.browser_name,
            d.browser_version,
            d.device_type,
            d.is_mobile,
        )
    }

    #[test]
    fn reads_the_common_browsers() {
        let v = |s: &str| Some(s.to_owned());
        assert_eq!(
            read(
                "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36"
            ),
            (Some("Chrome"), v("131"), Some("Android"), true)
        );
        assert_eq!(
            read(
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86"
            ),
            (Some("Edge"), v("131"), Some("Windows"), false)
        );
        assert_eq!(
            read(
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1"
            ),
            (Some("Safari"), v("17"), Some("iPhone"), true)
        );
        assert_eq!(
            read(
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 Firefox/133.0"
            ),
            (Some("Firefox"), v("133"), Some("Macintosh"), false)
        );
        assert_eq!(
            read(
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36"
            ),
            (Some("Chrome"), v("120"), Some("Linux"), false)
        );
    }

    #[test]
    fn unknown_agents_stay_unknown() {
        assert_eq!(read("curl/8.5.0"), (None, None, None, false));
        assert_eq!(read(""), (None, None, None, false));
        assert_eq!(read("Version/"), (None, None, None, false));
    }
}
