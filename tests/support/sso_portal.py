"""A stand-in for IAM Identity Center: SSO OIDC and the SSO portal, on one
free port of 127.0.0.1 (printed on stdout, alone on the first line). Its wire
format is AWS's (rest-json), checked with the real boto3 `sso-oidc` and `sso`
clients by tests/support/check_sso_standin.py.

    sso_portal.py LOG [flags]

Every request is appended to LOG as one JSON line: method, path (with the
query), bearer (the x-amz-sso_bearer_token header), body (a POST's JSON
without its clientSecret; null for a GET) and time (time.monotonic(), in
seconds: differences between lines are the gaps between requests).

OIDC (errors: HTTP 400, or 401 for invalid_client, with the header
`x-amzn-ErrorType: <Name>Exception:http://internal.amazon.com/coral/com.amazonaws.sso.oidc/`
and the body {"error": "<oauth code>", "error_description": "..."}):

  POST /client/register      RegisterClient: clientName, clientType, scopes,
        grantTypes, redirectUris, issuerUrl. Issues client-N / secret-N
        (N = 2, 3, ...), clientIdIssuedAt (now) and clientSecretExpiresAt
        (epoch seconds). Asking for both the authorization_code and the
        urn:ietf:params:oauth:grant-type:device_code grant types is
        InvalidClientMetadataException (invalid_client_metadata), as at AWS.
        A client registered with grantTypes may use only those grants;
        without grantTypes: device code and refresh token.
  POST /device_authorization StartDeviceAuthorization: clientId,
        clientSecret, startUrl. Answers deviceCode (device-N), userCode
        (ABCD-000N), verificationUri (<base>/device), verificationUriComplete
        (<base>/device?user_code=ABCD-000N), expiresIn, interval.
  GET  /device?user_code=X   what a browser on verificationUriComplete does:
        approves the device code (in deny mode: denies it); a 200 HTML page.
  GET  /authorize?response_type=code&client_id=..&redirect_uri=..&state=..
        &code_challenge_method=S256&scopes=..&code_challenge=..
        The client must be registered for authorization_code and the
        redirect_uri must be one of its redirectUris (a loopback one
        registered without a port matches any port); anything else is a 400
        page. Then, by --authorize-mode: a `302 Found` to
        <redirect_uri>?code=code-N&state=<state>.
  POST /token                CreateToken: clientId, clientSecret, grantType and
        - urn:ietf:params:oauth:grant-type:device_code: deviceCode. Before the
          device code is approved: authorization_pending (see --device-mode);
          once used or unknown: invalid_grant; past expiresIn: expired_token.
        - authorization_code: code, codeVerifier, redirectUri. The code must
          be unused, of this client, redirectUri exactly the one given to
          /authorize (with its port) and base64url(sha256(codeVerifier)) the
          code_challenge given there (padding ignored): else invalid_grant.
        - refresh_token: refreshToken, one issued to this client (see
          --rotate). A refusal (an unknown, spent or other client's refresh
          token, an unknown client, a wrong client secret) is
          {"error": "invalid_grant"} with no error_description, as before.
        The other grants: an unknown client or a wrong secret is
        invalid_client (401). Every grant: an expired registration is
        invalid_client, a grant the client did not register for
        unauthorized_client.
        Answers accessToken (token-N), tokenType Bearer, expiresIn 3600 and
        refreshToken (refresh-N), N counting up from 3 (from 2 with
        --rotate). Every access token it issues is valid at the portal.

Portal (x-amz-sso_bearer_token; errors: x-amzn-ErrorType <Name>Exception and
{"message": ...}; a token that is not valid is 401 UnauthorizedException):

  GET  /assignment/accounts?max_result=&next_token=
        ListAccounts: the accounts of --accounts, pages of at most
        min(max_result, --page-size) with a nextToken while more are left.
        Account i: accountId 111111111111, 222222222222, ... (i > 9:
        i as 12 digits), accountName "Account i", emailAddress
        account-i@example.com.
  GET  /assignment/roles?account_id=&max_result=&next_token=
        ListAccountRoles, paged the same way: roles ReadOnly and Admin, and
        Developer for odd i (an account it does not serve: no roles).
  GET  /federation/credentials?role_name=R&account_id=A
        GetRoleCredentials for any account and role; role "Denied" is
        403 ForbiddenException.
  POST /logout                Logout: 200 with no body; the token is then
        no longer valid.

Valid from the start: bearer tokens token-1 and token-2, and the client
client-1 / secret-1 (never expires; device code and refresh token) with its refresh token
refresh-1, which gives token-2 and refresh-2 (refresh-1 stays valid, and
refresh-2 is not).

Without flags it behaves as above. The flags choose other behaviours:
  --rotate              refresh-token rotation, as an OIDC server may do it:
                        each refresh token is accepted once; refresh-N gives
                        token-(N+1) and refresh-(N+1) (a counter shared with
                        the other grants), and a spent one is invalid_grant.
                        Without it an issued refresh token may be used again
                        (each use gives a new access and refresh token).
  --token-delay S       /token answers after S seconds (lets parallel callers
                        meet there).
  --token-answer KIND   what an accepted CreateToken (any grant) answers:
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
                          credentials without an expiration).
  --registration-expires-in S
                        clientSecretExpiresAt is now + S (default 7776000,
                        90 days, as AWS); a client past it is
                        invalid_client.
  --device-interval N   the interval answered (default 1, as AWS); `none`
                        leaves it out (a client then waits 5 s).
  --device-expires S    expiresIn of a device code (default 600); past it,
                        CreateToken is expired_token.
  --approve-after N     a device code is decided after N CreateToken polls
                        of it (the poll after the Nth gets the answer; 0:
                        the first poll). Without it, only GET /device decides
                        (in deny and expire modes: the first poll).
  --device-mode MODE    approve (default): authorization_pending until
                          decided, then the token;
                        slow-down: the first --slow-downs polls slow_down,
                          then as approve;
                        deny: authorization_pending until decided, then
                          access_denied;
                        expire: authorization_pending until decided, then
                          expired_token.
  --slow-downs K        how many slow_down answers in slow-down mode
                        (default 1).
  --authorize-mode MODE what /authorize answers a good request:
                        ok (default): 302 to redirect_uri?code=..&state=..;
                        deny: 302 to redirect_uri?error=access_denied
                          &error_description=..&state=..;
                        bad-state: 302 with a valid code and another state;
                        never: a 200 page, no redirect.
  --accounts N          how many accounts the portal lists (default 3).
  --page-size N         the most items on one page (default 2).
  --max-rps N           ListAccounts and ListAccountRoles answer 429
                        TooManyRequestsException to a request that is more
                        than the Nth in the last second (default: never)."""
import argparse
import base64
import collections
import hashlib
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
parser.add_argument("--registration-expires-in", type=int, default=90 * 24 * 3600)
parser.add_argument("--device-interval", default="1")
parser.add_argument("--device-expires", type=int, default=600)
parser.add_argument("--approve-after", type=int, default=None)
parser.add_argument("--device-mode", default="approve",
                    choices=["approve", "slow-down", "deny", "expire"])
parser.add_argument("--slow-downs", type=int, default=1)
parser.add_argument("--authorize-mode", default="ok",
                    choices=["ok", "deny", "bad-state", "never"])
parser.add_argument("--accounts", type=int, default=3)
parser.add_argument("--page-size", type=int, default=2)
parser.add_argument("--max-rps", type=int, default=None)
# Every request answered this many seconds late (a real region's round trip).
parser.add_argument("--delay", type=float, default=0.0)
args = parser.parse_args()

log_path = args.log
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
OIDC_FAULT = "http://internal.amazon.com/coral/com.amazonaws.sso.oidc/"

state = threading.Lock()
# Bearer tokens the portal accepts.
VALID = {"token-1", "token-2"}
# Registered clients: id -> {secret, expires (epoch s or None), grants (or None)}.
CLIENTS = {"client-1": {"secret": "secret-1", "expires": None, "grants": None,
                        "redirects": []}}
clients_made = [1]
# Refresh tokens not spent yet -> the client they belong to.
LIVE_REFRESH = {"refresh-1": "client-1"}
# The number of the last token issued (token-N, refresh-N).
last = [1 if args.rotate else 2]
# Device codes: code -> {client, user_code, polls, created, decided, used}.
DEVICES = {}
USER_CODES = {}
# Authorization codes: code -> {client, redirect_uri, challenge, used}.
CODES = {}
codes_made = [0]
# Arrival times of the portal's listing requests (for --max-rps).
LISTINGS = collections.deque()


def account(i):
    account_id = str(i) * 12 if i <= 9 else f"{i:012d}"
    return {"accountId": account_id, "accountName": f"Account {i}",
            "emailAddress": f"account-{i}@example.com"}


ACCOUNTS = [account(i) for i in range(1, args.accounts + 1)]
ROLES = {
    a["accountId"]: ["ReadOnly", "Admin"] + (["Developer"] if i % 2 == 1 else [])
    for i, a in enumerate(ACCOUNTS, start=1)
}


def issue(client):
    """A new access token and refresh token for `client` (lock held)."""
    last[0] += 1
    access, refresh = f"token-{last[0]}", f"refresh-{last[0]}"
    LIVE_REFRESH[refresh] = client
    return access, refresh


def challenge_of(verifier):
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def same_redirect(registered, given):
    """RFC 8252 7.3: a loopback redirect URI registered without a port
    matches the same URI with any port."""
    r, g = urllib.parse.urlsplit(registered), urllib.parse.urlsplit(given)
    if r.port is None and r.hostname in ("127.0.0.1", "localhost", "::1"):
        return (r.scheme, r.hostname, r.path, r.query) == (g.scheme, g.hostname, g.path, g.query)
    return registered == given


def with_query(url, params):
    sep = "&" if urllib.parse.urlsplit(url).query else "?"
    return url + sep + urllib.parse.urlencode(params, quote_via=urllib.parse.quote)


class Portal(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def base(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def record(self, body=None):
        line = json.dumps({
            "method": self.command,
            "path": self.path,
            "bearer": self.headers.get("x-amz-sso_bearer_token"),
            "body": body,
            "time": time.monotonic(),
        })
        with state, open(log_path, "a") as log:
            log.write(line + "\n")

    def reply(self, status, doc, error_type=None):
        data = json.dumps(doc).encode()
        self.send_raw(status, data, "application/json", error_type)

    def send_raw(self, status, data, content_type, error_type=None, headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        if error_type:
            self.send_header("x-amzn-ErrorType", error_type)
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def page(self, status, text, headers=()):
        html = f"<!DOCTYPE html><html><head><title>Stand-in SSO</title></head><body><p>{text}</p></body></html>"
        self.send_raw(status, html.encode(), "text/html; charset=utf-8", headers=headers)

    def oidc_error(self, name, code, description, status=400):
        self.reply(status, {"error": code, "error_description": description},
                   f"{name}Exception:{OIDC_FAULT}")

    # ---- GET ---------------------------------------------------------------

    def handle_one_request(self):
        if args.delay:
            time.sleep(args.delay)
        super().handle_one_request()

    def do_GET(self):
        self.record()
        url = urllib.parse.urlparse(self.path)
        query = {k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()}
        if url.path == "/device":
            return self.device_page(query)
        if url.path == "/authorize":
            return self.authorize(query)
        if url.path == "/federation/credentials":
            return self.role_credentials(query)
        if url.path == "/assignment/accounts":
            return self.listing(query, None)
        if url.path == "/assignment/roles":
            return self.listing(query, query.get("account_id", ""))
        return self.reply(404, {"message": "not found"})

    def bearer_valid(self):
        with state:
            return self.headers.get("x-amz-sso_bearer_token") in VALID

    def unauthorized(self):
        return self.reply(401, {"message": "Session token not found or invalid"},
                          "UnauthorizedException")

    def role_credentials(self, query):
        if not self.bearer_valid():
            return self.unauthorized()
        role = query.get("role_name", "")
        if role == "Denied":
            return self.reply(403, {"message": "No access"}, "ForbiddenException")
        kind = args.role_answer
        if kind == "500":
            return self.reply(500, {"message": "Portal backend unavailable"})
        if kind == "502-html":
            return self.send_raw(502, b"<html><body>Bad Gateway</body></html>", "text/html")
        if kind == "not-json":
            return self.send_raw(200, b"<html>Sign in</html>", "text/html")
        account_id = query.get("account_id", "")
        creds = {
            "accessKeyId": "ASIASSOFAKE" + account_id[-4:],
            "secretAccessKey": "fakeSsoSecret/" + role,
            "sessionToken": "FakeSsoSessionToken+" + role,
            "expiration": int((time.time() + 3600) * 1000),
        }
        if kind == "no-expiration":
            del creds["expiration"]
        self.reply(200, {"roleCredentials": creds})

    def listing(self, query, account_id):
        if args.max_rps is not None:
            now = time.monotonic()
            with state:
                while LISTINGS and LISTINGS[0] <= now - 1.0:
                    LISTINGS.popleft()
                LISTINGS.append(now)
                over = len(LISTINGS) > args.max_rps
            if over:
                return self.reply(429, {"message": "Too many requests"},
                                  "TooManyRequestsException")
        if not self.bearer_valid():
            return self.unauthorized()
        if account_id is None:
            items, key = ACCOUNTS, "accountList"
        else:
            items = [{"roleName": r, "accountId": account_id}
                     for r in ROLES.get(account_id, [])]
            key = "roleList"
        try:
            size = min(int(query.get("max_result", args.page_size)), args.page_size)
            token = query.get("next_token", "page-0")
            start = int(token.removeprefix("page-"))
            if size < 1 or not token.startswith("page-") or not 0 <= start <= len(items):
                raise ValueError
        except ValueError:
            return self.reply(400, {"message": "Invalid max_result or next_token"},
                              "InvalidRequestException")
        answer = {key: items[start:start + size]}
        if start + size < len(items):
            answer["nextToken"] = f"page-{start + size}"
        self.reply(200, answer)

    def device_page(self, query):
        code = query.get("user_code")
        if code is None:
            return self.page(200, "Enter the code shown by your device.")
        with state:
            device = DEVICES.get(USER_CODES.get(code, ""))
            if device is not None:
                device["decided"] = True
        if device is None:
            return self.page(404, "Unknown code.")
        done = "denied" if args.device_mode == "deny" else "approved"
        return self.page(200, f"Request {done}. You can close this window.")

    def authorize(self, query):
        client_id = query.get("client_id", "")
        redirect = query.get("redirect_uri", "")
        with state:
            client = CLIENTS.get(client_id)
        if client is None:
            return self.page(400, "invalid_client: unknown client_id")
        if client["grants"] is not None and "authorization_code" not in client["grants"]:
            return self.page(400, "unauthorized_client: not registered for authorization_code")
        if not any(same_redirect(r, redirect) for r in client["redirects"]):
            return self.page(400, "invalid_redirect_uri: not a registered redirect URI")
        if query.get("response_type") != "code" or query.get("code_challenge_method") != "S256" \
                or not query.get("code_challenge") or "state" not in query:
            return self.page(400, "invalid_request: response_type=code, state, code_challenge "
                             "and code_challenge_method=S256 are required")
        mode = args.authorize_mode
        if mode == "never":
            return self.page(200, "Sign in to continue.")
        if mode == "deny":
            target = with_query(redirect, {"error": "access_denied",
                                           "error_description": "The user denied the request",
                                           "state": query["state"]})
        else:
            with state:
                codes_made[0] += 1
                code = f"code-{codes_made[0]}"
                CODES[code] = {"client": client_id, "redirect_uri": redirect,
                               "challenge": query["code_challenge"].rstrip("="), "used": False}
            given = query["state"] if mode == "ok" else "not-" + query["state"]
            target = with_query(redirect, {"code": code, "state": given})
        self.page(302, "Redirecting.", headers=[("Location", target)])

    # ---- POST --------------------------------------------------------------

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw or b"{}")
            if not isinstance(body, dict):
                raise ValueError
        except ValueError:
            self.record(None)
            return self.reply(400, {"message": "body is not a JSON object"},
                              "SerializationException")
        self.record({k: v for k, v in body.items() if k != "clientSecret"})
        if self.path == "/token":
            return self.token(body)
        if self.path == "/client/register":
            return self.register(body)
        if self.path == "/device_authorization":
            return self.device_authorization(body)
        if self.path == "/logout":
            return self.logout()
        return self.reply(404, {"message": "not found"})

    def client_fault(self, body, grant):
        """Why the client of `body` may not use `grant`, or None."""
        client = CLIENTS.get(body.get("clientId"))
        if client is None or client["secret"] != body.get("clientSecret"):
            return ("InvalidClient", "invalid_client", "Invalid client credentials", 401)
        if client["expires"] is not None and client["expires"] <= time.time():
            return ("InvalidClient", "invalid_client", "Client registration has expired", 401)
        allowed = client["grants"] or [DEVICE_GRANT, "refresh_token"]
        if grant not in allowed:
            return ("UnauthorizedClient", "unauthorized_client",
                    f"Client is not registered for the {grant} grant", 400)
        return None

    def register(self, body):
        grants = body.get("grantTypes")
        if not body.get("clientName") or body.get("clientType") != "public":
            return self.oidc_error("InvalidRequest", "invalid_request",
                                   "clientName and clientType public are required")
        if grants is not None and "authorization_code" in grants and DEVICE_GRANT in grants:
            return self.oidc_error("InvalidClientMetadata", "invalid_client_metadata",
                                   "Client cannot be registered with both the authorization_code "
                                   "and the device_code grant types")
        if grants is not None and "authorization_code" in grants and not body.get("redirectUris"):
            return self.oidc_error("InvalidClientMetadata", "invalid_client_metadata",
                                   "redirectUris are required for the authorization_code grant")
        now = int(time.time())
        with state:
            clients_made[0] += 1
            n = clients_made[0]
            expires = now + args.registration_expires_in
            CLIENTS[f"client-{n}"] = {"secret": f"secret-{n}", "expires": expires,
                                      "grants": grants, "redirects": body.get("redirectUris") or []}
        self.reply(200, {"clientId": f"client-{n}", "clientSecret": f"secret-{n}",
                         "clientIdIssuedAt": now, "clientSecretExpiresAt": expires})

    def device_authorization(self, body):
        with state:
            fault = self.client_fault(body, DEVICE_GRANT)
        if fault:
            return self.oidc_error(*fault)
        if not body.get("startUrl"):
            return self.oidc_error("InvalidRequest", "invalid_request", "startUrl is required")
        with state:
            n = len(DEVICES) + 1
            device_code, user_code = f"device-{n}", f"ABCD-{n:04d}"
            DEVICES[device_code] = {"client": body["clientId"], "user_code": user_code,
                                    "polls": 0, "created": time.monotonic(),
                                    "decided": False, "used": False}
            USER_CODES[user_code] = device_code
        answer = {"deviceCode": device_code, "userCode": user_code,
                  "verificationUri": f"{self.base()}/device",
                  "verificationUriComplete": f"{self.base()}/device?user_code={user_code}",
                  "expiresIn": args.device_expires}
        if args.device_interval != "none":
            answer["interval"] = int(args.device_interval)
        self.reply(200, answer)

    def logout(self):
        token = self.headers.get("x-amz-sso_bearer_token")
        with state:
            valid = token in VALID
            VALID.discard(token)
        if not valid:
            return self.unauthorized()
        self.send_raw(200, b"", "application/json")

    def token(self, body):
        time.sleep(args.token_delay)
        grant = body.get("grantType")
        if grant == "refresh_token":
            outcome = self.refresh_grant(body)
        elif grant == DEVICE_GRANT:
            outcome = self.device_grant(body)
        elif grant == "authorization_code":
            outcome = self.code_grant(body)
        else:
            outcome = ("UnsupportedGrantType", "unsupported_grant_type",
                       f"Unsupported grant type: {grant}", 400)
        if len(outcome) == 4:
            return self.oidc_error(*outcome)
        if outcome[0] is None:
            # The refresh grant's refusal, as it always was: no description.
            return self.reply(400, {"error": "invalid_grant"},
                              f"InvalidGrantException:{OIDC_FAULT}")
        self.answer_token(*outcome)

    def refresh_grant(self, body):
        refresh = body.get("refreshToken")
        with state:
            client = CLIENTS.get(body.get("clientId"))
            fault = self.client_fault(body, "refresh_token")
            if fault and client is not None and client["secret"] == body.get("clientSecret"):
                return fault
            good = fault is None and LIVE_REFRESH.get(refresh) == body.get("clientId")
            if not good:
                return (None,)
            if not args.rotate and refresh == "refresh-1":
                return ("token-2", "refresh-2")
            if args.rotate:
                del LIVE_REFRESH[refresh]
            return issue(body["clientId"])

    def device_grant(self, body):
        with state:
            fault = self.client_fault(body, DEVICE_GRANT)
            if fault:
                return fault
            device = DEVICES.get(body.get("deviceCode"))
            if device is None or device["client"] != body["clientId"] or device["used"]:
                return ("InvalidGrant", "invalid_grant", "Invalid device code provided", 400)
            device["polls"] += 1
            polls = device["polls"]
            if time.monotonic() - device["created"] > args.device_expires:
                return ("ExpiredToken", "expired_token", "Device code has expired", 400)
            mode = args.device_mode
            if mode == "slow-down" and polls <= args.slow_downs:
                return ("SlowDown", "slow_down", "Client is polling too quickly", 400)
            after = args.approve_after
            if after is None and mode in ("deny", "expire"):
                after = 0
            decided = device["decided"] or (after is not None and polls > after)
            if not decided:
                return ("AuthorizationPending", "authorization_pending",
                        "Authorization is still pending", 400)
            if mode == "deny":
                return ("AccessDenied", "access_denied", "The user denied the request", 400)
            if mode == "expire":
                return ("ExpiredToken", "expired_token", "Device code has expired", 400)
            device["used"] = True
            return issue(body["clientId"])

    def code_grant(self, body):
        with state:
            fault = self.client_fault(body, "authorization_code")
            if fault:
                return fault
            code = CODES.get(body.get("code"))
            refused = ("InvalidGrant", "invalid_grant", "Invalid authorization code", 400)
            if code is None or code["used"] or code["client"] != body["clientId"]:
                return refused
            # A code is spent by its first exchange, good or bad.
            code["used"] = True
            if body.get("redirectUri") != code["redirect_uri"]:
                return ("InvalidGrant", "invalid_grant", "Redirect URI mismatch", 400)
            if challenge_of(body.get("codeVerifier") or "") != code["challenge"]:
                return ("InvalidGrant", "invalid_grant", "Code verifier mismatch", 400)
            return issue(body["clientId"])

    def answer_token(self, access, new_refresh):
        kind = args.token_answer
        if kind == "500":
            return self.reply(500, {"error": "server_error",
                                    "error_description": "OIDC backend unavailable"},
                              f"InternalServerException:{OIDC_FAULT}")
        if kind == "expired-token":
            return self.reply(400, {"error": "expired_token"},
                              f"ExpiredTokenException:{OIDC_FAULT}")
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
