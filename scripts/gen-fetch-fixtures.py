#!/usr/bin/env python3
"""Writes tests/data/fetch/responses/: the AWS CLI outputs the stand-in `aws`
(tests/data/fetch/bin/aws) serves to scripts/fetch-snapshot.sh in tests/it/fetch.rs.

Deterministic, stdlib only: `python3 scripts/gen-fetch-fixtures.py [DIR]` rewrites the folder
(or writes DIR instead; the tests check that regenerating changes nothing). Field names as IAM Access Analyzer, IAM and STS print them.

The organization: one organization unused-access analyzer in account 111111111111 (the
credentials' account), 50 roles spread over three accounts (111111111111 listed with the
credentials, 222222222222 with --account-profile 222222222222=member-b, 333333333333 not
listed), UnusedPermission findings (one with two pages of details, one whose recommendation is
IN_PROGRESS first, one with two pages of steps, one whose details stay throttled), several
UnusedIAMRole findings, roles analyzed with nothing unused, and two roles created after the
analysis. Throttling on some first calls, empty pages with a nextToken.
"""

import json
import shutil
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests/data/fetch/responses"

REGION = "eu-west-1"
ANALYZER_NAME = "org-unused"
ANALYZER = f"arn:aws:access-analyzer:{REGION}:111111111111:analyzer/{ANALYZER_NAME}"
ANALYZED_AT = "2026-11-30T10:00:00+00:00"
FINDING_AT = "2026-11-30T09:30:00+00:00"
ACCOUNTS = ["111111111111", "222222222222", "333333333333"]
ROLES = 50
UNUSED_ROLE = {3, 10, 17, 25, 32}
CREATED_LATER = {45, 46}
UNUSED_PERMISSION = [i for i in range(ROLES) if i % 4 == 0 and i not in UNUSED_ROLE and i < 45]
DETAILS_IN_TWO_PAGES = 8
DETAILS_THROTTLED_ONCE = 12
DETAILS_ALWAYS_THROTTLED = 40
RECOMMENDATION_IN_PROGRESS = 0
STEPS_IN_TWO_PAGES = 4


def throttled(operation, code="ThrottlingException"):
    # What the CLI prints for a throttled call with AWS_MAX_ATTEMPTS=1, exit code 254.
    return (
        f"\nAn error occurred ({code}) when calling the {operation} operation "
        "(reached max retries: 0): Rate exceeded\n"
    )


def account(i):
    return ACCOUNTS[i % 3]


def arn(i):
    path = "team/" if i == 7 else ""
    return f"arn:aws:iam::{account(i)}:role/{path}svc-{i:02d}"


def finding_id(i):
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"iamtrim-fetch-fixture/finding/{i}"))


# What each role's policy grants, and what of it is unused (for UnusedPermission findings).
SERVICES = [
    ("s3", ["GetObject", "PutObject", "GetBucketAcl", "GetBucketPolicy", "DeleteObject"]),
    ("dynamodb", ["GetItem", "PutItem", "DeleteTable", "UpdateTable"]),
    ("sqs", ["SendMessage", "ReceiveMessage", "DeleteQueue"]),
]


def details(i):
    """The finding's unusedPermissionDetails: two services' unused actions, and for every third
    finding a whole service (kms) unused."""
    out = []
    for k in range(2):
        svc, actions = SERVICES[(i // 4 + k) % len(SERVICES)]
        unused = actions[2 + (i // 4) % 2 :]
        out.append(
            {
                "unusedPermissionDetails": {
                    "serviceNamespace": svc,
                    "actions": [
                        {"action": a, "lastAccessed": "2026-05-30T16:20:00+00:00"}
                        if j == 0
                        else {"action": a}
                        for j, a in enumerate(unused)
                    ],
                    "lastAccessed": "2026-11-16T09:12:44+00:00",
                }
            }
        )
    if (i // 4) % 3 == 0:
        out.append({"unusedPermissionDetails": {"serviceNamespace": "kms"}})
    return out


def summary(i, finding_type):
    return {
        "analyzedAt": FINDING_AT,
        "createdAt": "2026-09-02T10:11:12.345000+00:00",
        "id": finding_id(i),
        "resource": arn(i),
        "resourceType": "AWS::IAM::Role",
        "resourceOwnerAccount": account(i),
        "status": "ACTIVE",
        "updatedAt": FINDING_AT,
        "findingType": finding_type,
    }


def files():
    out = {}
    out["accessanalyzer.get-analyzer.org-unused.json"] = {
        "analyzer": {
            "arn": ANALYZER,
            "name": ANALYZER_NAME,
            "type": "ORGANIZATION_UNUSED_ACCESS",
            "createdAt": "2026-01-05T08:00:00+00:00",
            "lastResourceAnalyzed": arn(49),
            "lastResourceAnalyzedAt": ANALYZED_AT,
            "tags": {},
            "status": "ACTIVE",
            "configuration": {"unusedAccess": {"unusedAccessAge": 90}},
        }
    }
    out["sts.get-caller-identity.json"] = {
        "UserId": "AROAEXAMPLEFETCH:fetch",
        "Account": ACCOUNTS[0],
        "Arn": f"arn:aws:sts::{ACCOUNTS[0]}:assumed-role/fetch/fetch",
    }

    # list-findings-v2: UnusedPermission in pages of 4 (page 2 throttled once, page 3 empty with
    # a nextToken), UnusedIAMRole an empty first page with a nextToken, then all.
    perm = [summary(i, "UnusedPermission") for i in UNUSED_PERMISSION]
    pages = [perm[0:4], perm[4:8], [], perm[8:]]
    key = "accessanalyzer.list-findings-v2.UnusedPermission"
    for n, page in enumerate(pages, 1):
        body = {"findings": page}
        if n < len(pages):
            body["nextToken"] = f"up-{n + 1}"
        name = key if n == 1 else f"{key}.t-up-{n}"
        out[f"{name}.json"] = body
    out[f"{key}.t-up-2.1.err"] = throttled("ListFindingsV2")
    key = "accessanalyzer.list-findings-v2.UnusedIAMRole"
    out[f"{key}.json"] = {"findings": [], "nextToken": "ur-2"}
    out[f"{key}.t-ur-2.json"] = {
        "findings": [summary(i, "UnusedIAMRole") for i in sorted(UNUSED_ROLE)]
    }

    for i in UNUSED_PERMISSION:
        fid = finding_id(i)
        full = dict(summary(i, "UnusedPermission"), error=None, findingDetails=details(i))
        key = f"accessanalyzer.get-finding-v2.{fid}"
        if i == DETAILS_IN_TWO_PAGES:
            d = full["findingDetails"]
            out[f"{key}.json"] = dict(full, findingDetails=d[:1], nextToken="p2")
            out[f"{key}.t-p2.json"] = dict(full, findingDetails=d[1:])
        elif i == DETAILS_ALWAYS_THROTTLED:
            out[f"{key}.err"] = throttled("GetFindingV2")
        else:
            out[f"{key}.json"] = full
        if i == DETAILS_THROTTLED_ONCE:
            out[f"{key}.1.err"] = throttled("GetFindingV2", "TooManyRequestsException")
        # generate-finding-recommendation answers with an empty body: the CLI prints nothing.
        out[f"accessanalyzer.generate-finding-recommendation.{fid}.json"] = ""
        steps = []
        for k, d in enumerate(full["findingDetails"]):
            svc = d["unusedPermissionDetails"]["serviceNamespace"]
            steps.append(
                {
                    "unusedPermissionsRecommendedStep": {
                        "recommendedAction": "DETACH_POLICY",
                        "existingPolicyId": f"svc-{i:02d}-{svc}",
                    }
                }
            )
            if svc == "kms":
                continue
            granted = dict(SERVICES)[svc]
            unused = {a["action"] for a in d["unusedPermissionDetails"]["actions"]}
            policy = {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": [f"{svc}:{a}" for a in granted if a not in unused],
                        "Resource": "*",
                    }
                ],
            }
            steps.append(
                {
                    "unusedPermissionsRecommendedStep": {
                        "recommendedAction": "CREATE_POLICY",
                        "recommendedPolicy": json.dumps(policy, separators=(",", ":")),
                        "existingPolicyId": f"svc-{i:02d}-{svc}",
                    }
                }
            )
        rec = {
            "recommendedSteps": steps,
            "status": "SUCCEEDED",
            "error": None,
            "completedAt": "2026-11-30T10:05:41.402113+00:00",
            "recommendationType": "UNUSED_PERMISSION_RECOMMENDATION",
            "resourceArn": arn(i),
            "startedAt": "2026-11-30T10:05:37+00:00",
        }
        key = f"accessanalyzer.get-finding-recommendation.{fid}"
        if i == STEPS_IN_TWO_PAGES:
            out[f"{key}.json"] = dict(rec, recommendedSteps=steps[:1], nextToken="r2")
            out[f"{key}.t-r2.json"] = dict(rec, recommendedSteps=steps[1:])
        else:
            out[f"{key}.json"] = rec
        if i == RECOMMENDATION_IN_PROGRESS:
            out[f"{key}.1.json"] = {
                "recommendedSteps": [],
                "status": "IN_PROGRESS",
                "error": None,
                "recommendationType": "UNUSED_PERMISSION_RECOMMENDATION",
                "resourceArn": arn(i),
                "startedAt": "2026-11-30T10:05:37+00:00",
            }

    # iam list-roles: the credentials' account in two pages (the second throttled once), the
    # member-b profile's account in one.
    def role(i):
        name = f"svc-{i:02d}"
        created = (
            "2026-12-01T08:00:00+00:00"
            if i in CREATED_LATER
            else f"2026-{1 + i % 9:02d}-{1 + i % 27:02d}T12:00:00+00:00"
        )
        return {
            "Path": "/team/" if i == 7 else "/",
            "RoleName": name,
            "RoleId": f"AROAFETCH{i:02d}EXAMPLE",
            "Arn": arn(i),
            "CreateDate": created,
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            },
            "MaxSessionDuration": 3600,
        }

    own = [role(i) for i in range(ROLES) if account(i) == ACCOUNTS[0]]
    out["iam.list-roles.json"] = {"Roles": own[:9], "IsTruncated": True, "Marker": "roles-2"}
    out["iam.list-roles.m-roles-2.json"] = {"Roles": own[9:], "IsTruncated": False}
    out["iam.list-roles.m-roles-2.1.err"] = throttled("ListRoles", "Throttling")
    member = [role(i) for i in range(ROLES) if account(i) == ACCOUNTS[1]]
    out["iam.list-roles.member-b.json"] = {"Roles": member, "IsTruncated": False}
    return out


def main():
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for name, body in sorted(files().items()):
        if isinstance(body, str):
            text = body
        else:
            text = json.dumps(body, indent=4) + "\n"
        (out / name).write_text(text)


if __name__ == "__main__":
    main()
