//! The `OpenAPI` 3.1 document of API v1, generated from the loaded rulebook: every subject's
//! case is a JSON Schema (2020-12) with each field's unit, bounds and allowed words.

use serde_json::{Map, Value as Json, json};

use super::api::type_name;
use crate::Rulebook;
use crate::schema::{Field, Record};
use crate::units::Type;

/// A decimal as JSON accepts it in a case: a number (read exactly from its text) or a decimal
/// string.
fn decimal_schema(f: &Field) -> Json {
    let mut num = if f.integer {
        json!({ "type": "integer" })
    } else {
        json!({ "type": "number" })
    };
    let mut string = json!({
        "type": "string",
        "pattern": if f.integer { "^-?[0-9]+$" } else { "^-?[0-9]+(\\.[0-9]+)?$" },
    });
    if let Some(m) = f.min {
        if m.fract().is_zero()
            && let Ok(i) = i64::try_from(m)
        {
            num["minimum"] = json!(i);
        }
        string["x-minimum"] = json!(m.to_string());
    }
    if let Some(m) = f.max {
        if m.fract().is_zero()
            && let Ok(i) = i64::try_from(m)
        {
            num["maximum"] = json!(i);
        }
        string["x-maximum"] = json!(m.to_string());
    }
    json!({ "anyOf": [num, string] })
}

fn field_schema(book: &Rulebook, f: &Field) -> Json {
    let mut s = match f.ty {
        Type::Bool => json!({ "type": "boolean" }),
        Type::Date => json!({ "type": "string", "format": "date" }),
        Type::Num(_) => decimal_schema(f),
        Type::Duration => json!({ "type": "string" }),
        Type::Word(w) => {
            json!({ "type": "string", "enum": book.schema.word_sets[w as usize].words })
        }
        Type::Words(w) => json!({
            "type": "array",
            "items": { "type": "string", "enum": book.schema.word_sets[w as usize].words },
            "uniqueItems": true,
        }),
        Type::List(r) => json!({
            "type": "array",
            "items": record_schema(book, &book.schema.records[r as usize]),
        }),
    };
    s["description"] = json!(f.doc);
    s["x-unit"] = json!(f.unit_label);
    s["x-type"] = json!(type_name(f));
    s
}

fn record_schema(book: &Rulebook, r: &Record) -> Json {
    let mut props = Map::new();
    for f in &r.fields {
        props.insert(f.name.clone(), field_schema(book, f));
    }
    json!({
        "type": "object",
        "properties": props,
        "additionalProperties": false,
    })
}

/// The document, as JSON text.
pub fn document(book: &Rulebook) -> String {
    let mut schemas = Map::new();
    let mut cases = Vec::new();
    for (i, s) in book.schema.subjects.iter().enumerate() {
        let facts = format!("{}_facts", s.name);
        let mut record = record_schema(book, book.schema.record_of(i as u16));
        record["title"] = json!(s.title);
        schemas.insert(facts.clone(), record);
        let name = format!("{}_case", s.name);
        schemas.insert(
            name.clone(),
            json!({
                "type": "object",
                "description": format!("A case of subject `{}` ({}): every fact optional.", s.name, s.title),
                "properties": {
                    "as_of": { "type": "string", "format": "date", "description": "the evaluation date; the query's as_of overrides it; absent: today" },
                    (s.name.clone()): { "$ref": format!("#/components/schemas/{facts}") },
                },
                "required": [s.name],
                "additionalProperties": false,
            }),
        );
        cases.push(json!({ "$ref": format!("#/components/schemas/{name}") }));
    }
    schemas.insert("case".into(), json!({ "oneOf": cases }));
    let outcomes: Vec<&str> = crate::report::Outcome::ALL
        .iter()
        .map(|o| o.name())
        .collect();
    schemas.insert(
        "quantity".into(),
        json!({
            "type": "object",
            "properties": {
                "value": { "type": "string", "description": "an exact decimal" },
                "unit": { "type": "string" },
            },
            "required": ["value", "unit"],
        }),
    );
    schemas.insert(
        "report".into(),
        json!({
            "type": "object",
            "description": "The JSON report of the public contract (docs/contract.md). Compact reports leave out document, number, section, quote and reasons.",
            "properties": {
                "line": { "type": "integer", "description": "batch only: the input line" },
                "subject": { "type": "string" },
                "as_of": { "type": "string", "format": "date" },
                "results": { "type": "array", "items": {
                    "type": "object",
                    "properties": {
                        "clause": { "type": "string" },
                        "document": { "type": "string" },
                        "number": { "type": "string" },
                        "section": { "type": "string" },
                        "quote": { "type": "string" },
                        "outcome": { "type": "string", "enum": outcomes },
                        "amount": { "$ref": "#/components/schemas/quantity" },
                        "values": { "type": "object", "additionalProperties": { "$ref": "#/components/schemas/quantity" } },
                        "reasons": { "type": "array", "items": { "type": "string" }, "description": "the reasons in the rule language" },
                        "why": { "type": "array", "items": { "$ref": "#/components/schemas/reason" }, "description": "with why=true: the same reasons as data, each with its sentence in the report's language (lang)" },
                        "missing": { "type": "array", "items": { "type": "string" } },
                        "changes": { "type": "array", "items": { "$ref": "#/components/schemas/change" }, "description": "with changes=true: what would turn a result against the subject, or decide an undetermined one" },
                        "margin": { "type": "array", "items": { "$ref": "#/components/schemas/change" }, "description": "with changes=true: the nearest changes that would turn a favourable result" },
                    },
                    "required": ["clause", "outcome"],
                }},
            },
            "required": ["subject", "as_of", "results"],
        }),
    );
    schemas.insert(
        "label".into(),
        json!({
            "type": "object",
            "description": "a name in Chinese and English",
            "properties": { "zh": { "type": "string" }, "en": { "type": "string" } },
            "required": ["zh", "en"],
        }),
    );
    schemas.insert(
        "reason".into(),
        json!({
            "type": "object",
            "description": "A reason as data (docs/contract.md): `kind` says which; `text` is its sentence in the report's language; its line of the rule language is the same entry of `reasons`. Facts carry `name` (the case's field), `label`, `value` ({type, value}) and, for yes/no facts, `says`; comparisons `left`, `op`, `right`, `holds`.",
            "properties": {
                "kind": { "type": "string", "enum": ["fact", "word", "comparison", "items", "condition", "derived", "not_in_force", "no_parameter_value", "undefined", "goal", "deadline", "note"] },
                "text": { "type": "string" },
            },
            "required": ["kind", "text"],
            "additionalProperties": true,
        }),
    );
    schemas.insert(
        "change".into(),
        json!({
            "type": "object",
            "description": "A change to the case and the outcome it gives (docs/contract.md).",
            "properties": {
                "facts": { "type": "array", "items": {
                    "type": "object",
                    "properties": {
                        "fact": { "type": "string", "description": "a field, or an item's field: units[2].area (from 1; one past the last is an item to add)" },
                        "relation": { "type": "string", "enum": ["at_most", "at_least", "equals", "any"] },
                        "value": { "description": "a number with its unit, true or false, a word or a date; absent for any", "oneOf": [
                            { "$ref": "#/components/schemas/quantity" },
                            { "type": "boolean" },
                            { "type": "string" },
                        ] },
                    },
                    "required": ["fact", "relation"],
                }},
                "outcome": { "type": "string", "enum": outcomes },
            },
            "required": ["facts", "outcome"],
        }),
    );
    schemas.insert(
        "timeline".into(),
        json!({
            "type": "object",
            "description": "Each date on which a result of the case changes, with the results on both sides.",
            "properties": {
                "subject": { "type": "string" },
                "from": { "type": "string", "format": "date" },
                "to": { "type": "string", "format": "date" },
                "known_from": { "type": "string", "format": "date", "description": "the case's latest date fact, when later than from" },
                "changes": { "type": "array", "items": {
                    "type": "object",
                    "properties": {
                        "date": { "type": "string", "format": "date" },
                        "clause": { "type": "string" },
                        "before": { "type": "object" },
                        "after": { "type": "object" },
                    },
                    "required": ["date", "clause", "before", "after"],
                }},
            },
            "required": ["subject", "from", "to", "changes"],
        }),
    );
    schemas.insert(
        "diagnostic".into(),
        json!({
            "type": "object",
            "properties": {
                "code": { "type": "string" },
                "file": { "type": "string" },
                "line": { "type": "integer" },
                "column": { "type": "integer" },
                "message": { "type": "string", "description": "what is wrong, in the request's language (lang; Chinese by default): the Chinese sentence names facts by their labels and says what was expected" },
                "field": { "type": "string" },
                "expected": { "type": "string" },
                "suggestion": { "type": "string" },
                "snippet": { "type": "string" },
                "width": { "type": "integer" },
            },
            "required": ["code", "message"],
        }),
    );
    schemas.insert(
        "problem".into(),
        json!({
            "type": "object",
            "description": "RFC 9457 problem details, with the case's diagnostics",
            "properties": {
                "type": { "type": "string" },
                "title": { "type": "string" },
                "status": { "type": "integer" },
                "detail": { "type": "string", "description": "for a case, its problems one a line (file:line:column: message), in the request's language; in English, each with its field, what was expected and a suggestion" },
                "errors": { "type": "array", "items": { "$ref": "#/components/schemas/diagnostic" } },
                "facts": { "type": "array", "items": { "type": "string" } },
            },
            "required": ["type", "title", "status"],
        }),
    );
    let error_lang = json!({ "name": "lang", "in": "query", "required": false, "description": "zh or en: the language of a 404's detail; Chinese by default", "schema": { "type": "string", "enum": ["zh", "en"] } });
    let problem = |what: &str| {
        json!({
            "description": what,
            "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/problem" } } },
        })
    };
    let saturated = json!({
        "description": "too many requests in flight",
        "headers": { "Retry-After": { "description": "seconds to wait", "schema": { "type": "integer" } } },
        "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/problem" } } },
    });
    let check_params = json!([
        { "name": "as_of", "in": "query", "required": false, "description": "evaluate on this date (overrides the case's own)", "schema": { "type": "string", "format": "date" } },
        { "name": "report", "in": "query", "required": false, "description": "full (with quotes and reasons) or compact", "schema": { "type": "string", "enum": ["full", "compact"] } },
        { "name": "lang", "in": "query", "required": false, "description": "zh or en: the language of the reasons' sentences (`why[].text`) and of a case's problems (`errors[].message`, `detail`); Chinese by default", "schema": { "type": "string", "enum": ["zh", "en"] } },
        { "name": "changes", "in": "query", "required": false, "description": "true: with each result, what would change it (changes, margin); full reports only, and some 25 times the work", "schema": { "type": "boolean" } },
        { "name": "why", "in": "query", "required": false, "description": "true: with each result, its reasons as data with their sentences in lang (why); full reports only, and about as much work again as the rest of the answer", "schema": { "type": "boolean" } },
    ]);
    let json_ok = |what: &str, schema: Json| json!({ "description": what, "content": { "application/json": { "schema": schema } } });
    let any_array = json!({ "type": "array", "items": { "type": "object" } });
    let doc = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "policy-calc",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The numeric clauses of the Keqiao District gazette of May 2022, evaluated exactly. Every number is an exact decimal: send amounts as JSON numbers (read from their text, never through binary floating point) or as decimal strings.",
        },
        "paths": {
            "/v1/check": { "post": {
                "operationId": "check",
                "summary": "evaluate one case",
                "parameters": check_params,
                "requestBody": { "required": true, "content": {
                    "application/json": { "schema": { "$ref": "#/components/schemas/case" } },
                    "application/toml": { "schema": { "type": "string" } },
                }},
                "responses": {
                    "200": json_ok("the report", json!({ "$ref": "#/components/schemas/report" })),
                    "400": problem("malformed: not JSON or TOML, a bad query parameter"),
                    "408": problem("not answered in time"),
                    "413": problem("the body is too large"),
                    "415": problem("unknown content type"),
                    "422": problem("the case fails its checks, or cannot be evaluated"),
                    "503": saturated,
                },
            }},
            "/v1/check/batch": { "post": {
                "operationId": "checkBatch",
                "summary": "evaluate JSON Lines, one case a line; one report a line out, in order, streamed",
                "parameters": check_params,
                "requestBody": { "required": true, "content": {
                    "application/jsonl": { "schema": { "type": "string" } },
                }},
                "responses": {
                    "200": { "description": "one report a line ({\"line\":N,...}), each sent as soon as its line has come; a bad line gives {\"line\":N,\"errors\":[...]}, a line over 1 MiB batch::line_too_long; a chunked body over 1 MiB ends with batch::too_large, a pause in the input over the timeout with batch::timeout", "content": { "application/jsonl": { "schema": { "type": "string" } } } },
                    "400": problem("a bad query parameter"),
                    "413": problem("the body, by its Content-Length, is too large"),
                    "415": problem("unknown content type"),
                    "503": saturated,
                },
            }},
            "/v1/timeline": { "post": {
                "operationId": "timeline",
                "summary": "each date on which a result of the case changes, with the results on both sides",
                "parameters": [
                    { "name": "from", "in": "query", "required": false, "description": "the first day (default: the day before the rulebook's first date)", "schema": { "type": "string", "format": "date" } },
                    { "name": "to", "in": "query", "required": false, "description": "the last day (default: a year after the rulebook's last date); at most 36,525 days after from", "schema": { "type": "string", "format": "date" } },
                ],
                "requestBody": { "required": true, "content": {
                    "application/json": { "schema": { "$ref": "#/components/schemas/case" } },
                    "application/toml": { "schema": { "type": "string" } },
                }},
                "responses": {
                    "200": json_ok("the timeline", json!({ "$ref": "#/components/schemas/timeline" })),
                    "400": problem("malformed, a bad query parameter or range"),
                    "413": problem("the body is too large"),
                    "415": problem("unknown content type"),
                    "422": problem("the case fails its checks, or cannot be evaluated"),
                    "503": saturated,
                },
            }},
            "/v1/documents": { "get": {
                "operationId": "documents",
                "summary": "the documents, their numbers and windows in force",
                "responses": { "200": json_ok("the documents", any_array.clone()) },
            }},
            "/v1/clauses": { "get": {
                "operationId": "clauses",
                "summary": "the clauses, optionally of one subject",
                "parameters": [{ "name": "subject", "in": "query", "required": false, "schema": { "type": "string", "enum": book.schema.subjects.iter().map(|s| s.name.as_str()).collect::<Vec<_>>() } }, error_lang.clone()],
                "responses": { "200": json_ok("the clauses", any_array.clone()), "400": problem("an unknown parameter"), "404": problem("unknown subject") },
            }},
            "/v1/clauses/{id}": { "get": {
                "operationId": "clause",
                "summary": "one clause whole: citation, quote, logic, parameters with their dates, readings",
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }, error_lang.clone()],
                "responses": { "200": json_ok("the clause", json!({ "type": "object" })), "400": problem("an unknown parameter"), "404": problem("unknown clause") },
            }},
            "/v1/subjects": { "get": {
                "operationId": "subjects",
                "summary": "the subjects",
                "responses": { "200": json_ok("the subjects", any_array.clone()) },
            }},
            "/v1/subjects/{subject}": { "get": {
                "operationId": "subject",
                "summary": "a subject's fields, with units, bounds and allowed words",
                "parameters": [{ "name": "subject", "in": "path", "required": true, "schema": { "type": "string" } }, error_lang],
                "responses": { "200": json_ok("the subject", json!({ "type": "object" })), "400": problem("an unknown parameter"), "404": problem("unknown subject") },
            }},
            "/healthz": { "get": {
                "operationId": "healthz", "summary": "alive",
                "responses": { "200": json_ok("alive", json!({ "type": "object" })) },
            }},
            "/readyz": { "get": {
                "operationId": "readyz", "summary": "ready: the rulebook is loaded",
                "responses": { "200": json_ok("ready", json!({ "type": "object" })) },
            }},
        },
        "components": { "schemas": schemas },
    });
    doc.to_string()
}
