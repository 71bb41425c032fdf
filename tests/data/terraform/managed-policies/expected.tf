# Managed policies and the ways modules attach them: `aws_iam_role_policy_attachment`,
# `aws_iam_policy_attachment` with a list of roles, the role's own `managed_policy_arns`, and AWS
# managed policies by ARN (not in this file).
resource "aws_iam_role" "deployer" {
  name                = "ci-deployer"
  assume_role_policy  = data.aws_iam_policy_document.ci_assume.json
  managed_policy_arns = [aws_iam_policy.tables.arn]
}

data "aws_iam_policy_document" "ci_assume" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = ["arn:aws:iam::444455556666:oidc-provider/token.actions.githubusercontent.com"]
    }

    condition {
      test     = "StringLike"
      variable = "token.actions.githubusercontent.com:sub"
      values   = ["repo:example/app:*"]
    }
  }
}

data "aws_iam_policy_document" "tables" {
  statement {
    sid = "Tables"
    actions = [
      "dynamodb:CreateTable",
      "dynamodb:DescribeTable",
    ]
    resources = ["arn:aws:dynamodb:us-east-1:444455556666:table/app-*"]
  }

  statement {
    sid       = "Items"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"]
    resources = ["arn:aws:dynamodb:us-east-1:444455556666:table/app-*"]
  }
}

resource "aws_iam_policy" "tables" {
  name   = "ci-deployer-tables"
  path   = "/ci/"
  policy = data.aws_iam_policy_document.tables.json
}

# kms is unused as a whole by ci-deployer: its removal is unsafe.
resource "aws_iam_policy" "keys" {
  name = "ci-deployer-keys"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "Keys"
        Effect   = "Allow"
        Action   = ["kms:Decrypt", "kms:GenerateDataKey", "s3:GetObject"]
        Resource = "*"
      }
    ]
  })
}

resource "aws_iam_policy_attachment" "keys" {
  name       = "ci-deployer-keys"
  roles      = [aws_iam_role.deployer.name]
  policy_arn = aws_iam_policy.keys.arn
}

resource "aws_iam_role_policy_attachment" "readonly" {
  role       = aws_iam_role.deployer.name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}

# A role nobody used: every policy of it is reported, none is edited.
resource "aws_iam_role" "batch" {
  name               = "legacy-batch"
  assume_role_policy = data.aws_iam_policy_document.ci_assume.json
}

resource "aws_iam_policy" "batch" {
  name = "legacy-batch"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = ["sqs:ReceiveMessage", "sqs:DeleteMessage"], Resource = "*" },
      { Effect = "Allow", Action = ["logs:PutLogEvents"], Resource = "*" },
    ]
  })
}

resource "aws_iam_role_policy_attachment" "batch" {
  role       = aws_iam_role.batch.id
  policy_arn = aws_iam_policy.batch.arn
}

# Attached to both roles: only what both left unused may go (legacy-batch is unused as a whole).
resource "aws_iam_policy" "shared" {
  name = "shared-read"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["s3:ListBucket"]
      Resource = "*"
    }]
  })
}

resource "aws_iam_policy_attachment" "shared" {
  name       = "shared-read"
  roles      = [aws_iam_role.deployer.name, aws_iam_role.batch.name]
  policy_arn = aws_iam_policy.shared.arn
}
