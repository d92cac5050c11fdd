//! The optional second factor: TOTP (RFC 6238) and single-use recovery codes.

use totp_rs::{Builder, Secret, Totp};

/// A new random secret, base32 as authenticator apps expect.
pub fn new_secret() -> String {
    let mut b = [0u8; 20];
    #[allow(clippy::expect_used)]
    getrandom::fill(&mut b).expect("the operating system must provide randomness");
    Secret::from(b.to_vec()).to_base32()
}

fn totp(secret_b32: &str, account: &str) -> Option<Totp> {
    let secret = Secret::try_from_base32(secret_b32).ok()?;
    Builder::new()
        .with_secret(secret)
        .with_account_name(account.replace(':', "_"))
        .with_issuer(Some("Vigie"))
        .build()
        .ok()
}

/// How a sealed secret is stored (a secret from before sealing is plain
/// base32, still read).
const SEALED: &str = "sealed:";

/// The secret as stored: sealed under a key of the account (issue 12), so
/// that a copy of the database alone does not give anyone's codes.
pub fn seal(
    vault: &vigie_store::vault::Vault,
    user: vigie_domain::UserId,
    secret_b32: &str,
) -> Option<String> {
    let sealed = vault.seal_second_factor(user, secret_b32.as_bytes()).ok()?;
    Some(format!("{SEALED}{}", hex::encode(sealed)))
}

/// The secret from what is stored; `None` when it cannot be opened (the
/// data key changed, the value was altered).
pub fn open(
    vault: &vigie_store::vault::Vault,
    user: vigie_domain::UserId,
    stored: &str,
) -> Option<String> {
    let Some(h) = stored.strip_prefix(SEALED) else {
        return Some(stored.to_owned());
    };
    let plain = vault.open_second_factor(user, &hex::decode(h).ok()?).ok()?;
    String::from_utf8(plain).ok()
}

/// The `otpauth://` address an app can import.
pub fn setup_url(secret_b32: &str, account: &str) -> Option<String> {
    totp(secret_b32, account)?.to_url().ok()
}

/// The `otpauth://` address as a QR code, inline SVG an authenticator
/// app scans from the screen (its XML declaration dropped for HTML).
pub fn setup_qr_svg(url: &str) -> Option<String> {
    let code = qrcode::QrCode::new(url.as_bytes()).ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(220, 220)
        .quiet_zone(true)
        .build();
    svg.find("<svg").map(|i| svg[i..].to_owned())
}

/// Whether the code is the current one (one step of clock skew allowed).
pub fn code_matches(secret_b32: &str, code: &str) -> bool {
    matched_step(secret_b32, code).is_some()
}

/// The time step the code belongs to, if it is current: a caller accepts
/// each step once (RFC 6238 §5.2).
pub fn matched_step(secret_b32: &str, code: &str) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 {
        return None;
    }
    totp(secret_b32, "x")?
        .check_current(&code)
        .and_then(|s| i64::try_from(s).ok())
}

/// The current code, for tests and the demo.
pub fn current_code(secret_b32: &str) -> Option<String> {
    totp(secret_b32, "x").map(|t| t.generate_current().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c25_secrets_are_sealed_per_account() {
        let v = vigie_store::vault::Vault::new([4; 32]);
        let s = new_secret();
        let stored = seal(&v, vigie_domain::UserId(7), &s).unwrap();
        assert!(!stored.contains(&s));
        assert_eq!(open(&v, vigie_domain::UserId(7), &stored), Some(s.clone()));
        assert_eq!(
            open(&v, vigie_domain::UserId(8), &stored),
            None,
            "another account's key"
        );
        assert_eq!(
            open(&v, vigie_domain::UserId(7), &s),
            Some(s.clone()),
            "legacy plain"
        );
    }

    #[test]
    fn c25_totp_codes_check() {
        let s = new_secret();
        let code = current_code(&s).unwrap();
        assert!(code_matches(&s, &code));
        let wrong = if code == "000000" { "111111" } else { "000000" };
        assert!(!code_matches(&s, wrong));
        assert!(!code_matches(&s, "12"));
        assert!(
            setup_url(&s, "a@b.fr")
                .unwrap()
                .starts_with("otpauth://totp/")
        );
    }
}
