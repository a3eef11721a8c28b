//! A small JSON reader for the server's answers, and [`FromJson`], the hand-written decoding of
//! the [`crate::wire`] types.
//!
//! Why not serde: in the wasm, serde_json and the derived visitors cost ~70 KB of code (about
//! 20 KB gzip, a tenth of the app's budget) for a dozen small shapes. This reader builds a
//! tree once and each type picks its fields from it, so nothing is generic over the input.
//! Numbers are read as integers only (every number the app uses is one), which keeps the
//! float parser out of the wasm; other numbers are kept as "not an integer".
//!
//! Leniency matches the protocol's: unknown keys are ignored, and a missing key or `null`
//! reads as the field's default. A value of the wrong type is an error.

use std::fmt;

/// Nesting deeper than this is refused rather than risking the stack on hostile input.
const MAX_DEPTH: usize = 64;

/// A JSON value.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number: `Some` when it is an integer that fits an `i64`.
    Number(Option<i64>),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object, keys in document order.
    Object(Vec<(String, Json)>),
}

/// Why a text could not be read, or a value did not have the expected shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError(pub String);

impl JsonError {
    /// Prefixes the message with the field it came from. Kept out of line: `field` is
    /// instantiated for every field type, and this formatting need not be copied into each.
    #[inline(never)]
    fn in_field(self, key: &str) -> Self {
        JsonError(format!("{key}: {}", self.0))
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Json {
    /// The value under `key` when `self` is an object that has it.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Takes the value under `key` out of an object (leaving `null`), to avoid a copy.
    pub fn take(&mut self, key: &str) -> Option<Json> {
        match self {
            Json::Object(entries) => entries
                .iter_mut()
                .find(|(k, _)| k == key)
                .map(|(_, v)| std::mem::replace(v, Json::Null)),
            _ => None,
        }
    }

    /// The field `key` of an object, decoded; missing or `null` gives the default.
    pub fn field<T: FromJson + Default>(&self, key: &str) -> Result<T, JsonError> {
        match self.get(key) {
            None | Some(Json::Null) => Ok(T::default()),
            Some(v) => T::from_json(v).map_err(|e| e.in_field(key)),
        }
    }

    /// Errors unless `self` is an object (the start of every struct's decoding).
    pub fn object(&self) -> Result<&Json, JsonError> {
        match self {
            Json::Object(_) => Ok(self),
            other => Err(other.expected("an object")),
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Number(_) => "a number",
            Json::String(_) => "a string",
            Json::Array(_) => "an array",
            Json::Object(_) => "an object",
        }
    }

    /// The error for a value that is not `what`.
    pub fn expected(&self, what: &str) -> JsonError {
        JsonError(format!("expected {what}, found {}", self.kind()))
    }
}

/// A type read from a [`Json`] value.
pub trait FromJson: Sized {
    /// Decodes `value`, or says why it has the wrong shape.
    fn from_json(value: &Json) -> Result<Self, JsonError>;
}

impl FromJson for String {
    fn from_json(value: &Json) -> Result<Self, JsonError> {
        match value {
            Json::String(s) => Ok(s.clone()),
            other => Err(other.expected("a string")),
        }
    }
}

impl FromJson for bool {
    fn from_json(value: &Json) -> Result<Self, JsonError> {
        match value {
            Json::Bool(b) => Ok(*b),
            other => Err(other.expected("a boolean")),
        }
    }
}

impl FromJson for i64 {
    fn from_json(value: &Json) -> Result<Self, JsonError> {
        match value {
            Json::Number(Some(n)) => Ok(*n),
            other => Err(other.expected("an integer")),
        }
    }
}

impl FromJson for u64 {
    fn from_json(value: &Json) -> Result<Self, JsonError> {
        match value {
            Json::Number(Some(n)) if *n >= 0 => Ok(*n as u64),
            other => Err(other.expected("a non-negative integer")),
        }
    }
}

impl<T: FromJson> FromJson for Option<T> {
    fn from_json(value: &Json) -> Result<Self, JsonError> {
        match value {
            Json::Null => Ok(None),
            v => T::from_json(v).map(Some),
        }
    }
}

/// `null` reads as an empty list (the protocol sends `null` for some empty lists).
impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(value: &Json) -> Result<Self, JsonError> {
        match value {
            Json::Null => Ok(Vec::new()),
            Json::Array(items) => items.iter().map(T::from_json).collect(),
            other => Err(other.expected("an array")),
        }
    }
}

/// Parses a complete JSON text.
pub fn parse(text: &str) -> Result<Json, JsonError> {
    let mut parser = Parser {
        bytes: text.as_bytes(),
        pos: 0,
    };
    let value = parser.value(0)?;
    parser.skip_whitespace();
    if parser.pos != parser.bytes.len() {
        return Err(parser.error("trailing characters"));
    }
    Ok(value)
}

/// Parses `text` and decodes it as a `T`.
pub fn from_str<T: FromJson>(text: &str) -> Result<T, JsonError> {
    T::from_json(&parse(text)?)
}

struct Parser<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn error(&self, what: &str) -> JsonError {
        JsonError(format!("{what} at byte {}", self.pos))
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_whitespace();
        self.bytes.get(self.pos).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn literal(&mut self, word: &str, value: Json) -> Result<Json, JsonError> {
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.error("expected a value"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.error("nested too deeply"));
        }
        match self.peek() {
            None => Err(self.error("unexpected end")),
            Some(b'n') => self.literal("null", Json::Null),
            Some(b't') => self.literal("true", Json::Bool(true)),
            Some(b'f') => self.literal("false", Json::Bool(false)),
            Some(b'"') => self.string().map(Json::String),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                if !self.eat(b']') {
                    loop {
                        items.push(self.value(depth + 1)?);
                        if self.eat(b']') {
                            break;
                        }
                        if !self.eat(b',') {
                            return Err(self.error("expected `,` or `]`"));
                        }
                    }
                }
                Ok(Json::Array(items))
            }
            Some(b'{') => {
                self.pos += 1;
                let mut entries = Vec::new();
                if !self.eat(b'}') {
                    loop {
                        if self.peek() != Some(b'"') {
                            return Err(self.error("expected a key"));
                        }
                        let key = self.string()?;
                        if !self.eat(b':') {
                            return Err(self.error("expected `:`"));
                        }
                        entries.push((key, self.value(depth + 1)?));
                        if self.eat(b'}') {
                            break;
                        }
                        if !self.eat(b',') {
                            return Err(self.error("expected `,` or `}`"));
                        }
                    }
                }
                Ok(Json::Object(entries))
            }
            Some(_) => Err(self.error("expected a value")),
        }
    }

    /// A number per the JSON grammar; its value is kept only when it is an `i64` integer.
    fn number(&mut self) -> Result<Json, JsonError> {
        let negative = self.bytes[self.pos] == b'-';
        if negative {
            self.pos += 1;
        }
        let digits_start = self.pos;
        let mut value: Option<i64> = Some(0);
        while let Some(&d @ b'0'..=b'9') = self.bytes.get(self.pos) {
            let digit = i64::from(d - b'0');
            value = value.and_then(|v| v.checked_mul(10)).and_then(|v| {
                if negative {
                    v.checked_sub(digit)
                } else {
                    v.checked_add(digit)
                }
            });
            self.pos += 1;
        }
        let digits = self.pos - digits_start;
        if digits == 0 || (digits > 1 && self.bytes[digits_start] == b'0') {
            return Err(self.error("invalid number"));
        }
        if self.bytes.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            value = None;
            self.digits()?;
        }
        if let Some(b'e' | b'E') = self.bytes.get(self.pos) {
            self.pos += 1;
            value = None;
            if let Some(b'+' | b'-') = self.bytes.get(self.pos) {
                self.pos += 1;
            }
            self.digits()?;
        }
        Ok(Json::Number(value))
    }

    /// One or more digits (fraction and exponent parts).
    fn digits(&mut self) -> Result<(), JsonError> {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
        if self.pos == start {
            Err(self.error("invalid number"))
        } else {
            Ok(())
        }
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let hex = self
            .bytes
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| self.error("unexpected end of escape"))?;
        let mut n = 0;
        for &h in hex {
            let d = (h as char)
                .to_digit(16)
                .ok_or_else(|| self.error("invalid escape"))?;
            n = n * 16 + d;
        }
        self.pos += 4;
        Ok(n)
    }

    /// A string starting at the opening quote.
    fn string(&mut self) -> Result<String, JsonError> {
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            let Some(&b) = self.bytes.get(self.pos) else {
                return Err(self.error("unterminated string"));
            };
            self.pos += 1;
            match b {
                b'"' => break,
                0..=0x1f => return Err(self.error("control character in string")),
                b'\\' => {
                    let Some(&e) = self.bytes.get(self.pos) else {
                        return Err(self.error("unterminated string"));
                    };
                    self.pos += 1;
                    let ch = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => return Err(self.error("invalid escape")),
                    };
                    let mut buf = [0; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                _ => out.push(b),
            }
        }
        // The input is a &str and escapes add whole characters, so this only fails on a bug.
        String::from_utf8(out).map_err(|_| self.error("invalid UTF-8"))
    }

    /// The character of `\uXXXX` (after the `u`), joining a surrogate pair.
    fn unicode_escape(&mut self) -> Result<char, JsonError> {
        let first = self.hex4()?;
        let code = match first {
            0xD800..=0xDBFF => {
                if !self.bytes[self.pos..].starts_with(b"\\u") {
                    return Err(self.error("lone surrogate in escape"));
                }
                self.pos += 2;
                let second = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return Err(self.error("lone surrogate in escape"));
                }
                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            }
            0xDC00..=0xDFFF => return Err(self.error("lone surrogate in escape")),
            c => c,
        };
        char::from_u32(code).ok_or_else(|| self.error("invalid escape"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_kind_of_value() {
        let v = parse(
            r#" {"a": [1, -2, 0, 1.5, 2e3, -0.5E-2], "b": {"c": null, "d": true, "e": false},
                "s": "x\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00y", "": [] } "#,
        )
        .unwrap();
        assert_eq!(
            v.get("a"),
            Some(&Json::Array(vec![
                Json::Number(Some(1)),
                Json::Number(Some(-2)),
                Json::Number(Some(0)),
                Json::Number(None),
                Json::Number(None),
                Json::Number(None),
            ]))
        );
        assert_eq!(v.get("b").unwrap().get("c"), Some(&Json::Null));
        assert_eq!(v.get("b").unwrap().get("d"), Some(&Json::Bool(true)));
        assert_eq!(
            v.get("s"),
            Some(&Json::String("x\"\\/\u{8}\u{c}\n\r\té😀y".into()))
        );
        assert_eq!(v.get(""), Some(&Json::Array(vec![])));
        assert_eq!(v.get("missing"), None);
        assert_eq!(
            parse("\"naïve ✓\"").unwrap(),
            Json::String("naïve ✓".into())
        );
    }

    #[test]
    fn integers_at_the_edges() {
        assert_eq!(
            parse("9223372036854775807").unwrap(),
            Json::Number(Some(i64::MAX))
        );
        assert_eq!(
            parse("-9223372036854775808").unwrap(),
            Json::Number(Some(i64::MIN))
        );
        assert_eq!(parse("9223372036854775808").unwrap(), Json::Number(None));
        assert_eq!(u64::from_json(&Json::Number(Some(7))), Ok(7));
        assert!(u64::from_json(&Json::Number(Some(-7))).is_err());
        assert!(i64::from_json(&Json::Number(None)).is_err());
    }

    #[test]
    fn refuses_what_is_not_json() {
        for bad in [
            "",
            " ",
            "{",
            "[1,]",
            "[1 2]",
            "{\"a\" 1}",
            "{\"a\":1,}",
            "{a:1}",
            "01",
            "-",
            "1.",
            "1e",
            ".5",
            "+1",
            "nul",
            "tru",
            "\"abc",
            "\"a\u{1}b\"",
            "\"\\x\"",
            "\"\\u12\"",
            "\"\\ud800\"",
            "\"\\udc00\"",
            "\"\\ud800\\u0041\"",
            "{} {}",
            "<html>Bad gateway</html>",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should fail");
        }
        let deep = "[".repeat(100) + &"]".repeat(100);
        assert!(parse(&deep).is_err(), "hostile nesting is refused");
        let fine = "[".repeat(30) + &"]".repeat(30);
        assert!(parse(&fine).is_ok());
    }

    #[test]
    fn fields_default_when_missing_or_null_and_fail_on_wrong_types() {
        let v = parse(r#"{"n":null,"s":"x","i":3,"l":null,"b":true}"#).unwrap();
        assert_eq!(v.field::<String>("n"), Ok(String::new()));
        assert_eq!(v.field::<String>("missing"), Ok(String::new()));
        assert_eq!(v.field::<String>("s"), Ok("x".to_string()));
        assert_eq!(v.field::<Option<String>>("n"), Ok(None));
        assert_eq!(v.field::<Option<u64>>("i"), Ok(Some(3)));
        assert_eq!(v.field::<Vec<String>>("l"), Ok(vec![]));
        assert!(v.field::<bool>("b").unwrap());
        let err = v.field::<String>("i").unwrap_err();
        assert_eq!(err.0, "i: expected a string, found a number");
        assert!(v.field::<Vec<String>>("s").is_err());
        assert!(Json::Null.object().is_err());
        let mut v = v;
        assert_eq!(v.take("s"), Some(Json::String("x".into())));
        assert_eq!(v.get("s"), Some(&Json::Null));
    }
}
