//! A JSON body as the API documents it: `application/json`, a whole number
//! however it is written (`3.0` is the integer 3, as JSON Schema says), and
//! no field the operation does not take — a misspelt field would otherwise
//! be dropped without a word. Every refusal names the field at fault.

use axum::{
    body::Bytes,
    extract::{FromRequest, Request},
    http::header,
};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::ApiFailure;

/// The body of an operation, read as `T`.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiFailure;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiFailure> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().to_ascii_lowercase())
            .is_some_and(|v| v == "application/json" || v.ends_with("+json"));
        if !json {
            return Err(ApiFailure::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| ApiFailure::TooLarge)?;
        read(&bytes).map(ApiJson)
    }
}

/// `bytes` as `T`, or the reason it is not one.
fn read<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiFailure> {
    let mut v: Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiFailure::invalid_body(format!("body: not JSON ({e})")))?;
    whole_numbers(&mut v, "")?;
    let mut unknown: Option<String> = None;
    let mut note = |path: serde_ignored::Path<'_>| {
        unknown.get_or_insert_with(|| path.to_string());
    };
    let value = serde_path_to_error::deserialize(serde_ignored::Deserializer::new(v, &mut note))
        .map_err(|e| {
            let at = e.path().to_string();
            let at = if at == "." { "body".to_owned() } else { at };
            ApiFailure::invalid_body(format!("{at}: {}", e.into_inner()))
        })?;
    match unknown {
        Some(field) => Err(ApiFailure::Unprocessable {
            code: "unknown_field",
            message: format!("{field}: not a field of this operation"),
        }),
        None => Ok(value),
    }
}

/// Numbers with nothing after the point become integers (JSON Schema's
/// `integer` takes `2.0`; serde's integers do not); an integer past the
/// 64-bit signed range every number is kept in is refused at its path.
fn whole_numbers(v: &mut Value, path: &str) -> Result<(), ApiFailure> {
    match v {
        Value::Number(n) if n.is_u64() && !n.is_i64() => Err(ApiFailure::invalid_body(format!(
            "{}: at most {}",
            if path.is_empty() { "body" } else { path },
            i64::MAX
        ))),
        Value::Number(n) if !n.is_i64() && !n.is_u64() => {
            if let Some(f) = n.as_f64()
                && f.fract() == 0.0
                && f.abs() < 9.0e15
            {
                // Exact below 2^53: the cast loses nothing.
                #[allow(clippy::cast_possible_truncation)]
                let whole = f as i64;
                *v = Value::from(whole);
            }
            Ok(())
        }
        Value::Array(items) => items
            .iter_mut()
            .enumerate()
            .try_for_each(|(i, x)| whole_numbers(x, &format!("{path}[{i}]"))),
        Value::Object(map) => map.iter_mut().try_for_each(|(k, x)| {
            let here = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            whole_numbers(x, &here)
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Inner {
        n: i64,
    }

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Outer {
        inner: Inner,
        #[serde(default)]
        list: Vec<i64>,
    }

    fn code(e: ApiFailure) -> (&'static str, String) {
        match e {
            ApiFailure::Unprocessable { code, message } => (code, message),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn whole_numbers_are_integers_and_fractions_are_not() {
        let o: Outer = read(br#"{"inner":{"n":-17130.0},"list":[2.0,3]}"#).unwrap();
        assert_eq!(o.inner.n, -17130);
        assert_eq!(o.list, vec![2, 3]);
        let (c, m) = code(
            read::<Outer>(br#"{"inner":{"n":1},"list":[1,9223372036854775808]}"#).unwrap_err(),
        );
        assert_eq!(
            (c, m.as_str()),
            ("invalid_body", "list[1]: at most 9223372036854775807")
        );
        let (c, m) = code(read::<Outer>(br#"{"inner":{"n":1.5}}"#).unwrap_err());
        assert_eq!(c, "invalid_body");
        assert!(m.starts_with("inner.n: "), "{m}");
    }

    #[test]
    fn an_unknown_field_is_named_not_dropped() {
        let (c, m) = code(read::<Outer>(br#"{"inner":{"n":1,"nn":2}}"#).unwrap_err());
        assert_eq!(
            (c, m.as_str()),
            ("unknown_field", "inner.nn: not a field of this operation")
        );
        let (c, m) = code(read::<Outer>(b"[1").unwrap_err());
        assert_eq!(c, "invalid_body");
        assert!(m.starts_with("body: not JSON"), "{m}");
        let (_, m) = code(read::<Outer>(br#"{"list":[]}"#).unwrap_err());
        assert!(m.contains("missing field `inner`"), "{m}");
    }
}
