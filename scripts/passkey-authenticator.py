#!/usr/bin/env python3
"""A software passkey for the passkey tests: soft-webauthn's SoftWebauthnDevice (PyPI
soft-webauthn 0.1.4, ES256, `none` attestation, one resident credential) driven by the options
Tract's routes return, its state kept in a JSON file between calls.

    passkey-authenticator.py create STATE ORIGIN [--no-uv] [--same-credential] < public_key options JSON
    passkey-authenticator.py get STATE ORIGIN [--no-uv] [--sign-count N] < public_key options JSON

prints the PublicKeyCredential as browsers serialise it (toJSON(): base64url fields).

soft-webauthn's device reports user presence only. A passkey verifies its user (PIN or
biometric), so unless --no-uv is given the UV flag is set in the authenticator data the device
produced (for an assertion, the data is then signed again with the device's own key), as an
authenticator with a PIN would report. --sign-count sets the device's counter first (to play a
cloned authenticator whose counter is behind); --same-credential registers the device's existing
credential again instead of making a new one."""

import hashlib
import json
import sys
from base64 import urlsafe_b64decode, urlsafe_b64encode

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fido2 import cbor
from soft_webauthn import SoftWebauthnDevice

USER_PRESENT, USER_VERIFIED = 0x01, 0x04


def b64(data):
    return urlsafe_b64encode(data).decode().rstrip("=")


def unb64(text):
    return urlsafe_b64decode(text + "=" * (-len(text) % 4))


def load(path):
    device = SoftWebauthnDevice()
    try:
        state = json.load(open(path))
    except FileNotFoundError:
        return device
    device.credential_id = unb64(state["credential_id"])
    device.private_key = serialization.load_pem_private_key(state["private_key"].encode(), password=None)
    device.rp_id = state["rp_id"]
    device.user_handle = unb64(state["user_handle"])
    device.sign_count = state["sign_count"]
    return device


def save(device, path):
    pem = device.private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    json.dump(
        {
            "credential_id": b64(device.credential_id),
            "private_key": pem,
            "rp_id": device.rp_id,
            "user_handle": b64(device.user_handle),
            "sign_count": device.sign_count,
        },
        open(path, "w"),
    )


def main():
    command, path, origin = sys.argv[1:4]
    flags = sys.argv[4:]
    verify_user = "--no-uv" not in flags
    public_key = json.load(sys.stdin)
    public_key["challenge"] = unb64(public_key["challenge"])
    device = load(path)
    if "--sign-count" in flags:
        device.sign_count = int(flags[flags.index("--sign-count") + 1])
    if command == "create":
        public_key["user"]["id"] = unb64(public_key["user"]["id"])
        if "--same-credential" in flags and device.private_key is not None:
            key, credential_id = device.private_key, device.credential_id

            def same_credential(rp_id, user_handle):
                device.credential_id, device.private_key, device.rp_id, device.user_handle = credential_id, key, rp_id, user_handle

            device.cred_init = same_credential
        credential = device.create({"publicKey": public_key}, origin)
        attestation = cbor.decode(credential["response"]["attestationObject"])
        if verify_user:
            data = bytearray(attestation["authData"])
            data[32] |= USER_VERIFIED
            attestation["authData"] = bytes(data)
        response = {
            "clientDataJSON": b64(credential["response"]["clientDataJSON"]),
            "attestationObject": b64(cbor.encode(attestation)),
            "transports": ["internal"],
        }
    elif command == "get":
        credential = device.get({"publicKey": public_key}, origin)
        data = bytearray(credential["response"]["authenticatorData"])
        signature = credential["response"]["signature"]
        if verify_user:
            data[32] |= USER_VERIFIED
            client_hash = hashlib.sha256(credential["response"]["clientDataJSON"]).digest()
            signature = device.private_key.sign(bytes(data) + client_hash, ec.ECDSA(hashes.SHA256()))
        response = {
            "clientDataJSON": b64(credential["response"]["clientDataJSON"]),
            "authenticatorData": b64(bytes(data)),
            "signature": b64(signature),
            "userHandle": b64(credential["response"]["userHandle"]),
        }
    else:
        sys.exit(f"unknown command {command}")
    save(device, path)
    json.dump(
        {
            "id": b64(device.credential_id),
            "rawId": b64(device.credential_id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "response": response,
            "clientExtensionResults": {},
        },
        sys.stdout,
    )


main()
