"""A real OpenID Connect provider for the OAuth sign-in tests (Tests/AuthTests/OAuth*.swift).

PyPI's oidc-provider-mock (authlib underneath) on a free loopback port, with two changes made
before it starts: PKCE is enforced (the mock ignores code_challenge; authlib's CodeChallenge
extension is registered with the challenge kept per code), and a nonce is required. A test picks
the user at the authorize step (POST the authorization URL with `sub=`) and sets the user's claims
with `PUT /users/<sub>`; claims it sets there (nonce, aud, exp, azp, iss) override the ID token's
own, which is how the tests make tokens with a wrong nonce or audience or an expired one.

Prints `listening on http://127.0.0.1:<port>` once it accepts connections.
"""

import os
import sys
import warnings

os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"
warnings.simplefilter("ignore")

import authlib.integrations.flask_oauth2 as flask_oauth2  # noqa: E402
import werkzeug.serving  # noqa: E402
from authlib.oauth2.rfc7636 import CodeChallenge  # noqa: E402

import oidc_provider_mock  # noqa: E402
from oidc_provider_mock import _app  # noqa: E402

challenges: dict[str, tuple[str | None, str | None]] = {}


class StoredCodeChallenge(CodeChallenge):
    def get_authorization_code_challenge(self, authorization_code):
        return challenges.get(authorization_code.code, (None, None))[0]

    def get_authorization_code_challenge_method(self, authorization_code):
        return challenges.get(authorization_code.code, (None, None))[1]


_save = _app.AuthorizationCodeGrant.save_authorization_code


def save_authorization_code(self, code, request):
    _save(self, code, request)
    data = request.payload.data
    challenges[code] = (data.get("code_challenge"), data.get("code_challenge_method"))


_app.AuthorizationCodeGrant.save_authorization_code = save_authorization_code

_register = flask_oauth2.AuthorizationServer.register_grant


def register_grant(self, grant_cls, extensions=None):
    if grant_cls is _app.AuthorizationCodeGrant:
        extensions = list(extensions or []) + [StoredCodeChallenge(required=True)]
    return _register(self, grant_cls, extensions)


flask_oauth2.AuthorizationServer.register_grant = register_grant


def main() -> None:
    app = oidc_provider_mock.app(require_nonce=True)
    server = werkzeug.serving.make_server("127.0.0.1", 0, app, threaded=True)
    print(f"listening on http://127.0.0.1:{server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
