//! Just enough DER to read a certificate's end of validity (`notAfter`): probes warn before a
//! certificate expires, and a whole X.509 parser would cost more to build than this reads.

use crate::clock::Millis;

/// One element: its tag, its contents, and what follows it.
fn element(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = b.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |a, &d| (a << 8) | usize::from(d));
        (len, &rest[n..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

fn sequence(b: &[u8]) -> Option<&[u8]> {
    match element(b)? {
        (0x30, inner, _) => Some(inner),
        _ => None,
    }
}

fn skip(b: &[u8]) -> Option<&[u8]> {
    element(b).map(|(_, _, rest)| rest)
}

/// When the certificate (DER) stops being valid, in milliseconds since the epoch.
pub fn not_after(cert: &[u8]) -> Option<Millis> {
    let tbs = sequence(sequence(cert)?)?;
    // The version is optional ([0], explicit); serial, signature algorithm and issuer follow.
    let rest = if tbs.first() == Some(&0xa0) {
        skip(tbs)?
    } else {
        tbs
    };
    let rest = skip(skip(skip(rest)?)?)?;
    let validity = sequence(rest)?;
    let (tag, time, _) = element(skip(validity)?)?;
    read_time(tag, std::str::from_utf8(time).ok()?)
}

/// UTCTime (`YYMMDDHHMMSSZ`, years 1950–2049) or GeneralizedTime (`YYYYMMDDHHMMSSZ`).
fn read_time(tag: u8, text: &str) -> Option<Millis> {
    let digits = text.strip_suffix('Z')?;
    let (year, rest) = match (tag, digits.len()) {
        (0x17, 12) => {
            let yy: i16 = digits[..2].parse().ok()?;
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, &digits[2..])
        }
        (0x18, 14) => (digits[..4].parse().ok()?, &digits[4..]),
        _ => return None,
    };
    let part = |i: usize| rest.get(i..i + 2)?.parse::<i8>().ok();
    let date = jiff::civil::date(year, part(0)?, part(2)?);
    let time = jiff::civil::time(part(4)?, part(6)?, part(8)?, 0);
    let zoned = date
        .to_datetime(time)
        .to_zoned(jiff::tz::TimeZone::UTC)
        .ok()?;
    Some(zoned.timestamp().as_millisecond())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_time_forms() {
        let friday = Some(1_800_000_000_000);
        assert_eq!(read_time(0x17, "270115080000Z"), friday);
        assert_eq!(read_time(0x18, "20270115080000Z"), friday);
        assert_eq!(read_time(0x18, "19700101000010Z"), Some(10_000));
        assert_eq!(
            read_time(0x17, "491231235959Z"),
            read_time(0x18, "20491231235959Z")
        );
        assert_eq!(
            read_time(0x17, "500101000000Z"),
            read_time(0x18, "19500101000000Z")
        );
        assert_eq!(read_time(0x17, "5001010000Z"), None);
        assert_eq!(read_time(0x04, "500101000000Z"), None);
    }

    #[test]
    fn reads_the_end_of_a_real_certificate() {
        let mut params = rcgen::CertificateParams::new(vec!["localhost".into()]).expect("params");
        params.not_after = rcgen::date_time_ymd(2027, 1, 20);
        let key = rcgen::KeyPair::generate().expect("key");
        let cert = params.self_signed(&key).expect("certificate");
        let end = 1_800_000_000_000 + 4 * 86_400_000 + 16 * 3_600_000;
        assert_eq!(not_after(cert.der()), Some(end));
    }

    #[test]
    fn refuses_what_is_not_a_certificate() {
        assert_eq!(not_after(b""), None);
        assert_eq!(not_after(&[0x30, 0x82, 0xff]), None);
        assert_eq!(not_after(&[0x30, 0x03, 0x30, 0x01, 0x02]), None);
    }
}
