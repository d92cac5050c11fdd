//! The API for people (issue 20, item 5): every operation of the OpenAPI
//! document Vigie serves, grouped by tag, with its parameters, body and
//! answers, on a plain page (no script), in the reader's language for
//! the page's own words.

use askama::Template;
use axum::{Extension, extract::State, response::Response};
use serde_json::Value;

use super::forms::render;
use crate::{AppState, client::Client, csrf::CsrfToken, error::PageError, layout::Layout};

pub struct Param {
    pub name: String,
    pub place: String,
    pub required: bool,
    pub description: String,
}

pub struct Operation {
    pub anchor: String,
    pub method: String,
    pub path: String,
    pub summary: String,
    pub description: String,
    pub params: Vec<Param>,
    /// The body's media type and schema, if the operation takes one.
    pub body: Option<String>,
    /// Status and what it means.
    pub responses: Vec<(String, String)>,
}

pub struct Group {
    pub tag: String,
    /// The tag as an id ("consent (public, per site)" → "consent-public-per-site").
    pub id: String,
    pub operations: Vec<Operation>,
}

fn slug(s: &str) -> String {
    let words: Vec<String> = s
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    words.join("-")
}

#[derive(Template)]
#[template(path = "api_docs.html")]
struct ApiDocsPage {
    l: Layout,
    groups: Vec<Group>,
    count: String,
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

/// The schema's name (`#/components/schemas/ActivityIn` → `ActivityIn`),
/// or its type.
fn schema_name(s: &Value) -> String {
    match s.get("$ref").and_then(Value::as_str) {
        Some(r) => r.rsplit('/').next().unwrap_or(r).to_owned(),
        None => text(&s["type"]),
    }
}

/// The operations of an OpenAPI document, grouped by their first tag, in
/// the document's order of paths.
pub fn groups(doc: &Value) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    let Some(paths) = doc["paths"].as_object() else {
        return groups;
    };
    for (path, item) in paths {
        for method in ["get", "post", "put", "patch", "delete"] {
            let Some(op) = item.get(method) else {
                continue;
            };
            let params = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| Param {
                    name: text(&p["name"]),
                    place: text(&p["in"]),
                    required: p["required"].as_bool().unwrap_or(false),
                    description: text(&p["description"]),
                })
                .collect();
            let body = op["requestBody"]["content"].as_object().and_then(|c| {
                c.iter()
                    .next()
                    .map(|(media, m)| format!("{media} — {}", schema_name(&m["schema"])))
            });
            let responses = op["responses"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(status, r)| (status.clone(), text(&r["description"])))
                .collect();
            let tag = op["tags"]
                .get(0)
                .map(text)
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| "api".to_owned());
            let operation = Operation {
                anchor: format!(
                    "{method}-{}",
                    path.trim_start_matches('/')
                        .replace(['/', '{', '}'], "-")
                        .trim_end_matches('-')
                ),
                method: method.to_uppercase(),
                path: path.clone(),
                summary: text(&op["summary"]),
                description: text(&op["description"]),
                params,
                body,
                responses,
            };
            match groups.iter_mut().find(|g| g.tag == tag) {
                Some(g) => g.operations.push(operation),
                None => groups.push(Group {
                    id: format!("tag-{}", slug(&tag)),
                    tag,
                    operations: vec![operation],
                }),
            }
        }
    }
    groups
}

pub async fn page(
    State(state): State<AppState>,
    client: Client,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, PageError> {
    let m = client.lang.msgs();
    let doc: Value = serde_json::from_str(&crate::api::openapi_json()).unwrap_or(Value::Null);
    let groups = groups(&doc);
    let n: usize = groups.iter().map(|g| g.operations.len()).sum();
    render(ApiDocsPage {
        l: Layout::anonymous(client.lang, m.api_docs_title, &csrf.0, state.settings.demo),
        count: m.api_docs_operations.replace("{n}", &n.to_string()),
        groups,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_of_the_document_is_listed_once() {
        let doc: Value = serde_json::from_str(&crate::api::openapi_json()).unwrap();
        let expected: usize = doc["paths"]
            .as_object()
            .unwrap()
            .values()
            .map(|item| {
                ["get", "post", "put", "patch", "delete"]
                    .iter()
                    .filter(|m| item.get(**m).is_some())
                    .count()
            })
            .sum();
        let groups = groups(&doc);
        let listed: Vec<&Operation> = groups.iter().flat_map(|g| &g.operations).collect();
        assert_eq!(listed.len(), expected);
        let me = listed.iter().find(|o| o.path == "/api/v1/me").unwrap();
        assert_eq!(me.method, "GET");
        assert!(me.responses.iter().any(|(s, _)| s == "401"));
        let create = listed
            .iter()
            .find(|o| o.path == "/api/v1/register" && o.method == "POST")
            .unwrap();
        assert!(
            create
                .body
                .as_deref()
                .is_some_and(|b| b.contains("ActivityIn")),
            "{:?}",
            create.body
        );
        let mut ids: Vec<&str> = groups.iter().map(|g| g.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), groups.len());
        assert!(ids.iter().all(|i| !i.contains(' ')), "{ids:?}");
        let mut anchors: Vec<&str> = listed.iter().map(|o| o.anchor.as_str()).collect();
        anchors.sort_unstable();
        anchors.dedup();
        assert_eq!(anchors.len(), listed.len(), "anchors are unique");
    }
}
