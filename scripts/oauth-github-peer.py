"""GitHub's OAuth 2.0 and REST API, as much of it as sign-in uses, for Tests/AuthTests/OAuth*.swift.

  GET  /login/oauth/authorize       redirects to redirect_uri with a code for the user `test_user`
                                    names (the test adds that to our authorization URL)
  POST /login/oauth/access_token    checks client id and secret, the code (once) and its PKCE
                                    verifier (S256), answers JSON with an access token
  GET  /user, GET /user/emails      the token's user, as GitHub shapes them (User-Agent required)
  PUT  /test/users/<id>             the test sets a user: {"login", "name", "emails": [...]}

Prints `listening on http://127.0.0.1:<port>` once it accepts connections.
"""

import base64
import hashlib
import json
import secrets
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CLIENT_ID = sys.argv[1] if len(sys.argv) > 1 else "github-client"
CLIENT_SECRET = sys.argv[2] if len(sys.argv) > 2 else "github-secret"

lock = threading.Lock()
users: dict[str, dict] = {}
codes: dict[str, tuple[str, str | None, str]] = {}
tokens: dict[str, str] = {}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, format, *args):
        pass

    def reply(self, status, body=None, headers=()):
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length).decode()

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        if url.path == "/login/oauth/authorize":
            if query.get("client_id") != CLIENT_ID or query.get("code_challenge_method") != "S256":
                return self.reply(400, {"error": "bad authorize request"})
            code = secrets.token_urlsafe(16)
            with lock:
                codes[code] = (query["test_user"], query.get("code_challenge"), query["redirect_uri"])
            target = query["redirect_uri"] + "?" + urllib.parse.urlencode({"code": code, "state": query["state"]})
            return self.reply(302, headers=[("Location", target)])
        if url.path in ("/user", "/user/emails"):
            if not self.headers.get("User-Agent"):
                return self.reply(403, {"message": "User-Agent required"})
            auth = self.headers.get("Authorization", "")
            with lock:
                user_id = tokens.get(auth.removeprefix("Bearer ").removeprefix("token "))
                user = users.get(user_id) if user_id else None
            if not user:
                return self.reply(401, {"message": "Bad credentials"})
            if url.path == "/user":
                return self.reply(200, {"id": int(user_id), "login": user["login"], "name": user.get("name"),
                                        "avatar_url": f"https://avatars.example/{user_id}"})
            return self.reply(200, user.get("emails", []))
        self.reply(404, {"message": "Not Found"})

    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path != "/login/oauth/access_token":
            return self.reply(404, {"message": "Not Found"})
        form = dict(urllib.parse.parse_qsl(self.body()))
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return self.reply(200, {"error": "incorrect_client_credentials"})
        with lock:
            found = codes.pop(form.get("code", ""), None)
        if not found or found[2] != form.get("redirect_uri"):
            return self.reply(200, {"error": "bad_verification_code"})
        user_id, challenge, _ = found
        verifier = form.get("code_verifier", "")
        computed = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if challenge != computed:
            return self.reply(200, {"error": "bad_verification_code", "error_description": "PKCE verification failed"})
        token = "gho_" + secrets.token_urlsafe(24)
        with lock:
            tokens[token] = user_id
        self.reply(200, {"access_token": token, "token_type": "bearer", "scope": "read:user,user:email"})

    def do_PUT(self):
        url = urllib.parse.urlsplit(self.path)
        if not url.path.startswith("/test/users/"):
            return self.reply(404, {"message": "Not Found"})
        with lock:
            users[url.path.removeprefix("/test/users/")] = json.loads(self.body())
        self.reply(204)


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(f"listening on http://127.0.0.1:{server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
