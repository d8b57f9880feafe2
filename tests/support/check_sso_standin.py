"""Drives the SSO stand-in (tests/support/sso_portal.py) with the real boto3
`sso-oidc` and `sso` clients, so that its wire format is AWS's: requests
boto3 serializes are understood, answers parse into the modeled shapes, and
each refusal raises the modeled exception class.

    check_sso_standin.py SCENARIO URL

URL is a stand-in started with the flags the scenario names (tests/standin.rs
starts them). Prints one line `ok: SCENARIO` and exits 0 when every check
holds; a failed check is a traceback and a non-zero exit. Exit 77 when boto3
cannot be imported."""
import base64
import hashlib
import http.client
import secrets
import string
import sys
import time
import urllib.parse
import uuid

try:
    import boto3
    import botocore
    from botocore.config import Config
    from botocore.utils import percent_encode_sequence
except ImportError as e:
    print(f"boto3 is missing: {e}", file=sys.stderr)
    sys.exit(77)

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
START_URL = "https://d-1234567890.awsapps.com/start"
REDIRECT = "http://127.0.0.1/oauth/callback"

scenario, url = sys.argv[1], sys.argv[2]
# Unsigned as the AWS CLI's SSO clients; no retries, so every answer is seen.
config = Config(signature_version=botocore.UNSIGNED, retries={"total_max_attempts": 1})
session = boto3.session.Session()
oidc = session.client("sso-oidc", endpoint_url=url, region_name="us-east-1", config=config)
sso = session.client("sso", endpoint_url=url, region_name="us-east-1", config=config)
OE, SE = oidc.exceptions, sso.exceptions
SCENARIOS = {}


def scenario_of(func):
    SCENARIOS[func.__name__.replace("_", "-")] = func
    return func


def raises(exc, call, oauth=None, **kwargs):
    """`call(**kwargs)` raises the modeled exception `exc`; with the OAuth
    error code `oauth` in its modeled `error` member."""
    try:
        call(**kwargs)
    except exc as e:
        if oauth is not None:
            assert e.response.get("error") == oauth, e.response
            assert e.response.get("error_description"), e.response
        return e
    except botocore.exceptions.ClientError as e:
        raise AssertionError(f"{call.__name__}: expected {exc.__name__}, got {e!r}") from e
    raise AssertionError(f"{call.__name__}: expected {exc.__name__}, got an answer")


def register_device():
    """As the AWS CLI registers for the device flow (sso-session, scopes)."""
    return oidc.register_client(clientName="botocore-client-my-sso", clientType="public",
                                scopes=["sso:account:access"])


def register_pkce():
    """As the AWS CLI registers for the authorization-code flow."""
    return oidc.register_client(clientName="botocore-client-my-sso", clientType="public",
                                grantTypes=["authorization_code", "refresh_token"],
                                redirectUris=[REDIRECT], issuerUrl=START_URL,
                                scopes=["sso:account:access"])


def start(client):
    return oidc.start_device_authorization(clientId=client["clientId"],
                                           clientSecret=client["clientSecret"],
                                           startUrl=START_URL)


def poll(client, auth):
    return oidc.create_token(grantType=DEVICE_GRANT, clientId=client["clientId"],
                             clientSecret=client["clientSecret"],
                             deviceCode=auth["deviceCode"])


def refresh(client, token):
    return oidc.create_token(grantType="refresh_token", clientId=client["clientId"],
                             clientSecret=client["clientSecret"], refreshToken=token)


def is_token(answer, n):
    assert answer["accessToken"] == f"token-{n}", answer
    assert answer["refreshToken"] == f"refresh-{n}", answer
    assert answer["tokenType"] == "Bearer", answer
    assert answer["expiresIn"] == 3600, answer


def get(path):
    """A GET as a browser sends it, redirects not followed: (status, headers, body)."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    conn.request("GET", path)
    answer = conn.getresponse()
    result = answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read().decode()
    conn.close()
    return result


def path_of(link):
    parts = urllib.parse.urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}" == url, link
    return f"{parts.path}?{parts.query}"


def pkce():
    """A verifier and the challenge the AWS CLI sends (its one '=' trimmed)."""
    verifier = "".join(secrets.choice(string.ascii_letters + string.digits + "-._~")
                       for _ in range(64))
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode()
    return verifier, challenge[:-1]


def authorize(client, redirect, challenge, state):
    """The authorize URL's path and query, built as the AWS CLI builds it."""
    query = {"response_type": "code", "client_id": client["clientId"], "redirect_uri": redirect,
             "state": state, "code_challenge_method": "S256", "scopes": "sso:account:access"}
    return f"/authorize?{percent_encode_sequence(query)}&code_challenge={challenge}"


def callback(location):
    parts = urllib.parse.urlsplit(location)
    return (f"{parts.scheme}://{parts.netloc}{parts.path}",
            {k: v[0] for k, v in urllib.parse.parse_qs(parts.query).items()})


def accounts(token, **pagination):
    pages = list(sso.get_paginator("list_accounts").paginate(
        accessToken=token, PaginationConfig=pagination))
    return pages, [a for p in pages for a in p["accountList"]]


def roles(token, account_id):
    pages = list(sso.get_paginator("list_account_roles").paginate(
        accessToken=token, accountId=account_id))
    return pages, [r for p in pages for r in p["roleList"]]


@scenario_of
def register():
    """Default flags."""
    now = time.time()
    device = oidc.register_client(clientName="botocore-client-1717171717", clientType="public")
    assert device["clientId"] == "client-2" and device["clientSecret"] == "secret-2", device
    assert abs(device["clientIdIssuedAt"] - now) < 5, device
    assert device["clientSecretExpiresAt"] - now > 89 * 24 * 3600, device
    scoped = register_device()
    assert scoped["clientId"] == "client-3", scoped
    both = raises(OE.InvalidClientMetadataException, oidc.register_client,
                  "invalid_client_metadata", clientName="botocore-client-x", clientType="public",
                  grantTypes=["authorization_code", DEVICE_GRANT, "refresh_token"],
                  redirectUris=[REDIRECT], issuerUrl=START_URL)
    assert both.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    code = register_pkce()
    assert code["clientId"] == "client-4", code
    # A client may only use the grants it registered for.
    raises(OE.UnauthorizedClientException, start, "unauthorized_client", client=code)
    auth = start(device)
    raises(OE.UnauthorizedClientException, oidc.create_token, "unauthorized_client",
           grantType="authorization_code", clientId=device["clientId"],
           clientSecret=device["clientSecret"], code="code-1", redirectUri=REDIRECT,
           codeVerifier="x" * 64)
    raises(OE.InvalidClientException, poll, "invalid_client",
           client={"clientId": device["clientId"], "clientSecret": "wrong"}, auth=auth)
    raises(OE.UnsupportedGrantTypeException, oidc.create_token, "unsupported_grant_type",
           grantType="password", clientId=device["clientId"],
           clientSecret=device["clientSecret"])


@scenario_of
def registration_expiry():
    """--registration-expires-in 0"""
    client = register_device()
    assert client["clientSecretExpiresAt"] == client["clientIdIssuedAt"], client
    raises(OE.InvalidClientException, start, "invalid_client", client=client)


@scenario_of
def device():
    """--approve-after 2"""
    client = register_device()
    auth = start(client)
    assert auth["deviceCode"] == "device-1", auth
    assert auth["userCode"] == "ABCD-0001", auth
    assert auth["verificationUri"] == f"{url}/device", auth
    assert auth["verificationUriComplete"] == f"{url}/device?user_code=ABCD-0001", auth
    assert (auth["expiresIn"], auth["interval"]) == (600, 1), auth
    for _ in range(2):
        raises(OE.AuthorizationPendingException, poll, "authorization_pending",
               client=client, auth=auth)
    is_token(poll(client, auth), 3)
    # A device code gives one token.
    raises(OE.InvalidGrantException, poll, "invalid_grant", client=client, auth=auth)
    # Approved in the browser: the next poll has the token.
    auth = start(client)
    status, _, page = get(path_of(auth["verificationUriComplete"]))
    assert status == 200 and "approved" in page, (status, page)
    is_token(poll(client, auth), 4)
    # The issued token is good at the portal, its refresh token at OIDC
    # (again and again: no rotation without --rotate).
    _, found = accounts("token-3")
    assert len(found) == 3, found
    is_token(refresh(client, "refresh-3"), 5)
    is_token(refresh(client, "refresh-3"), 6)
    # Another client's refresh token is refused.
    other = register_device()
    raises(OE.InvalidGrantException, refresh, client=other, token="refresh-4")


@scenario_of
def slow_down():
    """--device-mode slow-down --approve-after 3"""
    client = register_device()
    auth = start(client)
    raises(OE.SlowDownException, poll, "slow_down", client=client, auth=auth)
    for _ in range(2):
        raises(OE.AuthorizationPendingException, poll, "authorization_pending",
               client=client, auth=auth)
    is_token(poll(client, auth), 3)


@scenario_of
def deny():
    """--device-mode deny"""
    client = register_device()
    auth = start(client)
    e = raises(OE.AccessDeniedException, poll, "access_denied", client=client, auth=auth)
    assert e.response["Error"]["Code"] == "AccessDeniedException", e.response


@scenario_of
def expire():
    """--device-mode expire"""
    client = register_device()
    raises(OE.ExpiredTokenException, poll, "expired_token", client=client, auth=start(client))


@scenario_of
def device_timeout():
    """--device-expires 1 --device-interval none"""
    client = register_device()
    auth = start(client)
    assert "interval" not in auth and auth["expiresIn"] == 1, auth
    raises(OE.AuthorizationPendingException, poll, "authorization_pending",
           client=client, auth=auth)
    time.sleep(1.2)
    raises(OE.ExpiredTokenException, poll, "expired_token", client=client, auth=auth)


def exchange(client, code, verifier, redirect):
    return oidc.create_token(grantType="authorization_code", clientId=client["clientId"],
                             clientSecret=client["clientSecret"], code=code,
                             codeVerifier=verifier, redirectUri=redirect)


@scenario_of
def auth_code():
    """Default flags."""
    client = register_pkce()
    redirect = "http://127.0.0.1:53817/oauth/callback"
    verifier, challenge = pkce()
    state = str(uuid.uuid4())
    status, headers, _ = get(authorize(client, redirect, challenge, state))
    assert status == 302, (status, headers)
    target, query = callback(headers["location"])
    assert target == redirect, headers
    assert query == {"code": "code-1", "state": state}, query
    is_token(exchange(client, "code-1", verifier, redirect), 3)
    # A code is good once.
    raises(OE.InvalidGrantException, exchange, "invalid_grant", client=client, code="code-1",
           verifier=verifier, redirect=redirect)
    # Another verifier, or another redirect URI than the one authorized: refused.
    get(authorize(client, redirect, challenge, state))
    raises(OE.InvalidGrantException, exchange, "invalid_grant", client=client, code="code-2",
           verifier=pkce()[0], redirect=redirect)
    get(authorize(client, redirect, challenge, state))
    raises(OE.InvalidGrantException, exchange, "invalid_grant", client=client, code="code-3",
           verifier=verifier, redirect="http://127.0.0.1:53818/oauth/callback")
    # Another client's code.
    get(authorize(client, redirect, challenge, state))
    other = register_pkce()
    raises(OE.InvalidGrantException, exchange, "invalid_grant", client=other, code="code-4",
           verifier=verifier, redirect=redirect)
    # A redirect URI that was not registered, a client registered for the
    # device flow, or no challenge: an error page, no redirect.
    for path in [authorize(client, "http://127.0.0.1:53817/elsewhere", challenge, state),
                 authorize(client, "http://evil.example/oauth/callback", challenge, state),
                 authorize(register_device(), redirect, challenge, state),
                 authorize(client, redirect, "", state)]:
        status, headers, _ = get(path)
        assert status == 400 and "location" not in headers, (path, status, headers)
    # The token is good at the portal; its refresh token at OIDC.
    _, found = accounts("token-3")
    assert len(found) == 3
    is_token(refresh(client, "refresh-3"), 4)


@scenario_of
def auth_deny():
    """--authorize-mode deny"""
    client = register_pkce()
    redirect = "http://127.0.0.1:40000/oauth/callback"
    status, headers, _ = get(authorize(client, redirect, pkce()[1], "s-1"))
    assert status == 302, status
    target, query = callback(headers["location"])
    assert target == redirect
    assert query["error"] == "access_denied" and query["state"] == "s-1", query
    assert query["error_description"] and "code" not in query, query


@scenario_of
def auth_bad_state():
    """--authorize-mode bad-state"""
    client = register_pkce()
    redirect = "http://127.0.0.1:40000/oauth/callback"
    verifier, challenge = pkce()
    status, headers, _ = get(authorize(client, redirect, challenge, "s-1"))
    assert status == 302, status
    _, query = callback(headers["location"])
    assert query["state"] != "s-1", query
    is_token(exchange(client, query["code"], verifier, redirect), 3)


@scenario_of
def auth_never():
    """--authorize-mode never"""
    client = register_pkce()
    status, headers, page = get(authorize(client, "http://127.0.0.1:40000/oauth/callback",
                                          pkce()[1], "s-1"))
    assert status == 200 and "location" not in headers and "<html" in page, (status, headers)


LEGACY = {"clientId": "client-1", "clientSecret": "secret-1"}


@scenario_of
def refresh_legacy():
    """Default flags: the refresh the export tests rely on."""
    is_token(refresh(LEGACY, "refresh-1"), 2)
    is_token(refresh(LEGACY, "refresh-1"), 2)
    raises(OE.InvalidGrantException, refresh, client=LEGACY, token="refresh-2")
    raises(OE.InvalidGrantException, refresh, client=LEGACY, token="refresh-spent")
    raises(OE.InvalidGrantException, refresh,
           client={"clientId": "client-1", "clientSecret": "wrong"}, token="refresh-1")


@scenario_of
def rotate():
    """--rotate"""
    is_token(refresh(LEGACY, "refresh-1"), 2)
    raises(OE.InvalidGrantException, refresh, client=LEGACY, token="refresh-1")
    is_token(refresh(LEGACY, "refresh-2"), 3)
    # The counter is shared with the other grants.
    client = register_device()
    oidc_auth = start(client)
    get(path_of(oidc_auth["verificationUriComplete"]))
    is_token(poll(client, oidc_auth), 4)
    is_token(refresh(client, "refresh-4"), 5)
    raises(OE.InvalidGrantException, refresh, client=client, token="refresh-4")


@scenario_of
def expired_token_answer():
    """--token-answer expired-token"""
    raises(OE.ExpiredTokenException, refresh, client=LEGACY, token="refresh-1")


@scenario_of
def server_error_answer():
    """--token-answer 500"""
    e = raises(OE.InternalServerException, refresh, "server_error", client=LEGACY,
               token="refresh-1")
    assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 500


@scenario_of
def portal():
    """--accounts 5"""
    pages, found = accounts("token-1")
    assert len(pages) == 3, pages
    assert [p.get("nextToken") for p in pages] == ["page-2", "page-4", None], pages
    assert [a["accountId"] for a in found] == [str(i) * 12 for i in range(1, 6)], found
    assert found[0] == {"accountId": "111111111111", "accountName": "Account 1",
                        "emailAddress": "account-1@example.com"}, found
    pages, found = accounts("token-1", PageSize=1)
    assert len(pages) == 5 and len(found) == 5, pages
    for i, account in enumerate(found, start=1):
        pages, names = roles("token-2", account["accountId"])
        expected = ["ReadOnly", "Admin"] + (["Developer"] if i % 2 else [])
        assert [r["roleName"] for r in names] == expected, names
        assert all(r["accountId"] == account["accountId"] for r in names), names
        assert len(pages) == (2 if i % 2 else 1), pages
    creds = sso.get_role_credentials(roleName="Admin", accountId="111111111111",
                                     accessToken="token-1")["roleCredentials"]
    assert creds["accessKeyId"] == "ASIASSOFAKE1111", creds
    assert creds["secretAccessKey"] and creds["sessionToken"], creds
    assert abs(creds["expiration"] / 1000 - time.time() - 3600) < 60, creds
    e = raises(botocore.exceptions.ClientError, sso.get_role_credentials, roleName="Denied",
               accountId="111111111111", accessToken="token-1")
    assert e.response["Error"]["Code"] == "ForbiddenException", e.response
    raises(SE.UnauthorizedException, sso.list_accounts, accessToken="token-9")
    raises(SE.UnauthorizedException, sso.get_role_credentials, roleName="Admin",
           accountId="111111111111", accessToken="token-9")
    raises(SE.InvalidRequestException, sso.list_accounts, accessToken="token-1",
           nextToken="garbage")
    # Logout: the token is no longer valid, anywhere.
    assert sso.logout(accessToken="token-1")["ResponseMetadata"]["HTTPStatusCode"] == 200
    raises(SE.UnauthorizedException, sso.list_accounts, accessToken="token-1")
    raises(SE.UnauthorizedException, sso.list_account_roles, accessToken="token-1",
           accountId="111111111111")
    raises(SE.UnauthorizedException, sso.logout, accessToken="token-1")
    assert len(accounts("token-2")[1]) == 5


@scenario_of
def no_accounts():
    """--accounts 0"""
    pages, found = accounts("token-1")
    assert found == [] and len(pages) == 1, pages


@scenario_of
def rate_limit():
    """--max-rps 2"""
    sso.list_accounts(accessToken="token-1")
    sso.list_account_roles(accessToken="token-1", accountId="111111111111")
    raises(SE.TooManyRequestsException, sso.list_accounts, accessToken="token-1")
    time.sleep(1.1)
    sso.list_accounts(accessToken="token-1")


SCENARIOS[scenario]()
print(f"ok: {scenario}")
