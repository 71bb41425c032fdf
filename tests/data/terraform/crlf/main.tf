# Written on Windows: every line ends in CRLF, heredoc lines too.
resource "aws_iam_role" "app" {
  name = "MyRole"

  inline_policy {
    name = "heredoc"
    policy = <<-EOF
      {
        "Version": "2012-10-17",
        "Statement": [
          {
            "Effect": "Allow",
            "Action": "lambda:Invoke*",
            "Resource": "*"
          },
          {
            "Effect": "Allow",
            "Action": ["lambda:GetFunction", "lambda:DeleteFunction"],
            "Resource": "*"
          }
        ]
      }
    EOF
  }
}

data "aws_iam_policy_document" "app" {
  statement {
    actions = [
      "lambda:AddPermission",
      "lambda:InvokeFunction",
      "lambda:UpdateFunctionConfiguration", # unused
    ]
    resources = ["*"]
  }

  statement {
    actions   = ["s3:Get*"]
    resources = ["*"]
  }

  statement {
    actions   = ["lambda:CreateFunction"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "app" {
  role   = aws_iam_role.app.name
  policy = data.aws_iam_policy_document.app.json
}

resource "aws_iam_role_policy" "encoded" {
  role = aws_iam_role.app.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = "s3:Get*"
        Resource = "*"
      },
    ]
  })
}
