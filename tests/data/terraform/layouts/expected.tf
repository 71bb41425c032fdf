# Layouts `terraform fmt` leaves alone and the fixes must keep: two entries a line, a trailing
# comma on one line, `actions` after `resources`, a statement object (no list), one-line
# statements in a tuple, a comment above a statement that goes.
resource "aws_iam_role" "app" {
  name = "MyRole"

  inline_policy {
    name = "single"
    policy = jsonencode({
      Version = "2012-10-17"
      Statement = {
        Effect   = "Allow"
        Action   = ["s3:GetObject"]
        Resource = "*"
      }
    })
  }

  inline_policy {
    name   = "one-line-statements"
    policy = data.aws_iam_policy_document.pairs.json
  }
}

data "aws_iam_policy_document" "pairs" {
  version = "2012-10-17"

  # All unused: this statement goes, its comment stays.

  statement {
    resources = ["*"]
    actions = [
      "lambda:InvokeFunction",
      "lambda:ListTags",
      "s3:GetAccess*",
      "s3:GetAccountPublicAccessBlock",
      "s3:GetDataAccess",
      "s3:GetJobTagging",
      "s3:GetMulti*",
      "s3:GetObject*",
      "s3:GetStorage*", "s3:ListBucket",
    ]
  }
}

resource "aws_iam_role_policy" "tuple" {
  name = "tuple"
  role = aws_iam_role.app.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = ["lambda:InvokeAsync"], Resource = "*" },
    ]
  })
}
