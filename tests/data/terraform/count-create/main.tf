# `count = var.create ? 1 : 0` on every resource, as terraform-aws-modules write their optional
# pieces; references go through `[0]`.
variable "create" {
  description = "Whether to create the role and its policies"
  type        = bool
  default     = true
}

variable "create_policy" {
  type    = bool
  default = true
}

resource "aws_iam_role" "this" {
  count = var.create ? 1 : 0

  name                 = "MyRole"
  path                 = "/"
  max_session_duration = 3600
  assume_role_policy   = data.aws_iam_policy_document.assume[0].json
}

data "aws_iam_policy_document" "assume" {
  count = var.create ? 1 : 0

  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "this" {
  count = var.create && var.create_policy ? 1 : 0

  statement {
    sid    = "LambdaManage"
    effect = "Allow"
    actions = [
      "lambda:CreateFunction",
      "lambda:DeleteFunction",
      "lambda:InvokeFunction",
      "lambda:UpdateFunctionCode",
    ]
    resources = ["arn:aws:lambda:us-east-1:123456789012:function:my-lambda"]
  }

  statement {
    sid       = "S3Read"
    effect    = "Allow"
    actions   = ["s3:Get*", "s3:List*"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "this" {
  count = var.create && var.create_policy ? 1 : 0

  name   = "root"
  role   = aws_iam_role.this[0].id
  policy = data.aws_iam_policy_document.this[0].json
}

resource "aws_iam_policy" "extra" {
  count = var.create ? 1 : 0

  name        = "MyRole-extra"
  description = "Managed policy of the role"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "Configuration"
        Effect   = "Allow"
        Action   = ["lambda:GetFunctionConfiguration", "lambda:GetAccountSettings"]
        Resource = "*"
      },
    ]
  })
}

resource "aws_iam_role_policy_attachment" "extra" {
  count = var.create ? 1 : 0

  role       = aws_iam_role.this[0].name
  policy_arn = aws_iam_policy.extra[0].arn
}
