"""Makes `packed` registrations with an x5c attestation certificate, one that meets WebAuthn
§8.2.1 and copies that break one requirement each (no OU, a CA certificate, an AAGUID extension
that differs from the authenticator data, a missing country), plus one whose signature is not the
certificate's key's. py_webauthn does not check §8.2.1 (it leaves that to root-certificate
validation), so the requirement cases are marked `tract_only` and the cross-check skips them.

    python make_packed_x5c.py > packed_x5c.json
"""

import datetime
import hashlib
import json
import os
import struct
import sys
from base64 import urlsafe_b64encode

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID, ObjectIdentifier
from fido2 import cbor
from fido2.cose import ES256

RP_ID, ORIGIN = "localhost", "http://localhost:5000"
AAGUID = bytes.fromhex("7472616374000000000000000000005a")


def b64(data):
    return urlsafe_b64encode(data).decode().rstrip("=")


def certificate(key, ou="Authenticator Attestation", ca=False, aaguid=AAGUID, country="US"):
    names = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Tract Test Authenticators")]
    if country:
        names.insert(0, x509.NameAttribute(NameOID.COUNTRY_NAME, country))
    if ou:
        names.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, ou))
    names.append(x509.NameAttribute(NameOID.COMMON_NAME, "Tract Test Attestation"))
    subject = x509.Name(names)
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if aaguid is not None:
        value = b"\x04\x10" + aaguid  # DER OCTET STRING
        builder = builder.add_extension(x509.UnrecognizedExtension(ObjectIdentifier("1.3.6.1.4.1.45724.1.1.4"), value), critical=False)
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def registration(note, accepted, tract_only=False, signer=None, **cert_options):
    attestation_key = ec.generate_private_key(ec.SECP256R1())
    credential_key = ec.generate_private_key(ec.SECP256R1())
    credential_id = os.urandom(32)
    challenge = os.urandom(32)
    client_data = json.dumps({"type": "webauthn.create", "challenge": b64(challenge), "origin": ORIGIN}).encode()
    auth_data = (
        hashlib.sha256(RP_ID.encode()).digest() + b"\x45" + struct.pack(">I", 0) + AAGUID + struct.pack(">H", 32) + credential_id
        + cbor.encode(ES256.from_cryptography_key(credential_key.public_key()))
    )
    signature = (signer or attestation_key).sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
    statement = {"alg": -7, "sig": signature, "x5c": [certificate(attestation_key, **cert_options)]}
    attestation = cbor.encode({"fmt": "packed", "attStmt": statement, "authData": auth_data})
    return {
        "source": "make_packed_x5c.py",
        "note": note,
        "ceremony": "registration",
        "credential": {
            "id": b64(credential_id), "rawId": b64(credential_id), "type": "public-key",
            "response": {"clientDataJSON": b64(client_data), "attestationObject": b64(attestation)},
        },
        "challenge": b64(challenge), "rp_id": RP_ID, "origins": [ORIGIN], "require_user_verification": True,
        "accepted": accepted, "tract_only": tract_only,
    }


cases = [
    registration("packed x5c meeting §8.2.1", True),
    registration("packed x5c, no AAGUID extension (optional)", True, aaguid=None),
    registration("packed x5c signed by another key", False, signer=ec.generate_private_key(ec.SECP256R1())),
    registration("packed x5c, subject OU missing", False, tract_only=True, ou=None),
    registration("packed x5c, subject OU wrong", False, tract_only=True, ou="Attestation"),
    registration("packed x5c, CA certificate", False, tract_only=True, ca=True),
    registration("packed x5c, AAGUID extension differs", False, tract_only=True, aaguid=bytes(16)),
    registration("packed x5c, subject C missing", False, tract_only=True, country=None),
]
json.dump(cases, sys.stdout, indent=2)
print()
