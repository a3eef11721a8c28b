//! Phone numbers without libphonenumber: a small table of countries with their calling codes and
//! national grouping patterns, as-you-type formatting and E.164 building.
//!
//! libphonenumber would cost about 480 KB gzip in the wasm; this table costs a few hundred bytes
//! and covers what the form needs: pick a country, group the digits while typing, submit E.164.

/// One row of the country table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Country {
    /// ISO 3166-1 alpha-2 code, upper case ("US").
    pub iso: &'static str,
    /// English short name.
    pub name: &'static str,
    /// Calling code digits without the plus ("1", "44").
    pub dial: &'static str,
    /// National grouping pattern: every `#` is one digit, anything else is a literal.
    pub pattern: &'static str,
    /// Shortest valid national significant number (digits after the calling code).
    pub min_len: usize,
    /// Longest valid national significant number.
    pub max_len: usize,
    /// Whether people write a leading trunk `0` that E.164 drops (UK "07700 900123" → "+447700900123").
    pub trunk_zero: bool,
}

const fn c(
    iso: &'static str,
    name: &'static str,
    dial: &'static str,
    pattern: &'static str,
    min_len: usize,
    max_len: usize,
    trunk_zero: bool,
) -> Country {
    Country {
        iso,
        name,
        dial,
        pattern,
        min_len,
        max_len,
        trunk_zero,
    }
}

/// The supported countries, sorted by name. The United States is the default.
pub const COUNTRIES: &[Country] = &[
    c("AR", "Argentina", "54", "## ####-####", 10, 10, true),
    c("AU", "Australia", "61", "### ### ###", 9, 9, true),
    c("AT", "Austria", "43", "### #######", 4, 13, true),
    c("BE", "Belgium", "32", "### ## ## ##", 8, 9, true),
    c("BR", "Brazil", "55", "(##) #####-####", 10, 11, true),
    c("CA", "Canada", "1", "(###) ###-####", 10, 10, false),
    c("CN", "China", "86", "### #### ####", 11, 11, true),
    c("DK", "Denmark", "45", "## ## ## ##", 8, 8, false),
    c("FI", "Finland", "358", "## ### ####", 5, 12, true),
    c("FR", "France", "33", "# ## ## ## ##", 9, 9, true),
    c("DE", "Germany", "49", "### ########", 6, 11, true),
    c("GR", "Greece", "30", "### ### ####", 10, 10, false),
    c("HK", "Hong Kong", "852", "#### ####", 8, 8, false),
    c("IN", "India", "91", "##### #####", 10, 10, true),
    c("IE", "Ireland", "353", "## ### ####", 7, 9, true),
    c("IL", "Israel", "972", "##-###-####", 8, 9, true),
    c("IT", "Italy", "39", "### ### ####", 6, 11, false),
    c("JP", "Japan", "81", "##-####-####", 9, 10, true),
    c("MX", "Mexico", "52", "## #### ####", 10, 10, false),
    c("NL", "Netherlands", "31", "# ########", 9, 9, true),
    c("NZ", "New Zealand", "64", "## ### ####", 8, 10, true),
    c("NG", "Nigeria", "234", "### ### ####", 8, 10, true),
    c("NO", "Norway", "47", "### ## ###", 8, 8, false),
    c("PL", "Poland", "48", "### ### ###", 9, 9, false),
    c("PT", "Portugal", "351", "### ### ###", 9, 9, false),
    c("SG", "Singapore", "65", "#### ####", 8, 8, false),
    c("ZA", "South Africa", "27", "## ### ####", 9, 9, true),
    c("KR", "South Korea", "82", "##-####-####", 8, 10, true),
    c("ES", "Spain", "34", "### ## ## ##", 9, 9, false),
    c("SE", "Sweden", "46", "##-### ## ##", 7, 9, true),
    c("CH", "Switzerland", "41", "## ### ## ##", 9, 9, true),
    c("TR", "Turkey", "90", "### ### ## ##", 10, 10, true),
    c(
        "AE",
        "United Arab Emirates",
        "971",
        "## ### ####",
        8,
        9,
        true,
    ),
    c("GB", "United Kingdom", "44", "#### ######", 9, 10, true),
    c("US", "United States", "1", "(###) ###-####", 10, 10, false),
];

/// ISO code of the default country.
pub const DEFAULT_COUNTRY: &str = "US";

/// The country with this ISO code (case-insensitive), if it is in the table.
pub fn country_by_iso(iso: &str) -> Option<&'static Country> {
    COUNTRIES.iter().find(|c| c.iso.eq_ignore_ascii_case(iso))
}

/// The default country (United States, +1).
pub fn default_country() -> &'static Country {
    country_by_iso(DEFAULT_COUNTRY).unwrap_or(&COUNTRIES[0])
}

/// The flag emoji of an ISO alpha-2 code (two regional indicator symbols).
pub fn flag(iso: &str) -> String {
    iso.chars()
        .filter(char::is_ascii_alphabetic)
        .filter_map(|ch| char::from_u32(0x1F1E6 + (ch.to_ascii_uppercase() as u32 - 'A' as u32)))
        .collect()
}

/// Keeps only the ASCII digits of `input`.
pub fn digits(input: &str) -> String {
    input.chars().filter(char::is_ascii_digit).collect()
}

/// The national significant number typed for `country`: digits only, without a trunk `0`
/// and, for +1 countries, without a leading `1` typed out of habit (11 digits).
pub fn national_digits(country: &Country, input: &str) -> String {
    let mut d = digits(input);
    if country.trunk_zero && d.starts_with('0') {
        d.remove(0);
    }
    if country.dial == "1" && d.len() == 11 && d.starts_with('1') {
        d.remove(0);
    }
    d
}

/// Groups the digits of `input` as the user types, following the country's pattern.
///
/// Literals are emitted only between digits, so deleting never gets stuck on a trailing ")".
/// A typed trunk `0` is kept as typed (shown before the grouped rest). Digits beyond the
/// pattern are appended ungrouped so nothing the user typed disappears.
pub fn format_as_you_type(country: &Country, input: &str) -> String {
    let all = digits(input);
    let (prefix, rest) = if country.trunk_zero && all.starts_with('0') {
        ("0", &all[1..])
    } else {
        ("", all.as_str())
    };
    let mut out = String::from(prefix);
    let mut chars = rest.chars().peekable();
    let mut pending = String::new();
    for p in country.pattern.chars() {
        if chars.peek().is_none() {
            break;
        }
        if p == '#' {
            out.push_str(&pending);
            pending.clear();
            if let Some(ch) = chars.next() {
                out.push(ch);
            }
        } else if out.len() == prefix.len() && p == '(' {
            // An opening parenthesis is shown as soon as the first digit is typed.
            out.push(p);
        } else {
            pending.push(p);
        }
    }
    let tail: String = chars.collect();
    if !tail.is_empty() {
        out.push_str(&tail);
    }
    if !prefix.is_empty() && out.len() > 1 {
        out.insert(1, ' ');
    }
    out
}

/// Why a phone number cannot be turned into E.164.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneError {
    /// Nothing was typed.
    Empty,
    /// Fewer digits than any number of that country has.
    TooShort,
    /// More digits than any number of that country has.
    TooLong,
}

impl PhoneError {
    /// A sentence for the field error.
    pub fn message(self) -> &'static str {
        match self {
            PhoneError::Empty => "Enter your phone number.",
            PhoneError::TooShort => "That phone number is too short.",
            PhoneError::TooLong => "That phone number is too long.",
        }
    }
}

/// Builds the E.164 form (`+12015550100`) of a national number typed for `country`.
pub fn to_e164(country: &Country, national: &str) -> Result<String, PhoneError> {
    let d = national_digits(country, national);
    if d.is_empty() {
        return Err(PhoneError::Empty);
    }
    if d.len() < country.min_len {
        return Err(PhoneError::TooShort);
    }
    if d.len() > country.max_len || d.len() + country.dial.len() > 15 {
        return Err(PhoneError::TooLong);
    }
    Ok(format!("+{}{}", country.dial, d))
}

/// Splits a pasted international number ("+44 7700 900123") into a country and the national
/// digits. The longest matching calling code wins; +1 stays with `current` when it is a +1
/// country (the US and Canada share it).
pub fn split_international(
    input: &str,
    current: &'static Country,
) -> Option<(&'static Country, String)> {
    let trimmed = input.trim_start();
    let rest = trimmed
        .strip_prefix('+')
        .or_else(|| trimmed.strip_prefix("00"))?;
    let d = digits(rest);
    if current.dial == "1" && d.starts_with('1') {
        return Some((current, d[1..].to_string()));
    }
    COUNTRIES
        .iter()
        .filter(|c| d.starts_with(c.dial))
        .max_by_key(|c| (c.dial.len(), c.iso == DEFAULT_COUNTRY))
        .map(|c| (c, d[c.dial.len()..].to_string()))
}

/// A readable form of an E.164 number for display ("+1 (201) 555-0100").
/// Numbers of unknown countries are returned unchanged.
pub fn display_e164(e164: &str) -> String {
    let Some(rest) = e164.strip_prefix('+') else {
        return e164.to_string();
    };
    let country = if rest.starts_with('1') {
        Some(default_country())
    } else {
        COUNTRIES
            .iter()
            .filter(|c| rest.starts_with(c.dial))
            .max_by_key(|c| c.dial.len())
    };
    match country {
        Some(c) => {
            let national = &rest[c.dial.len()..];
            format!("+{} {}", c.dial, format_as_you_type(c, national))
        }
        None => e164.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us() -> &'static Country {
        country_by_iso("US").unwrap()
    }

    #[test]
    fn table_is_sane() {
        for c in COUNTRIES {
            let slots = c.pattern.chars().filter(|&ch| ch == '#').count();
            assert!(slots >= c.min_len.min(c.max_len), "{}", c.iso);
            assert!(c.min_len <= c.max_len, "{}", c.iso);
            assert!(c.dial.chars().all(|ch| ch.is_ascii_digit()), "{}", c.iso);
            assert_eq!(c.iso.len(), 2);
        }
        assert_eq!(default_country().dial, "1");
        assert_eq!(default_country().iso, "US");
        let names: Vec<_> = COUNTRIES.iter().map(|c| c.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted, "table is sorted by name");
    }

    #[test]
    fn us_grouping_as_you_type() {
        let cases = [
            ("", ""),
            ("2", "(2"),
            ("20", "(20"),
            ("201", "(201"),
            ("2015", "(201) 5"),
            ("201555", "(201) 555"),
            ("2015550", "(201) 555-0"),
            ("2015550100", "(201) 555-0100"),
            ("(201) 555-0100", "(201) 555-0100"),
            ("201-555-0100", "(201) 555-0100"),
            ("20155501009", "(201) 555-01009"),
        ];
        for (input, want) in cases {
            assert_eq!(format_as_you_type(us(), input), want, "input {input:?}");
        }
    }

    #[test]
    fn grouping_is_idempotent() {
        for c in COUNTRIES {
            let once = format_as_you_type(c, "0123456789012");
            assert_eq!(format_as_you_type(c, &once), once, "{}", c.iso);
        }
    }

    #[test]
    fn other_countries_group() {
        let gb = country_by_iso("gb").unwrap();
        assert_eq!(format_as_you_type(gb, "7700900123"), "7700 900123");
        assert_eq!(format_as_you_type(gb, "07700900123"), "0 7700 900123");
        let fr = country_by_iso("FR").unwrap();
        assert_eq!(format_as_you_type(fr, "612345678"), "6 12 34 56 78");
        let de = country_by_iso("DE").unwrap();
        assert_eq!(format_as_you_type(de, "15123"), "151 23");
    }

    #[test]
    fn e164_building() {
        assert_eq!(to_e164(us(), "(201) 555-0100").unwrap(), "+12015550100");
        assert_eq!(to_e164(us(), "1 201 555 0100").unwrap(), "+12015550100");
        assert_eq!(to_e164(us(), "201555010"), Err(PhoneError::TooShort));
        assert_eq!(to_e164(us(), "201555010012"), Err(PhoneError::TooLong));
        assert_eq!(to_e164(us(), "  "), Err(PhoneError::Empty));
        assert_eq!(to_e164(us(), "abc"), Err(PhoneError::Empty));
        let gb = country_by_iso("GB").unwrap();
        assert_eq!(to_e164(gb, "07700 900123").unwrap(), "+447700900123");
        assert_eq!(to_e164(gb, "7700 900123").unwrap(), "+447700900123");
        let it = country_by_iso("IT").unwrap();
        // Italy keeps its leading zero (landlines) in E.164.
        assert_eq!(to_e164(it, "06 1234 5678").unwrap(), "+390612345678");
        let fi = country_by_iso("FI").unwrap();
        assert_eq!(to_e164(fi, "040 1234567").unwrap(), "+358401234567");
    }

    #[test]
    fn pasted_international_numbers() {
        let (c, n) = split_international("+1 (201) 555-0100", us()).unwrap();
        assert_eq!((c.iso, n.as_str()), ("US", "2015550100"));
        let ca = country_by_iso("CA").unwrap();
        let (c, _) = split_international("+1 416 555 0100", ca).unwrap();
        assert_eq!(c.iso, "CA", "+1 stays on Canada when Canada is picked");
        let (c, n) = split_international("+44 7700 900123", us()).unwrap();
        assert_eq!((c.iso, n.as_str()), ("GB", "7700900123"));
        let (c, n) = split_international("00358 40 1234567", us()).unwrap();
        assert_eq!((c.iso, n.as_str()), ("FI", "401234567"));
        assert!(split_international("2015550100", us()).is_none());
    }

    #[test]
    fn display() {
        assert_eq!(display_e164("+12015550100"), "+1 (201) 555-0100");
        assert_eq!(display_e164("+447700900123"), "+44 7700 900123");
        assert_eq!(display_e164("+999123"), "+999123");
        assert_eq!(display_e164("jane@example.com"), "jane@example.com");
    }

    #[test]
    fn flags() {
        assert_eq!(flag("US"), "🇺🇸");
        assert_eq!(flag("gb"), "🇬🇧");
    }

    #[test]
    fn digits_only() {
        assert_eq!(digits("+1 (201) 555-0100"), "12015550100");
    }
}
