"""A stand-in for the IAM Identity Center portal and OIDC APIs.

    sso_portal.py LOG

Serves, on a free port of 127.0.0.1 (printed on stdout):
  GET  /federation/credentials?role_name=R&account_id=A   (x-amz-sso_bearer_token)
  POST /token                                             (refresh_token grant)
Valid bearer tokens are token-1 and token-2; role "Denied" is forbidden; the
refresh token refresh-1 (client client-1/secret-1) gives token-2. Every
request is appended to LOG as one JSON line: method, path, bearer token."""
import http.server
import json
import sys
import time
import urllib.parse

log_path = sys.argv[1]
VALID = {"token-1", "token-2"}


class Portal(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def record(self, body=None):
        with open(log_path, "a") as log:
            log.write(json.dumps({
                "method": self.command,
                "path": self.path,
                "bearer": self.headers.get("x-amz-sso_bearer_token"),
                "body": body,
            }) + "\n")

    def reply(self, status, doc, error_type=None):
        data = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
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
        if self.headers.get("x-amz-sso_bearer_token") not in VALID:
            return self.reply(401, {"message": "Session token not found or invalid"},
                              "UnauthorizedException")
        role = query.get("role_name", [""])[0]
        if role == "Denied":
            return self.reply(403, {"message": "No access"}, "ForbiddenException")
        account = query.get("account_id", [""])[0]
        self.reply(200, {"roleCredentials": {
            "accessKeyId": "ASIASSOFAKE" + account[-4:],
            "secretAccessKey": "fakeSsoSecret/" + role,
            "sessionToken": "FakeSsoSessionToken+" + role,
            "expiration": int((time.time() + 3600) * 1000),
        }})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        self.record({k: v for k, v in body.items() if k != "clientSecret"})
        if self.path != "/token":
            return self.reply(404, {"message": "not found"})
        good = (
            body.get("grantType") == "refresh_token"
            and body.get("refreshToken") == "refresh-1"
            and body.get("clientId") == "client-1"
            and body.get("clientSecret") == "secret-1"
        )
        if not good:
            return self.reply(400, {"error": "invalid_grant"}, "InvalidGrantException")
        self.reply(200, {"accessToken": "token-2", "expiresIn": 3600,
                         "refreshToken": "refresh-2", "tokenType": "Bearer"})


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Portal)
print(server.server_address[1], flush=True)
server.serve_forever()
