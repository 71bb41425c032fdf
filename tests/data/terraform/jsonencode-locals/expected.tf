locals {
  name   = "MyRole"
  region = "us-east-1"

  # Actions kept in a local: Terraform substitutes them, iamtrim leaves them alone.
  read_actions = [
    "s3:GetObject",
    "s3:ListBucket",
  ]

  # A whole policy in a local.
  deploy_policy = {
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["lambda:UpdateFunctionCode"]
      Resource = "*"
    }]
  }
}

variable "buckets" {
  type    = list(string)
  default = ["logs", "data"]
}

resource "aws_iam_role" "this" {
  name = local.name
}

# The role's name is a local: no literal name, so bound only through `[[bind]]`.
resource "aws_iam_role_policy" "mixed" {
  name = "${local.name}-mixed"
  role = aws_iam_role.this.id

  policy = jsonencode({
    "Version" = "2012-10-17"
    "Statement" = [
      {
        "Sid"    = "Quoted"
        "Effect" = "Allow"
        "Action" = [
          "lambda:InvokeFunction",
        ]
        "Resource" = "arn:aws:lambda:${local.region}:123456789012:function:my-lambda"
      },
      {
        Sid      = "FromLocal"
        Effect   = "Allow"
        Action   = local.read_actions
        Resource = "*"
      },
      {
        Sid    = "Concat"
        Effect = "Allow"
        Action = concat(local.read_actions, ["s3:PutObject"])
        Resource = [
          "arn:aws:s3:::my-bucket/*",
        ]
      },
      {
        Sid      = "Bare"
        Effect   = "Allow"
        Action   = [
          "s3:GetAccess*",
          "s3:GetAccountPublicAccessBlock",
          "s3:GetDataAccess",
          "s3:GetJobTagging",
          "s3:GetMulti*",
          "s3:GetObject*",
          "s3:GetStorage*"
        ]
        Resource = "*"
        Condition = {
          StringEquals = {
            "aws:RequestedRegion" = local.region
          }
        }
      },
    ]
  })
}

# Statements made by a `for` expression: Terraform builds them.
resource "aws_iam_role_policy" "per_bucket" {
  name = "per-bucket"
  role = aws_iam_role.this.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [for b in var.buckets : {
      Effect   = "Allow"
      Action   = ["s3:GetObject"]
      Resource = "arn:aws:s3:::${b}/*"
    }]
  })
}

# The policy is a local: not in this block.
resource "aws_iam_role_policy" "deploy" {
  name   = "deploy"
  role   = aws_iam_role.this.id
  policy = jsonencode(local.deploy_policy)
}

# A policy merged from a local and a literal statement: Terraform merges.
resource "aws_iam_role_policy" "merged" {
  name = "merged"
  role = aws_iam_role.this.id
  policy = jsonencode(merge(local.deploy_policy, {
    Statement = [{ Effect = "Allow", Action = ["lambda:DeleteFunction"], Resource = "*" }]
  }))
}
