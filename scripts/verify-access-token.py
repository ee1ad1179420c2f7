"""Verifies a Tract access token the way third-party clients do, with two independent JOSE
libraries, against the key set auth publishes (Tests/AuthTests/JOSEInteropTests.swift).

  verify-access-token.py <jwks_url> <issuer> <audience> <token>

Prints one JSON object: per library, the verified claims or the error. Exits 0 only when both
verified the token's signature, `iss`, `aud`, `exp` and `iat` (right after issue: a fractional
`iat` makes joserfc call a fresh token "issued in the future").

- joserfc 1.8 knows RFC 9864's `Ed25519` algorithm name itself.
- PyJWT 2.15 knows only `EdDSA`: its Ed25519 implementation (OKPAlgorithm) is registered under
  the new name too, as a PyJWT user has to until it catches up.
"""

import json
import sys
import time
import urllib.request

jwks_url, issuer, audience, token = sys.argv[1:5]
with urllib.request.urlopen(jwks_url, timeout=10) as response:
    jwks = json.load(response)
header = json.loads(__import__("base64").urlsafe_b64decode(token.split(".")[0] + "=="))
key_json = next(key for key in jwks["keys"] if key["kid"] == header["kid"])
results = {"header": header, "jwks_alg": key_json.get("alg")}


def joserfc_verify():
    from joserfc import jwt
    from joserfc.jwk import KeySet
    from joserfc.jwt import JWTClaimsRegistry

    key_set = KeySet.import_key_set(jwks)
    decoded = jwt.decode(token, key_set, algorithms=["Ed25519"])
    JWTClaimsRegistry(
        now=int(time.time()),
        leeway=0,
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": audience},
        exp={"essential": True},
        iat={"essential": True},
    ).validate(decoded.claims)
    return decoded.claims


def pyjwt_verify():
    import jwt
    from jwt.algorithms import OKPAlgorithm

    verifier = jwt.PyJWT()
    verifier._jws.register_algorithm("Ed25519", OKPAlgorithm())
    key = OKPAlgorithm.from_jwk(json.dumps(key_json))
    return verifier.decode(
        token,
        key,
        algorithms=["Ed25519"],
        issuer=issuer,
        audience=audience,
        leeway=0,
        options={"require": ["exp", "iat", "iss", "aud"], "verify_iat": True},
    )


ok = True
for name, verify in (("joserfc", joserfc_verify), ("pyjwt", pyjwt_verify)):
    try:
        results[name] = {"claims": verify()}
    except Exception as error:  # the test shows what each library said
        ok = False
        results[name] = {"error": f"{type(error).__name__}: {error}"}
print(json.dumps(results, default=str))
sys.exit(0 if ok else 1)
