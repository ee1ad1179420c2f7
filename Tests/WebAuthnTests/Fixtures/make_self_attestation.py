"""Makes packed self-attestation registrations (no x5c: the credential key signs its own
attestation), which py_webauthn's published fixtures do not include, and an assertion by each
new credential. Written once with fido2's CBOR and COSE and `cryptography`; the committed
self_attestation.json is its output, and the tests cross-check it with py_webauthn too.

    python make_self_attestation.py > self_attestation.json
"""

import hashlib
import json
import os
import struct
from base64 import urlsafe_b64encode

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from fido2 import cbor
from fido2.cose import ES256, EdDSA

RP_ID, ORIGIN = "localhost", "http://localhost:5000"


def b64(data):
    return urlsafe_b64encode(data).decode().rstrip("=")


def case(alg_name, private_key, cose_key, sign):
    credential_id = os.urandom(32)
    aaguid = bytes.fromhex("7472616374000000000000000000000f")
    rp_hash = hashlib.sha256(RP_ID.encode()).digest()
    challenge = os.urandom(32)
    client_data = json.dumps({"type": "webauthn.create", "challenge": b64(challenge), "origin": ORIGIN}).encode()
    auth_data = rp_hash + b"\x45" + struct.pack(">I", 0) + aaguid + struct.pack(">H", 32) + credential_id + cbor.encode(cose_key)
    signature = sign(auth_data + hashlib.sha256(client_data).digest())
    attestation = cbor.encode({"fmt": "packed", "attStmt": {"alg": cose_key[3], "sig": signature}, "authData": auth_data})
    registration = {
        "source": "make_self_attestation.py",
        "note": f"packed self attestation, {alg_name}",
        "ceremony": "registration",
        "credential": {
            "id": b64(credential_id), "rawId": b64(credential_id), "type": "public-key",
            "response": {"clientDataJSON": b64(client_data), "attestationObject": b64(attestation)},
        },
        "challenge": b64(challenge), "rp_id": RP_ID, "origins": [ORIGIN], "require_user_verification": True, "accepted": True,
    }
    challenge = os.urandom(32)
    client_data = json.dumps({"type": "webauthn.get", "challenge": b64(challenge), "origin": ORIGIN}).encode()
    auth_data = rp_hash + b"\x05" + struct.pack(">I", 5)
    signature = sign(auth_data + hashlib.sha256(client_data).digest())
    authentication = {
        "source": "make_self_attestation.py",
        "note": f"assertion by the {alg_name} self-attested credential",
        "ceremony": "authentication",
        "credential": {
            "id": b64(credential_id), "rawId": b64(credential_id), "type": "public-key",
            "response": {"clientDataJSON": b64(client_data), "authenticatorData": b64(auth_data), "signature": b64(signature)},
        },
        "challenge": b64(challenge), "rp_id": RP_ID, "origins": [ORIGIN], "require_user_verification": True, "accepted": True,
        "public_key": b64(cbor.encode(cose_key)), "sign_count": 4,
    }
    return [registration, authentication]


p256 = ec.generate_private_key(ec.SECP256R1())
edwards = ed25519.Ed25519PrivateKey.generate()
cases = case("ES256", p256, ES256.from_cryptography_key(p256.public_key()), lambda data: p256.sign(data, ec.ECDSA(hashes.SHA256())))
cases += case("EdDSA", edwards, EdDSA.from_cryptography_key(edwards.public_key()), edwards.sign)
json.dump(cases, __import__("sys").stdout, indent=2)
print()
