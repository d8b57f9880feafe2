"""Creates an IAM user with an access key and virtual MFA devices in a moto
server, and prints them as JSON.

    moto_iam_user.py ENDPOINT [ENABLED]

Without ENABLED: one device, created but not enabled for the user, in exactly
four requests. With ENABLED = N >= 1: N devices, each enabled for the user, in
3 + 2N requests. Those are the requests moto lets through (with
INITIAL_NO_AUTH_ACTION_COUNT) before it starts checking signatures. The tests
and scripts/demo.sh use it."""
import json
import sys

import botocore.session

endpoint = sys.argv[1]
enabled = int(sys.argv[2]) if len(sys.argv) > 2 else 0
session = botocore.session.get_session()
iam = session.create_client(
    "iam",
    region_name="us-east-1",
    endpoint_url=endpoint,
    aws_access_key_id="AKIASETUPFAKEFAKE000",
    aws_secret_access_key="setup-fake-secret",
)
iam.create_user(UserName="alice")
iam.put_user_policy(
    UserName="alice",
    PolicyName="everything",
    PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    ),
)
key = iam.create_access_key(UserName="alice")["AccessKey"]
devices = []
for i in range(max(enabled, 1)):
    name = "alice" if i == 0 else f"alice-{i}"
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]["SerialNumber"]
    if enabled:
        iam.enable_mfa_device(
            UserName="alice",
            SerialNumber=serial,
            AuthenticationCode1="123456",
            AuthenticationCode2="654321",
        )
    devices.append(serial)
print(json.dumps({
    "access_key_id": key["AccessKeyId"],
    "secret_access_key": key["SecretAccessKey"],
    "device": devices[0],
    "devices": devices,
}))
