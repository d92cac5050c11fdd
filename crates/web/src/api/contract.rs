//! What the API document says beyond the types: how callers authenticate,
//! the answers every operation can give, and what the API refuses whatever
//! the operation — a NUL character in any text (PostgreSQL cannot store
//! it: `invalid_character`) and a field an operation does not take
//! (`unknown_field`) — so that a generated client or a fuzzer sends what is
//! taken (schemathesis, issue 20).

use utoipa::{
    Modify,
    openapi::{
        OpenApi, PathItem, RefOr, Schema,
        path::Operation,
        schema::{AdditionalProperties, ArrayItems, SchemaType, Type},
        security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    },
};

fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.patch,
    ]
    .into_iter()
    .flatten()
}

pub(super) struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, api: &mut OpenApi) {
        if let Some(c) = api.components.as_mut() {
            c.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

/// The answers every operation can give whatever it does, documented on
/// each (schemathesis found them undocumented, issue 20): no valid token
/// (401) or one whose role does not allow it (403), a path or query
/// that cannot be read (400), a value of the wrong shape or with a NUL
/// character (422), and for a body the wrong media type (415) — all JSON
/// `ApiError`s with their `code`.
pub(super) struct CommonErrors;

impl Modify for CommonErrors {
    fn modify(&self, api: &mut OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
        let error = |what: &str| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(what)
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("ApiError")))
                            .build(),
                    )
                    .build(),
            )
        };
        for item in api.paths.paths.values_mut() {
            for op in operations(item) {
                let bearer = op.security.as_ref().is_some_and(|s| !s.is_empty());
                let r = &mut op.responses.responses;
                if bearer {
                    r.entry("401".into()).or_insert_with(|| {
                        error(
                            "No valid token: missing, unknown, revoked or expired (`unauthorized`)",
                        )
                    });
                    r.entry("403".into()).or_insert_with(|| {
                        error("The token's role or kind does not allow this (`forbidden`)")
                    });
                }
                r.entry("400".into()).or_insert_with(|| {
                    error("A path or query value that cannot be read (`bad_request`)")
                });
                r.entry("422".into()).or_insert_with(|| {
                    error("A value of the wrong shape (`invalid_body`) or with a NUL character (`invalid_character`)")
                });
                if op.request_body.is_some() {
                    r.entry("415".into()).or_insert_with(|| {
                        error("A body of another media type than documented (`unsupported_media_type`)")
                    });
                }
            }
        }
    }
}

/// Text without the NUL character, as a JSON Schema pattern. Fields that
/// must not be blank say so with `^[^\u0000]*[^\s\u0000\u0085][^\u0000]*$`
/// in their own attribute (U+0085 is whitespace to Rust's `trim` but not
/// to JSON Schema's `\s`).
const NO_NUL: &str = "^[^\\u0000]*$";

/// Every free text refuses NUL; every object with named fields takes no
/// other field.
pub(super) struct Strict;

impl Modify for Strict {
    fn modify(&self, api: &mut OpenApi) {
        if let Some(c) = api.components.as_mut() {
            c.schemas.values_mut().for_each(tighten);
        }
        for item in api.paths.paths.values_mut() {
            for op in operations(item) {
                for p in op.parameters.iter_mut().flatten() {
                    if let Some(s) = p.schema.as_mut() {
                        tighten(s);
                    }
                }
                if let Some(body) = op.request_body.as_mut() {
                    for c in body.content.values_mut() {
                        if let Some(s) = c.schema.as_mut() {
                            tighten(s);
                        }
                    }
                }
            }
        }
    }
}

fn is_text(t: &SchemaType) -> bool {
    match t {
        SchemaType::Type(t) => *t == Type::String,
        SchemaType::Array(ts) => ts.contains(&Type::String),
        SchemaType::AnyValue => false,
    }
}

fn tighten(s: &mut RefOr<Schema>) {
    let RefOr::T(s) = s else { return };
    match s {
        Schema::Object(o) => {
            let free = o.pattern.is_none() && o.enum_values.is_none() && o.format.is_none();
            if is_text(&o.schema_type) && free {
                o.pattern = Some(NO_NUL.to_owned());
            }
            if !o.properties.is_empty() && o.additional_properties.is_none() {
                o.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(false)));
            }
            o.properties.values_mut().for_each(tighten);
            if let Some(names) = o.property_names.as_mut()
                && let Schema::Object(n) = names.as_mut()
                && n.pattern.is_none()
            {
                n.pattern = Some(NO_NUL.to_owned());
            }
            if let Some(extra) = o.additional_properties.as_mut()
                && let AdditionalProperties::RefOr(r) = extra.as_mut()
            {
                tighten(r);
            }
        }
        Schema::Array(a) => {
            if let ArrayItems::RefOrSchema(items) = &mut a.items {
                tighten(items);
            }
        }
        Schema::OneOf(x) => x.items.iter_mut().for_each(tighten),
        Schema::AnyOf(x) => x.items.iter_mut().for_each(tighten),
        Schema::AllOf(x) => x.items.iter_mut().for_each(tighten),
        _ => {}
    }
}
