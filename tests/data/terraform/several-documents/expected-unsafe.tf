# Several documents in one file, for several principals, as an application's iam.tf holds them.
locals {
  account_id = "444455556666"
  table_arn  = "arn:aws:dynamodb:us-east-1:${local.account_id}:table/app"
}

resource "aws_iam_role" "app" {
  name               = "MyRole"
  assume_role_policy = data.aws_iam_policy_document.ec2_assume.json
}

resource "aws_iam_role" "deployer" {
  name               = "ci-deployer"
  assume_role_policy = data.aws_iam_policy_document.ec2_assume.json
}

resource "aws_iam_instance_profile" "app" {
  name = "app"
  role = aws_iam_role.app.name
}

data "aws_iam_policy_document" "ec2_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "app_lambda" {
  statement {
    actions   = ["lambda:InvokeFunction"]
    resources = ["*"]
  }
}

data "aws_iam_policy_document" "deployer_tables" {
  statement {
    sid       = "Tables"
    actions   = ["dynamodb:DescribeTable"]
    resources = [local.table_arn]
  }
}

# One document for both roles: only what both leave unused may go.
data "aws_iam_policy_document" "both" {
  statement {
    actions = [
      "s3:GetObject",
      "s3:PutBucketPolicy",
    ]
    resources = ["*"]
  }
}

data "aws_iam_policy_document" "user" {
  statement {
    actions   = ["s3:GetBucketAcl"]
    resources = ["*"]
  }
}

# A role named by its literal name, not by reference.
resource "aws_iam_role_policy" "app_lambda" {
  name   = "lambda"
  role   = "MyRole"
  policy = data.aws_iam_policy_document.app_lambda.json
}

resource "aws_iam_role_policy" "deployer_tables" {
  name   = "tables"
  role   = aws_iam_role.deployer.id
  policy = data.aws_iam_policy_document.deployer_tables.json
}

resource "aws_iam_role_policy" "both_app" {
  name   = "both"
  role   = aws_iam_role.app.name
  policy = data.aws_iam_policy_document.both.json
}

resource "aws_iam_role_policy" "both_deployer" {
  name   = "both"
  role   = aws_iam_role.deployer.name
  policy = data.aws_iam_policy_document.both.json
}

# A user's policy: no finding speaks for a user.
resource "aws_iam_user_policy" "user" {
  name   = "user"
  user   = "deploy-bot"
  policy = data.aws_iam_policy_document.user.json
}

resource "aws_iam_group_policy" "ops" {
  name  = "ops"
  group = "ops"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "lambda:GetFunction", Resource = "*" }]
  })
}
