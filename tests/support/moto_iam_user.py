"""Creates an IAM user with an access key and a virtual MFA device in a moto
server, using exactly four requests (the ones moto lets through before it
starts checking signatures), and prints them as JSON."""
import json
import sys

import botocore.session

endpoint = sys.argv[1]
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
device = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice")["VirtualMFADevice"]
print(json.dumps({
    "access_key_id": key["AccessKeyId"],
    "secret_access_key": key["SecretAccessKey"],
    "device": device["SerialNumber"],
}))
