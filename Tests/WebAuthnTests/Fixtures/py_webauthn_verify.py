"""Runs py_webauthn (PyPI `webauthn`) on the cases in the JSON file named by argv[1], the same
shape as py_webauthn.json, and prints one JSON list: for each case whether py_webauthn accepted
it and, if not, why. The WebAuthn tests compare this with what Tract's verifier decided."""

import json
import sys

from webauthn import verify_authentication_response, verify_registration_response
from webauthn.helpers import base64url_to_bytes

results = []
for case in json.load(open(sys.argv[1])):
    try:
        arguments = dict(
            credential=case["credential"],
            expected_challenge=base64url_to_bytes(case["challenge"]),
            expected_rp_id=case["rp_id"],
            expected_origin=case["origins"],
            require_user_verification=case["require_user_verification"],
        )
        if case["ceremony"] == "registration":
            verify_registration_response(**arguments)
        else:
            verify_authentication_response(
                **arguments,
                credential_public_key=base64url_to_bytes(case["public_key"]),
                credential_current_sign_count=case["sign_count"],
            )
        results.append({"accepted": True})
    except Exception as error:  # every refusal, whatever py_webauthn calls it
        results.append({"accepted": False, "error": f"{type(error).__name__}: {error}"})
json.dump(results, sys.stdout)
