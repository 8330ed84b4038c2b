//! Typed condition values: decimal numbers, dates, booleans, base64 and
//! CIDR blocks, each parsed from its text without floating point or outside
//! crates, so a comparison is exact and a malformed value is a clear error.

use std::cmp::Ordering;
use std::net::IpAddr;

/// A decimal number compared exactly (no floating-point rounding).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Decimal {
    negative: bool,
    /// Integer digits without leading zeros.
    integer: String,
    /// Fraction digits without trailing zeros.
    fraction: String,
}

impl Decimal {
    /// Parses `[+-]digits[.digits]`, the integer and decimal forms the
    /// numeric operators accept.
    // TODO(#3): exponent notation (`1e3`) is rejected as malformed; whether
    // AWS accepts it is unverified.
    pub fn parse(text: &str) -> Result<Decimal, String> {
        let invalid = || format!("`{text}` is not a number");
        let (negative, body) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (integer, fraction) = body.split_once('.').unwrap_or((body, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if integer.is_empty() || !all_digits(integer) || !all_digits(fraction) {
            return Err(invalid());
        }
        if body.contains('.') && fraction.is_empty() {
            return Err(invalid());
        }
        let integer = integer.trim_start_matches('0').to_owned();
        let fraction = fraction.trim_end_matches('0').to_owned();
        let is_zero = integer.is_empty() && fraction.is_empty();
        Ok(Decimal {
            negative: negative && !is_zero,
            integer,
            fraction,
        })
    }

    fn cmp_magnitude(&self, other: &Decimal) -> Ordering {
        self.integer
            .len()
            .cmp(&other.integer.len())
            .then_with(|| self.integer.cmp(&other.integer))
            .then_with(|| self.fraction.cmp(&other.fraction))
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self.negative, other.negative) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => self.cmp_magnitude(other),
            (true, true) => other.cmp_magnitude(self),
        }
    }
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// An instant, in nanoseconds since 1970-01-01T00:00:00Z.
pub type Instant = i128;

const NANOS_PER_SECOND: i128 = 1_000_000_000;

/// Parses a date the `Date...` operators accept: epoch seconds (digits,
/// optionally with a fraction) or the W3C profile of ISO 8601
/// (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`, then `Thh:mm`, `:ss`, `.fraction`,
/// and `Z` or `±hh:mm` / `±hhmm`; no zone means UTC).
///
/// All-digit text is read as epoch seconds, not as a four-digit year.
// TODO(#3): all-digit text such as `2024` is read as epoch seconds, never as
// the W3C year form; AWS's choice here is undocumented.
pub fn parse_date(text: &str) -> Result<Instant, String> {
    let invalid = || format!("`{text}` is not a date");
    if let Ok(seconds) = Decimal::parse(text) {
        return epoch(&seconds).ok_or_else(invalid);
    }
    iso8601(text).ok_or_else(invalid)
}

fn epoch(seconds: &Decimal) -> Option<Instant> {
    if seconds.integer.len() > 18 {
        return None;
    }
    let whole: i128 = if seconds.integer.is_empty() {
        0
    } else {
        seconds.integer.parse().ok()?
    };
    let nanos = fraction_nanos(&seconds.fraction)?;
    let magnitude = whole * NANOS_PER_SECOND + nanos;
    Some(if seconds.negative {
        -magnitude
    } else {
        magnitude
    })
}

/// The fraction digits as nanoseconds (digits past the ninth are dropped).
fn fraction_nanos(digits: &str) -> Option<i128> {
    let mut nanos = 0i128;
    for (i, byte) in digits.bytes().enumerate() {
        if !byte.is_ascii_digit() {
            return None;
        }
        if i < 9 {
            nanos += i128::from(byte - b'0') * 10i128.pow(8 - i as u32);
        }
    }
    Some(nanos)
}

fn iso8601(text: &str) -> Option<Instant> {
    let (date, time) = match text.split_once('T') {
        Some((date, time)) => (date, Some(time)),
        None => (text, None),
    };
    let days = calendar_days(date)?;
    let nanos = match time {
        Some(time) => time_of_day(time)?,
        None => 0,
    };
    Some(i128::from(days) * 86_400 * NANOS_PER_SECOND + nanos)
}

/// `YYYY`, `YYYY-MM` or `YYYY-MM-DD` as days since the epoch.
fn calendar_days(date: &str) -> Option<i64> {
    let mut parts = date.split('-');
    let year = fixed_digits(parts.next()?, 4)?;
    let month = parts.next().map_or(Some(1), |m| fixed_digits(m, 2))?;
    let day = parts.next().map_or(Some(1), |d| fixed_digits(d, 2))?;
    if parts.next().is_some() || !(1..=12).contains(&month) {
        return None;
    }
    if day < 1 || day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day))
}

/// `hh:mm[:ss[.fraction]]` plus an optional zone, as nanoseconds from
/// midnight UTC (may be negative or exceed a day after the zone shift).
fn time_of_day(time: &str) -> Option<i128> {
    let (clock, offset_seconds) = split_zone(time)?;
    let mut parts = clock.split(':');
    let hour = fixed_digits(parts.next()?, 2)?;
    let minute = fixed_digits(parts.next()?, 2)?;
    let (second, nanos) = match parts.next() {
        Some(s) => {
            let (whole, fraction) = s.split_once('.').unwrap_or((s, ""));
            if s.contains('.') && fraction.is_empty() {
                return None;
            }
            (fixed_digits(whole, 2)?, fraction_nanos(fraction)?)
        }
        None => (0, 0),
    };
    if parts.next().is_some() || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let seconds = hour * 3600 + minute * 60 + second - offset_seconds;
    Some(i128::from(seconds) * NANOS_PER_SECOND + nanos)
}

/// Splits a trailing `Z`, `±hh:mm` or `±hhmm` off the clock text.
fn split_zone(time: &str) -> Option<(&str, i64)> {
    if let Some(clock) = time.strip_suffix('Z') {
        return Some((clock, 0));
    }
    let Some(sign_at) = time.rfind(['+', '-']) else {
        return Some((time, 0));
    };
    let clock = time.get(..sign_at)?;
    let zone = time.get(sign_at + 1..)?;
    let (hours, minutes) = match zone.split_once(':') {
        Some((h, m)) => (fixed_digits(h, 2)?, fixed_digits(m, 2)?),
        None => (
            fixed_digits(zone.get(..2)?, 2)?,
            fixed_digits(zone.get(2..)?, 2)?,
        ),
    };
    if hours > 23 || minutes > 59 {
        return None;
    }
    let magnitude = hours * 3600 + minutes * 60;
    let sign = if time.get(sign_at..=sign_at) == Some("-") {
        -1
    } else {
        1
    };
    Some((clock, sign * magnitude))
}

fn fixed_digits(text: &str, width: usize) -> Option<i64> {
    if text.len() != width || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn days_in_month(year: i64, month: i64) -> i64 {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date, counting whole
/// 400-year eras (146 097 days each) from the year 0 with March as the
/// first month, so the leap day falls at the end of the year.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    // 719 468 days separate 0000-03-01 from 1970-01-01.
    era * 146_097 + day_of_era - 719_468
}

/// Parses `true` / `false`, ignoring ASCII case.
pub fn parse_bool(text: &str) -> Result<bool, String> {
    if text.eq_ignore_ascii_case("true") {
        Ok(true)
    } else if text.eq_ignore_ascii_case("false") {
        Ok(false)
    } else {
        Err(format!("`{text}` is not `true` or `false`"))
    }
}

/// Decodes standard base64 (with or without `=` padding).
pub fn parse_base64(text: &str) -> Result<Vec<u8>, String> {
    let invalid = || format!("`{text}` is not base64");
    let body = text.trim_end_matches('=');
    if text.len() - body.len() > 2 || body.len() % 4 == 1 {
        return Err(invalid());
    }
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    let mut buffer = 0u32;
    let mut bits = 0u32;
    for byte in body.bytes() {
        buffer = (buffer << 6) | base64_digit(byte).ok_or_else(invalid)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((buffer >> bits) & 0xff) as u8);
        }
    }
    Ok(out)
}

fn base64_digit(byte: u8) -> Option<u32> {
    let value = match byte {
        b'A'..=b'Z' => byte - b'A',
        b'a'..=b'z' => byte - b'a' + 26,
        b'0'..=b'9' => byte - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    };
    Some(u32::from(value))
}

/// An IPv4 or IPv6 network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cidr {
    address: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Parses `address[/prefix]`; without a prefix the block is a single
    /// address (/32 or /128). Host bits after the prefix are ignored.
    pub fn parse(text: &str) -> Result<Cidr, String> {
        let invalid = || format!("`{text}` is not an IP address or CIDR block");
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let address: IpAddr = address.parse().map_err(|_| invalid())?;
        let max = if address.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse::<u8>().map_err(|_| invalid())?
            }
            Some(_) => return Err(invalid()),
            None => max,
        };
        if prefix > max {
            return Err(invalid());
        }
        Ok(Cidr { address, prefix })
    }

    /// Whether `address` lies in the block (families never mix).
    // TODO(#3): an IPv4-mapped IPv6 address (`::ffff:203.0.113.5`) does not
    // match an IPv4 block; AWS's behaviour for it is undocumented.
    pub fn contains(&self, address: IpAddr) -> bool {
        match (self.address, address) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => same_prefix(
                u128::from(net.to_bits()),
                u128::from(ip.to_bits()),
                32,
                self.prefix,
            ),
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                same_prefix(net.to_bits(), ip.to_bits(), 128, self.prefix)
            }
            _ => false,
        }
    }
}

fn same_prefix(a: u128, b: u128, width: u32, prefix: u8) -> bool {
    let host_bits = width - u32::from(prefix);
    a.checked_shr(host_bits).unwrap_or(0) == b.checked_shr(host_bits).unwrap_or(0)
}

/// Parses a request's IP address value.
pub fn parse_ip(text: &str) -> Result<IpAddr, String> {
    text.parse()
        .map_err(|_| format!("`{text}` is not an IP address"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_compare_exactly() {
        let d = |s| Decimal::parse(s).unwrap();
        assert_eq!(d("10"), d("10.0"));
        assert_eq!(d("-0"), d("0.000"));
        assert!(d("9007199254740993") > d("9007199254740992"));
        assert!(d("-1.5") < d("-1.25"));
        assert!(d("0.1") < d("1"));
        assert!(d("+2") > d("1.999"));
        for bad in ["", "1.", ".5", "1e3", "abc", "1..2", "--1"] {
            assert!(Decimal::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dates_in_every_accepted_form() {
        let day = 86_400 * NANOS_PER_SECOND;
        let cases = [
            ("1970-01-01T00:00:00Z", 0),
            ("0", 0),
            ("86400", day),
            ("1.5", 1_500_000_000),
            ("1970-01-02", day),
            ("1970-02", 31 * day),
            ("2000-03-01T00:00:00Z", 11_017 * day),
            ("1970-01-01T01:00:00+01:00", 0),
            ("1970-01-01T00:00:00-0130", 5_400 * NANOS_PER_SECOND),
            ("1970-01-01T00:00:00.250Z", 250_000_000),
            ("1970-01-01T00:01", 60 * NANOS_PER_SECOND),
            (
                "2024-02-29T12:00:00Z",
                (19_782 * 86_400 + 43_200) * NANOS_PER_SECOND,
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_date(text), Ok(expected), "{text}");
        }
        for bad in [
            "",
            "yesterday",
            "2023-02-29",
            "2024-13-01",
            "2024-01-01T24:00:00Z",
            "2024-01-01T10",
            "2024-01-01T10:00:00+25:00",
            "24-01-01",
        ] {
            assert!(parse_date(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn base64_round_trip() {
        assert_eq!(
            parse_base64("QmluYXJ5VmFsdWU="),
            Ok(b"BinaryValue".to_vec())
        );
        assert_eq!(parse_base64("YQ"), Ok(b"a".to_vec()));
        assert!(parse_base64("Y").is_err());
        assert!(parse_base64("a b=").is_err());
    }

    #[test]
    fn cidr_blocks_v4_and_v6() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let cases = [
            ("203.0.113.0/24", "203.0.113.77", true),
            ("203.0.113.0/24", "203.0.114.1", false),
            ("203.0.113.5", "203.0.113.5", true),
            ("203.0.113.5", "203.0.113.6", false),
            ("0.0.0.0/0", "8.8.8.8", true),
            ("2001:DB8:1234:5678::/64", "2001:db8:1234:5678::1", true),
            ("2001:db8:1234:5678::/64", "2001:db8:1234:5679::1", false),
            ("2001:db8::1", "2001:db8::1", true),
            ("::/0", "203.0.113.1", false),
            ("203.0.113.0/24", "2001:db8::1", false),
        ];
        for (block, address, expected) in cases {
            assert_eq!(
                Cidr::parse(block).unwrap().contains(ip(address)),
                expected,
                "{block}"
            );
        }
        for bad in [
            "203.0.113.0/33",
            "2001:db8::/129",
            "300.1.1.1",
            "1.2.3.4/",
            "x",
        ] {
            assert!(Cidr::parse(bad).is_err(), "{bad}");
        }
    }
}
