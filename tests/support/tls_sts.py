"""An HTTPS STS stand-in with a certificate from a private CA, or its own.

    tls_sts.py DIR [KIND]

KIND `private-ca` (the default): writes DIR/ca.pem, the CA that signed the
server's certificate (for localhost and 127.0.0.1).
KIND `self-signed`: the server's certificate is its own issuer, with CA:TRUE,
as `openssl req -x509` makes it (subject and authority key identifiers,
critical basicConstraints CA:TRUE), for localhost only (not 127.0.0.1);
DIR/ca.pem is that very certificate, and DIR/other.pem a different one made
the same way for the same name. `self-signed-expired`: the same, expired.

Then serves a fixed GetSessionToken answer to every POST on a free port of
127.0.0.1, prints the port, and runs until killed."""
import datetime
import http.server
import ssl
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

out = sys.argv[1]
kind = sys.argv[2] if len(sys.argv) > 2 else "private-ca"
now = datetime.datetime.now(datetime.timezone.utc)
year = datetime.timedelta(days=365)


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


ca_key = ec.generate_private_key(ec.SECP256R1())
ca = (
    x509.CertificateBuilder()
    .subject_name(name("awsmfa test CA"))
    .issuer_name(name("awsmfa test CA"))
    .public_key(ca_key.public_key())
    .serial_number(x509.random_serial_number())
    .not_valid_before(now - datetime.timedelta(days=1))
    .not_valid_after(now + year)
    .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    .add_extension(
        x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
    )
    .sign(ca_key, hashes.SHA256())
)
key = ec.generate_private_key(ec.SECP256R1())
import ipaddress  # noqa: E402

cert = (
    x509.CertificateBuilder()
    .subject_name(name("localhost"))
    .issuer_name(ca.subject)
    .public_key(key.public_key())
    .serial_number(x509.random_serial_number())
    .not_valid_before(now - datetime.timedelta(days=1))
    .not_valid_after(now + year)
    .add_extension(
        x509.SubjectAlternativeName(
            [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
        ),
        critical=False,
    )
    .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
    .sign(ca_key, hashes.SHA256())
)


def self_signed(not_after):
    """A certificate for localhost that is its own CA, as `openssl req -x509` makes it."""
    key = ec.generate_private_key(ec.SECP256R1())
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name("localhost"))
        .issuer_name(name("localhost"))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=30))
        .not_valid_after(not_after)
        .add_extension(ski, critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


pem = lambda c: c.public_bytes(serialization.Encoding.PEM)  # noqa: E731
if kind in ("self-signed", "self-signed-expired"):
    expired = kind == "self-signed-expired"
    cert, key = self_signed(now - datetime.timedelta(days=1) if expired else now + year)
    ca = cert
    with open(f"{out}/other.pem", "wb") as f:
        f.write(pem(self_signed(now + year)[0]))
elif kind != "private-ca":
    sys.exit(f"unknown kind {kind}")
with open(f"{out}/ca.pem", "wb") as f:
    f.write(pem(ca))
with open(f"{out}/server.pem", "wb") as f:
    f.write(pem(cert))
    f.write(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )

ANSWER = b"""<GetSessionTokenResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
<GetSessionTokenResult><Credentials>
<AccessKeyId>ASIAFAKETLSSESSION00</AccessKeyId>
<SecretAccessKey>fakeTlsSessionSecret/0000000000000000000</SecretAccessKey>
<SessionToken>FakeTlsSessionToken+/=</SessionToken>
<Expiration>2999-01-01T00:00:00Z</Expiration>
</Credentials></GetSessionTokenResult>
<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetSessionTokenResponse>"""


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(ANSWER)))
        self.end_headers()
        self.wfile.write(ANSWER)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(f"{out}/server.pem")
server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
