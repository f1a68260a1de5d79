//! Reading one sample from the Prometheus text that `/metrics` serves.

/// The value of the unlabelled sample `name`, or 0 when it is absent.
pub fn sample(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0)
}
