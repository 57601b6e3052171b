#!/usr/bin/env python3
"""Validates the cert-manager objects of a render, which kubernetes-validate has no schema for.

    validate_custom_resources.py RENDERED.yaml CORE.yaml

Writes every object that is not a cert-manager.io one to CORE.yaml (for kubernetes-validate) and
checks each cert-manager.io object against cert-manager's v1 API, as the models of
cloudcoil-models-cert-manager (generated from cert-manager's CRDs) describe it: required fields,
types, enums, and, like kubernetes-validate --strict, no field the API does not have (a misspelt
field is silently dropped by the API server, which is how a Certificate loses its dnsNames).
Prints one line per problem and exits 1 if there is any.
"""

from __future__ import annotations

import sys
import types
import typing

import pydantic
import yaml
from cloudcoil.models.cert_manager import v1 as cert_manager

KINDS = {
    "Certificate": cert_manager.Certificate,
    "Issuer": cert_manager.Issuer,
    "ClusterIssuer": cert_manager.ClusterIssuer,
}


def unknown_fields(annotation: object, value: object, path: str) -> list[str]:
    """Keys of `value` (and of what it nests) that the type `annotation` does not declare."""
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        if not isinstance(value, dict):
            return []
        fields = {}
        for name, info in annotation.model_fields.items():
            fields[info.alias or name] = info
            fields[name] = info
        problems = []
        for key, item in value.items():
            info = fields.get(key)
            if info is None:
                problems.append(f"{path}.{key}: no such field in {annotation.__name__}")
            else:
                problems += unknown_fields(info.annotation, item, f"{path}.{key}")
        return problems
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (list, typing.List) and isinstance(value, list) and args:
        return [p for i, item in enumerate(value) for p in unknown_fields(args[0], item, f"{path}[{i}]")]
    if origin in (dict, typing.Dict) and isinstance(value, dict) and len(args) == 2:
        return [p for k, item in value.items() for p in unknown_fields(args[1], item, f"{path}.{k}")]
    if origin in (typing.Union, types.UnionType, typing.Annotated):
        for arg in args:
            if arg is not type(None):
                return unknown_fields(arg, value, path)
    return []


def check(doc: dict) -> list[str]:
    model = KINDS.get(doc.get("kind"))
    if model is None or doc.get("apiVersion") != "cert-manager.io/v1":
        return [f"{doc.get('apiVersion')} {doc.get('kind')}: not a cert-manager.io/v1 kind this checks"]
    problems = []
    try:
        model.model_validate(doc)
    except pydantic.ValidationError as error:
        problems += [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()]
    return problems + unknown_fields(model, doc, "")


def main(argv: list[str]) -> int:
    rendered, core = argv
    with open(rendered) as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    kept, problems, checked = [], [], 0
    for doc in docs:
        if str(doc.get("apiVersion", "")).split("/")[0] == "cert-manager.io":
            checked += 1
            name = f"{doc.get('kind')}/{(doc.get('metadata') or {}).get('name')}"
            problems += [f"{name} {p}" for p in check(doc)]
        else:
            kept.append(doc)
    with open(core, "w") as f:
        yaml.safe_dump_all(kept, f, sort_keys=False)
    for problem in problems:
        print(f"ERROR {problem}")
    if checked:
        print(f"cert-manager.io/v1: {checked} objects checked, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
