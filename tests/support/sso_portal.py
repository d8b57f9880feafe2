"""A stand-in for the IAM Identity Center portal and OIDC APIs.

    sso_portal.py LOG [--rotate] [--token-delay SECONDS]
                      [--token-answer KIND] [--role-answer KIND]

Serves, on a free port of 127.0.0.1 (printed on stdout):
  GET  /federation/credentials?role_name=R&account_id=A   (x-amz-sso_bearer_token)
  POST /token                                             (refresh_token grant)
Valid bearer tokens are token-1 and token-2; role "Denied" is forbidden; the
refresh token refresh-1 (client client-1/secret-1) gives token-2. Every
request is appended to LOG as one JSON line: method, path, bearer token.

Without flags it behaves as above. The flags choose other behaviours:
  --rotate              refresh-token rotation, as an OIDC server may do it:
                        each refresh token is accepted once; refresh-N gives
                        token-(N+1) and refresh-(N+1), and a spent one is
                        invalid_grant.
  --token-delay S       /token answers after S seconds (lets parallel callers
                        meet there).
  --token-answer KIND   what an accepted refresh answers:
                          ok (default), linebreak (an accessToken holding a
                          line break), refresh-linebreak (a refreshToken
                          holding one), empty-token (accessToken ""),
                          no-expiry (no expiresIn), negative-expiry
                          (expiresIn -5), short (expiresIn 600: less than
                          botocore's 15-minute refresh window),
                          500 (InternalServerException),
                          not-json (a 200 whose body is not JSON),
                          expired-token (expired_token).
  --role-answer KIND    what /federation/credentials answers a valid token:
                          ok (default), 500 (a 500 with a JSON message),
                          502-html (a 502 with an HTML page), not-json (a 200
                          whose body is not JSON), no-expiration (role
                          credentials without an expiration)."""
import argparse
import http.server
import json
import threading
import time
import urllib.parse

parser = argparse.ArgumentParser()
parser.add_argument("log")
parser.add_argument("--rotate", action="store_true")
parser.add_argument("--token-delay", type=float, default=0.0)
parser.add_argument("--token-answer", default="ok")
parser.add_argument("--role-answer", default="ok")
args = parser.parse_args()

log_path = args.log
VALID = {"token-1", "token-2"}
# Rotation: the refresh tokens not spent yet, and the number of the last one.
LIVE_REFRESH = {"refresh-1"}
last = [1]
state = threading.Lock()


class Portal(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def record(self, body=None):
        with state, open(log_path, "a") as log:
            log.write(json.dumps({
                "method": self.command,
                "path": self.path,
                "bearer": self.headers.get("x-amz-sso_bearer_token"),
                "body": body,
            }) + "\n")

    def reply(self, status, doc, error_type=None):
        data = json.dumps(doc).encode()
        self.send_raw(status, data, "application/json", error_type)

    def send_raw(self, status, data, content_type, error_type=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        if error_type:
            self.send_header("x-amzn-ErrorType", error_type)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.record()
        url = urllib.parse.urlparse(self.path)
        query = urllib.parse.parse_qs(url.query)
        if url.path != "/federation/credentials":
            return self.reply(404, {"message": "not found"})
        with state:
            valid = self.headers.get("x-amz-sso_bearer_token") in VALID
        if not valid:
            return self.reply(401, {"message": "Session token not found or invalid"},
                              "UnauthorizedException")
        role = query.get("role_name", [""])[0]
        if role == "Denied":
            return self.reply(403, {"message": "No access"}, "ForbiddenException")
        kind = args.role_answer
        if kind == "500":
            return self.reply(500, {"message": "Portal backend unavailable"})
        if kind == "502-html":
            return self.send_raw(502, b"<html><body>Bad Gateway</body></html>", "text/html")
        if kind == "not-json":
            return self.send_raw(200, b"<html>Sign in</html>", "text/html")
        account = query.get("account_id", [""])[0]
        creds = {
            "accessKeyId": "ASIASSOFAKE" + account[-4:],
            "secretAccessKey": "fakeSsoSecret/" + role,
            "sessionToken": "FakeSsoSessionToken+" + role,
            "expiration": int((time.time() + 3600) * 1000),
        }
        if kind == "no-expiration":
            del creds["expiration"]
        self.reply(200, {"roleCredentials": creds})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        self.record({k: v for k, v in body.items() if k != "clientSecret"})
        if self.path != "/token":
            return self.reply(404, {"message": "not found"})
        time.sleep(args.token_delay)
        refresh = body.get("refreshToken")
        client = (
            body.get("grantType") == "refresh_token"
            and body.get("clientId") == "client-1"
            and body.get("clientSecret") == "secret-1"
        )
        with state:
            if args.rotate:
                good = client and refresh in LIVE_REFRESH
                if good:
                    LIVE_REFRESH.discard(refresh)
                    last[0] += 1
                    access, new_refresh = f"token-{last[0]}", f"refresh-{last[0]}"
                    LIVE_REFRESH.add(new_refresh)
            else:
                good = client and refresh == "refresh-1"
                access, new_refresh = "token-2", "refresh-2"
        if not good:
            return self.reply(400, {"error": "invalid_grant"}, "InvalidGrantException")
        kind = args.token_answer
        if kind == "500":
            return self.reply(500, {"error": "server_error",
                                    "error_description": "OIDC backend unavailable"},
                              "InternalServerException")
        if kind == "expired-token":
            return self.reply(400, {"error": "expired_token"}, "ExpiredTokenException")
        if kind == "not-json":
            return self.send_raw(200, b"<html>Sign in</html>", "text/html")
        answer = {"accessToken": access, "expiresIn": 3600,
                  "refreshToken": new_refresh, "tokenType": "Bearer"}
        if kind == "linebreak":
            answer["accessToken"] = access + "\nX-Injected: 1"
        elif kind == "refresh-linebreak":
            answer["refreshToken"] = new_refresh + "\n"
        elif kind == "empty-token":
            answer["accessToken"] = ""
        elif kind == "no-expiry":
            del answer["expiresIn"]
        elif kind == "negative-expiry":
            answer["expiresIn"] = -5
        elif kind == "short":
            answer["expiresIn"] = 600
        with state:
            VALID.add(access)
        self.reply(200, answer)


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Portal)
print(server.server_address[1], flush=True)
server.serve_forever()
