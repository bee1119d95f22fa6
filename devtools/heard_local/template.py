"""Read template.yaml the way CloudFormation does, so the local stack needs no second list.

``load_template`` understands the short-form intrinsic tags (``!Ref``, ``!GetAtt``, ``!Sub``...)
and turns them into the long form (``{"Ref": ...}``, ``{"Fn::GetAtt": [...]}``), which is what
CloudFormation itself sees. ``Resolver`` then evaluates intrinsics against the values the local
stack knows: parameters (defaults plus overrides), conditions, pseudo parameters and the
physical ids/attributes of the resources created so far.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

ACCOUNT_ID = "123456789012"

# Short tag -> long function name. Scalar/sequence/mapping forms are all accepted.
_TAGS = {
    "Ref": "Ref",
    "Condition": "Condition",
    "GetAtt": "Fn::GetAtt",
    "Sub": "Fn::Sub",
    "If": "Fn::If",
    "Not": "Fn::Not",
    "Equals": "Fn::Equals",
    "And": "Fn::And",
    "Or": "Fn::Or",
    "Select": "Fn::Select",
    "Join": "Fn::Join",
    "Split": "Fn::Split",
    "FindInMap": "Fn::FindInMap",
    "Base64": "Fn::Base64",
    "GetAZs": "Fn::GetAZs",
    "ImportValue": "Fn::ImportValue",
    "Cidr": "Fn::Cidr",
    "Length": "Fn::Length",
    "ToJsonString": "Fn::ToJsonString",
    "Transform": "Fn::Transform",
}


class TemplateError(ValueError):
    """The template uses something the local stack cannot evaluate."""


class UnresolvedReference(TemplateError):
    """A Ref/GetAtt names a resource that has no local value (not created, or not yet)."""


class _CfnLoader(yaml.SafeLoader):
    pass


def _make_constructor(name: str) -> Callable[[yaml.SafeLoader, yaml.Node], dict[str, Any]]:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if name == "Fn::GetAtt":
                resource, _, attribute = str(value).partition(".")
                value = [resource, attribute]
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {name: value}

    return construct


for _short, _long in _TAGS.items():
    _CfnLoader.add_constructor(f"!{_short}", _make_constructor(_long))


def load_template(path: str | Path) -> dict[str, Any]:
    """The template as plain dicts, intrinsics in their long form."""
    with Path(path).open(encoding="utf-8") as handle:
        data = yaml.load(handle, Loader=_CfnLoader)
    if not isinstance(data, dict) or "Resources" not in data:
        raise TemplateError(f"{path}: not a CloudFormation template (no Resources)")
    return data


_SUB_VAR = re.compile(r"\$\{([^}!][^}]*)\}")


class Resolver:
    """Evaluates intrinsic functions against locally known values.

    ``refs`` maps a logical id to what ``Ref`` returns; ``attrs`` maps ``(logical id, attribute)``
    to what ``Fn::GetAtt`` returns. Both are live dicts: the provisioner fills them as it creates
    resources, so a later resource can refer to an earlier one.
    """

    def __init__(
        self,
        template: Mapping[str, Any],
        *,
        region: str = "us-east-1",
        account_id: str = ACCOUNT_ID,
        stack_name: str = "heard-local",
        parameters: Mapping[str, Any] | None = None,
        refs: dict[str, Any] | None = None,
        attrs: dict[tuple[str, str], Any] | None = None,
    ):
        self.template = template
        self.region = region
        self.account_id = account_id
        self.stack_name = stack_name
        self.refs: dict[str, Any] = refs if refs is not None else {}
        self.attrs: dict[tuple[str, str], Any] = attrs if attrs is not None else {}
        self.parameters = self._parameter_values(parameters or {})
        self._conditions: dict[str, bool] = {}

    # --- parameters, pseudo parameters, conditions ------------------------------------------

    def _parameter_values(self, overrides: Mapping[str, Any]) -> dict[str, Any]:
        declared = self.template.get("Parameters") or {}
        unknown = set(overrides) - set(declared)
        if unknown:
            raise TemplateError(f"unknown template parameter(s): {', '.join(sorted(unknown))}")
        values: dict[str, Any] = {}
        for name, spec in declared.items():
            if name in overrides:
                value = overrides[name]
            elif "Default" in spec:
                value = spec["Default"]
            else:
                raise TemplateError(f"template parameter {name} has no default; pass a value")
            allowed = spec.get("AllowedValues")
            if allowed is not None and value not in allowed:
                raise TemplateError(f"parameter {name}={value!r} is not one of {allowed}")
            if str(spec.get("Type", "String")).startswith("List<") or spec.get("Type") == (
                "CommaDelimitedList"
            ):
                value = value if isinstance(value, list) else str(value).split(",")
            values[name] = value
        return values

    @property
    def pseudo_parameters(self) -> dict[str, Any]:
        return {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::StackName": self.stack_name,
            "AWS::StackId": (
                f"arn:aws:cloudformation:{self.region}:{self.account_id}:stack/"
                f"{self.stack_name}/00000000-0000-0000-0000-000000000000"
            ),
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::Partition": "aws",
            "AWS::NoValue": _NO_VALUE,
            "AWS::NotificationARNs": [],
        }

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            declared = self.template.get("Conditions") or {}
            if name not in declared:
                raise TemplateError(f"unknown condition {name}")
            self._conditions[name] = bool(self.resolve(declared[name]))
        return self._conditions[name]

    def is_enabled(self, resource: Mapping[str, Any]) -> bool:
        """Whether a resource (or output) exists under its ``Condition``."""
        name = resource.get("Condition")
        return True if name is None else self.condition(name)

    # --- evaluation ---------------------------------------------------------------------------

    def ref(self, name: str) -> Any:
        if name in self.parameters:
            return self.parameters[name]
        pseudo = self.pseudo_parameters
        if name in pseudo:
            return pseudo[name]
        if name in self.refs:
            return self.refs[name]
        raise UnresolvedReference(f"Ref {name}: no local value")

    def get_att(self, resource: str, attribute: str) -> Any:
        if (resource, attribute) in self.attrs:
            return self.attrs[(resource, attribute)]
        raise UnresolvedReference(f"Fn::GetAtt {resource}.{attribute}: no local value")

    def resolve(self, value: Any) -> Any:
        """``value`` with every intrinsic evaluated; ``AWS::NoValue`` entries dropped."""
        result = self._resolve(value)
        return None if result is _NO_VALUE else result

    def _resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            items = [self._resolve(v) for v in value]
            return [v for v in items if v is not _NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            handler = self._FUNCTIONS.get(key)
            if handler is not None:
                return handler(self, arg)
        resolved = {k: self._resolve(v) for k, v in value.items()}
        return {k: v for k, v in resolved.items() if v is not _NO_VALUE}

    def _fn_ref(self, arg: Any) -> Any:
        return self.ref(self._resolve(arg))

    def _fn_condition(self, arg: Any) -> bool:
        return self.condition(arg)

    def _fn_get_att(self, arg: Any) -> Any:
        arg = self._resolve(arg)
        if isinstance(arg, str):
            arg = arg.split(".", 1)
        resource, attribute = arg
        return self.get_att(resource, attribute)

    def _fn_sub(self, arg: Any) -> str:
        if isinstance(arg, list):
            text, variables = arg[0], {k: self._resolve(v) for k, v in arg[1].items()}
        else:
            text, variables = arg, {}

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1).strip()
            if name in variables:
                return str(variables[name])
            if "." in name and not name.startswith("AWS::"):
                resource, attribute = name.split(".", 1)
                return str(self.get_att(resource, attribute))
            return str(self.ref(name))

        return _SUB_VAR.sub(substitute, text).replace("${!", "${")

    def _fn_if(self, arg: Any) -> Any:
        name, when_true, when_false = arg
        return self._resolve(when_true if self.condition(name) else when_false)

    def _fn_not(self, arg: Any) -> bool:
        return not self._resolve(arg[0] if isinstance(arg, list) else arg)

    def _fn_equals(self, arg: Any) -> bool:
        left, right = (self._resolve(v) for v in arg)
        return str(left) == str(right) if not (isinstance(left, list | dict)) else left == right

    def _fn_and(self, arg: Any) -> bool:
        return all(self._resolve(v) for v in arg)

    def _fn_or(self, arg: Any) -> bool:
        return any(self._resolve(v) for v in arg)

    def _fn_select(self, arg: Any) -> Any:
        index, items = self._resolve(arg[0]), self._resolve(arg[1])
        return items[int(index)]

    def _fn_join(self, arg: Any) -> str:
        delimiter, items = arg[0], self._resolve(arg[1])
        return str(delimiter).join(str(v) for v in items)

    def _fn_split(self, arg: Any) -> list[str]:
        delimiter, text = arg[0], self._resolve(arg[1])
        return str(text).split(delimiter)

    def _fn_find_in_map(self, arg: Any) -> Any:
        name, top, second = (self._resolve(v) for v in arg[:3])
        return (self.template.get("Mappings") or {})[name][top][second]

    def _fn_base64(self, arg: Any) -> str:
        return base64.b64encode(str(self._resolve(arg)).encode()).decode()

    def _fn_get_azs(self, arg: Any) -> list[str]:
        region = self._resolve(arg) or self.region
        return [f"{region}a", f"{region}b", f"{region}c"]

    def _fn_length(self, arg: Any) -> int:
        return len(self._resolve(arg))

    def _fn_to_json(self, arg: Any) -> str:
        import json

        return json.dumps(self._resolve(arg), separators=(",", ":"))

    def _fn_unsupported(self, arg: Any) -> Any:
        raise TemplateError(f"intrinsic not supported locally: {arg!r}")

    _FUNCTIONS: dict[str, Callable[[Resolver, Any], Any]] = {
        "Ref": _fn_ref,
        "Condition": _fn_condition,
        "Fn::GetAtt": _fn_get_att,
        "Fn::Sub": _fn_sub,
        "Fn::If": _fn_if,
        "Fn::Not": _fn_not,
        "Fn::Equals": _fn_equals,
        "Fn::And": _fn_and,
        "Fn::Or": _fn_or,
        "Fn::Select": _fn_select,
        "Fn::Join": _fn_join,
        "Fn::Split": _fn_split,
        "Fn::FindInMap": _fn_find_in_map,
        "Fn::Base64": _fn_base64,
        "Fn::GetAZs": _fn_get_azs,
        "Fn::Length": _fn_length,
        "Fn::ToJsonString": _fn_to_json,
        "Fn::ImportValue": _fn_unsupported,
        "Fn::Cidr": _fn_unsupported,
        "Fn::Transform": _fn_unsupported,
    }


class _NoValue:
    def __repr__(self) -> str:
        return "AWS::NoValue"


_NO_VALUE = _NoValue()


def references(value: Any) -> set[str]:
    """Logical ids (and parameter names) a fragment refers to through Ref, GetAtt or Sub."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= references(item)
    elif isinstance(value, dict):
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref" and isinstance(arg, str):
                return {arg}
            if key == "Fn::GetAtt":
                name = arg.split(".", 1)[0] if isinstance(arg, str) else arg[0]
                return {name} if isinstance(name, str) else references(name)
            if key == "Fn::Sub":
                text = arg[0] if isinstance(arg, list) else arg
                local = set(arg[1]) if isinstance(arg, list) else set()
                for match in _SUB_VAR.finditer(str(text)):
                    name = match.group(1).strip().split(".", 1)[0]
                    if name not in local:
                        found.add(name)
                if isinstance(arg, list):
                    found |= references(arg[1])
                return found
        for item in value.values():
            found |= references(item)
    return found
