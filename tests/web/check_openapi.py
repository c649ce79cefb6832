"""Checks /openapi.json with a real OpenAPI validator, and that every example case validates
against its subject's JSON Schema there (and a misspelt field does not).

Run: python3 tests/web/check_openapi.py (after `cargo build`; POLICY_CALC_BIN names another
binary). Needs the Python package openapi-spec-validator (`.ci/run` installs it).
"""

import datetime
import glob
import json
import os
import sys
import tomllib
import urllib.request

import jsonschema
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serverproc import ROOT, Server  # noqa: E402


def plain(v):
    """A TOML value as JSON gives it: dates as strings."""
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [plain(x) for x in v]
    if isinstance(v, (datetime.date, datetime.datetime)):
        return v.isoformat()
    return v


def main():
    with Server() as server:
        with urllib.request.urlopen(server.url + "/openapi.json", timeout=10) as r:
            assert r.status == 200, r.status
            doc = json.load(r)
        try:
            validate(doc)
        except OpenAPIValidationError as e:
            sys.exit(f"/openapi.json is not a valid OpenAPI document: {e}")
        assert doc["openapi"].startswith("3.1"), doc["openapi"]
        # The validator is not a rubber stamp: a document without its info, or with an
        # operation whose parameter has no `in`, fails.
        for breaks in ["info", "parameter"]:
            broken = json.loads(json.dumps(doc))
            if breaks == "info":
                del broken["info"]
            else:
                del broken["paths"]["/v1/check"]["post"]["parameters"][0]["in"]
            try:
                validate(broken)
            except OpenAPIValidationError:
                continue
            sys.exit(f"the validator took a document broken in its {breaks}")
        schemas = doc["components"]["schemas"]
        subjects = [n[: -len("_case")] for n in schemas if n.endswith("_case")]
        assert len(subjects) == 8, subjects
        for s in subjects:
            props = schemas[f"{s}_facts"]["properties"]
            for name, f in props.items():
                assert "x-unit" in f and "description" in f, (s, name)

        def validator(name):
            return jsonschema.Draft202012Validator(
                {"$ref": f"#/components/schemas/{name}", "components": doc["components"]}
            )

        case = validator("case")
        examples = sorted(glob.glob(os.path.join(ROOT, "examples", "*.toml")))
        assert len(examples) == 8, examples
        for path in examples:
            with open(path, "rb") as f:
                instance = plain(tomllib.load(f))
            errors = list(case.iter_errors(instance))
            assert not errors, f"{path}: {errors[0].message}"
            subject = next(k for k in instance if k != "as_of")
            validator(f"{subject}_case").validate(instance)
            # And the server takes it as the schema says.
            req = urllib.request.Request(
                server.url + "/v1/check",
                data=json.dumps(instance).encode(),
                headers={"Content-Type": "application/json"},
                method="POST",
            )
            with urllib.request.urlopen(req, timeout=10) as r:
                assert r.status == 200, (path, r.status)
        # What the server refuses, the schema refuses too.
        for bad in [
            {"rural_housing": {"floor_aera": 1}},
            {"rural_housing": {"floor_area": -1}},
            {"rural_housing": {"structure": "wood"}},
            {"rural_housing": {"new": "yes"}},
            {"rural_housing": {}, "tenant": {}},
        ]:
            assert list(case.iter_errors(bad)), f"the schema takes {bad}"
    print(f"openapi: valid OpenAPI {doc['openapi']}; {len(examples)} examples validate; {len(doc['paths'])} paths")


if __name__ == "__main__":
    main()
