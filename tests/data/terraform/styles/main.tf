locals {
  bucket = "my-bucket"
}

resource "aws_iam_role" "app" {
  name = "MyRole"
}

resource "aws_iam_role" "worker" {
  count = 2
  name  = "worker-${count.index}"
}

data "aws_iam_policy_document" "app" {
  statement {
    sid    = "Manage"
    effect = "Allow"
    actions = [
      "lambda:CreateFunction",
      "lambda:DeleteFunction",
    ]
    resources = ["*"]
  }

  statement {
    sid       = "Read"
    actions   = ["s3:GetObject", "s3:ListBucket"]
    resources = ["arn:aws:s3:::${local.bucket}/*"]
  }

  statement {
    sid       = "NoDelete"
    effect    = "Deny"
    actions   = ["s3:DeleteObject", "s3:Get*"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "app" {
  for_each = toset(["a"])
  role     = aws_iam_role.app.name
  policy   = data.aws_iam_policy_document.app.json
}

resource "aws_iam_role_policy" "app_json" {
  role = aws_iam_role.app.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "Lambda"
        Effect   = "Allow"
        Action   = ["lambda:UpdateFunctionCode", "lambda:GetFunction"]
        Resource = "*"
      },
      {
        Sid      = "Invoke"
        Effect   = "Allow"
        Action   = "lambda:Invoke*"
        Resource = "*"
      },
    ]
  })
}

# The workers' names are interpolated: no binding by name.
resource "aws_iam_role_policy" "worker" {
  count = 2
  role  = aws_iam_role.worker[count.index].name
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Action = ["lambda:GetFunction"], Resource = "*" }]
  })
}
