use crate::engine::FileCx;
use crate::meta::Severity;
use regex::Regex;
use std::sync::LazyLock;

crate::declare_rule! {
    /// ## What it does
    /// Looks at seed, fixture, sample and dump data files (`.json`, `.yaml`, `.csv`, `.sql`,
    /// `.tsv`, `.xml` under `fixtures/`, `seeds/`, `sample-data/`, `testdata/`, `mocks/`... or
    /// named like `seed*`, `*dump*`) and flags personal data that looks real: payment card
    /// numbers that pass the Luhn check (the card networks' published test numbers excepted),
    /// and three or more e-mail addresses at consumer mail providers (gmail.com, outlook.com...).
    /// Reserved and test domains (`example.com`, `.test`, `.invalid`) are fine.
    ///
    /// ## Why is this bad?
    /// Production data copied into fixtures spreads personal data to every clone, CI log and
    /// laptop, outside the retention and deletion rules that apply to production (data
    /// minimization, GDPR Art. 5(1)(c); CWE-359). Card numbers in a repository also put it in
    /// PCI DSS scope.
    ///
    /// ## Example
    /// ```json
    /// [{"name": "Ana Ruiz", "email": "ana.ruiz1987@gmail.com", "card": "4556 7375 8689 9855"}]
    /// ```
    ///
    /// ## Use instead
    /// ```json
    /// [{"name": "Test User", "email": "user1@example.com", "card": "4242 4242 4242 4242"}]
    /// ```
    ///
    /// ## How to fix
    /// Generate seed data (Faker, factory_boy, @faker-js/faker, the `fake` crate), use reserved
    /// domains (RFC 2606) and the card networks' test numbers, and purge the real records from
    /// the repository history.
    ///
    /// ## Not flagged
    /// Card-like numbers that fail the Luhn check, published test card numbers, addresses at
    /// reserved or company domains, fewer than three consumer addresses, files outside data
    /// directories. Card numbers are masked in every output.
    ///
    /// ## References
    /// - CWE-359; GDPR Art. 5(1)(c) data minimisation; PCI DSS requirement 3
    pub PRODUCTION_DATA_IN_FIXTURES {
        id: "production-data-in-fixtures",
        title: "Real-looking personal data in fixtures or seed files",
        severity: Medium,
        confidence: Medium,
        cwe: [359],
        checklist: 19,
        languages: [Text, Json, Yaml],
        fix: None,
    }
}

const DATA_DIRS: &[&str] = &[
    "fixtures",
    "fixture",
    "seeds",
    "seed",
    "seeders",
    "sample-data",
    "sample_data",
    "sampledata",
    "testdata",
    "test-data",
    "test_data",
    "mocks",
    "mock-data",
    "mock_data",
    "dumps",
    "dump",
];
const DATA_EXTS: &[&str] = &[
    "json", "yaml", "yml", "csv", "tsv", "sql", "xml", "ndjson", "jsonl",
];

/// Consumer mail providers: addresses there belong to people.
const CONSUMER_DOMAINS: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "yahoo.com",
    "yahoo.co.uk",
    "hotmail.com",
    "hotmail.co.uk",
    "outlook.com",
    "live.com",
    "msn.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "aol.com",
    "gmx.de",
    "gmx.net",
    "web.de",
    "proton.me",
    "protonmail.com",
    "yandex.ru",
    "mail.ru",
    "qq.com",
    "163.com",
    "orange.fr",
    "free.fr",
    "libero.it",
    "t-online.de",
];

/// Published test card numbers (Stripe, Adyen, Braintree, network documentation).
const TEST_CARDS: &[&str] = &[
    "4242424242424242",
    "4000056655665556",
    "5555555555554444",
    "2223003122003222",
    "5200828282828210",
    "5105105105105100",
    "378282246310005",
    "371449635398431",
    "6011111111111117",
    "6011000990139424",
    "3056930009020004",
    "36227206271667",
    "3566002020360505",
    "6200000000000005",
    "4111111111111111",
    "4012888888881881",
    "4222222222222",
    "5454545454545454",
    "4000000000000002",
    "4000000000009995",
];

static CARD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(?:\d[ -]?){12,18}\d\b").expect("valid regex"));
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b[a-z0-9._%+-]{1,64}@([a-z0-9.-]+\.[a-z]{2,})\b").expect("valid regex")
});

fn is_data_file(path: &std::path::Path) -> bool {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if !DATA_EXTS.contains(&ext.as_str()) {
        return false;
    }
    let name = path
        .file_stem()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if name.contains("seed") || name.contains("fixture") || name.contains("dump") {
        return true;
    }
    path.components().any(|c| {
        c.as_os_str()
            .to_str()
            .is_some_and(|s| DATA_DIRS.contains(&s.to_ascii_lowercase().as_str()))
    })
}

fn luhn(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    for (i, d) in digits.iter().rev().enumerate() {
        let mut v = u32::from(*d);
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    sum % 10 == 0
}

/// A plausible card number: 13-19 digits, a known network prefix, passes Luhn, not a test
/// number, not a run of one digit.
pub fn real_looking_card(candidate: &str) -> bool {
    let digits: Vec<u8> = candidate
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| b - b'0')
        .collect();
    if !(13..=19).contains(&digits.len()) {
        return false;
    }
    let s: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
    let network = s.starts_with('4')
        || (s.starts_with('5') && matches!(digits[1], 1..=5))
        || s.starts_with("2221")
        || s.starts_with("27")
        || s.starts_with("34")
        || s.starts_with("37")
        || s.starts_with("6011")
        || s.starts_with("65")
        || s.starts_with("35");
    network
        && luhn(&digits)
        && !TEST_CARDS.contains(&s.as_str())
        && digits.iter().any(|d| *d != digits[0])
}

pub(super) fn check(cx: &mut FileCx<'_>) {
    if !is_data_file(cx.path) {
        return;
    }
    let text = cx.text;
    let mut cards = Vec::new();
    for m in CARD.find_iter(text) {
        if real_looking_card(m.as_str()) {
            cards.push(m.range());
        }
    }
    for r in cards.iter().take(20) {
        cx.report(&PRODUCTION_DATA_IN_FIXTURES, r.clone(), "a real-looking payment card number in seed or fixture data")
            .severity(Severity::High)
            .redact(r.clone())
            .help("replace it with a card network test number (e.g. 4242 4242 4242 4242) and purge the real one from the history");
    }
    let mut consumer = Vec::new();
    for c in EMAIL.captures_iter(text) {
        let domain = c
            .get(1)
            .map(|d| d.as_str().to_ascii_lowercase())
            .unwrap_or_default();
        if CONSUMER_DOMAINS.contains(&domain.as_str()) {
            consumer.push(c.get(0).expect("whole match").range());
        }
    }
    let mut distinct: Vec<&str> = consumer.iter().map(|r| &text[r.clone()]).collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() >= 3 {
        let first = consumer[0].clone();
        cx.report(
            &PRODUCTION_DATA_IN_FIXTURES,
            first,
            format!("{} e-mail addresses at consumer mail providers in seed or fixture data", distinct.len()),
        )
        .help("generate fake people (Faker) with addresses at example.com, and purge the real records from the history");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cards() {
        assert!(real_looking_card("4556 7375 8689 9855"));
        assert!(
            !real_looking_card("4242 4242 4242 4242"),
            "published test card"
        );
        assert!(!real_looking_card("4556 7375 8689 9856"), "fails Luhn");
        assert!(!real_looking_card("1234567890123452"), "no network prefix");
    }

    #[test]
    fn data_files() {
        use std::path::Path;
        assert!(is_data_file(Path::new("app/fixtures/users.json")));
        assert!(is_data_file(Path::new("db/seeds.sql")));
        assert!(!is_data_file(Path::new("app/models/users.json.rs")));
        assert!(!is_data_file(Path::new("docs/users.json")));
    }
}
