"""Extracts the registration and authentication fixtures Tract's WebAuthn tests use from
py_webauthn's own test suite (github.com/duo-labs/py_webauthn, tests/, BSD-3-Clause), so the
committed JSON can be traced back to its source. Run from a py_webauthn checkout:

    python extract_py_webauthn.py /path/to/py_webauthn > py_webauthn.json
"""

import ast
import json
import sys

CASES = {
    "tests/test_verify_registration_response.py": [
        ("test_verifies_none_attestation_response", "none"),
        ("test_verifies_registration_over_cable", "none, over caBLE"),
    ],
    "tests/test_verify_registration_response_packed.py": [
        ("test_verify_attestation_from_yubikey_firefox", "packed x5c, ES256 credential"),
        ("test_verify_attestation_with_okp_public_key", "packed x5c, EdDSA credential"),
    ],
    "tests/test_verify_authentication_response.py": [
        ("test_verify_authentication_response_with_EC2_public_key", "ES256"),
        ("test_verify_authentication_response_with_RSA_public_key", "RS256"),
        ("test_verify_authentication_response_with_OKP_public_key", "EdDSA"),
        ("test_raises_exception_on_incorrect_public_key", "wrong public key"),
        ("test_raises_exception_on_uv_required_but_false", "user verification required, not given"),
    ],
}


def literal(node, names):
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return names.get(node.id)
    if isinstance(node, ast.List):
        return [literal(item, names) for item in node.elts]
    if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "base64url_to_bytes":
        return literal(node.args[0], names)  # kept as base64url text
    return None


def extract(root, path, name, note):
    tree = ast.parse(open(f"{root}/{path}").read())
    function = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == name)
    names, call, refused = {}, None, False
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            names[node.targets[0].id] = literal(node.value, names)
        if isinstance(node, ast.With):
            refused = True
        if isinstance(node, ast.Call) and getattr(node.func, "id", "").startswith("verify_"):
            call = node
    arguments = {keyword.arg: literal(keyword.value, names) for keyword in call.keywords}
    origins = arguments["expected_origin"]
    case = {
        "source": f"duo-labs/py_webauthn {path}::{name}",
        "note": note,
        "ceremony": "registration" if call.func.id == "verify_registration_response" else "authentication",
        "credential": json.loads(arguments["credential"]),
        "challenge": arguments["expected_challenge"],
        "rp_id": arguments["expected_rp_id"],
        "origins": origins if isinstance(origins, list) else [origins],
        "require_user_verification": bool(arguments.get("require_user_verification", False)),
        "accepted": not refused,
    }
    if case["ceremony"] == "authentication":
        case["public_key"] = arguments["credential_public_key"]
        case["sign_count"] = arguments["credential_current_sign_count"]
    return case


root = sys.argv[1]
cases = [extract(root, path, name, note) for path, tests in CASES.items() for name, note in tests]
json.dump(cases, sys.stdout, indent=2)
print()
