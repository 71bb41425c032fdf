#!/usr/bin/env python3
"""Writes a Terraform repository of FILES `.tf` files to DIR (2.5 policies a file on average: an
`aws_iam_policy_document` attached with `aws_iam_role_policy`, a `jsonencode` policy, and every
other file a heredoc one), roles named `role-<i>` with literal names, one folder a module of 10
files, plus the AWS example's snapshot (role MyRole, which file 0 holds) and an iamtrim.toml.
Used by benches/check.rs: `python3 scripts/gen-terraform.py 2000 DIR`."""

import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def tf(i: int) -> str:
    name = "MyRole" if i == 0 else f"role-{i}"
    out = f'''# Module part {i}.
resource "aws_iam_role" "r{i}" {{
  name               = "{name}"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}}

data "aws_iam_policy_document" "d{i}" {{
  statement {{
    sid = "Lambda"
    actions = [
      "lambda:AddPermission",
      "lambda:GetFunction",
      "lambda:Invoke*",
    ]
    resources = ["arn:aws:lambda:us-east-1:123456789012:function:f{i}"]
  }}
  statement {{
    actions   = ["s3:Get*", "s3:List*"]
    resources = ["arn:aws:s3:::bucket-{i}/*"]
  }}
}}

resource "aws_iam_role_policy" "p{i}" {{
  name   = "p{i}"
  role   = aws_iam_role.r{i}.id
  policy = data.aws_iam_policy_document.d{i}.json
}}

resource "aws_iam_role_policy" "j{i}" {{
  name = "j{i}"
  role = aws_iam_role.r{i}.name
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Effect   = "Allow"
      Action   = ["sqs:SendMessage", "sqs:ReceiveMessage"]
      Resource = "*"
    }}]
  }})
}}
'''
    if i % 2 == 0:
        out += f'''
resource "aws_iam_role_policy" "h{i}" {{
  name   = "h{i}"
  role   = aws_iam_role.r{i}.id
  policy = <<-EOF
    {{
      "Version": "2012-10-17",
      "Statement": [
        {{"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem"], "Resource": "*"}}
      ]
    }}
  EOF
}}
'''
    return out


def main() -> None:
    files, out = int(sys.argv[1]), sys.argv[2]
    for i in range(files):
        folder = os.path.join(out, "infra", f"m{i // 10}")
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, f"part{i}.tf"), "w", encoding="utf-8") as f:
            f.write(tf(i))
    with open(os.path.join(out, "infra", "m0", "assume.tf"), "w", encoding="utf-8") as f:
        f.write('data "aws_iam_policy_document" "assume" {\n  statement {\n    actions = ["sts:AssumeRole"]\n    principals {\n      type        = "Service"\n      identifiers = ["lambda.amazonaws.com"]\n    }\n  }\n}\n')
    snap = os.path.join(out, "snapshot")
    shutil.copytree(os.path.join(HERE, "..", "examples", "aws-blog", "snapshot"), snap)
    with open(os.path.join(out, "iamtrim.toml"), "w", encoding="utf-8") as f:
        f.write('snapshot = "snapshot"\nmax-snapshot-age = "36500d"\n')


if __name__ == "__main__":
    main()
